import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { describeConnectorContract } from '../../connectors/contract-suite.js'
import type { BackendRecord, Connector } from '../../connectors/contract.js'
import { ldapConnector } from '../../connectors/ldap/index.js'
import type { CompiledLdapRule } from '../../connectors/ldap/rule.js'
import { ConnectorError } from '../../src/errors.js'
import { CONTRACT_DIRECTORY, EXTRA_DIRECTORY } from '../servers/ldap-fixtures/people.js'
import { type SlapdServer, startSlapd } from '../servers/slapd.js'
import { testLogger } from '../harness/secrets.js'

let slapd: SlapdServer

beforeAll(async () => {
  slapd = await startSlapd({ people: [...CONTRACT_DIRECTORY, ...EXTRA_DIRECTORY] })
})

afterAll(async () => {
  await slapd?.stop()
})

const MAP = {
  customer_id: 'uid',
  first_name: 'givenName',
  last_name: 'sn',
  email: 'mail',
  phone: 'telephoneNumber',
  organization: 'o',
}

describeConnectorContract('ldap (OpenLDAP)', () => ({
  definition: ldapConnector,
  options: { url: slapd.url, bindDN: slapd.bindDN, password: slapd.password, baseDN: slapd.baseDN },
  rules: {
    byId: { filter: '(uid={customer_id})' },
    byEmail: { filter: '(&(objectClass=inetOrgPerson)(mail={email}))' },
    byLastName: { filter: '(sn={last_name}*)' },
  },
  map: MAP,
  broken: {
    options: {
      url: slapd.url,
      bindDN: slapd.bindDN,
      password: 'not-the-Password-9',
      baseDN: slapd.baseDN,
    },
    secret: 'not-the-Password-9',
  },
}))

const context = {
  name: 'directory',
  logger: testLogger().logger,
  configDir: process.cwd(),
  timeoutMs: 5_000,
}

function build(options: Record<string, unknown>): Connector<CompiledLdapRule> {
  const parsed = ldapConnector.options.parse({ baseDN: slapd.baseDN, ...options })
  return ldapConnector.create(parsed, context)
}

function rule(filter: string, when: string[]): CompiledLdapRule {
  const parsed = ldapConnector.options.parse({ url: slapd.url, baseDN: slapd.baseDN })
  return ldapConnector.compile({ filter, when }, parsed)
}

function search(
  connector: Connector<CompiledLdapRule>,
  compiled: CompiledLdapRule,
  input: Record<string, string>,
  attributes: string[] = Object.values(MAP),
  limit = 25,
): Promise<BackendRecord[]> {
  return connector.search({
    rule: compiled,
    input,
    attributes,
    limit,
    signal: AbortSignal.timeout(10_000),
  })
}

