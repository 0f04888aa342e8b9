import mssql from 'mssql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { describeConnectorContract } from '../../connectors/contract-suite.js'
import type { Connector } from '../../connectors/contract.js'
import { sqlConnector } from '../../connectors/sql/index.js'
import type { SqlRule } from '../../connectors/sql/index.js'
import { PEOPLE_COLUMNS, PEOPLE_MAP, peopleRules, SQL_PEOPLE } from '../servers/tds/fixtures.js'
import type { TdsServer } from '../servers/tds/server.js'
import { startTdsServer } from '../servers/tds/server.js'
import { connectorFailure } from '../harness/failure.js'
import { compileSql, NO_TLS, refusedWithoutTls, searchSql, SQL_CONTEXT } from './sql-under-test.js'

/**
 * Runs against the TDS test server, or against a real SQL Server when MSSQL_URL is set
 * (`mssql://user:password@host:1433/database`); the table is created and dropped per run.
 */
const REAL_URL = process.env.MSSQL_URL
const TABLE = 'livelookup_test_customers'
const USER = 'helpspot'
const PASSWORD = 'tds-Secret-42'

let tds: TdsServer | undefined
let options: Record<string, unknown>

function realConfig(url: string): mssql.config {
  const parsed = new URL(url)
  return {
    server: parsed.hostname,
    port: Number(parsed.port || 1433),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.slice(1) || undefined,
    options: { encrypt: true, trustServerCertificate: true },
  }
}

async function realServer(url: string): Promise<Record<string, unknown>> {
  const pool = await new mssql.ConnectionPool(realConfig(url)).connect()
  const columns = PEOPLE_COLUMNS.map((c) => `${c} nvarchar(200) NULL`).join(', ')
  const recreate =
    `IF OBJECT_ID('${TABLE}') IS NOT NULL DROP TABLE ${TABLE}; ` +
    `CREATE TABLE ${TABLE} (${columns})`
  await pool.request().batch(recreate)
  for (const person of SQL_PEOPLE) {
    const request = pool.request()
    PEOPLE_COLUMNS.forEach((c) => request.input(c, mssql.NVarChar(200), person[c]))
    await request.query(
      `INSERT INTO ${TABLE} VALUES (${PEOPLE_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    )
  }
  await pool.close()
  return { dialect: 'mssql', url, tls: process.env.MSSQL_TLS ?? 'false' }
}

beforeAll(async () => {
  if (REAL_URL) {
    options = await realServer(REAL_URL)
    return
  }
  const columns = PEOPLE_COLUMNS.map((name) => ({ name, type: 'nvarchar' as const }))
  const rows = SQL_PEOPLE.map((p) => PEOPLE_COLUMNS.map((c) => p[c]))
  tds = await startTdsServer({
    user: USER,
    password: PASSWORD,
    table: { name: TABLE, columns, rows },
  })
  options = {
    dialect: 'mssql',
    url: `mssql://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${tds.port}/crm`,
    tls: false,
  }
})

afterAll(async () => {
  await tds?.stop()
  if (REAL_URL) {
    const pool = await new mssql.ConnectionPool(realConfig(REAL_URL)).connect()
    await pool.request().batch(`DROP TABLE ${TABLE}`)
    await pool.close()
  }
})

describeConnectorContract('sql (mssql)', () => ({
  definition: sqlConnector,
  options,
  rules: peopleRules(TABLE),
  map: PEOPLE_MAP,
  broken: { options: { ...options, password: 'Wrong-Secret-99' }, secret: 'Wrong-Secret-99' },
}))

const ATTRIBUTES = Object.values(PEOPLE_MAP)

function compile(query: string, when: string[]): SqlRule {
  return compileSql(options, query, when)
}

function lookup(
  connector: Connector,
  rule: SqlRule,
  input: Record<string, string>,
  limit?: number,
  signal?: AbortSignal,
) {
  return searchSql(connector, rule, input, ATTRIBUTES, limit, signal)
}

const failure = connectorFailure
const context = SQL_CONTEXT

