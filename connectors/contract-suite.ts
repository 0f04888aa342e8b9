import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { ConnectorError } from '../src/errors.js'
import type { BackendRecord, Connector, ConnectorDefinition } from './contract.js'
import { RuleError } from './contract.js'
import { testLogger } from '../test/harness/secrets.js'

/** The people every connector's test backend holds, so one suite can test them all. */
export const CONTRACT_PEOPLE = [
  {
    id: 'c1001',
    first: 'Bob',
    last: 'Jones',
    email: 'bob.jones@example.com',
    phone: '845-555-4278',
    company: 'Sample & Co',
  },
  {
    id: 'c1002',
    first: 'Alice',
    last: 'Jones',
    email: 'alice.jones@example.com',
    phone: '845-555-1000',
    company: 'Jones <Holdings>',
  },
  {
    id: 'c1003',
    first: 'Zoë',
    last: 'Müller',
    email: 'zoe.muller@example.com',
    phone: '+49 30 1234',
    company: 'Müller GmbH',
  },
  {
    id: 'c1004',
    first: 'Star',
    last: 'O*(Brien)\\',
    email: 'star.obrien@example.com',
    phone: '555-0104',
    company: 'Wild (Card)',
  },
  {
    id: 'c1005',
    first: 'Percy',
    last: '100%_Done',
    email: 'percy@example.com',
    phone: '555-0105',
    company: 'Percent_Co',
  },
  {
    id: 'c1006',
    first: 'Émile',
    last: 'Zola',
    email: 'emile.zola@example.com',
    phone: '555-0106',
    company: 'Éditions',
  },
  {
    id: 'c1007',
    first: 'Quinn',
    last: "O'Hara",
    email: 'quinn.ohara@example.com',
    phone: '555-0107',
    company: "O'Hara's",
  },
] as const

export type ContractPerson = (typeof CONTRACT_PEOPLE)[number]

/** HelpSpot names the suite reads back, each mapped to the backend name by the subject. */
export type ContractField =
  'customer_id' | 'first_name' | 'last_name' | 'email' | 'phone' | 'organization'

/**
 * The map of a backend whose names are those of CONTRACT_PEOPLE's own keys (`id`, `first`, ...),
 * as an in-memory or file-backed connector holds them.
 */
export const CONTRACT_MAP: Readonly<Record<ContractField, keyof ContractPerson>> = {
  customer_id: 'id',
  first_name: 'first',
  last_name: 'last',
  email: 'email',
  phone: 'phone',
  organization: 'company',
}

/** How one connector type takes part in the contract suite. */
export interface ContractSubject {
  readonly definition: ConnectorDefinition<any, any, any>
  /**
   * Options (as written in YAML, without `type`) for a connector whose backend holds
   * CONTRACT_PEOPLE.
   */
  readonly options: Record<string, unknown>
  /** Rules as written in YAML, in the connector's own language. */
  readonly rules: {
    /** `when: [customer_id]`: exact match on the id. */
    readonly byId: Record<string, unknown>
    /** `when: [email]`: exact match on the email. */
    readonly byEmail: Record<string, unknown>
    /** `when: [last_name]`: prefix match on the last name. */
    readonly byLastName: Record<string, unknown>
  }
  /** HelpSpot name -> backend name. */
  readonly map: Readonly<Record<ContractField, string>>
  /**
   * Options for a connector that cannot log in or cannot reach its backend, and the secret
   * those options hold (which must appear in no error).
   */
  readonly broken: { readonly options: Record<string, unknown>; readonly secret?: string }
}

const HOSTILE_VALUES = [
  '*',
  '*)(uid=*',
  ')(|(objectClass=*',
  '\\',
  '%',
  '_',
  '[a-z]%',
  "' OR 1=1 --",
  "'; DROP TABLE customers; --",
  "' OR Name != '",
  'a\u0000b',
  'line\nbreak',
  'x'.repeat(256),
]

/**
 * The behaviour every connector must show: rules, placeholders bound as literal values, the
 * limit, mapping, timeouts through AbortSignal, and errors as `ConnectorError`.
 */
