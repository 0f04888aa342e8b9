import type mssql from 'mssql'
import type mysql from 'mysql2'
import type pg from 'pg'
import { z } from 'zod'

import { asConnectorError } from '../../src/errors.js'
import type { ConnectorContext } from '../contract.js'
import { defineConnector } from '../contract.js'
import type { SqlClient } from './client.js'
import { deadlinePassed, recordsOf } from './client.js'
import { mssqlClient } from './mssql.js'
import { mysqlClient } from './mysql.js'
import type { SqlDialect, SqlOptions } from './options.js'
import { sqlOptionsSchema } from './options.js'
import { postgresClient } from './postgres.js'
import { loadSettings } from './settings.js'
import type { SqlStatement } from './statement.js'
import { compileStatement, parameterValue } from './statement.js'

/** The driver modules, by dialect. Tests pass their own; the defaults load the real ones. */
export interface SqlDrivers {
  readonly postgres: () => Promise<typeof pg>
  readonly mysql: () => Promise<typeof mysql>
  readonly mssql: () => Promise<typeof mssql>
}

/** The real drivers, loaded on first use so a gateway without SQL never pays for them. */
export const SQL_DRIVERS: SqlDrivers = {
  postgres: async () => (await import('pg')).default,
  mysql: async () => (await import('mysql2')).default,
  mssql: async () => (await import('mssql')).default,
}

/** A rule's own keys: the `query`, SQL with `{placeholders}` bound as driver parameters. */
export const sqlRule = { query: z.string() }

/** A compiled rule: the statement in the connector's dialect. */
export type SqlRule = SqlStatement

async function openClient(
  drivers: SqlDrivers,
  options: SqlOptions,
  context: ConnectorContext,
): Promise<SqlClient> {
  const settings = await loadSettings(options, context.configDir)
  const base = { settings, logger: context.logger, timeoutMs: context.timeoutMs }
  const dialect: SqlDialect = options.dialect
  if (dialect === 'postgres') return postgresClient(await drivers.postgres(), base)
  if (dialect === 'mysql') return mysqlClient(await drivers.mysql(), base)
  return mssqlClient(await drivers.mssql(), base)
}

/** Builds the `type: sql` connector definition over the given drivers. */
export function createSqlConnector(drivers: SqlDrivers = SQL_DRIVERS) {
  return defineConnector({
    type: 'sql',
    options: sqlOptionsSchema,
    rule: z.object(sqlRule),

    compile(rule, options): SqlRule {
      return compileStatement(options.dialect, rule.query, rule.when)
    },

    create(options, context) {
      if (!options.tls) {
        context.logger.warn({ event: 'sql_tls_disabled', dialect: options.dialect })
      }
      let opening: Promise<SqlClient> | undefined
      const client = (): Promise<SqlClient> => {
        opening ??= openClient(drivers, options, context).catch((error: unknown) => {
          opening = undefined
          throw error
        })
        return opening
      }

      return {
        async search({ rule, input, attributes, limit, signal }) {
          try {
            if (signal.aborted) throw deadlinePassed()
            if (limit < 1) return []
            const values = rule.parameters.map((p) => parameterValue(options.dialect, p, input))
            const table = await (await client()).run({ text: rule.text, values, limit }, signal)
            return recordsOf(table, attributes, limit)
          } catch (error) {
            throw asConnectorError(error, signal)
          }
        },
        async check(signal) {
          try {
            await (await client()).check(signal)
          } catch (error) {
            throw asConnectorError(error, signal)
          }
        },
        async close() {
          const closing = opening
          opening = undefined
          await (await closing?.catch(() => undefined))?.close()
        },
      }
    },
  })
}

/** `type: sql`: SQL Server, PostgreSQL, MySQL and MariaDB. */
export const sqlConnector = createSqlConnector()
