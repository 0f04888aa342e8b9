import type mysql from 'mysql2'

import type { FailureKind } from '../../src/errors.js'
import type { SqlClient, SqlClientContext, SqlQuery, SqlTable } from './client.js'
import { CANCEL_GRACE_MS, deadlinePassed, raceQuery } from './client.js'
import { codeOf, isNetworkError } from './errors.js'
import { renderLocalTimestamp, renderValue } from './values.js'

type MysqlDriver = typeof mysql

const AUTH_CODES = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
])
const BUSY_CODES = new Set(['ER_CON_COUNT_ERROR', 'ER_TOO_MANY_USER_CONNECTIONS'])
const TIMEOUT_CODES = new Set(['ER_QUERY_INTERRUPTED', 'ER_STATEMENT_TIMEOUT'])
/** DATETIME and TIMESTAMP, delivered as text by `dateStrings`. */
const TIMESTAMP_TYPES = new Set([7, 12])

function classify(error: unknown): FailureKind {
  const code = codeOf(error)
  if (AUTH_CODES.has(code)) return 'auth'
  if (BUSY_CODES.has(code) || /queue limit/i.test((error as Error)?.message ?? '')) return 'busy'
  if (TIMEOUT_CODES.has(code)) return 'timeout'
  if (isNetworkError(error) || (error as { fatal?: boolean })?.fatal) return 'unreachable'
  return 'query'
}

/**
 * MySQL and MariaDB through `mysql2`: one pool, server-side prepared statements, the row limit
 * set as the session's `sql_select_limit`, and `KILL QUERY` from a side connection on abort.
 */
export function mysqlClient(driver: MysqlDriver, context: SqlClientContext): SqlClient {
  const { settings, logger } = context
  const failures = { classify, secrets: [settings.password] }
  const connection: mysql.ConnectionOptions = {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: settings.password,
    ssl: settings.tls ? { ca: settings.tls.ca, rejectUnauthorized: true } : undefined,
    connectTimeout: settings.connectTimeoutMs,
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    enableKeepAlive: true,
  }
  const limits = new WeakMap<object, number>()
  let pool: mysql.Pool | undefined

  function connect(): Promise<mysql.PoolConnection> {
    if (!pool) {
      pool = driver.createPool({
        ...connection,
        connectionLimit: settings.pool,
        maxIdle: settings.pool,
      })
      pool.on('connection', (fresh) => {
        fresh.query("SET time_zone = '+00:00'", (error) => {
          if (error) logger.warn({ event: 'sql_session_setup_failed', code: codeOf(error) })
        })
      })
    }
    const from = pool
    return new Promise((resolve, reject) => {
      from.getConnection((error, conn) => (error ? reject(error) : resolve(conn)))
    })
  }

  async function acquire(signal: AbortSignal): Promise<mysql.PoolConnection> {
    const pending = connect()
    const release = (): void =>
      void pending.then(
        (conn) => conn.release(),
        () => undefined,
      )
    return raceQuery(pending, signal, release, failures)
  }

  function limitRows(conn: mysql.PoolConnection, limit: number): Promise<void> {
    if (limits.get(conn) === limit) return Promise.resolve()
    return new Promise((resolve, reject) => {
      conn.query('SET SESSION sql_select_limit = ?', [limit], (error) => {
        if (error) return reject(error)
        limits.set(conn, limit)
        resolve()
      })
    })
  }

  function select(conn: mysql.PoolConnection, query: SqlQuery): Promise<SqlTable> {
    return limitRows(conn, query.limit).then(
      () =>
        new Promise((resolve, reject) => {
          const options = { sql: query.text, values: [...query.values], rowsAsArray: true }
          conn.execute(options, (error, rows, fields) => {
            if (error) return reject(error)
            resolve(tableOf(rows as unknown as unknown[][], fields ?? []))
          })
        }),
    )
  }

  function execute(
    conn: mysql.PoolConnection,
    query: SqlQuery,
    signal: AbortSignal,
  ): Promise<SqlTable> {
    const work = select(conn, query)
    let killed: Promise<void> = Promise.resolve()
    let released = false
    // NOTE: the connection goes back to the pool only once a KILL has landed, so it can never
    // stop the next lookup's query instead.
    const release = (destroy: boolean): void => {
      if (released) return
      released = true
      void killed.then(() => (destroy ? conn.destroy() : conn.release()))
    }
    work.then(
      () => release(false),
      (error: unknown) => release(classify(error) === 'unreachable'),
    )

    const cancel = (): void => {
      killed = killQuery(driver, connection, conn.threadId)
      setTimeout(() => release(true), CANCEL_GRACE_MS).unref()
    }
    return raceQuery(work, signal, cancel, failures)
  }

  return {
    async run(query, signal) {
      if (signal.aborted) throw deadlinePassed()
      return execute(await acquire(signal), query, signal)
    },
    async check(signal) {
      await execute(await acquire(signal), { text: 'SELECT 1', values: [], limit: 1 }, signal)
    },
    async close() {
      const closing = pool
      pool = undefined
      if (closing) await new Promise<void>((resolve) => closing.end(() => resolve()))
    },
  }
}

function tableOf(rows: unknown[][], fields: readonly mysql.FieldPacket[]): SqlTable {
  const timestamps = fields.map((field) => TIMESTAMP_TYPES.has(field.columnType ?? field.type ?? 0))
  return {
    columns: fields.map((field) => field.name),
    rows: rows.map((row) =>
      row.map((value, i) =>
        timestamps[i] && typeof value === 'string'
          ? renderLocalTimestamp(value)
          : renderValue(value),
      ),
    ),
  }
}

function killQuery(
  driver: MysqlDriver,
  options: mysql.ConnectionOptions,
  threadId: number,
): Promise<void> {
  return new Promise((resolve) => {
    const killer = driver.createConnection({ ...options, connectTimeout: CANCEL_GRACE_MS })
    killer.on('error', () => resolve())
    killer.query('KILL QUERY ?', [threadId], () => {
      killer.destroy()
      resolve()
    })
  })
}
