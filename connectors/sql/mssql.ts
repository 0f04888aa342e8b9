import type mssql from 'mssql'

import type { FailureKind } from '../../src/errors.js'
import type { SqlClient, SqlClientContext, SqlQuery, SqlTable } from './client.js'
import { CANCEL_GRACE_MS, deadlinePassed, raceQuery } from './client.js'
import { codeOf, isNetworkError } from './errors.js'
import { renderDate, renderScaled, renderValue } from './values.js'

type MssqlDriver = typeof mssql

/** The name of the row limit parameter, beside the rule's `@p1`, `@p2`, ... */
export const MSSQL_LIMIT_PARAMETER = 'll_limit'

/** Column metadata as `mssql` reports it in array row mode. */
interface MssqlColumn {
  readonly name: string
  readonly type: unknown
  readonly scale?: number
}

function classify(error: unknown): FailureKind {
  const code = codeOf(error)
  const name = (error as Error | undefined)?.name
  if (code === 'ELOGIN') return 'auth'
  if (code === 'ECANCEL' || (name === 'RequestError' && code === 'ETIMEOUT')) return 'timeout'
  if (code === 'ETIMEOUT' || code === 'EINSTLOOKUP' || code === 'ECONNCLOSED') return 'unreachable'
  if (code === 'ENOTOPEN' || code === 'ECLOSING' || isNetworkError(error)) return 'unreachable'
  if (name === 'TimeoutError') return 'busy'
  if (name === 'ConnectionError') return 'unreachable'
  return 'query'
}

/**
 * SQL Server through `mssql` (tedious): one pool, `sp_executesql` with typed NVARCHAR
 * parameters, `SET ROWCOUNT` as the row limit, and a TDS attention to cancel on abort.
 */
export function mssqlClient(driver: MssqlDriver, context: SqlClientContext): SqlClient {
  const { settings } = context
  const failures = { classify, secrets: [settings.password] }
  const config: mssql.config = {
    server: settings.host,
    port: settings.instance ? undefined : settings.port,
    database: settings.database,
    user: settings.user,
    password: settings.password,
    connectionTimeout: settings.connectTimeoutMs,
    requestTimeout: context.timeoutMs + CANCEL_GRACE_MS,
    arrayRowMode: true,
    validateConnection: 'socket',
    pool: { max: settings.pool, min: 0, idleTimeoutMillis: 30_000 },
    beforeConnect: settings.tls === false ? undefined : refuseLoginWithoutTls,
    options: {
      encrypt: settings.tls !== false,
      trustServerCertificate: false,
      instanceName: settings.instance,
      appName: 'livelookup-gateway',
      useUTC: true,
      lowerCaseGuids: true,
      ...(settings.tls && settings.tls.ca
        ? { cryptoCredentialsDetails: { ca: settings.tls.ca } }
        : {}),
    } as mssql.IOptions,
  }
  let pool: mssql.ConnectionPool | undefined

  async function ready(signal: AbortSignal): Promise<mssql.ConnectionPool> {
    if (!pool) {
      pool = new driver.ConnectionPool(config)
      pool.on('error', (error) =>
        context.logger.warn({ event: 'sql_pool_error', code: codeOf(error) }),
      )
    }
    const current = pool
    if (current.connected) return current
    return raceQuery(current.connect(), signal, () => undefined, failures)
  }

  async function execute(query: SqlQuery, signal: AbortSignal, batch = false): Promise<SqlTable> {
    if (signal.aborted) throw deadlinePassed()
    const request = (await ready(signal)).request()
    request.arrayRowMode = true
    query.values.forEach((value, i) => {
      request.input(`p${i + 1}`, driver.NVarChar(value.length <= 4000 ? 4000 : driver.MAX), value)
    })
    if (!batch) request.input(MSSQL_LIMIT_PARAMETER, driver.Int, query.limit)
    const text = batch ? query.text : `SET ROWCOUNT @${MSSQL_LIMIT_PARAMETER};\n${query.text}`

    const result = await raceQuery(
      request.query<unknown[]>(text),
      signal,
      () => request.cancel(),
      failures,
    )
    return tableOf(driver, result)
  }

  return {
    run: (query, signal) => execute(query, signal),
    async check(signal) {
      await execute({ text: 'SELECT 1 AS ok', values: [], limit: 1 }, signal, true)
    },
    async close() {
      const closing = pool
      pool = undefined
      await closing?.close().catch(() => undefined)
    },
  }
}

/** The parts of a tedious connection that show whether TLS was set up before the login. */
interface TediousLogin {
  on(event: 'secure', listener: () => void): unknown
  sendLogin7Packet?: () => void
}

/**
 * tedious asks for TLS, but when the server answers that it does not support it, tedious goes
 * on and sends the login, password included, in the clear. With TLS on, a login that would go
 * out unencrypted is stopped here instead, and the connection fails as a server without TLS.
 */
function refuseLoginWithoutTls(connection: unknown): void {
  const tedious = connection as TediousLogin
  const sendLogin = tedious.sendLogin7Packet
  if (typeof sendLogin !== 'function') return
  let secure = false
  tedious.on('secure', () => (secure = true))
  tedious.sendLogin7Packet = function (this: unknown) {
    if (!secure) {
      throw Object.assign(new Error('the server does not support secure connections'), {
        code: 'HANDSHAKE_NO_SSL_SUPPORT',
      })
    }
    sendLogin.call(this)
  }
}

function tableOf(driver: MssqlDriver, result: mssql.IResult<unknown[]>): SqlTable {
  const sets = result.recordsets as unknown as unknown[][][]
  const columnSets = (result as unknown as { columns?: MssqlColumn[][] }).columns ?? []
  const index = columnSets.findIndex((columns) => columns.length > 0)
  const columns = columnSets[index] ?? []
  const rows = sets[index] ?? []
  const render = columns.map((column) => renderer(driver, column))

  return {
    columns: columns.map((column) => column.name),
    rows: rows.map((row) => row.map((value, i) => (render[i] ?? renderValue)(value))),
  }
}

function renderer(driver: MssqlDriver, column: MssqlColumn): (value: unknown) => string {
  const type = column.type
  if (type === driver.Date) return renderDate
  if (type === driver.Money || type === driver.SmallMoney) return (value) => renderScaled(value, 4)
  if (type === driver.Decimal || type === driver.Numeric) {
    return (value) => renderScaled(value, column.scale)
  }
  if (type === driver.Time) {
    return (value) =>
      value instanceof Date ? value.toISOString().slice(11, 23) : renderValue(value)
  }
  return renderValue
}