describe('ldap connector on OpenLDAP', () => {
  const bySurname = () => rule('(sn={last_name}*)', ['last_name'])
  const byId = () => rule('(uid={customer_id})', ['customer_id'])
  let reader: Connector<CompiledLdapRule>

  beforeAll(() => {
    reader = build({ url: slapd.url, bindDN: slapd.bindDN, password: slapd.password })
  })

  afterAll(async () => {
    await reader.close()
  })

  it('finds accented, non-Latin and filter-character names by prefix', async () => {
    const cases: [string, string][] = [
      ['Álv', 'd2006'],
      ['Guðm', 'd2010'],
      ['李', 'd2011'],
      ['Παπα', 'd2012'],
      ['Test (', 'd2013'],
      ['Slash\\', 'd2014'],
      ['Ast*', 'd2015'],
      ['Muñ', 'd2016'],
    ]
    for (const [prefix, uid] of cases) {
      const records = await search(reader, bySurname(), { last_name: prefix })
      expect(
        records.map((record) => record['uid']),
        prefix,
      ).toEqual([uid])
    }
  })

  it('returns every person sharing a surname', async () => {
    const records = await search(reader, rule('(sn={last_name})', ['last_name']), {
      last_name: 'Smith',
    })
    expect(records.map((record) => record['uid']).sort()).toEqual([
      'd2001',
      'd2002',
      'd2003',
      'd2004',
    ])
  })

  it('shows the first mail of a multi-valued attribute, or all of them joined', async () => {
    const [first] = await search(reader, byId(), { customer_id: 'd2004' })
    expect(first?.['mail']).toBe('sam.smith@example.com')

    const joined = build({ url: slapd.url, multiValue: 'join', multiValueSeparator: '; ' })
    try {
      const [all] = await search(joined, byId(), { customer_id: 'd2004' })
      expect(all?.['mail']).toBe('sam.smith@example.com; sam@smith.example.org')
    } finally {
      await joined.close()
    }
  })

  it('finds a person by a second mail value', async () => {
    const records = await search(reader, rule('(mail={email})', ['email']), {
      email: 'sam@smith.example.org',
    })
    expect(records.map((record) => record['uid'])).toEqual(['d2004'])
  })

  it('never renders a binary photo and can return the DN', async () => {
    const [jane] = await search(reader, byId(), { customer_id: 'd2001' }, [
      'uid',
      'jpegPhoto',
      'dn',
    ])
    expect(jane).toEqual({ uid: 'd2001', dn: `uid=d2001,ou=people,${slapd.baseDN}` })
  })

  it('shows the manager DN, or the manager name when managerName is on', async () => {
    const [john] = await search(reader, byId(), { customer_id: 'd2002' }, ['uid', 'manager'])
    expect(john?.['manager']).toBe(`uid=d2001,ou=people,${slapd.baseDN}`)

    const named = build({ url: slapd.url, managerName: true })
    try {
      const records = await search(named, bySurname(), { last_name: 'Smith' }, ['uid', 'manager'])
      const managers = Object.fromEntries(
        records.map((record) => [record['uid'], record['manager']]),
      )
      expect(managers).toEqual({
        d2001: undefined,
        d2002: 'Jane Smith (Sales)',
        d2003: 'Jane Smith (Sales)',
        d2004: undefined,
        d2005: undefined,
      })
    } finally {
      await named.close()
    }
  })

  it('binds anonymously when no bindDN is given', async () => {
    const anonymous = build({ url: slapd.url })
    try {
      await anonymous.check(AbortSignal.timeout(10_000))
      expect(await search(anonymous, byId(), { customer_id: 'c1001' })).toHaveLength(1)
    } finally {
      await anonymous.close()
    }
  })

  it('searches over ldaps:// and StartTLS with the ca file', async () => {
    for (const options of [
      { url: slapd.ldapsUrl, ca: slapd.caFile },
      { url: slapd.url, startTLS: true, ca: slapd.caFile },
      { url: slapd.ldapsUrl.replace('127.0.0.1', 'localhost'), ca: slapd.caFile },
    ]) {
      const secure = build({ ...options, bindDN: slapd.bindDN, password: slapd.password })
      try {
        const records = await search(secure, byId(), { customer_id: 'c1003' })
        expect(records[0]?.['givenName'], options.url).toBe('Zoë')
      } finally {
        await secure.close()
      }
    }
  })

  it('refuses a certificate it cannot verify, unless tlsVerify is off', async () => {
    for (const options of [{ url: slapd.ldapsUrl }, { url: slapd.url, startTLS: true }]) {
      const unverified = build(options)
      try {
        const error = await unverified
          .check(AbortSignal.timeout(10_000))
          .catch((caught: unknown) => caught)
        expect(error, options.url).toBeInstanceOf(ConnectorError)
        expect((error as ConnectorError).kind).toBe('unreachable')
        expect((error as ConnectorError).message).toMatch(/TLS failed.*set ca/)
      } finally {
        await unverified.close()
      }
    }

    const trusting = build({ url: slapd.ldapsUrl, tlsVerify: false })
    try {
      expect(await search(trusting, byId(), { customer_id: 'c1001' })).toHaveLength(1)
    } finally {
      await trusting.close()
    }
  })

  it('stops at the sizeLimit option below the source limit', async () => {
    const limited = build({ url: slapd.url, sizeLimit: 2 })
    try {
      expect(await search(limited, bySurname(), { last_name: 'Smith' })).toHaveLength(2)
    } finally {
      await limited.close()
    }
  })

  it('searches one level or the base entry only with scope', async () => {
    const one = build({ url: slapd.url, baseDN: slapd.baseDN, scope: 'one' })
    const base = build({
      url: slapd.url,
      baseDN: `uid=c1001,ou=people,${slapd.baseDN}`,
      scope: 'base',
    })
    try {
      expect(await search(one, byId(), { customer_id: 'c1001' })).toEqual([])
      expect(await search(base, byId(), { customer_id: 'c1001' })).toHaveLength(1)
      expect(await search(base, byId(), { customer_id: 'c1002' })).toEqual([])
    } finally {
      await Promise.all([one.close(), base.close()])
    }
  })

  it('reports a missing base DN as a query error', async () => {
    const lost = build({ url: slapd.url, baseDN: `ou=nowhere,${slapd.baseDN}` })
    try {
      const error = await search(lost, byId(), { customer_id: 'c1001' }).catch(
        (caught: unknown) => caught,
      )
      expect((error as ConnectorError).kind).toBe('query')
      expect((error as ConnectorError).message).toMatch(/baseDN does not exist/)
    } finally {
      await lost.close()
    }
  })
})
