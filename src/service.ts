import type { Logger } from 'pino'

import type { ConnectorDefinition } from '../connectors/contract.js'
import { loadConfig, type GatewayConfig } from './config/load.js'
import { ConfigError } from './errors.js'
import { Gateway, type LiveConnector } from './engine/gateway.js'
import { closeConnectors, startConnectors } from './engine/live.js'

/**
 * The running gateway of one process: its config, its live connectors, and reloading. Lookups
 * read `current` once at their start, so a reload never changes a lookup half-way through.
 */
export class Service {
  private gateway: Gateway

  private constructor(
    private readonly file: string,
    private readonly logger: Logger,
    private readonly definitions: readonly ConnectorDefinition[],
    config: GatewayConfig,
  ) {
    const { live } = startConnectors(config, logger)
    this.gateway = new Gateway(config, live)
  }

  /** Loads the config and builds its connectors (without connecting to anything). */
  static async start(
    file: string,
    logger: Logger,
    definitions: readonly ConnectorDefinition[] = [],
  ): Promise<Service> {
    const config = await loadConfig(file, { definitions })
    return new Service(file, logger, definitions, config)
  }

  get current(): Gateway {
    return this.gateway
  }

  /**
   * Reads the config file again. An invalid file is refused with its problems and the old
   * config keeps serving; connectors whose settings did not change keep their warm pools.
   */
  async reload(): Promise<boolean> {
    let config: GatewayConfig
    try {
      config = await loadConfig(this.file, { definitions: this.definitions })
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [String(error)]
      this.logger.error({ problems }, 'config reload refused')
      return false
    }

    const { live, retired } = startConnectors(config, this.logger, this.gateway.connectors)
    this.gateway = new Gateway(config, live)
    this.logger.info({ connectors: [...live.keys()], replaced: retired.map((r) => r.settings.name) }, 'config reloaded')
    setTimeout(() => void closeConnectors(retired, this.logger), config.server.deadline).unref()
    return true
  }

  /** Closes every connector's pool and watcher. */
  async close(): Promise<void> {
    await closeConnectors(this.gateway.connectors.values(), this.logger)
  }

  get connectors(): ReadonlyMap<string, LiveConnector> {
    return this.gateway.connectors
  }
}
