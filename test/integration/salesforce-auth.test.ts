import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'

import type { Connector } from '../../connectors/contract.js'
import type { SalesforceRule } from '../../connectors/salesforce/rule.js'
import { LOGIN_RETRY_MS } from '../../connectors/salesforce/session.js'
import { connectorFor, orgOptions, ruleOf, search } from '../servers/salesforce/harness.js'
import { startTestOrg, type TestOrg } from '../servers/salesforce/org.js'
import { connectorFailure } from '../harness/failure.js'

let org: TestOrg
let byEmail: SalesforceRule
const open: Connector<SalesforceRule>[] = []

beforeAll(async () => {
  org = await startTestOrg()
  byEmail = ruleOf({ soql: 'SELECT Id, Email FROM Contact WHERE Email = {email}' }, ['email'])
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
  extra: Record<string, unknown> = {},
  base = orgOptions(org),
): Connector<SalesforceRule> {
  const connector = connectorFor(org, { ...base, ...extra })
  open.push(connector)
  return connector
}

function passwordOptions(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { username, password } = org.credentials
  const plain = password.slice(0, -org.securityToken.length)
  return {
    loginUrl: org.server.url,
    username,
    password: plain,
    securityToken: org.securityToken,
    ...extra,
  }
}

function jwtOptions(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { clientId, username } = org.credentials
  return { loginUrl: org.server.url, clientId, username, privateKey: 'jwt.pem', ...extra }
}

const tokenRequests = (): typeof org.server.requests =>
  org.server.requests.filter((r) => r.form || r.path.includes('/Soap/'))
const queries = (): typeof org.server.requests =>
  org.server.requests.filter((r) => r.soql !== undefined)

async function findBob(connector: Connector<SalesforceRule>): Promise<string | undefined> {
  const [bob] = await search(connector, byEmail, { email: 'bob.jones@example.com' }, ['Id'])
  return bob?.Id
}

describe('salesforce login', () => {
  it('logs in with client credentials once and reuses the token', async () => {
    const connector = connect()
    await connector.check(AbortSignal.timeout(10_000))
    expect(await findBob(connector)).toBe('c1001')
    await Promise.all([findBob(connector), findBob(connector)])

    const [login, ...more] = tokenRequests()
    expect(more).toEqual([])
    expect(login!.form).toEqual({
      grant_type: 'client_credentials',
      client_id: org.credentials.clientId,
      client_secret: org.credentials.clientSecret,
    })
    expect(new Set(queries().map((query) => query.bearer)).size).toBe(1)
  })

  it('shares one login between concurrent first lookups', async () => {
    const connector = connect()
    expect(await Promise.all([findBob(connector), findBob(connector), findBob(connector)])).toEqual(
      ['c1001', 'c1001', 'c1001'],
    )
    expect(tokenRequests()).toHaveLength(1)
  })

  it('logs in with the OAuth username-password flow, the security token appended', async () => {
    const { clientId, clientSecret, username, password } = org.credentials
    expect(await findBob(connect(passwordOptions({ clientId, clientSecret })))).toBe('c1001')
    expect(tokenRequests()[0]!.form).toEqual({
      grant_type: 'password',
      username,
      password,
      client_id: clientId,
      client_secret: clientSecret,
    })
  })

  it('logs in through the SOAP login call when no connected app is given', async () => {
    expect(await findBob(connect({}, passwordOptions()))).toBe('c1001')
    expect(tokenRequests().map((request) => request.path)).toEqual(['/services/Soap/u/62.0'])
  })

  it('logs in with a JWT bearer assertion signed by the private key file', async () => {
    expect(await findBob(connect({}, jwtOptions()))).toBe('c1001')

    const form = tokenRequests()[0]!.form!
    expect(Object.keys(form).sort()).toEqual(['assertion', 'grant_type'])
    expect(form.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer')
    const decode = (part: string): Record<string, unknown> =>
      JSON.parse(Buffer.from(part, 'base64url').toString())
    const [header, claims] = form
      .assertion!.split('.')
      .slice(0, 2)
      .map((part) => decode(part))
    expect(header).toEqual({ alg: 'RS256' })
    expect(claims).toMatchObject({
      iss: org.credentials.clientId,
      sub: org.credentials.username,
      aud: org.server.url,
    })
    expect(claims!.exp).toBeGreaterThan(Date.now() / 1000)
  })

  it('refuses a JWT for the wrong audience or without its key file', async () => {
    const audience = await connectorFailure(
      connect({}, jwtOptions({ audience: 'https://test.salesforce.com' })).check(
        AbortSignal.timeout(10_000),
      ),
    )
    expect(audience).toMatchObject({
      kind: 'auth',
      message: expect.stringContaining('audience is invalid'),
    })

    const missing = await connectorFailure(
      connect({}, jwtOptions({ privateKey: 'missing.pem' })).check(AbortSignal.timeout(10_000)),
    )
    expect(missing).toMatchObject({ kind: 'auth', message: expect.stringContaining('missing.pem') })
  })

  it.each([
    [
      'client secret',
      () => orgOptions(org, { clientSecret: 'not-the-secret-9' }),
      'not-the-secret-9',
      'invalid_client',
    ],
    [
      'OAuth password',
      () => passwordOptions({ ...org.credentials, password: 'n0t-it-8' }),
      'n0t-it-8',
      'authentication failure',
    ],
    ['SOAP password', () => passwordOptions({ password: 'n0t-it-7' }), 'n0t-it-7', 'INVALID_LOGIN'],
  ])('fails as auth with a wrong %s, never showing it', async (_, options, secret, reason) => {
    const connector = connect({}, options())
    const error = await connectorFailure(connector.check(AbortSignal.timeout(10_000)))
    expect(error.kind).toBe('auth')
    expect(error.message).toContain(reason)
    expect(error.message).not.toContain(secret)

    const again = await connectorFailure(findBob(connector))
    expect(again.kind).toBe('auth')
    expect(tokenRequests()).toHaveLength(1)
  })

  it('fails check when the pinned API version does not exist', async () => {
    const error = await connectorFailure(
      connect({ apiVersion: '99.0' }).check(AbortSignal.timeout(10_000)),
    )
    expect(error).toMatchObject({ kind: 'query', message: expect.stringContaining('NOT_FOUND') })
  })
})

describe('salesforce sessions', () => {
  it('renews an expired session once and retries the lookup', async () => {
    const connector = connect()
    await findBob(connector)
    org.server.expireTokens()

    expect(await findBob(connector)).toBe('c1001')
    const [first, expired, retried] = queries().map((query) => query.bearer)
    expect(expired).toBe(first)
    expect(retried).not.toBe(first)
    expect(tokenRequests()).toHaveLength(2)
  })

  it('gives up as auth when the renewed session is refused too', async () => {
    const connector = connect()
    await findBob(connector)
    org.server.inject({ target: 'data', answer: 'expired', times: 2 })

    const error = await connectorFailure(findBob(connector))
    expect(error).toMatchObject({
      kind: 'auth',
      message: expect.stringContaining('INVALID_SESSION_ID'),
    })
    expect(tokenRequests()).toHaveLength(2)
    expect(queries()).toHaveLength(3)

    // Remembered like a refused login: no new login until the retry time has passed.
    const again = await connectorFailure(findBob(connector))
    expect(again.message).toBe(error.message)
    expect(tokenRequests()).toHaveLength(2)
    const later = Date.now() + LOGIN_RETRY_MS + 1
    vi.spyOn(Date, 'now').mockReturnValue(later)
    try {
      expect(await findBob(connector)).toBe('c1001')
    } finally {
      vi.restoreAllMocks()
    }
    expect(tokenRequests()).toHaveLength(3)
  })
})
