import { Attribute, Change, Client } from 'ldapts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { BackendRecord, Connector } from '../../connectors/contract.js'
import { ldapConnector } from '../../connectors/ldap/index.js'
import type { CompiledLdapRule } from '../../connectors/ldap/rule.js'
import { PHOTO } from '../servers/ldap-fixtures/ldif.js'
import { type AdUser, type SambaAd, startSambaAd } from '../servers/samba-ad.js'
import { connectorFailure } from '../harness/failure.js'
import { testLogger } from '../harness/secrets.js'

const SERVICE: AdUser = {
  name: 'svc-helpspot',
  password: 'Svc-Helpspot-Passw0rd1',
  given: 'HelpSpot',
  surname: 'Service',
  mail: 'svc-helpspot@lltest.example.com',
}
const USERS: readonly AdUser[] = [
  SERVICE,
  {
    name: 'svc-off',
    password: 'Svc-Off-Passw0rd1',
    given: 'Retired',
    surname: 'Service',
    mail: 'svc-off@lltest.example.com',
    disabled: true,
  },
  {
    name: 'bob',
    password: 'Bob-Passw0rd1',
    given: 'Bob',
    surname: 'Jones',
    mail: 'bob.jones@lltest.example.com',
    disabled: true,
  },
  {
    name: 'alice',
    password: 'Alice-Passw0rd1',
    given: 'Alice',
    surname: 'Jones',
    mail: 'alice.jones@lltest.example.com',
  },
  {
    name: 'carol',
    password: 'Carol-Passw0rd1',
    given: 'Carol',
    surname: 'Smith',
    mail: 'carol.smith@lltest.example.com',
  },
  {
    name: 'zoe',
    password: 'Zoe-Passw0rd1',
    given: 'Zoë',
    surname: 'Müller',
    mail: 'zoe.muller@lltest.example.com',
  },
]

const context = {
  name: 'directory',
  logger: testLogger().logger,
  configDir: process.cwd(),
  timeoutMs: 5_000,
}

let ad: SambaAd

async function dnOf(admin: Client, name: string): Promise<string> {
  const { searchEntries } = await admin.search(ad.baseDN, {
    filter: `(sAMAccountName=${name})`,
    attributes: ['dn'],
  })
  return searchEntries[0]!.dn
}

beforeAll(async () => {
  ad = await startSambaAd(USERS)
  const admin = new Client({ url: ad.url })
  try {
    await admin.bind(ad.adminDN, ad.adminPassword)
    const [carol, alice] = [await dnOf(admin, 'carol'), await dnOf(admin, 'alice')]
    const replace = (type: string, values: string[] | Buffer[]) =>
      new Change({ operation: 'replace', modification: new Attribute({ type, values }) })
    await admin.modify(carol, [
      replace('proxyAddresses', [
        'SMTP:carol.smith@lltest.example.com',
        'smtp:c.smith@legacy.example.com',
      ]),
      replace('manager', [alice]),
      replace('thumbnailPhoto', [PHOTO]),
      replace('telephoneNumber', ['+1 555 0100']),
    ])
  } finally {
    await admin.unbind()
  }
})

afterAll(async () => {
  await ad?.stop()
})

function build(options: Record<string, unknown>): Connector<CompiledLdapRule> {
  const parsed = ldapConnector.options.parse({
    url: ad.url,
    bindDN: `${SERVICE.name}@${ad.realm.toLowerCase()}`,
    password: SERVICE.password,
    baseDN: ad.baseDN,
    ...options,
  })
  return ldapConnector.create(parsed, context)
}

function rule(filter: string, when: string[]): CompiledLdapRule {
  return ldapConnector.compile(
    { filter, when },
    ldapConnector.options.parse({ url: 'ldap://127.0.0.1', baseDN: 'dc=x' }),
  )
}

const byAccount = () =>
  rule('(&(objectCategory=person)(sAMAccountName={customer_id}))', ['customer_id'])
const byEmail = () =>
  rule('(&(objectCategory=person)(|(mail={email})(proxyAddresses=smtp:{email})))', ['email'])
const bySurname = () => rule('(&(objectCategory=person)(sn={last_name}*))', ['last_name'])

function search(
  connector: Connector<CompiledLdapRule>,
  compiled: CompiledLdapRule,
  input: Record<string, string>,
  attributes: string[] = ['sAMAccountName', 'givenName', 'sn', 'mail'],
): Promise<BackendRecord[]> {
  return connector.search({
    rule: compiled,
    input,
    attributes,
    limit: 25,
    signal: AbortSignal.timeout(10_000),
  })
}

