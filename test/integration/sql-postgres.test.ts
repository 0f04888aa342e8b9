import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { describeConnectorContract } from '../../connectors/contract-suite.js'
import type { Connector } from '../../connectors/contract.js'
import { sqlConnector } from '../../connectors/sql/index.js'
import type { SqlRule } from '../../connectors/sql/index.js'
import type { PostgresServer } from '../servers/postgres.js'
import { makeTestCertificates, type TestCertificates } from '../servers/certificates.js'
import { startPostgres } from '../servers/postgres.js'
import { PEOPLE_COLUMNS, PEOPLE_MAP, peopleRules, SQL_PEOPLE } from '../servers/tds/fixtures.js'
import { connectorFailure } from '../harness/failure.js'
import { compileSql, NO_TLS, refusedWithoutTls, searchSql, SQL_CONTEXT } from './sql-under-test.js'

const PASSWORD = "pg-Secret-'42"
let server: PostgresServer
let options: Record<string, unknown>

beforeAll(async () => {
  server = await startPostgres()
  await server.sql(`CREATE ROLE helpspot LOGIN PASSWORD 'pg-Secret-''42'`)
  await server.sql('CREATE DATABASE crm OWNER helpspot')
  const columns = PEOPLE_COLUMNS.map((c) => `${c} text`).join(', ')
  await server.sql(`CREATE TABLE customers (${columns}, PRIMARY KEY (id))`, [], 'crm')
  for (const person of SQL_PEOPLE) {
    const markers = PEOPLE_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')
    await server.sql(
      `INSERT INTO customers VALUES (${markers})`,
      PEOPLE_COLUMNS.map((c) => person[c]),
      'crm',
    )
  }
  await server.sql('GRANT SELECT ON customers TO helpspot', [], 'crm')
  options = {
    dialect: 'postgres',
    url: `postgres://helpspot:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}/crm`,
    tls: false,
  }
})

afterAll(async () => {
  await server?.destroy()
})

describeConnectorContract('sql (postgres)', () => ({
  definition: sqlConnector,
  options,
  rules: peopleRules('customers'),
  map: PEOPLE_MAP,
  broken: { options: { ...options, password: 'Wrong-Secret-99' }, secret: 'Wrong-Secret-99' },
}))

function compile(query: string, when: string[]): SqlRule {
  return compileSql(options, query, when)
}

const lookup = searchSql
const failure = connectorFailure
const context = SQL_CONTEXT

