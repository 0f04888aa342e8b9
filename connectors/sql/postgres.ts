import type pg from 'pg'

import type { FailureKind } from '../../src/errors.js'
import type { SqlClient, SqlClientContext, SqlQuery, SqlTable } from './client.js'
import { CANCEL_GRACE_MS, deadlinePassed, raceQuery } from './client.js'
import { codeOf, isNetworkError } from './errors.js'
import { renderLocalTimestamp } from './values.js'

type PgDriver = typeof pg

const TEXT_OIDS = { bool: 16, bytea: 17, timestamp: 1114, timestamptz: 1184 } as const

/** Every value as PostgreSQL's own text, except the few whose text is not a stable display. */
const DISPLAY_TYPES = {
  getTypeParser(oid: number): (text: string) => string {
    if (oid === TEXT_OIDS.bool) return (text) => (text === 't' ? 'true' : 'false')
    if (oid === TEXT_OIDS.bytea) return (text) => text.replace(/^\\x/, '')
    if (oid === TEXT_OIDS.timestamp) return renderLocalTimestamp
    if (oid === TEXT_OIDS.timestamptz) return (text) => toIso(text)
    return (text) => text
  },
}

function toIso(text: string): string {
  const date = new Date(text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'))
  return Number.isNaN(date.getTime()) ? text : date.toISOString()
}

function classify(error: unknown): FailureKind {
  const code = codeOf(error)
  if (code === '28P01' || code === '28000' || code === '3D000') return 'auth'
  if (code === '53300' || code === '53400') return 'busy'
  if (code === '57014') return 'timeout'
  if (code.startsWith('57P') || code.startsWith('08') || isNetworkError(error)) return 'unreachable'
  if (/timeout exceeded when trying to connect/i.test(String((error as Error)?.message)))
    return 'busy'
  return 'query'
}

/** The parts of `pg` internals a cancel request needs. */
interface PgWire {
  processID: number | null
  secretKey: number | null
  connection: NodeJS.EventEmitter & {
    stream?: { destroy(): void }
    connect(port: number | undefined, host: string | undefined): void
    cancel(processID: number | null, secretKey: number | null): void
  }
}

/** PostgreSQL through `pg`: one pool, a row limit set on the portal, cancel on abort. */
export function postgresClient(driver: PgDriver, context: SqlClientContext): SqlClient {
  const { settings, logger } = context
  const failures = { classify, secrets: [settings.password] }
  const poolConfig: pg.PoolConfig = {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: settings.password ?? '',
    ssl: settings.tls ? { ca: settings.tls.ca, rejectUnauthorized: true } : false,
    max: settings.pool,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'livelookup-gateway',
  }
  const LimitedQuery = limitedQueryClass(driver)
  let pool: pg.Pool | undefined

  function connect(): Promise<pg.PoolClient> {
    if (!pool) {
      pool = new driver.Pool(poolConfig)
      pool.on('error', (error) => logger.warn({ event: 'sql_idle_error', code: codeOf(error) }))
    }
    return pool.connect()
  }

  async function acquire(signal: AbortSignal): Promise<pg.PoolClient> {
    const pending = connect()
    const release = (): void =>
      void pending.then(
        (client) => client.release(),
        () => undefined,
      )
    return raceQuery(pending, signal, release, failures)
  }

  function execute(client: pg.PoolClient, query: SqlQuery, signal: AbortSignal): Promise<SqlTable> {
    let broken: unknown
    const onError = (error: unknown): void => void (broken = error)
    client.on('error', onError)
    const work = submit(client, new LimitedQuery(queryConfig(query), query.limit))

    let cancelled: Promise<void> = Promise.resolve()
    let released = false
    // NOTE: the client goes back to the pool only once a cancel request has landed, so it can
    // never stop the next lookup's query instead.
    const release = (destroy: boolean): void => {
      if (released) return
      released = true
      client.removeListener('error', onError)
      const dropped = destroy || broken !== undefined
      void cancelled.then(() =>
        client.release(dropped ? new Error('connection dropped') : undefined),
      )
    }
    work.then(
      () => release(false),
      (error: unknown) => release(classify(error) === 'unreachable'),
    )

    const cancel = (): void => {
      cancelled = cancelQuery(driver, poolConfig, client)
      setTimeout(() => release(true), CANCEL_GRACE_MS).unref()
    }
    return raceQuery(work, signal, cancel, failures)
  }

  return {
    async run(query, signal) {
      if (signal.aborted) throw deadlinePassed()
      // NOTE: PostgreSQL text cannot hold NUL, so a value with one can match no row.
      if (query.values.some((value) => value.includes('\u0000'))) return { columns: [], rows: [] }
      const client = await acquire(signal)
      return execute(client, query, signal)
    },
    async check(signal) {
      const client = await acquire(signal)
      await execute(client, { text: 'SELECT 1', values: [], limit: 1 }, signal)
    },
    async close() {
      const closing = pool
      pool = undefined
      await closing?.end()
    },
  }
}

/** Statement names by SQL text: each rule's statement is parsed once per connection. */
const statementNames = new Map<string, string>()

function queryConfig(query: SqlQuery): pg.QueryConfig {
  let name = statementNames.get(query.text)
  if (name === undefined)
    statementNames.set(query.text, (name = `livelookup_${statementNames.size}`))
  const { text } = query
  const values = [...query.values]
  return { name, text, values, rowMode: 'array', types: DISPLAY_TYPES } as pg.QueryConfig
}

function submit(client: pg.PoolClient, query: pg.Query): Promise<SqlTable> {
  const work = new Promise<SqlTable>((resolve, reject) => {
    query.once('end', (result: pg.QueryResult<string[]>) => resolve(tableOf(result)))
    query.once('error', reject)
  })
  client.query(query)
  return work
}

function tableOf(result: pg.QueryResult<string[]>): SqlTable {
  const rows = result.rows.map((row) => row.map((value) => value ?? ''))
  return { columns: result.fields.map((field) => field.name), rows }
}

/**
 * Sends PostgreSQL's CancelRequest for the client's backend over a fresh wire connection, and
 * settles once the server has closed it (or after the grace period).
 */
function cancelQuery(
  driver: PgDriver,
  config: pg.PoolConfig,
  client: pg.PoolClient,
): Promise<void> {
  const target = client as unknown as PgWire
  if (!target.processID) return Promise.resolve()
  return new Promise((resolve) => {
    const wire = (new driver.Client(config) as unknown as PgWire).connection
    const done = setTimeout(finish, CANCEL_GRACE_MS)
    function finish(): void {
      clearTimeout(done)
      wire.stream?.destroy()
      resolve()
    }
    wire.on('error', finish)
    wire.once('end', finish)
    wire.once('connect', () => wire.cancel(target.processID, target.secretKey))
    wire.connect(config.port, config.host)
  })
}

/**
 * A query whose portal returns at most `maxRows` rows, whatever the statement: the row limit
 * holds for ORDER BY, CTEs and functions alike, with no rewriting of the SQL. Sync follows
 * Execute at once, so the server closes the portal after those rows in the same round trip.
 */
function limitedQueryClass(driver: PgDriver) {
  return class LimitedQuery extends driver.Query {
    constructor(
      config: pg.QueryConfig,
      readonly maxRows: number,
    ) {
      super(config)
    }

    requiresPreparation(): boolean {
      return true
    }

    _getRows(connection: PgConnection): void {
      connection.execute({
        portal: (this as unknown as { portal: string }).portal,
        rows: this.maxRows,
      })
      connection.sync()
    }

    handlePortalSuspended(): void {
      // The Sync is already on its way: nothing more to fetch.
    }
  }
}

interface PgConnection {
  execute(message: { portal: string; rows: number }): void
  sync(): void
}