describe('sql connector on SQL Server', () => {
  let connector: Connector
  const rules = () => peopleRules(TABLE)

  beforeAll(() => {
    connector = sqlConnector.create(sqlConnector.options.parse(options), context)
  })

  afterAll(async () => {
    await connector.close()
  })

  it('renders NULL as empty and keeps accented names', async () => {
    const [ingrid] = await lookup(connector, compile(rules().byId.query, ['customer_id']), {
      customer_id: 'c2004',
    })
    expect(ingrid).toMatchObject({ email: '', last_name: 'Ærø-Ñúñez', company: 'Ñandú S.A.' })
  })

  it('matches brackets, percent and underscore in a prefix literally', async () => {
    const rule = compile(rules().byLastName.query, ['last_name'])
    expect((await lookup(connector, rule, { last_name: '[a-z]%_' })).map((r) => r.id)).toEqual([
      'c2001',
    ])
    expect(await lookup(connector, rule, { last_name: '[a-z]' })).toHaveLength(1)
    expect(await lookup(connector, rule, { last_name: '[n]' })).toEqual([])
  })

  it('counts the whole table as intact after hostile lookups', async () => {
    const rule = compile(rules().byEmail.query, ['email'])
    for (const value of [
      "'; DROP TABLE customers; --",
      `'; DROP TABLE ${TABLE}; --`,
      "' OR 1=1 --",
    ]) {
      expect(await lookup(connector, rule, { email: value })).toEqual([])
    }
    const count = compile(`SELECT COUNT(*) AS n FROM ${TABLE}`, [])
    const [row] = await connector.search({
      rule: count,
      input: {},
      attributes: ['n'],
      limit: 5,
      signal: AbortSignal.timeout(10_000),
    })
    expect(row).toEqual({ n: String(SQL_PEOPLE.length) })
  })

  it('reports an unknown table as a query error', async () => {
    const rule = compile('SELECT id FROM no_such_table WHERE id = {customer_id}', ['customer_id'])
    const error = await failure(lookup(connector, rule, { customer_id: 'c1001' }))
    expect(error.kind).toBe('query')
  })

  it('cancels a query slower than the deadline while other lookups still answer', async () => {
    const slow = compile(
      `WAITFOR DELAY '00:00:20'; SELECT id FROM ${TABLE} WHERE id = {customer_id}`,
      ['customer_id'],
    )
    const quick = compile(rules().byId.query, ['customer_id'])
    const attentionsBefore = tds?.attentions() ?? 0

    const [late, answered] = await Promise.all([
      failure(lookup(connector, slow, { customer_id: 'c1001' }, 5, AbortSignal.timeout(300))),
      lookup(connector, quick, { customer_id: 'c1002' }),
    ])

    expect(late.kind).toBe('timeout')
    expect(answered.map((r) => r.id)).toEqual(['c1002'])
    if (tds) await expect.poll(() => tds!.attentions()).toBeGreaterThan(attentionsBefore)
    expect((await lookup(connector, quick, { customer_id: 'c1003' })).map((r) => r.id)).toEqual([
      'c1003',
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

  if (!REAL_URL) {
    it('refuses to log in without TLS unless tls is off, and names the option', async () => {
      const logins = tds!.logins()
      const error = await refusedWithoutTls(options)
      expect(error).toMatchObject({ kind: 'unreachable', message: NO_TLS })
      // tedious alone would go on and send the password in the clear.
      expect(tds!.logins()).toBe(logins)
    })

    it('renders NULL, decimals, money, booleans, dates, times, instants and GUIDs', async () => {
      const rule = compile(
        `SELECT {customer_id} AS id, NULL AS nothing, CAST(12.50 AS decimal(10,2)) AS balance,
          CAST(-3.125 AS decimal(12,3)) AS owed, CAST(19.99 AS money) AS price,
          CAST(1 AS bit) AS active, CAST('2024-02-29' AS date) AS joined,
          CAST('13:14:15.25' AS time(3)) AS opens,
          CAST('2024-02-29 13:14:15.5' AS datetime2(3)) AS seen,
          CAST('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' AS uniqueidentifier) AS guid`,
        ['customer_id'],
      )
      const wanted = ['id', 'nothing', 'balance', 'owed', 'price', 'active', 'joined', 'opens']
      const [row] = await searchSql(connector, rule, { customer_id: 'c1001' }, [
        ...wanted,
        'seen',
        'guid',
      ])
      expect(row).toEqual({
        id: 'c1001',
        nothing: '',
        balance: '12.50',
        owed: '-3.125',
        price: '19.9900',
        active: 'true',
        joined: '2024-02-29',
        opens: '13:14:15.250',
        seen: '2024-02-29T13:14:15.500Z',
        guid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      })
    })

    it('sends every value as a typed parameter and never inside the statement text', async () => {
      const rule = compile(rules().byEmail.query, ['email'])
      const hostile = "x' OR 1=1 --"
      const before = tds!.received.length
      await lookup(connector, rule, { email: hostile }, 7)

      const [sent] = tds!.received.slice(before)
      expect(sent).toMatchObject({ kind: 'rpc', parameters: { p1: hostile, ll_limit: 7 } })
      expect(sent!.types).toEqual({ p1: 'nvarchar', ll_limit: 'int' })
      expect(sent!.text).toBe(
        `SET ROWCOUNT @ll_limit;\n${rules().byEmail.query.replace('{email}', '@p1')}`,
      )
      expect(sent!.text).not.toContain(hostile)
    })

    it('binds a LIKE pattern with its wildcards escaped and an ESCAPE clause', async () => {
      const rule = compile(rules().byLastName.query, ['last_name'])
      const before = tds!.received.length
      await lookup(connector, rule, { last_name: '[a-z]%_!' })

      const [sent] = tds!.received.slice(before)
      expect(sent!.parameters.p1).toBe('![a-z]!%!_!!%')
      expect(sent!.text).toContain("last_name LIKE @p1 ESCAPE '!'")
    })

    it('sends values longer than 4000 characters as nvarchar(max)', async () => {
      const rule = compile(rules().byEmail.query, ['email'])
      const long = 'é'.repeat(5000)
      const before = tds!.received.length
      expect(await lookup(connector, rule, { email: long })).toEqual([])

      const [sent] = tds!.received.slice(before)
      expect(sent!.types.p1).toBe('nvarchar(max)')
      expect(sent!.parameters.p1).toBe(long)
    })

    it('stops at the limit even when the query has none', async () => {
      const rule = compile(
        `SELECT ${PEOPLE_COLUMNS.join(', ')} FROM ${TABLE} WHERE last_name LIKE {last_name%}`,
        ['last_name'],
      )
      expect(await lookup(connector, rule, { last_name: '' }, 3)).toHaveLength(3)
    })

    it('fails fast while the server is down and recovers once it is back', async () => {
      const rule = compile(rules().byId.query, ['customer_id'])
      expect(await lookup(connector, rule, { customer_id: 'c1001' })).toHaveLength(1)

      await tds!.stop()
      const error = await failure(lookup(connector, rule, { customer_id: 'c1001' }))
      expect(error.kind).toBe('unreachable')

      await tds!.start()
      const answers = []
      for (let i = 0; i < 3; i++) {
        answers.push(
          await lookup(connector, rule, { customer_id: 'c1001' }).then(
            (r) => r.length,
            () => -1,
          ),
        )
      }
      expect(answers.slice(1)).toEqual([1, 1])
    })
  }
})
