import { createServer, type Server, type Socket } from 'node:net'

import { Client, type ClientOptions } from 'ldapts'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

import type { Connector } from '../../connectors/contract.js'
import { createLdapConnector, ldapConnector } from '../../connectors/ldap/index.js'
import type { LdapLibrary } from '../../connectors/ldap/index.js'
import type { CompiledLdapRule } from '../../connectors/ldap/rule.js'
import { ConnectorError } from '../../src/errors.js'
import { CONTRACT_DIRECTORY } from '../servers/ldap-fixtures/people.js'
import { freePort } from '../servers/ports.js'
import { type SlapdServer, startSlapd } from '../servers/slapd.js'
import { startStallingLdap } from '../servers/stalling-ldap.js'
import { connectorFailure } from '../harness/failure.js'
import { testLogger } from '../harness/secrets.js'

const context = {
  name: 'directory',
  logger: testLogger().logger,
  configDir: process.cwd(),
  timeoutMs: 3_000,
}
const BASE = 'dc=example,dc=com'

let primary: SlapdServer
let secondary: SlapdServer
let silent: Server
let silentPort: number
const held: Socket[] = []

beforeAll(async () => {
  const bob = CONTRACT_DIRECTORY[0]!
  ;[primary, secondary] = await Promise.all([
    startSlapd({ people: [{ ...bob, o: 'primary' }] }),
    startSlapd({ people: [{ ...bob, o: 'secondary' }] }),
  ])
  silent = createServer((socket) => void held.push(socket))
  silentPort = await freePort()
  await new Promise<void>((resolve) => silent.listen(silentPort, '127.0.0.1', resolve))
})

afterAll(async () => {
  for (const socket of held) socket.destroy()
  await new Promise((resolve) => silent?.close(resolve))
  await Promise.all([primary?.stop(), secondary?.stop()])
})

/** ldapts with a count of the connections it opens. */
function countingLibrary(): LdapLibrary & { opened: () => number } {
  let opened = 0
  class CountingClient extends Client {
    constructor(options: ClientOptions) {
      super(options)
      opened++
    }
  }
  return { Client: CountingClient, opened: () => opened }
}

function build(
  options: Record<string, unknown>,
  library?: LdapLibrary,
): Connector<CompiledLdapRule> {
  const parsed = ldapConnector.options.parse({ baseDN: BASE, ...options })
  return createLdapConnector(parsed, context, library)
}

const byId = ldapConnector.compile(
  { filter: '(uid={customer_id})', when: ['customer_id'] },
  ldapConnector.options.parse({ url: 'ldap://127.0.0.1', baseDN: BASE }),
)

async function company(
  connector: Connector<CompiledLdapRule>,
  timeoutMs = 5_000,
): Promise<string | undefined> {
  const records = await connector.search({
    rule: byId,
    input: { customer_id: 'c1001' },
    attributes: ['uid', 'o'],
    limit: 5,
    signal: AbortSignal.timeout(timeoutMs),
  })
  return records[0]?.['o']
}

