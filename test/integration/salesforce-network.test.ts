import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { join } from 'node:path'

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import type { Connector } from '../../connectors/contract.js'
import type { SalesforceRule } from '../../connectors/salesforce/rule.js'
import { startConnectProxy, type ConnectProxy } from '../servers/connect-proxy.js'
import { makeTestCertificates, type TestCertificates } from '../servers/certificates.js'
import { connectorFor, orgOptions, ruleOf, search } from '../servers/salesforce/harness.js'
import { startTestOrg, type TestOrg } from '../servers/salesforce/org.js'
import { connectorFailure } from '../harness/failure.js'

const PROXY_LOGIN = 'relay:pr0xy-secret'

let folder: string
let certificates: TestCertificates
let org: TestOrg
let proxy: ConnectProxy
let byEmail: SalesforceRule
const open: Connector<SalesforceRule>[] = []

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'salesforce-tls-'))
  certificates = makeTestCertificates(folder)
  org = await startTestOrg(certificates)
  proxy = await startConnectProxy(PROXY_LOGIN)
  byEmail = ruleOf({ soql: 'SELECT Id, Email FROM Contact WHERE Email = {email}' }, ['email'])
})

beforeEach(() => {
  proxy.tunnels.length = 0
  org.server.requests.length = 0
})

afterAll(async () => {
  await Promise.all(open.map((connector) => connector.close()))
  await proxy?.close()
  await org?.stop()
  await rm(folder, { recursive: true, force: true })
})

function connect(extra: Record<string, unknown>): Connector<SalesforceRule> {
  const connector = connectorFor(org, orgOptions(org, extra))
  open.push(connector)
  return connector
}

async function findBob(connector: Connector<SalesforceRule>): Promise<string[]> {
  const records = await search(connector, byEmail, { email: 'bob.jones@example.com' }, ['Email'])
  return records.map((record) => record.Email ?? '')
}

describe('Salesforce over HTTPS', () => {
  it('trusts a server signed by the certificate authority in ca', async () => {
    expect(org.server.url).toMatch(/^https:/)
    const connector = connect({ ca: certificates.caFile })
    expect(await findBob(connector)).toEqual(['bob.jones@example.com'])
  })

  it('refuses a server it cannot trust, and says to set ca', async () => {
    const error = await connectorFailure(connect({}).check(AbortSignal.timeout(10_000)))
    expect(error.kind).toBe('unreachable')
    expect(error.message).toMatch(/cannot trust Salesforce's certificate .*set ca/)
    expect(org.server.requests).toEqual([])
  })

  it('says which ca file it cannot read', async () => {
    const error = await connectorFailure(
      connect({ ca: 'missing-ca.pem' }).check(AbortSignal.timeout(5_000)),
    )
    expect(error.message).toContain('missing-ca.pem')
  })
})

describe('Salesforce through a proxy', () => {
  it('tunnels every call through the proxy with its login, and keeps the tunnel open', async () => {
    const url = new URL(proxy.url)
    url.username = 'relay'
    url.password = 'pr0xy-secret'
    const connector = connect({ ca: certificates.caFile, proxy: url.href })

    expect(await findBob(connector)).toEqual(['bob.jones@example.com'])
    expect(await findBob(connector)).toEqual(['bob.jones@example.com'])

    const target = new URL(org.server.url).host
    const login = `Basic ${Buffer.from(PROXY_LOGIN).toString('base64')}`
    expect(proxy.tunnels).toEqual([{ target, authorization: login }])
    expect(org.server.requests.map((request) => request.path)).toEqual([
      '/services/oauth2/token',
      expect.stringMatching(/\/query$/),
      expect.stringMatching(/\/query$/),
    ])
  })

  it('drops a tunnel the proxy never answers once the connector closes', async () => {
    const held = new Set<Socket>()
    // Reads the CONNECT request and never answers it.
    const silent = createServer((socket) => {
      held.add(socket)
      socket.once('close', () => held.delete(socket)).resume()
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as AddressInfo
    const proxied = orgOptions(org, { ca: certificates.caFile, proxy: `http://127.0.0.1:${port}` })
    const connector = connectorFor(org, proxied)
    try {
      const error = await connectorFailure(connector.check(AbortSignal.timeout(300)))
      expect(error.kind).toBe('timeout')
      expect(held.size).toBe(1)

      await connector.close()
      for (let i = 0; i < 100 && held.size > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(held.size).toBe(0)
    } finally {
      for (const socket of held) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  it('reports a proxy that refuses the login, without the proxy password', async () => {
    const url = new URL(proxy.url)
    url.username = 'relay'
    url.password = 'wrong-password'
    const connector = connect({ ca: certificates.caFile, proxy: url.href })

    const error = await connectorFailure(connector.check(AbortSignal.timeout(10_000)))
    expect(error.kind).toBe('unreachable')
    expect(error.message).toContain('refused the tunnel with HTTP 407')
    expect(error.message).not.toContain('wrong-password')
    expect(org.server.requests).toEqual([])
  })
})
