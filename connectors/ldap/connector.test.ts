import type { ClientOptions, SearchOptions, SearchResult } from 'ldapts'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'

import { ConnectorError } from '../../src/errors.js'
import type { LdapLibrary } from './connection.js'
import { createLdapConnector } from './connector.js'
import { ldapConnector } from './index.js'

const context = {
  name: 'directory',
  logger: pino({ level: 'silent' }),
  configDir: '.',
  timeoutMs: 1_000,
}

/** A stand-in client that records searches and answers like AD or OpenLDAP. */
function fakeLibrary(activeDirectory: boolean): LdapLibrary & { searches: SearchOptions[] } {
  const searches: SearchOptions[] = []
  class FakeClient {
    isConnected = true
    constructor(readonly options: ClientOptions) {}
    async bind(): Promise<void> {}
    async startTLS(): Promise<void> {}
    async unbind(): Promise<void> {
      this.isConnected = false
    }
    async search(base: string, options: SearchOptions): Promise<SearchResult> {
      if (base === '') {
        const capabilities = activeDirectory ? ['1.2.840.113556.1.4.800'] : []
        return {
          searchEntries: [{ dn: '', supportedCapabilities: capabilities }],
          searchReferences: [],
        }
      }
      searches.push(options)
      const entry = (uid: string, flags: string) => ({
        dn: `uid=${uid}`,
        uid,
        userAccountControl: flags,
      })
      return { searchEntries: [entry('on', '512'), entry('off', '514')], searchReferences: [] }
    }
  }
  return { Client: FakeClient as unknown as LdapLibrary['Client'], searches }
}

function connect(library: LdapLibrary, options: Record<string, unknown> = {}) {
  const parsed = ldapConnector.options.parse({ url: 'ldap://dc1', baseDN: 'dc=x', ...options })
  return createLdapConnector(parsed, context, library)
}

const rule = ldapConnector.compile(
  { filter: '(uid={customer_id})', when: ['customer_id'] },
  ldapConnector.options.parse({ url: 'ldap://dc1', baseDN: 'dc=x' }),
)

function lookup(
  connector: ReturnType<typeof connect>,
  limit = 25,
  signal = AbortSignal.timeout(1_000),
) {
  return connector.search({
    rule,
    input: { customer_id: 'on' },
    attributes: ['uid'],
    limit,
    signal,
  })
}

describe('createLdapConnector', () => {
  it('asks Active Directory itself to leave disabled accounts out', async () => {
    const library = fakeLibrary(true)
    const connector = connect(library)

    expect(await lookup(connector)).toEqual([{ uid: 'on' }])
    expect(String(library.searches[0]?.filter)).toBe(
      '(&(uid=on)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
    )
    expect(library.searches[0]?.attributes).toEqual(['uid', 'userAccountControl'])
    await connector.close()
  })

  it('filters disabled accounts itself on other directories, and keeps them when asked', async () => {
    const library = fakeLibrary(false)
    const connector = connect(library)
    const keeping = connect(library, { includeDisabled: true })

    expect(await lookup(connector)).toEqual([{ uid: 'on' }])
    expect(String(library.searches[0]?.filter)).toBe('(uid=on)')
    expect(await lookup(keeping)).toEqual([{ uid: 'on' }, { uid: 'off' }])
    await Promise.all([connector.close(), keeping.close()])
  })

  it('sends the smaller of sizeLimit and the source limit, and the time limit in seconds', async () => {
    const library = fakeLibrary(false)
    const connector = connect(library, { sizeLimit: 10, timeLimit: '2500ms' })

    await lookup(connector, 25)
    await lookup(connector, 3)
    expect(library.searches.map((search) => search.sizeLimit)).toEqual([10, 3])
    expect(library.searches[0]?.timeLimit).toBe(3)
    await connector.close()
  })

  it('rejects an aborted lookup with a timeout before touching the directory', async () => {
    const library = fakeLibrary(false)
    const connector = connect(library)

    const error = await lookup(connector, 5, AbortSignal.abort()).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConnectorError)
    expect((error as ConnectorError).kind).toBe('timeout')
    expect(library.searches).toEqual([])
    await connector.close()
  })

  it('warns at start when certificate checks are off', () => {
    const warnings: unknown[] = []
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void warnings.push(JSON.parse(line)) },
    )
    const parsed = ldapConnector.options.parse({
      url: 'ldaps://dc1',
      baseDN: 'dc=x',
      tlsVerify: 'false',
    })
    createLdapConnector(parsed, { ...context, logger }, fakeLibrary(false))
    expect(warnings).toHaveLength(1)
    expect(JSON.stringify(warnings[0])).toMatch(/tlsVerify is off/)
  })
})
