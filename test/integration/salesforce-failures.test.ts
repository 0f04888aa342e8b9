import jsforce from 'jsforce'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import type { Connector } from '../../connectors/contract.js'
import { defineSalesforceConnector } from '../../connectors/salesforce/index.js'
import type { SalesforceRule } from '../../connectors/salesforce/rule.js'
import { ConnectorError } from '../../src/errors.js'
import { freePort } from '../servers/ports.js'
import { connectorFor, orgOptions, ruleOf, search } from '../servers/salesforce/harness.js'
import { startTestOrg, type TestOrg } from '../servers/salesforce/org.js'
import type { RecordedRequest } from '../servers/salesforce/server.js'
import { connectorFailure } from '../harness/failure.js'

let org: TestOrg
let byEmail: SalesforceRule
const open: Connector<SalesforceRule>[] = []

beforeAll(async () => {
  org = await startTestOrg()
  byEmail = ruleOf({ soql: 'SELECT Id FROM Contact WHERE Email = {email}' }, ['email'])
})

beforeEach(() => {
  org.server.requests.length = 0
  org.server.clearFaults()
})

afterAll(async () => {
  await Promise.all(open.map((connector) => connector.close()))
  await org?.stop()
})

function connect(
  options = orgOptions(org),
  definition = defineSalesforceConnector(),
): Connector<SalesforceRule> {
  const connector = connectorFor(org, options, definition)
  open.push(connector)
  return connector
}

async function loggedIn(): Promise<Connector<SalesforceRule>> {
  const connector = connect()
  await connector.check(AbortSignal.timeout(10_000))
  org.server.requests.length = 0
  return connector
}

function findBob(connector: Connector<SalesforceRule>, signal?: AbortSignal): Promise<unknown> {
  return search(connector, byEmail, { email: 'bob.jones@example.com' }, ['Id'], 25, signal)
}

/** Waits until the server has seen the client drop the connection of `request`. */
async function droppedBy(request: RecordedRequest | undefined): Promise<boolean> {
  for (let tries = 0; tries < 100 && request && !request.closedEarly; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return request?.closedEarly ?? false
}

describe('salesforce rate limits', () => {
  it.each(['rate_limit_403', 'rate_limit_429'] as const)(
    'reports %s on a query as rate_limit without retrying',
    async (answer) => {
      const connector = await loggedIn()
      org.server.inject({ target: 'data', answer })

      const error = await connectorFailure(findBob(connector))
      expect(error.kind).toBe('rate_limit')
      expect(org.server.requests).toHaveLength(1)
    },
  )

  it('reports a rate-limited login as rate_limit', async () => {
    org.server.inject({ target: 'token', answer: 'rate_limit_429' })
    expect((await connectorFailure(findBob(connect()))).kind).toBe('rate_limit')
  })
})

describe('salesforce deadlines and retries', () => {
  it('asks a query once when a page says more follow but names no next page', async () => {
    const connector = await loggedIn()
    org.server.inject({ target: 'data', answer: 'no_next_page', times: 50 })
    await expect(findBob(connector)).resolves.toEqual([{ Id: '003000000000001AAA' }])
    expect(org.server.requests).toHaveLength(1)
  })

  it('retries a failed GET a bounded number of times', async () => {
    const connector = await loggedIn()
    org.server.inject({ target: 'data', answer: 'unavailable', times: 2 })
    await expect(findBob(connector)).resolves.toEqual([{ Id: 'c1001' }])
    expect(org.server.requests).toHaveLength(3)

    org.server.requests.length = 0
    org.server.inject({ target: 'data', answer: 'unavailable', times: 10 })
    const error = await connectorFailure(findBob(connector))
    expect(error).toMatchObject({
      kind: 'unreachable',
      message: expect.stringContaining('HTTP 503'),
    })
    expect(org.server.requests).toHaveLength(3)
  })

  it('stops retrying when the deadline passes during the back-off', async () => {
    const patient = defineSalesforceConnector(jsforce, { retries: 5, backoffMs: 600_000 })
    const connector = connect(orgOptions(org), patient)
    await connector.check(AbortSignal.timeout(10_000))
    org.server.inject({ target: 'data', answer: 'unavailable', times: 10 })

    expect((await connectorFailure(findBob(connector, AbortSignal.timeout(300)))).kind).toBe(
      'timeout',
    )
  })

  it('aborts a query the server never answers and drops its connection', async () => {
    const connector = await loggedIn()
    org.server.inject({ target: 'data', answer: 'hang' })

    expect((await connectorFailure(findBob(connector, AbortSignal.timeout(300)))).kind).toBe(
      'timeout',
    )
    expect(await droppedBy(org.server.requests.find((request) => request.soql))).toBe(true)
    await expect(findBob(connector)).resolves.toEqual([{ Id: 'c1001' }])
  })

  it('ends a lookup at its deadline while the login hangs', async () => {
    org.server.inject({ target: 'token', answer: 'hang' })
    const connector = connect()

    expect((await connectorFailure(findBob(connector, AbortSignal.timeout(300)))).kind).toBe(
      'timeout',
    )
    await connector.close()
    expect(await droppedBy(org.server.requests.find((request) => request.form))).toBe(true)
  })

  it('reports a login server that does not listen as unreachable', async () => {
    const port = await freePort()
    const connector = connect(orgOptions(org, { loginUrl: `http://127.0.0.1:${port}` }))
    const error = await connectorFailure(connector.check(AbortSignal.timeout(10_000)))
    expect(error).toMatchObject({
      kind: 'unreachable',
      message: expect.stringContaining('ECONNREFUSED'),
    })
  })

  it('refuses lookups after close', async () => {
    const connector = await loggedIn()
    await connector.close()
    await connector.close()
    expect(await connectorFailure(findBob(connector))).toBeInstanceOf(ConnectorError)
  })
})