describe('ldap connector faults', () => {
  it('reuses one warm bound connection for sequential lookups', async () => {
    const library = countingLibrary()
    const connector = build(
      { url: primary.url, bindDN: primary.bindDN, password: primary.password },
      library,
    )
    try {
      for (let i = 0; i < 20; i++) expect(await company(connector)).toBe('primary')
      expect(library.opened()).toBe(1)
    } finally {
      await connector.close()
    }
  })

  it('grows to at most poolSize connections under concurrent lookups', async () => {
    const library = countingLibrary()
    const connector = build({ url: primary.url, poolSize: 3 }, library)
    try {
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(Array.from({ length: 32 }, () => company(connector)))
        expect(new Set(answers)).toEqual(new Set(['primary']))
      }
      expect(library.opened()).toBeLessThanOrEqual(3)
    } finally {
      await connector.close()
    }
  })

  it('replaces connections the server dropped without failing the next lookup', async () => {
    const library = countingLibrary()
    const connector = build(
      { url: primary.url, bindDN: primary.bindDN, password: primary.password },
      library,
    )
    try {
      expect(await company(connector)).toBe('primary')
      await primary.kill()
      await primary.restart()
      expect(await company(connector)).toBe('primary')
      expect(library.opened()).toBe(2)
    } finally {
      await connector.close()
    }
  })

  it('fails fast while the server is down and recovers when it is back', async () => {
    const library = countingLibrary()
    const connector = build({ url: primary.url, failback: '100ms' }, library)
    try {
      expect(await company(connector)).toBe('primary')
      await primary.kill()

      const error = await connectorFailure(company(connector))
      expect(error.kind).toBe('unreachable')
      expect(error.message).toContain('connection refused')

      await primary.restart()
      await new Promise((resolve) => setTimeout(resolve, 150))
      expect(await company(connector)).toBe('primary')
      expect(library.opened()).toBeGreaterThan(1)
    } finally {
      await connector.close()
    }
  })

  it('fails over to the next url and moves back to the first once it answers', async () => {
    const connector = build({ url: [primary.url, secondary.url], failback: '200ms' })
    try {
      expect(await company(connector)).toBe('primary')
      await primary.kill()
      expect(await company(connector)).toBe('secondary')
      expect(await company(connector)).toBe('secondary')

      await primary.restart()
      let answer: string | undefined
      for (let attempt = 0; attempt < 50 && answer !== 'primary'; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        answer = await company(connector)
      }
      expect(answer).toBe('primary')
    } finally {
      await connector.close()
    }
  })

  it('passes over a server once two lookups in a row go unanswered on its connection', async () => {
    const connector = build({ url: [primary.url, secondary.url], failback: '60s' })
    try {
      expect(await company(connector)).toBe('primary')
      await primary.pause()
      // The connection is open and bound; only the answers stop coming.
      expect((await connectorFailure(company(connector, 300))).kind).toBe('timeout')
      expect((await connectorFailure(company(connector, 300))).kind).toBe('timeout')
      expect(await company(connector, 2_000)).toBe('secondary')
      expect(await company(connector, 2_000)).toBe('secondary')
    } finally {
      primary.resume()
      await connector.close()
    }
  })

  it('keeps a server that answers between two lookups it left unanswered', async () => {
    const connector = build({ url: [primary.url, secondary.url], failback: '60s' })
    try {
      expect(await company(connector)).toBe('primary')
      for (let round = 0; round < 2; round++) {
        await primary.pause()
        expect((await connectorFailure(company(connector, 300))).kind).toBe('timeout')
        primary.resume()
        // One miss, then an answer: the count starts over, so two misses never meet.
        expect(await company(connector)).toBe('primary')
      }
    } finally {
      primary.resume()
      await connector.close()
    }
  })

  it('skips a url where nothing listens', async () => {
    const closedPort = await freePort()
    const connector = build({ url: [`ldap://127.0.0.1:${closedPort}`, secondary.url] })
    try {
      expect(await company(connector)).toBe('secondary')
    } finally {
      await connector.close()
    }
  })

  it('bounds a server that accepts connections but never answers by the timeout', async () => {
    const connector = build({ url: `ldap://127.0.0.1:${silentPort}` })
    try {
      const searchError = await connectorFailure(company(connector, 300))
      expect(searchError.kind).toBe('timeout')
      const checkError = await connectorFailure(connector.check(AbortSignal.timeout(300)))
      expect(checkError.kind).toBe('timeout')
    } finally {
      await connector.close()
    }
  })

  it('gives up on a server that stalls after StartTLS, fails over, and still closes', async () => {
    const stalling = await startStallingLdap()
    const connector = build({
      url: [stalling.url, secondary.url],
      startTLS: true,
      ca: secondary.caFile,
      connectTimeout: '300ms',
    })
    try {
      expect(await company(connector)).toBe('secondary')
      expect(await company(connector)).toBe('secondary')
    } finally {
      await connector.close()
      await stalling.close()
    }
  })

  it('reports a wrong password as a login failure without the password', async () => {
    const connector = build({
      url: primary.url,
      bindDN: primary.bindDN,
      password: 'Wrong-Password-77',
    })
    try {
      const error = await connectorFailure(connector.check(AbortSignal.timeout(5_000)))
      expect(error.kind).toBe('auth')
      expect(error.message).toMatch(/bind refused: wrong bind DN or password/)
      expect(error.message).not.toContain('Wrong-Password-77')
      expect((await connectorFailure(company(connector))).kind).toBe('auth')
    } finally {
      await connector.close()
    }
  })

  it('does not bind again right after a refused bind, so it cannot lock the account', async () => {
    const library = countingLibrary()
    const connector = build(
      { url: primary.url, bindDN: primary.bindDN, password: 'Wrong-Password-77' },
      library,
    )
    try {
      for (let i = 0; i < 5; i++)
        expect((await connectorFailure(company(connector))).kind).toBe('auth')
      expect(library.opened()).toBe(1)
    } finally {
      await connector.close()
    }
  })

  it('waits twice as long before each bind after another refusal', async () => {
    const library = countingLibrary()
    const connector = build(
      { url: primary.url, bindDN: primary.bindDN, password: 'Wrong-Password-77', failback: '1s' },
      library,
    )
    let now = Date.now()
    vi.spyOn(Date, 'now').mockImplementation(() => now)
    try {
      const binds = async (): Promise<number> => {
        expect((await connectorFailure(company(connector))).kind).toBe('auth')
        return library.opened()
      }
      expect(await binds()).toBe(1)
      now += 1_100
      expect(await binds()).toBe(2)
      now += 1_100
      expect(await binds()).toBe(2)
      now += 1_000
      expect(await binds()).toBe(3)
    } finally {
      vi.restoreAllMocks()
      await connector.close()
    }
  })

  it('gives up on a server that does not answer the bind within connectTimeout', async () => {
    const connector = build({ url: `ldap://127.0.0.1:${silentPort}`, connectTimeout: '200ms' })
    try {
      const error = await connectorFailure(connector.check(AbortSignal.timeout(10_000)))
      expect(error.kind).toBe('timeout')
      expect(error.message).toMatch(/no answer to the bind within 200 ms/)
    } finally {
      await connector.close()
    }
  })

  it('refuses a bindDN with an empty password instead of binding unauthenticated', async () => {
    const connector = build({ url: primary.url, bindDN: primary.bindDN, password: '' })
    try {
      expect((await connectorFailure(connector.check(AbortSignal.timeout(5_000)))).kind).toBe(
        'auth',
      )
    } finally {
      await connector.close()
    }
  })

  it('rejects every lookup once closed', async () => {
    const connector = build({ url: primary.url })
    await company(connector)
    await connector.close()
    await connector.close()
    expect(await connectorFailure(company(connector))).toBeInstanceOf(ConnectorError)
  })
})
