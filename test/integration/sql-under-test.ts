import type { Connector } from '../../connectors/contract.js'
import { sqlConnector, type SqlRule } from '../../connectors/sql/index.js'
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
