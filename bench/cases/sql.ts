import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import mysql from 'mysql2'
import pg from 'pg'
import { pino } from 'pino'

import { sqlConnector } from '../../connectors/sql/index.js'

import { startMariadb, type MariadbServer } from '../../test/servers/mariadb.js'
import { freePort } from '../../test/servers/ports.js'
import { startPostgres, type PostgresServer } from '../../test/servers/postgres.js'
import {
  directMeasure,
  httpMeasure,
  inTurns,
  Resources,
  startGateway,
  underDeadline,
  type LoadResult,
  type Measure,
} from '../load.js'
import { percent, type BenchCase, type BenchReport } from '../report.js'

const CUSTOMERS = 10_000
const POOL = 10
const PASSWORD = 'bench-secret'
const SELECT =
  'SELECT id, first_name, last_name, email, phone, company FROM customers WHERE email = '
const EMAILS = Array.from(
  { length: 1_000 },
  (_, i) => `customer${(i * 9973) % CUSTOMERS}@example.com`,
)

function customerRows(): string[][] {
  return Array.from({ length: CUSTOMERS }, (_, i) => [
    `c${String(i).padStart(5, '0')}`,
    `First${i}`,
    `Last${i % 500}`,
    `customer${i}@example.com`,
    `555-${String(i).padStart(4, '0')}`,
    `Company ${i % 300}`,
  ])
}

const COLUMNS =
  'id varchar(20) PRIMARY KEY, first_name varchar(100), last_name varchar(100), ' +
  'email varchar(200), phone varchar(40), company varchar(200)'

async function seedPostgres(server: PostgresServer): Promise<void> {
  await server.sql(`CREATE ROLE bench LOGIN PASSWORD '${PASSWORD}'`)
  await server.sql('CREATE DATABASE crm OWNER bench')
  await server.sql(`CREATE TABLE customers (${COLUMNS})`, [], 'crm')
  const rows = customerRows()
  const columns = rows[0]!.map((_, c) => rows.map((row) => row[c]))
  await server.sql(
    'INSERT INTO customers SELECT * FROM ' +
      'unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])',
    columns,
    'crm',
  )
  await server.sql('CREATE INDEX customers_email ON customers (email)', [], 'crm')
  await server.sql('GRANT SELECT ON customers TO bench; ANALYZE customers', [], 'crm')
}

async function seedMariadb(server: MariadbServer): Promise<void> {
  await server.sql('CREATE DATABASE crm CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci')
  await server.sql("CREATE USER 'bench'@'%' IDENTIFIED BY ?", [PASSWORD])
  await server.sql("GRANT SELECT ON crm.* TO 'bench'@'%'")
  await server.sql(`CREATE TABLE customers (${COLUMNS}, INDEX customers_email (email))`, [], 'crm')
  await server.sql('INSERT INTO customers VALUES ?', [customerRows()], 'crm')
}

function gatewayConfig(pgPort: number, myPort: number): string {
  const connector = (name: string, dialect: string, url: string): string => `
  ${name}:
    type: sql
    dialect: ${dialect}
    url: ${url}
    tls: false
    pool: ${POOL}
    rules:
      - when: [email]
        query: ${SELECT}{email}
    map: { customer_id: id, first_name: first_name, last_name: last_name, email: email,
           phone: phone, organization: company }`

  const pgCrm = connector(
    'crm_pg',
    'postgres',
    `postgres://bench:${PASSWORD}@127.0.0.1:${pgPort}/crm`,
  )
  const myCrm = connector('crm_my', 'mysql', `mysql://bench:${PASSWORD}@127.0.0.1:${myPort}/crm`)
  return `
cache: { ttl: 0 }
server: { deadline: 5s }
connectors:${pgCrm}${myCrm}
sources:
  pg_customers: { connectors: [crm_pg] }
  my_customers: { connectors: [crm_my] }
`
}

function paths(source: string): string[] {
  return EMAILS.map(
    (email) =>
      `/livelookup/${source}?source_id=0&customer_id=&first_name=&last_name=` +
      `&email=${encodeURIComponent(email)}&phone=`,
  )
}

function email(i: number): string {
  return EMAILS[i % EMAILS.length]!
}

/** The driver's pool with no HTTP (the ceiling), and a new connection per lookup. */
function postgresMeasures(resources: Resources, port: number): Measure[] {
  const config = { host: '127.0.0.1', port, user: 'bench', password: PASSWORD, database: 'crm' }
  const pool = new pg.Pool({ ...config, max: POOL })
  resources.defer(() => pool.end())
  const query = `${SELECT}$1`
  return [
    // Named, so the server parses it once per connection, as the gateway's statements are.
    directMeasure('PostgreSQL: pg pool, no HTTP (ceiling)', (i) =>
      pool.query({ name: 'lookup', text: query, values: [email(i)] }),
    ),
    directMeasure('PostgreSQL: new connection per lookup', async (i) => {
      const client = new pg.Client(config)
      await client.connect()
      try {
        await client.query(query, [email(i)])
      } finally {
        await client.end()
      }
    }),
  ]
}

