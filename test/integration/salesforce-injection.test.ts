import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Connector } from '../../connectors/contract.js'
import type { SalesforceRule } from '../../connectors/salesforce/rule.js'
import { connectorFor, ruleOf, search } from '../servers/salesforce/harness.js'
import { startTestOrg, type TestOrg } from '../servers/salesforce/org.js'

const HOSTILE = [
  "' OR Name != '",
  "\\' OR Name != \\'",
  '\\',
  '%',
  '_',
  'line\nbreak',
  "x'\n OR Id != '",
]

let org: TestOrg
let connector: Connector<SalesforceRule>

beforeAll(async () => {
  org = await startTestOrg()
  connector = connectorFor(org)
})

afterAll(async () => {
  await connector?.close()
  await org?.stop()
})

/** Sends raw SOQL or SOSL to the test server, bypassing the connector. */
async function raw(resource: 'query' | 'search', text: string): Promise<number> {
  const { clientId, clientSecret } = org.credentials
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
  })
  const login = await fetch(`${org.server.url}/services/oauth2/token`, {
    method: 'POST',
    body: form,
  })
  const { access_token } = (await login.json()) as { access_token: string }
  const url = `${org.server.url}/services/data/v62.0/${resource}?q=${encodeURIComponent(text)}`
  const answer = (await (
    await fetch(url, { headers: { authorization: `Bearer ${access_token}` } })
  ).json()) as {
    records?: unknown[]
    searchRecords?: unknown[]
  }
  return (answer.records ?? answer.searchRecords ?? []).length
}

describe('salesforce placeholders', () => {
  it('test server evaluates pasted-in values, so the attacks below would work unescaped', async () => {
    expect(await raw('query', "SELECT Id FROM Contact WHERE Email = '' OR Name != ''")).toBe(7)
    expect(await raw('query', "SELECT Id FROM Contact WHERE LastName LIKE '%'")).toBe(7)
    expect(await raw('search', 'FIND {Bob OR Alice} IN NAME FIELDS RETURNING Contact(Id)')).toBe(2)
    expect(await raw('search', 'FIND {Jo*} IN NAME FIELDS RETURNING Contact(Id)')).toBe(2)
  })

  it('binds hostile values as literals in exact SOQL placeholders', async () => {
    const rule = ruleOf(
      { soql: 'SELECT Id FROM Contact WHERE Email = {email} OR Phone = {phone}' },
      ['email', 'phone'],
    )
    for (const value of HOSTILE) {
      expect(await search(connector, rule, { email: value, phone: value }, ['Id']), value).toEqual(
        [],
      )
    }
    const sent = org.server.requests.find((request) => request.soql?.includes('OR Phone'))
    expect(sent?.soql).toBe(
      "SELECT Id FROM Contact WHERE Email = '\\' OR Name != \\'' OR Phone = '\\' OR Name != \\'' LIMIT 25",
    )
  })

  it('escapes LIKE wildcards in prefix and contains placeholders', async () => {
    const prefix = ruleOf({ soql: 'SELECT Id FROM Contact WHERE LastName LIKE {last%}' }, ['last'])
    const contains = ruleOf({ soql: 'SELECT Id FROM Contact WHERE LastName LIKE {%last%}' }, [
      'last',
    ])
    const ids = async (rule: SalesforceRule, last: string): Promise<string[]> =>
      (await search(connector, rule, { last }, ['Id'])).map((record) => record.Id ?? '').sort()

    for (const value of HOSTILE) expect(await ids(prefix, value), value).toEqual([])
    expect(await ids(contains, '%')).toEqual(['c1005'])
    expect(await ids(contains, '_')).toEqual(['c1005'])
    expect(await ids(contains, '\\')).toEqual(['c1004'])
    expect(await ids(contains, "' OR Name != '")).toEqual([])
    expect(await ids(contains, 'line\nbreak')).toEqual([])
    expect(await ids(prefix, "O'H")).toEqual(['c1007'])
  })

  it('escapes the SOSL search term and literals inside RETURNING', async () => {
    const rule = ruleOf(
      { sosl: 'FIND {term} IN NAME FIELDS RETURNING Contact(Id WHERE Email != {email})' },
      ['term', 'email'],
    )
    const hostileTerms = [
      ...HOSTILE,
      'Bob OR Alice',
      'Jo*',
      '} RETURNING User(Id',
      'Jones AND NOT Bob',
      '"Bob"',
    ]
    for (const value of hostileTerms) {
      expect(await search(connector, rule, { term: value, email: value }, ['Id']), value).toEqual(
        [],
      )
    }
    const found = await search(connector, rule, { term: "O'Hara", email: "' OR Name != '" }, ['Id'])
    expect(found).toEqual([{ Id: 'c1007' }])
  })
})
