import { z } from 'zod'

import { count, duration, flag } from '../../src/config/fields.js'

/** The SQL dialects the connector speaks, each through its own driver. */
export const SQL_DIALECTS = ['mssql', 'postgres', 'mysql'] as const

export type SqlDialect = (typeof SQL_DIALECTS)[number]

/** URL schemes accepted for each dialect. */
export const URL_SCHEMES: Readonly<Record<SqlDialect, readonly string[]>> = {
  mssql: ['mssql:', 'sqlserver:'],
  postgres: ['postgres:', 'postgresql:'],
  mysql: ['mysql:', 'mariadb:'],
}

/**
 * Options of a `type: sql` connector. Either `url` or `host` names the server; the discrete keys
 * override what the URL says, so a password can live in its own `${NAME}` value.
 */
export const sqlOptions = {
  /** `mssql` (SQL Server), `postgres` (PostgreSQL) or `mysql` (MySQL and MariaDB). */
  dialect: z.enum(SQL_DIALECTS),
  /** `mssql://user:password@host:1433/database`, `postgres://...`, `mysql://...`. */
  url: z.string().min(1).optional(),
  host: z.string().min(1).optional(),
  port: count.optional(),
  database: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  password: z.string().optional(),
  /** SQL Server named instance (`SQLEXPRESS`), resolved through the SQL Browser service. */
  instance: z.string().min(1).optional(),
  /** TLS to the server; on by default. `false` turns it off, and the connector logs a warning. */
  tls: flag.default(true),
  /** A PEM file of certificate authorities to trust besides the system ones. */
  ca: z.string().min(1).optional(),
  /** Most connections the pool opens. */
  pool: count.pipe(z.number().min(1)).default(10),
  /** How long opening one connection may take. */
  connectTimeout: duration.default(5_000),
}

export const sqlOptionsSchema = z.object(sqlOptions).superRefine((options, ctx) => {
  if (!options.url && !options.host) {
    ctx.addIssue({ code: 'custom', message: 'needs a url or a host', path: ['url'] })
  }
  if (options.url) {
    const problem = urlProblem(options.dialect, options.url)
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['url'] })
  }
})

export type SqlOptions = z.output<typeof sqlOptionsSchema>

/** Why a URL does not fit the dialect, or undefined when it does. */
export function urlProblem(dialect: SqlDialect, url: string): string | undefined {
  const schemes = URL_SCHEMES[dialect]
  const expected = `expected a ${schemes.map((scheme) => `${scheme}//`).join(' or ')} URL`
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return expected
  }
  if (!schemes.includes(parsed.protocol)) return expected
  for (const [part, text] of [
    ['user', parsed.username],
    ['password', parsed.password],
    ['database', parsed.pathname],
  ] as const) {
    if (!decodes(text)) return `the ${part} is not valid percent-encoding (write % as %25)`
  }
  return undefined
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text)
    return true
  } catch {
    return false
  }
}
