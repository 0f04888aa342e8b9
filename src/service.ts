import { readFileSync, watch, type FSWatcher } from 'node:fs'
import { dirname } from 'node:path'

import type { Logger } from 'pino'

import type { ConnectorDefinition } from '../connectors/contract.js'
import { LookupCache } from './cache/lookup-cache.js'
import { loadConfig, type GatewayConfig } from './config/load.js'
import { ConfigError } from './errors.js'
import { HealthBook } from './engine/breaker.js'
import { Gateway, breakerSettings, type LiveConnector } from './engine/gateway.js'
import { closeConnectors, startConnectors } from './engine/live.js'
import { InFlight, type Operations } from './http/ops.js'
import { RateLimiter } from './http/rate-limit.js'
import { Metrics } from './metrics.js'

/** How long a config file must stay unchanged before a change is reloaded. */
const RELOAD_SETTLE_MS = 250

/**
 * The running gateway of one process: its config, its live connectors, its cache and metrics,
 * and reloading. Lookups read `current` once at their start, so a reload never changes a lookup
 * half-way through.
 */
export class Service {
  private gateway: Gateway
  private lookupCache: LookupCache | undefined
  private watcher: FSWatcher | undefined
  private pendingReload: NodeJS.Timeout | undefined
  /** The config file's text when the folder last changed, to tell a change of the file. */
  private seenText: string | undefined
  private readonly health: HealthBook
  readonly ops: Operations

  private constructor(
    private readonly file: string,
    private readonly logger: Logger,
    private readonly definitions: readonly ConnectorDefinition[],
    config: GatewayConfig,
  ) {
    const { live } = startConnectors(config, logger)
    this.health = new HealthBook(breakerSettings(config), logger)
    this.gateway = new Gateway(config, live, this.health)
    this.lookupCache = LookupCache.create(config.cache, logger, config.server.deadline)

    const metrics = new Metrics(() =>
      [...this.gateway.connectors].map(([name, { connector }]) => this.health.of(connector, name)),
    )
    this.ops = {
      cache: () => this.lookupCache,
      metrics,
      limiter: new RateLimiter(),
      requests: new InFlight(),
    }
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

    const previous = this.gateway.config
    const cacheChanges =
      JSON.stringify(previous.cache) !== JSON.stringify(config.cache) ||
      previous.server.deadline !== config.server.deadline
    let cache: LookupCache | undefined
    let started: ReturnType<typeof startConnectors>
    try {
      if (cacheChanges)
        cache = LookupCache.create(config.cache, this.logger, config.server.deadline)
      started = startConnectors(config, this.logger, this.gateway.connectors)
    } catch (error) {
      // Nothing has changed yet: the old config keeps serving.
      void cache?.close()
      const problem = error instanceof Error ? error.message : String(error)
      this.logger.error({ problems: [problem] }, 'config reload refused')
      return false
    }

    const { live, retired } = started
    this.health.settings = breakerSettings(config)
    this.gateway = new Gateway(config, live, this.health)
    if (cacheChanges) {
      void this.lookupCache?.close()
      this.lookupCache = cache
    }
    this.logger.info(
      { connectors: [...live.keys()], replaced: retired.map((r) => r.settings.name) },
      'config reloaded',
    )
    // Lookups that started before the swap run under the old deadline, those just after it
    // under the new one: replaced connectors close once the longer of the two has passed.
    const grace = Math.max(previous.server.deadline, config.server.deadline)
    setTimeout(() => void closeConnectors(retired, this.logger), grace).unref()
    return true
  }

  /**
   * Reloads when the config file changes. The folder is watched rather than the file, since
   * editors often save by writing a new file and renaming it over the old one, and Kubernetes
   * updates a mounted ConfigMap by swapping a symbolic link beside it: after any change in the
   * folder settles, the file is read and reloaded if its text is not the text last seen.
   */
  watch(): void {
    if (this.watcher) return
    this.seenText = readText(this.file)
    this.watcher = watch(dirname(this.file), () => {
      clearTimeout(this.pendingReload)
      this.pendingReload = setTimeout(() => {
        const text = readText(this.file)
        if (text !== undefined && text === this.seenText) return
        this.seenText = text
        void this.reload()
      }, RELOAD_SETTLE_MS).unref()
    })
    this.watcher.on('error', (error) => this.logger.warn({ err: error }, 'config watch failed'))
    this.watcher.unref()
  }

  /** Stops watching, closes the cache and every connector's pool and watcher. */
  async close(): Promise<void> {
    clearTimeout(this.pendingReload)
    this.watcher?.close()
    this.watcher = undefined
    await Promise.all([
      closeConnectors(this.gateway.connectors.values(), this.logger),
      this.lookupCache?.close(),
    ])
  }

  get connectors(): ReadonlyMap<string, LiveConnector> {
    return this.gateway.connectors
  }
}

/** A file's text, or undefined while it cannot be read (in the middle of a rename, say). */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}