function mariadbMeasures(resources: Resources, port: number): Measure[] {
  const config = { host: '127.0.0.1', port, user: 'bench', password: PASSWORD, database: 'crm' }
  const pool = mysql.createPool({ ...config, connectionLimit: POOL }).promise()
  resources.defer(() => pool.end())
  const query = `${SELECT}?`
  return [
    directMeasure('MariaDB: mysql2 pool, no HTTP (ceiling)', (i) =>
      pool.execute(query, [email(i)]),
    ),
    directMeasure('MariaDB: new connection per lookup', async (i) => {
      const connection = await mysql.createConnection(config).promise()
      try {
        await connection.execute(query, [email(i)])
      } finally {
        await connection.end()
      }
    }),
  ]
}

/** The connector's own search, with no HTTP and no engine: how much the connector adds. */
function connectorMeasure(
  resources: Resources,
  name: string,
  options: Record<string, unknown>,
): Measure {
  const logger = pino({ level: 'silent' })
  const parsed = sqlConnector.options.parse(options)
  const rule = sqlConnector.compile({ query: `${SELECT}{email}`, when: ['email'] }, parsed)
  const connector = sqlConnector.create(parsed, { name, logger, configDir: '.', timeoutMs: 5_000 })
  resources.defer(() => connector.close())
  const attributes = ['id', 'first_name', 'last_name', 'email', 'phone', 'company']
  return directMeasure(`${name}: connector search, no HTTP`, (i) =>
    underDeadline(5_000, (signal) =>
      connector.search({ rule, input: { email: email(i) }, attributes, limit: 25, signal }),
    ),
  )
}

/** The gateway over HTTP with `workers` processes: its PostgreSQL and its MariaDB source. */
async function gatewayMeasures(
  resources: Resources,
  file: string,
  workers: number,
): Promise<[Measure, Measure]> {
  const env = { LIVELOOKUP_WORKERS: String(workers) }
  const gateway = await resources.add(startGateway(file, await freePort(), env))
  const suffix = workers > 1 ? `, ${workers} workers` : ''
  const measure = (name: string, source: string) =>
    httpMeasure({
      name: `${name}: gateway over HTTP${suffix}`,
      url: gateway.url,
      paths: paths(source),
    })
  return [measure('PostgreSQL', 'pg_customers'), measure('MariaDB', 'my_customers')]
}

/** The ratios of one database's results, in the order `inTurns` was given them. */
function verdicts(
  name: string,
  [gateway, workers, ceiling, connector, fresh]: LoadResult[],
): string[] {
  const times = fresh!.rps === 0 ? 0 : Math.round((gateway!.rps / fresh!.rps) * 10) / 10
  const ratio = percent(gateway!.rps, ceiling!.rps)
  const workersRatio = percent(workers!.rps, ceiling!.rps)
  return [
    `${name} gateway / pool ceiling: ${ratio}% (target >= 80%)${ratio >= 80 ? '' : ' MISSED'}`,
    `${name} gateway / connection per lookup: ${times}x (target >= 3x)` +
      (times >= 3 ? '' : ' MISSED'),
    `${name} connector search / pool ceiling: ${percent(connector!.rps, ceiling!.rps)}%`,
    // The gateway with 2 workers is held to the same target as one worker.
    `${name} gateway with 2 workers / pool ceiling: ${workersRatio}%` +
      (workersRatio >= 80 ? '' : ' MISSED'),
  ]
}

/**
 * A SQL source at 10,000 customers, for PostgreSQL and MariaDB: the gateway over HTTP (cache
 * off), the same query through the driver's pool with no HTTP (the ceiling), and a new
 * connection per lookup, as hand-written lookup scripts do.
 */
export const sqlBench: BenchCase = {
  name: 'sql',
  async run(): Promise<BenchReport> {
    const folder = await mkdtemp(join(tmpdir(), 'bench-sql-'))
    const postgres = await startPostgres()
    const mariadb = await startMariadb()
    const resources = new Resources()
    try {
      await seedPostgres(postgres)
      await seedMariadb(mariadb)
      const file = join(folder, 'gateway.yaml')
      await writeFile(file, gatewayConfig(postgres.port, mariadb.port))

      const [pgGateway, myGateway] = await gatewayMeasures(resources, file, 1)
      const [pgWorkers, myWorkers] = await gatewayMeasures(resources, file, 2)
      const url = (scheme: string, port: number): string =>
        `${scheme}://bench:${PASSWORD}@127.0.0.1:${port}/crm`
      const pgConnector = connectorMeasure(resources, 'PostgreSQL', {
        dialect: 'postgres',
        url: url('postgres', postgres.port),
        tls: false,
        pool: POOL,
      })
      const myConnector = connectorMeasure(resources, 'MariaDB', {
        dialect: 'mysql',
        url: url('mysql', mariadb.port),
        tls: false,
        pool: POOL,
      })
      const [pgPool, pgFresh] = postgresMeasures(resources, postgres.port)
      const [myPool, myFresh] = mariadbMeasures(resources, mariadb.port)
      const pgResults = await inTurns([pgGateway, pgWorkers, pgPool!, pgConnector, pgFresh!])
      const myResults = await inTurns([myGateway, myWorkers, myPool!, myConnector, myFresh!])
      return {
        title: 'SQL source at 10,000 customers (PostgreSQL and MariaDB, 32 concurrent lookups)',
        results: [...pgResults, ...myResults],
        verdicts: [...verdicts('PostgreSQL', pgResults), ...verdicts('MariaDB', myResults)],
      }
    } finally {
      await resources.close()
      await postgres.destroy()
      await mariadb.destroy()
      await rm(folder, { recursive: true, force: true })
    }
  },
}
