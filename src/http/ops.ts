import type { EventEmitter } from 'node:events'

import type { Handler } from 'hono'

import type { LookupCache } from '../cache/lookup-cache.js'
import type { BreakerState, ConnectorHealth } from '../engine/breaker.js'
import type { Gateway } from '../engine/gateway.js'
import { ConnectorError, asConnectorError } from '../errors.js'
import type { Metrics } from '../metrics.js'
import type { RateLimiter } from './rate-limit.js'

/** What the HTTP app needs to run in production, beside the gateway itself. */
export interface Operations {
  /** The current cache; undefined when `cache.ttl` is 0. Changes on reload. */
  cache(): LookupCache | undefined
  readonly metrics: Metrics
  readonly limiter: RateLimiter
  readonly requests: InFlight
}

/** Requests being answered, so a shutdown can wait for them. */
export class InFlight {
  count = 0
  private waiters: (() => void)[] = []

  /**
   * Counts the requests of a Node HTTP server until their responses are fully written, which
   * is later than the app handler returning.
   */
  watch(server: EventEmitter): void {
    server.on('request', (_request: unknown, response: EventEmitter) => {
      this.count++
      response.once('close', () => {
        if (--this.count === 0) this.wake()
      })
    })
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }
}

/** One connector in the `/readyz` answer. */
export interface ConnectorReadiness {
  readonly connector: string
  readonly type: string
  /** `unknown` until the connector has searched or been checked once. */
  readonly status: 'ok' | 'failing' | 'unknown'
  readonly latencyMs: number | null
  readonly breaker: BreakerState
  readonly lastFailure: string | null
}

export interface Readiness {
  readonly ready: boolean
  readonly sources: Readonly<Record<string, boolean>>
  readonly connectors: readonly ConnectorReadiness[]
}

/** A connector quiet for this long is checked again when `/readyz` is asked. */
const RECHECK_MS = 30_000

const checking = new WeakMap<ConnectorHealth, Promise<void>>()

/**
 * Each connector's state from its recent searches, checked afresh (`check()`, within its
 * timeout) when it has been quiet. Ready unless some source has no working connector: one
 * whose breaker is not open and whose last search or check did not fail.
 */
export async function readiness(gateway: Gateway, now = Date.now()): Promise<Readiness> {
  const entries = [...gateway.connectors]
  await Promise.all(
    entries.map(([name, live]) => {
      const health = gateway.health.of(live.connector, name)
      if (now - health.lastAt < RECHECK_MS || health.isOpen(now)) return undefined
      let running = checking.get(health)
      if (!running) {
        running = checkOnce(
          health,
          live.connector.check.bind(live.connector),
          live.settings.timeoutMs,
        )
        checking.set(
          health,
          running.finally(() => checking.delete(health)),
        )
      }
      return running
    }),
  )

  const working = new Set<string>()
  const connectors = entries.map(([name, live]): ConnectorReadiness => {
    const health = gateway.health.of(live.connector, name)
    if (!health.isOpen() && health.lastOk !== false) working.add(name)
    return {
      connector: name,
      type: live.settings.definition.type,
      status: health.lastOk === undefined ? 'unknown' : health.lastOk ? 'ok' : 'failing',
      latencyMs: health.lastLatencyMs ?? null,
      breaker: health.currentState(),
      // The kind only: this route needs no key, and a failure's message can name hosts.
      lastFailure: health.lastOk === false ? (health.lastKind ?? 'internal') : null,
    }
  })

  const sources: Record<string, boolean> = {}
  for (const source of gateway.config.sources.values()) {
    sources[source.name] = source.connectors.some((name) => working.has(name))
  }
  return { ready: Object.values(sources).every(Boolean), sources, connectors }
}

async function checkOnce(
  health: ConnectorHealth,
  check: (signal: AbortSignal) => Promise<void>,
  timeoutMs: number,
): Promise<void> {
  const started = performance.now()
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    await Promise.race([check(signal), rejectOnAbort(signal)])
    health.checked(Math.round(performance.now() - started))
  } catch (error) {
    health.checked(Math.round(performance.now() - started), asConnectorError(error, signal))
  }
}

/** A check that ignores its signal is abandoned when the timeout passes. */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener(
      'abort',
      () => reject(new ConnectorError('timeout', 'no answer to the check')),
      { once: true },
    )
  })
}

/** `GET /readyz`: 200 when ready, 503 when a source has no working connector; JSON either way. */
export function readyRoute(gateway: () => Gateway): Handler {
  return async (c) => {
    const report = await readiness(gateway())
    return c.json(report, report.ready ? 200 : 503)
  }
}

/** `GET /metrics` in the Prometheus text format. */
export function metricsRoute(metrics: Metrics): Handler {
  return async (c) => {
    const text = await metrics.registry.metrics()
    return c.body(text, 200, { 'content-type': metrics.registry.contentType })
  }
}
