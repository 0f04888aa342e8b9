import type { Logger } from 'pino'

import type { GatewayConfig } from '../config/load.js'
import type { LiveConnector } from './gateway.js'

/**
 * Builds a live connector for every configured one. Connectors whose settings did not change
 * since `previous` are kept as they are, with their warm pools; the rest are returned as
 * `retired`, for the caller to close once in-flight lookups are done.
 */
export function startConnectors(
  config: GatewayConfig,
  logger: Logger,
  previous: ReadonlyMap<string, LiveConnector> = new Map(),
): { live: Map<string, LiveConnector>; retired: LiveConnector[] } {
  const live = new Map<string, LiveConnector>()

  for (const [name, settings] of config.connectors) {
    const kept = previous.get(name)
    if (kept && kept.settings.fingerprint === settings.fingerprint) {
      live.set(name, { settings, connector: kept.connector })
      continue
    }
    const connector = settings.definition.create(settings.options, {
      name,
      logger: logger.child({ connector: name }),
      configDir: config.dir,
      timeoutMs: settings.timeoutMs,
    })
    live.set(name, { settings, connector })
  }

  const retired = [...previous].filter(([name, old]) => live.get(name)?.connector !== old.connector)
  return { live, retired: retired.map(([, old]) => old) }
}

/** Closes connectors, logging (never throwing) what fails to close. */
export async function closeConnectors(
  connectors: Iterable<LiveConnector>,
  logger: Logger,
): Promise<void> {
  await Promise.all(
    [...connectors].map(({ settings, connector }) =>
      connector
        .close()
        .catch((error: unknown) =>
          logger.warn({ connector: settings.name, err: error }, 'close failed'),
        ),
    ),
  )
}