describe('ldap connector on Samba Active Directory', () => {
  it('binds with a DN, a user@domain name and a DOMAIN\\user name', async () => {
    const forms = [
      `CN=HelpSpot Service,CN=Users,${ad.baseDN}`,
      `${SERVICE.name}@${ad.realm.toLowerCase()}`,
      `${ad.domain}\\${SERVICE.name}`,
    ]
    for (const bindDN of forms) {
      const connector = build({ bindDN })
      try {
        await connector.check(AbortSignal.timeout(10_000))
        const [alice] = await search(connector, byAccount(), { customer_id: 'alice' })
        expect(alice?.['mail'], bindDN).toBe('alice.jones@lltest.example.com')
      } finally {
        await connector.close()
      }
    }
  })

  it('renders objectGUID and objectSid as samba-tool shows them', async () => {
    const shown = await ad.tool('user', 'show', 'alice', '--attributes=objectGUID,objectSid')
    const guid = /objectGUID: (\S+)/.exec(shown)?.[1]
    const sid = /objectSid: (\S+)/.exec(shown)?.[1]
    expect(sid).toMatch(/^S-1-5-21-/)

    const connector = build({})
    try {
      const [alice] = await search(connector, byAccount(), { customer_id: 'alice' }, [
        'objectGUID',
        'objectSid',
      ])
      expect(alice).toEqual({ objectGUID: guid, objectSid: sid })
    } finally {
      await connector.close()
    }
  })

  it('leaves disabled accounts out unless includeDisabled keeps them', async () => {
    const connector = build({})
    const keeping = build({ includeDisabled: true })
    try {
      expect(await search(connector, byAccount(), { customer_id: 'bob' })).toEqual([])
      const jones = await search(connector, bySurname(), { last_name: 'Jon' })
      expect(jones.map((record) => record['sAMAccountName'])).toEqual(['alice'])
      const first = await connector.search({
        rule: bySurname(),
        input: { last_name: 'Jon' },
        attributes: ['sAMAccountName'],
        limit: 1,
        signal: AbortSignal.timeout(10_000),
      })
      expect(first).toEqual([{ sAMAccountName: 'alice' }])

      const all = await search(keeping, bySurname(), { last_name: 'Jon' })
      expect(all.map((record) => record['sAMAccountName']).sort()).toEqual(['alice', 'bob'])
    } finally {
      await Promise.all([connector.close(), keeping.close()])
    }
  })

  it('finds a person by any proxyAddresses address, whatever its prefix case', async () => {
    const connector = build({ multiValue: 'join' })
    try {
      const [carol] = await search(connector, byEmail(), { email: 'c.smith@legacy.example.com' }, [
        'sAMAccountName',
        'proxyAddresses',
      ])
      expect(carol?.['sAMAccountName']).toBe('carol')
      expect(carol?.['proxyAddresses']).toContain('smtp:c.smith@legacy.example.com')
      const [primary] = await search(connector, byEmail(), {
        email: 'carol.smith@lltest.example.com',
      })
      expect(primary?.['sAMAccountName']).toBe('carol')
    } finally {
      await connector.close()
    }
  })

  it('never renders thumbnailPhoto and shows the manager by name when asked', async () => {
    const attributes = ['sAMAccountName', 'thumbnailPhoto', 'manager', 'telephoneNumber']
    const plain = build({})
    const named = build({ managerName: true })
    try {
      const [carol] = await search(plain, byAccount(), { customer_id: 'carol' }, attributes)
      expect(carol?.['manager']).toMatch(/^CN=Alice Jones,CN=Users,DC=lltest/)
      expect(carol).not.toHaveProperty('thumbnailPhoto')

      const [withName] = await search(named, byAccount(), { customer_id: 'carol' }, attributes)
      expect(withName).toEqual({
        sAMAccountName: 'carol',
        manager: 'Alice Jones',
        telephoneNumber: '+1 555 0100',
      })
    } finally {
      await Promise.all([plain.close(), named.close()])
    }
  })

  it('keeps accented names intact and binds hostile values as literal text', async () => {
    const connector = build({})
    try {
      const [zoe] = await search(connector, bySurname(), { last_name: 'Mül' })
      expect(zoe?.['givenName']).toBe('Zoë')
      for (const value of [
        '*',
        '*)(sAMAccountName=*',
        ')(|(objectClass=*',
        '\\',
        'a\u0000b',
        'x'.repeat(256),
      ]) {
        expect(await search(connector, byAccount(), { customer_id: value }), value).toEqual([])
        expect(await search(connector, byEmail(), { email: value }), value).toEqual([])
      }
    } finally {
      await connector.close()
    }
  })

  it('explains a wrong password and a disabled service account', async () => {
    const wrong = build({ password: 'Not-The-Passw0rd' })
    const disabled = build({ bindDN: `${ad.domain}\\svc-off`, password: 'Svc-Off-Passw0rd1' })
    try {
      const error = await connectorFailure(wrong.check(AbortSignal.timeout(10_000)))
      expect(error.kind).toBe('auth')
      expect(error.message).toMatch(/bind refused: wrong bind DN or password/)
      expect(error.message).not.toContain('Not-The-Passw0rd')

      const off = await connectorFailure(disabled.check(AbortSignal.timeout(10_000)))
      expect(off.kind).toBe('auth')
      expect(off.message).toMatch(/bind refused/)
    } finally {
      await Promise.all([wrong.close(), disabled.close()])
    }
  })

  describe('when the server requires strong authentication', () => {
    beforeAll(async () => {
      await ad.requireStrongAuth(true)
    })

    afterAll(async () => {
      await ad.requireStrongAuth(false)
    })

    it('says a plain ldap:// bind needs ldaps:// or StartTLS', async () => {
      const plain = build({})
      try {
        const error = await connectorFailure(plain.check(AbortSignal.timeout(10_000)))
        expect(error.kind).toBe('auth')
        expect(error.message).toMatch(/use an ldaps:\/\/ URL or startTLS: true/)
      } finally {
        await plain.close()
      }
    })

    it('binds over ldaps:// and StartTLS with the ca file', async () => {
      for (const options of [
        { url: ad.ldapsUrl, ca: ad.caFile },
        { url: ad.url, startTLS: true, ca: ad.caFile },
      ]) {
        const secure = build(options)
        try {
          const [alice] = await search(secure, byAccount(), { customer_id: 'alice' })
          expect(alice?.['sn'], options.url).toBe('Jones')
        } finally {
          await secure.close()
        }
      }
    })
  })
})
