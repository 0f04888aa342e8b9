import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { describeConnectorContract } from '../../connectors/contract-suite.js'
import type { Connector } from '../../connectors/contract.js'
import { sqlConnector } from '../../connectors/sql/index.js'
import type { SqlRule } from '../../connectors/sql/index.js'
import type { MariadbServer } from '../servers/mariadb.js'
import { startMariadb } from '../servers/mariadb.js'
import { PEOPLE_COLUMNS, PEOPLE_MAP, peopleRules, SQL_PEOPLE } from '../servers/tds/fixtures.js'
import { connectorFailure } from '../harness/failure.js'
import { compileSql, NO_TLS, refusedWithoutTls, searchSql, SQL_CONTEXT } from './sql-under-test.js'

const PASSWORD = "my-Secret-'42"
let server: MariadbServer
let options: Record<string, unknown>

beforeAll(async () => {
  server = await startMariadb()
  await server.sql('CREATE DATABASE crm CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci')
  await server.sql("CREATE USER 'helpspot'@'%' IDENTIFIED BY ?", [PASSWORD])
  await server.sql("GRANT SELECT ON crm.* TO 'helpspot'@'%'")
  const columns = PEOPLE_COLUMNS.map((c) => `${c} varchar(300)`).join(', ')
  await server.sql(`CREATE TABLE customers (${columns}, PRIMARY KEY (id))`, [], 'crm')
  const rows = SQL_PEOPLE.map((person) => PEOPLE_COLUMNS.map((c) => person[c]))
  await server.sql('INSERT INTO customers VALUES ?', [rows], 'crm')
  options = {
    dialect: 'mysql',
    url: `mysql://helpspot:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}/crm`,
    tls: false,
  }
})

afterAll(async () => {
  await server?.destroy()
})

describeConnectorContract('sql (mysql)', () => ({
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

describe('sql connector on MariaDB', () => {
  let connector: Connector
  const byId = () => compile(peopleRules('customers').byId.query, ['customer_id'])

  beforeAll(() => {
    connector = sqlConnector.create(sqlConnector.options.parse(options), context)
  })

  afterAll(async () => {
    await connector.close()
  })

  it('renders NULL, decimals, big integers, dates, instants and GUIDs stably', async () => {
    const rule = compile(
      `SELECT id, NULL AS nothing, CAST(12.50 AS DECIMAL(10,2)) AS balance,
        CAST('12345678901234567890.125' AS DECIMAL(30,3)) AS big, 9007199254740993 AS counter,
        TRUE AS active, DATE '2024-02-29' AS joined, TIMESTAMP '2024-02-29 13:14:15.5' AS seen,
        CAST('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' AS UUID) AS guid,
        CONCAT(UPPER(first_name), '!') AS shout
       FROM customers WHERE id = {customer_id}`,
      ['customer_id'],
    )
    const wanted = [
      'nothing',
      'balance',
      'big',
      'counter',
      'active',
      'joined',
      'seen',
      'guid',
      'SHOUT',
    ]
    const [row] = await lookup(connector, rule, { customer_id: 'c1001' }, wanted)
    expect(row).toEqual({
      nothing: '',
      balance: '12.50',
      big: '12345678901234567890.125',
      counter: '9007199254740993',
      active: '1',
      joined: '2024-02-29',
      seen: '2024-02-29T13:14:15.500Z',
      guid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      SHOUT: 'BOB!',
    })
  })

  it('stops at the limit even when the query has none', async () => {
    const rule = compile(
      `SELECT CAST(seq AS CHAR) AS id FROM seq_1_to_1000000 WHERE {customer_id} <> ''`,
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
    const rows = (await server.sql('SELECT COUNT(*) AS n FROM customers', [], 'crm')) as {
      n: number
    }[]
    expect(rows[0]!.n).toBe(SQL_PEOPLE.length)
  })

  it('reports an unknown column as a query error', async () => {
    const rule = compile('SELECT nope FROM customers WHERE id = {customer_id}', ['customer_id'])
    expect((await failure(lookup(connector, rule, { customer_id: 'c1001' }, ['id']))).kind).toBe(
      'query',
    )
  })

  it('cancels a query slower than the deadline on the server; others still answer', async () => {
    const slow = compile('SELECT id, SLEEP(30) AS z FROM customers WHERE id = {customer_id}', [
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
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST ' +
      "WHERE INFO LIKE '%SLEEP(30)%' AND ID <> CONNECTION_ID()"
    await expect
      .poll(async () => ((await server.sql(sleeping)) as { n: number }[])[0]!.n, {
        timeout: 10_000,
      })
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