export function describeConnectorContract(
  title: string,
  subject: () => Promise<ContractSubject> | ContractSubject,
): void {
  describe(`${title} connector contract`, () => {
    let s: ContractSubject
    let connector: Connector
    let compiled: Record<keyof ContractSubject['rules'], unknown>

    const context = {
      name: 'contract',
      logger: testLogger().logger,
      configDir: process.cwd(),
      timeoutMs: 5_000,
    }

    function build(options: Record<string, unknown>): Connector {
      return s.definition.create(s.definition.options.parse(options), context)
    }

    function compile(rule: Record<string, unknown>, when: string[]): unknown {
      const options = s.definition.options.parse(s.options)
      return s.definition.compile({ ...s.definition.rule.parse(rule), when }, options)
    }

    async function search(
      rule: keyof ContractSubject['rules'],
      input: Record<string, string>,
      limit = 25,
      signal = AbortSignal.timeout(10_000),
    ): Promise<BackendRecord[]> {
      const attributes = Object.values(s.map)
      return connector.search({ rule: compiled[rule], input, attributes, limit, signal })
    }

    function read(record: BackendRecord, field: ContractField): string | undefined {
      return record[s.map[field]]
    }

    function ids(records: BackendRecord[]): string[] {
      return records.map((record) => read(record, 'customer_id') ?? '').sort()
    }

    beforeAll(async () => {
      s = await subject()
      compiled = {
        byId: compile(s.rules.byId, ['customer_id']),
        byEmail: compile(s.rules.byEmail, ['email']),
        byLastName: compile(s.rules.byLastName, ['last_name']),
      }
      connector = build(s.options)
    })

    afterAll(async () => {
      await connector?.close()
    })

    it('passes check on a working backend', async () => {
      await expect(connector.check(AbortSignal.timeout(10_000))).resolves.toBeUndefined()
    })

    it('returns one mapped record when the email matches exactly', async () => {
      const records = await search('byEmail', { email: 'bob.jones@example.com' })

      expect(records).toHaveLength(1)
      const bob = CONTRACT_PEOPLE[0]
      for (const [field, key] of Object.entries(CONTRACT_MAP)) {
        expect(read(records[0]!, field as ContractField)).toBe(bob[key])
      }
    })

    it('returns one record when the id matches exactly', async () => {
      expect(ids(await search('byId', { customer_id: 'c1006' }))).toEqual(['c1006'])
    })

    it('returns every record whose last name starts with the prefix', async () => {
      expect(ids(await search('byLastName', { last_name: 'Jon' }))).toEqual(['c1001', 'c1002'])
    })

    it('keeps accented and quoted names intact', async () => {
      const [zoe] = await search('byLastName', { last_name: 'Müll' })
      expect(read(zoe!, 'first_name')).toBe('Zoë')
      const [quinn] = await search('byLastName', { last_name: "O'H" })
      expect(read(quinn!, 'organization')).toBe("O'Hara's")
    })

    it('stops at the limit', async () => {
      expect(await search('byLastName', { last_name: 'Jones' }, 1)).toHaveLength(1)
    })

    it('binds wildcard and query characters in a value as literal text', async () => {
      for (const value of HOSTILE_VALUES) {
        expect(await search('byEmail', { email: value }), value).toEqual([])
        expect(await search('byId', { customer_id: value }), value).toEqual([])
        // A prefix search may find a name that really starts with the value, and nothing else.
        for (const record of await search('byLastName', { last_name: value })) {
          const last = read(record, 'last_name')?.toLowerCase() ?? ''
          expect(last.startsWith(value.toLowerCase()), `${value} found ${last}`).toBe(true)
        }
      }
      expect(ids(await search('byLastName', { last_name: 'O*(' }))).toEqual(['c1004'])
      expect(ids(await search('byLastName', { last_name: 'O*(Brien)\\' }))).toEqual(['c1004'])
      expect(ids(await search('byLastName', { last_name: '100%_' }))).toEqual(['c1005'])
      expect(await search('byLastName', { last_name: '%' })).toEqual([])
      expect(await search('byLastName', { last_name: '_' })).toEqual([])
      expect(await search('byLastName', { last_name: '*' })).toEqual([])
    })

    it('rejects with a timeout when the lookup is already aborted', async () => {
      const aborted = AbortSignal.abort()
      const error = await search('byEmail', { email: 'bob.jones@example.com' }, 25, aborted).catch(
        (caught: unknown) => caught,
      )
      expect(error).toBeInstanceOf(ConnectorError)
      expect((error as ConnectorError).kind).toBe('timeout')
    })

    it('refuses a rule whose placeholder is not among its inputs', () => {
      expect(() => compile(s.rules.byEmail, ['customer_id'])).toThrow(RuleError)
    })

    it('closes twice without error', async () => {
      const spare = build(s.options)
      await spare.search({
        rule: compiled.byId,
        input: { customer_id: 'c1001' },
        attributes: Object.values(s.map),
        limit: 5,
        signal: AbortSignal.timeout(10_000),
      })
      await spare.close()
      await expect(spare.close()).resolves.toBeUndefined()
    })

    it('fails with a ConnectorError that keeps the secret out of its message', async () => {
      const broken = build(s.broken.options)
      try {
        const error = await broken
          .check(AbortSignal.timeout(10_000))
          .catch((caught: unknown) => caught)
        expect(error).toBeInstanceOf(ConnectorError)
        expect((error as ConnectorError).kind).not.toBe('internal')
        if (s.broken.secret)
          expect((error as ConnectorError).message).not.toContain(s.broken.secret)

        const searchError = await broken
          .search({
            rule: compiled.byEmail,
            input: { email: 'bob.jones@example.com' },
            attributes: Object.values(s.map),
            limit: 5,
            signal: AbortSignal.timeout(10_000),
          })
          .catch((caught: unknown) => caught)
        expect(searchError).toBeInstanceOf(ConnectorError)
        if (s.broken.secret) {
          const shown = JSON.stringify(searchError, Object.getOwnPropertyNames(searchError))
          expect(shown).not.toContain(s.broken.secret)
        }
      } finally {
        await broken.close()
      }
    })
  })
}
