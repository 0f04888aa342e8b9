import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { describeConnectorContract } from '../../connectors/contract-suite.js'
import type { Connector } from '../../connectors/contract.js'
import { salesforceConnector } from '../../connectors/salesforce/index.js'
import type { SalesforceRule } from '../../connectors/salesforce/rule.js'
import { connectorFor, orgOptions, ruleOf, search } from '../servers/salesforce/harness.js'
import { startTestOrg, type TestOrg } from '../servers/salesforce/org.js'

const FIELDS = 'Id, FirstName, LastName, Email, Phone, Account.Name'
const MAP = {
  customer_id: 'Id',
  first_name: 'FirstName',
  last_name: 'LastName',
  email: 'Email',
  phone: 'Phone',
  organization: 'Account.Name',
}

let org: TestOrg

beforeAll(async () => {
  org = await startTestOrg()
})

afterAll(async () => {
  await org?.stop()
})

describeConnectorContract('salesforce', () => ({
  definition: salesforceConnector,
  options: orgOptions(org),
  rules: {
    byId: { soql: `SELECT ${FIELDS} FROM Contact WHERE Id = {customer_id}` },
    byEmail: { soql: `SELECT ${FIELDS} FROM Contact WHERE Email = {email}` },
    byLastName: { soql: `SELECT ${FIELDS} FROM Contact WHERE LastName LIKE {last_name%}` },
  },
  map: MAP,
  broken: {
    options: orgOptions(org, { clientSecret: 'wrong-secret-51c2' }),
    secret: 'wrong-secret-51c2',
  },
}))

describe('salesforce queries', () => {
  let connector: Connector<SalesforceRule>
  const attributes = Object.values(MAP)

  beforeAll(() => {
    connector = connectorFor(org)
  })

  beforeEach(() => {
    org.server.requests.length = 0
    org.server.batchSize = 2000
    org.server.honourLimit = true
  })

  afterAll(async () => {
    await connector?.close()
  })

  it('sends the SOQL with an escaped literal, a LIMIT, the pinned version and the bearer token', async () => {
    const rule = ruleOf({ soql: `SELECT ${FIELDS} FROM Contact WHERE Email = {email}` }, ['email'])
    await search(connector, rule, { email: "quinn.o'hara@example.com" }, attributes, 10)

    const sent = org.server.requests.filter((request) => request.soql !== undefined)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.soql).toBe(
      `SELECT ${FIELDS} FROM Contact WHERE Email = 'quinn.o\\'hara@example.com' LIMIT 10`,
    )
    expect(sent[0]!.version).toBe('62.0')
    expect(sent[0]!.bearer).toMatch(/^00D000000000001!/)
  })

  it('uses the configured API version', async () => {
    const pinned = connectorFor(org, orgOptions(org, { apiVersion: 58 }))
    const rule = ruleOf({ soql: 'SELECT Id FROM Contact WHERE Email = {email}' }, ['email'])
    await search(pinned, rule, { email: 'bob.jones@example.com' }, ['Id'])
    await pinned.close()

    expect(org.server.requests.find((request) => request.soql)?.version).toBe('58.0')
  })

  it('reads relationship fields and never returns the attributes', async () => {
    const rule = ruleOf(
      { soql: 'SELECT Id, Account.Name, Owner.Email FROM Contact WHERE Id = {customer_id}' },
      ['customer_id'],
    )
    const records = await search(connector, rule, { customer_id: 'c1002' }, [
      'Id',
      'Account.Name',
      'Owner.Email',
      'attributes',
    ])

    expect(records).toEqual([
      {
        Id: 'c1002',
        'Account.Name': 'Jones <Holdings>',
        'Owner.Email': 'olivia.owner@example.com',
      },
    ])
  })

  it('follows nextRecordsUrl while under the limit', async () => {
    org.server.batchSize = 2
    const rule = ruleOf({ soql: 'SELECT Id FROM Contact WHERE Email LIKE {%email%} ORDER BY Id' }, [
      'email',
    ])
    const records = await search(connector, rule, { email: 'example.com' }, ['Id'], 5)

    expect(records.map((record) => record.Id)).toEqual([
      'c1001',
      'c1002',
      'c1003',
      'c1004',
      'c1005',
    ])
    expect(org.server.requests.map((request) => request.path.split('/').pop())).toEqual([
      'query',
      '01g000000000001-2',
      '01g000000000001-4',
    ])
  })

  it('does not follow nextRecordsUrl once the limit is reached', async () => {
    org.server.batchSize = 2
    org.server.honourLimit = false
    const rule = ruleOf({ soql: 'SELECT Id FROM Contact WHERE Email LIKE {%email%} ORDER BY Id' }, [
      'email',
    ])
    const records = await search(connector, rule, { email: 'example.com' }, ['Id'], 2)

    expect(records).toHaveLength(2)
    expect(org.server.requests).toHaveLength(1)
  })

  it('runs SOSL rules with the term escaped and the limit added', async () => {
    const rule = ruleOf(
      { sosl: 'FIND {name%} IN NAME FIELDS RETURNING Contact(Id, Name, Account.Name)' },
      ['name'],
    )
    const records = await search(connector, rule, { name: 'jon' }, ['Id', 'Account.Name'], 5)

    expect(records.map((record) => record.Id).sort()).toEqual(['c1001', 'c1002'])
    expect(org.server.requests.at(-1)!.sosl).toBe(
      'FIND {jon*} IN NAME FIELDS RETURNING Contact(Id, Name, Account.Name) LIMIT 5',
    )
  })

  it('sends no SOSL search for a term shorter than Salesforce accepts', async () => {
    const rule = ruleOf({ sosl: 'FIND {name} RETURNING Contact(Id)' }, ['name'])
    expect(await search(connector, rule, { name: 'J' }, ['Id'])).toEqual([])
    expect(await search(connector, rule, { name: ' \n_ ' }, ['Id'])).toEqual([])
    expect(org.server.requests).toEqual([])
  })

  it('reports a refused query as a query error', async () => {
    const rule = ruleOf({ soql: 'SELECT Id, Nope__c FROM Contact WHERE Email = {email}' }, [
      'email',
    ])
    const error = await search(connector, rule, { email: 'x' }, ['Id']).catch(
      (caught: unknown) => caught,
    )

    expect(error).toMatchObject({
      kind: 'query',
      message: expect.stringContaining('INVALID_FIELD'),
    })
  })
})
