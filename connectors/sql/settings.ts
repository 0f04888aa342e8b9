import { ConnectorError } from '../../src/errors.js'
import { readCaFile } from '../ca-file.js'
import type { SqlDialect, SqlOptions } from './options.js'
import { urlProblem } from './options.js'

const DEFAULT_PORTS: Readonly<Record<SqlDialect, number>> = {
  mssql: 1433,
  postgres: 5432,
  mysql: 3306,
}

/** Where and how to connect, with the URL taken apart and the discrete keys applied. */
export interface SqlSettings {
  readonly dialect: SqlDialect
  readonly host: string
  readonly port: number
  readonly database?: string
  readonly user?: string
  readonly password?: string
  readonly instance?: string
  /** `false` when TLS is off; otherwise the extra CA (PEM) to trust, if any. */
  readonly tls: false | { readonly ca?: string }
  readonly pool: number
  readonly connectTimeoutMs: number
}

/** Merges `url` and the discrete options. Throws a ConnectorError naming the key at fault. */
export function resolveSettings(options: SqlOptions): Omit<SqlSettings, 'tls'> & { ca?: string } {
  const url = parseUrl(options)
  const host = options.host ?? url?.hostname.replace(/^\[|\]$/g, '')
  if (!host) throw new ConnectorError('internal', 'the connector needs a url or a host')

  return {
    dialect: options.dialect,
    host,
    port: options.port ?? (url?.port ? Number(url.port) : DEFAULT_PORTS[options.dialect]),
    database: options.database ?? databaseOf(url),
    user: options.user ?? (url?.username ? decodeURIComponent(url.username) : undefined),
    password: options.password ?? (url?.password ? decodeURIComponent(url.password) : undefined),
    instance: options.instance,
    ca: options.ca,
    pool: options.pool,
    connectTimeoutMs: options.connectTimeout,
  }
}

/** Reads the `ca` file (relative to the config folder) when TLS is on. */
export async function loadSettings(options: SqlOptions, configDir: string): Promise<SqlSettings> {
  const { ca, ...settings } = resolveSettings(options)
  if (!options.tls) return { ...settings, tls: false }
  if (!ca) return { ...settings, tls: {} }

  return { ...settings, tls: { ca: readCaFile(configDir, ca).toString('utf8') } }
}

function parseUrl(options: SqlOptions): URL | undefined {
  if (!options.url) return undefined
  if (urlProblem(options.dialect, options.url)) {
    throw new ConnectorError('internal', `the url does not fit dialect ${options.dialect}`)
  }
  return new URL(options.url)
}

function databaseOf(url: URL | undefined): string | undefined {
  const path = url?.pathname.replace(/^\/+/, '') ?? ''
  return path ? decodeURIComponent(path) : undefined
}
