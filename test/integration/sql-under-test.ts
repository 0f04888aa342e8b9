import type { Connector } from '../../connectors/contract.js'
import { sqlConnector, type SqlRule } from '../../connectors/sql/index.js'
import type { ConnectorError } from '../../src/errors.js'
import { connectorFailure } from '../harness/failure.js'
import { testLogger } from '../harness/secrets.js'

/** What a SQL connector under test is given besides its options. */
export const SQL_CONTEXT = {
  name: 'crm',
  logger: testLogger().logger,
  configDir: process.cwd(),
  timeoutMs: 5_000,
}

/** Compiles a query template as the config loader would, for the given connector options. */
export function compileSql(
  options: Record<string, unknown>,
  query: string,
  when: string[],
): SqlRule {
  return sqlConnector.compile({ query, when }, sqlConnector.options.parse(options))
}

/** One search with the given inputs and wanted columns. */
export function searchSql(
  connector: Connector,
  rule: SqlRule,
  input: Record<string, string>,
  attributes: readonly string[],
  limit = 25,
  signal = AbortSignal.timeout(10_000),
) {
  return connector.search({ rule, input, attributes, limit, signal })
}

/** What a connector says of a server that will not speak TLS. */
export const NO_TLS =
  'the server does not accept TLS connections; enable TLS on it, or set tls: false'

/** The failure of a connector with TLS on, as by default, checking a server without TLS. */
export async function refusedWithoutTls(options: Record<string, unknown>): Promise<ConnectorError> {
  const { tls: _off, ...withTls } = options
  const insisting = sqlConnector.create(sqlConnector.options.parse(withTls), SQL_CONTEXT)
  try {
    return await connectorFailure(insisting.check(AbortSignal.timeout(10_000)))
  } finally {
    await insisting.close()
  }
}