describe('sql connector on PostgreSQL', () => {
  let connector: Connector
  const byId = () => compile(peopleRules('customers').byId.query, ['customer_id'])

  beforeAll(() => {
    connector = sqlConnector.create(sqlConnector.options.parse(options), context)
  })

  afterAll(async () => {
    await connector.close()
  })

  it('renders NULL, decimals, booleans, dates, instants and GUIDs in stable forms', async () => {
    const rule = compile(
      `SELECT id, NULL AS nothing, CAST(12.50 AS numeric(10,2)) AS balance,
        12345678901234567890.125::numeric AS big, true AS active, DATE '2024-02-29' AS joined,
        TIMESTAMP '2024-02-29 13:14:15.5' AS seen, TIMESTAMPTZ '2024-02-29 13:14:15+02' AS changed,
        'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid AS guid, upper(first_name) || '!' AS shout
       FROM customers WHERE id = {customer_id}`,
      ['customer_id'],
    )
    const wanted = [
      'nothing',
      'balance',
      'big',
      'active',
      'joined',
      'seen',
      'changed',
      'guid',
      'SHOUT',
    ]
    const [row] = await lookup(connector, rule, { customer_id: 'c1001' }, wanted)
    expect(row).toEqual({
      nothing: '',
      balance: '12.50',
      big: '12345678901234567890.125',
      active: 'true',
      joined: '2024-02-29',
      seen: '2024-02-29T13:14:15.500Z',
      changed: '2024-02-29T11:14:15.000Z',
      guid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      SHOUT: 'BOB!',
    })
  })

  it('never lets a value after LIKE act as a pattern', async () => {
    const rule = compile('SELECT id FROM customers WHERE last_name LIKE {last_name}', ['last_name'])
    expect(await lookup(connector, rule, { last_name: '%' }, ['id'])).toEqual([])
    expect(await lookup(connector, rule, { last_name: '_%' }, ['id'])).toEqual([])
    const jones = await lookup(connector, rule, { last_name: 'Jones' }, ['id'])
    expect(jones.length).toBeGreaterThan(0)
  })

  it('stops at the limit even when the query has none', async () => {
    const rule = compile(
      `SELECT g::text AS id FROM generate_series(1, 1000000) AS g WHERE {customer_id} <> ''`,
      ['customer_id'],
    )
    expect(await lookup(connector, rule, { customer_id: 'x' }, ['id'], 3)).toEqual([
      { id: '1' },
      { id: '2' },
      { id: '3' },
    ])
    expect(await lookup(connector, byId(), { customer_id: 'c1001' }, ['id'])).toEqual([
      { id: 'c1001' },
    ])
  })

  it('keeps the table intact after hostile values', async () => {
    const rule = compile(peopleRules('customers').byEmail.query, ['email'])
    for (const value of ["'; DROP TABLE customers; --", "' OR 1=1 --", 'a\u0000b']) {
      expect(await lookup(connector, rule, { email: value }, ['id'])).toEqual([])
    }
    const { rows } = await server.sql('SELECT count(*)::int AS n FROM customers', [], 'crm')
    expect(rows[0].n).toBe(SQL_PEOPLE.length)
  })

  it('reports an unknown column as a query error', async () => {
    const rule = compile('SELECT nope FROM customers WHERE id = {customer_id}', ['customer_id'])
    expect((await failure(lookup(connector, rule, { customer_id: 'c1001' }, ['id']))).kind).toBe(
      'query',
    )
  })

  it('cancels a query slower than the deadline on the server; others still answer', async () => {
    const slow = compile('SELECT id, pg_sleep(30) FROM customers WHERE id = {customer_id}', [
      'customer_id',
    ])
    const [late, answered] = await Promise.all([
      failure(
        lookup(connector, slow, { customer_id: 'c1001' }, ['id'], 5, AbortSignal.timeout(300)),
      ),
      lookup(connector, byId(), { customer_id: 'c1002' }, ['id']),
    ])

    expect(late.kind).toBe('timeout')
    expect(answered).toEqual([{ id: 'c1002' }])
    const sleeping =
      'SELECT count(*)::int AS n FROM pg_stat_activity ' +
      "WHERE query LIKE '%pg_sleep(30)%' AND state = 'active' AND pid <> pg_backend_pid()"
    await expect
      .poll(async () => (await server.sql(sleeping)).rows[0].n, { timeout: 10_000 })
      .toBe(0)
    expect(await lookup(connector, byId(), { customer_id: 'c1003' }, ['id'])).toEqual([
      { id: 'c1003' },
    ])
  })

  it('reports a wrong password as a login failure without the password', async () => {
    const broken = sqlConnector.create(
      sqlConnector.options.parse({ ...options, password: 'Nope-Secret-77' }),
      context,
    )
    try {
      const error = await failure(broken.check(AbortSignal.timeout(10_000)))
      expect(error.kind).toBe('auth')
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(
        'Nope-Secret-77',
      )
    } finally {
      await broken.close()
    }
  })

  it('reports a server refusing TLS as unreachable, naming the tls option', async () => {
    const error = await refusedWithoutTls(options)
    expect(error).toMatchObject({ kind: 'unreachable', message: NO_TLS })
  })

  it('closes every connection of its pool when the connector closes', async () => {
    const own = sqlConnector.create(sqlConnector.options.parse(options), context)
    const gateway = async (): Promise<number> => {
      const { rows } = await server.sql(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
        ['livelookup-gateway'],
      )
      return (rows[0] as { n: number }).n
    }
    const before = await gateway()
    await Promise.all(
      ['c1001', 'c1002', 'c1003'].map((id) => lookup(own, byId(), { customer_id: id }, ['id'])),
    )
    expect(await gateway()).toBeGreaterThan(before)

    await own.close()
    for (let i = 0; i < 100 && (await gateway()) > before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(await gateway()).toBe(before)
  })

  it('fails fast while the server is down and recovers once it is back', async () => {
    expect(await lookup(connector, byId(), { customer_id: 'c1001' }, ['id'])).toHaveLength(1)

    await server.stop()
    expect((await failure(lookup(connector, byId(), { customer_id: 'c1001' }, ['id']))).kind).toBe(
      'unreachable',
    )

    await server.start()
    const answers = []
    for (let i = 0; i < 3; i++) {
      answers.push(
        await lookup(connector, byId(), { customer_id: 'c1001' }, ['id']).then(
          (r) => r.length,
          () => -1,
        ),
      )
    }
    expect(answers.slice(1)).toEqual([1, 1])
  })
})

describe('sql connector on PostgreSQL over TLS', () => {
  let secure: PostgresServer
  let folder: string
  let certificates: TestCertificates
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'livelookup-pg-tls-'))
    certificates = makeTestCertificates(folder)
    secure = await startPostgres(certificates)
    await secure.sql(`CREATE ROLE helpspot LOGIN PASSWORD 'pg-Secret-''42'`)
  })
  afterAll(async () => {
    await secure?.destroy()
    await rm(folder, { recursive: true, force: true })
  })

  const url = () =>
    `postgres://helpspot:${encodeURIComponent(PASSWORD)}@127.0.0.1:${secure.port}/postgres`

  it('trusts the server through the ca file, and refuses it without', async () => {
    const trusting = sqlConnector.create(
      sqlConnector.options.parse({ dialect: 'postgres', url: url(), ca: certificates.caFile }),
      SQL_CONTEXT,
    )
    const doubting = sqlConnector.create(
      sqlConnector.options.parse({ dialect: 'postgres', url: url() }),
      SQL_CONTEXT,
    )
    try {
      await trusting.check(AbortSignal.timeout(10_000))
      const { rows } = await secure.sql(
        'SELECT count(*)::int AS n FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) ' +
          'WHERE ssl AND application_name = $1',
        ['livelookup-gateway'],
      )
      expect((rows[0] as { n: number }).n).toBeGreaterThan(0)

      const error = await failure(doubting.check(AbortSignal.timeout(10_000)))
      expect(error.kind).toBe('unreachable')
      expect(error.message).toMatch(/^cannot trust the server's certificate \([A-Z_]+\); set ca/)
    } finally {
      await trusting.close()
      await doubting.close()
    }
  })
})
