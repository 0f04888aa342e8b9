import type { BackendRecord, Connector } from '../../../connectors/contract.js'
import { salesforceConnector } from '../../../connectors/salesforce/index.js'
import type { SalesforceRule } from '../../../connectors/salesforce/rule.js'
import type { TestOrg } from './org.js'
import { testLogger } from '../../harness/secrets.js'

type Definition = typeof salesforceConnector

/** Options (as YAML would give them) that log in to the test org with client credentials. */
export function orgOptions(
  org: TestOrg,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const { clientId, clientSecret } = org.credentials
  return { loginUrl: org.server.url, clientId, clientSecret, ...extra }
}

/** A connector built the way the gateway builds it, against the test org. */
export function connectorFor(
  org: TestOrg,
  options: Record<string, unknown> = orgOptions(org),
  definition: Definition = salesforceConnector,
  timeoutMs = 5_000,
): Connector<SalesforceRule> {
  const context = {
    name: 'crm',
    logger: testLogger().logger,
    configDir: org.configDir,
    timeoutMs,
  }
  return definition.create(definition.options.parse(options), context)
}

/** A rule compiled the way the config loader compiles it. */
export function ruleOf(
  rule: { soql?: string; sosl?: string },
  when: readonly string[],
): SalesforceRule {
  return salesforceConnector.compile(
    { ...salesforceConnector.rule.parse(rule), when },
    salesforceConnector.options.parse({ clientId: 'x', clientSecret: 'y' }),
  )
}

/** Runs one search with a generous deadline unless a signal is given. */
export function search(
  connector: Connector<SalesforceRule>,
  rule: SalesforceRule,
  input: Record<string, string>,
  attributes: readonly string[],
  limit = 25,
  signal: AbortSignal = AbortSignal.timeout(10_000),
): Promise<BackendRecord[]> {
  return connector.search({ rule, input, attributes, limit, signal })
}
