import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
} from 'prom-client'

import type { CacheResult } from './cache/lookup-cache.js'
import { BREAKER_GAUGE, BreakerOpenError, type ConnectorHealth } from './engine/breaker.js'
import type { SearchRun } from './engine/fan-out.js'

/** How a lookup ended, as counted by `livelookup_lookups_total`. */
export type LookupOutcome = 'ok' | 'empty' | 'failed' | 'refused'

const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** The metrics of one source or AJAX field, with every label bound once. */
export interface TargetMetrics {
  readonly inFlight: { inc(): void; dec(): void }
  finished(startedAt: number, outcome: LookupOutcome, cache: CacheResult | 'off'): void
  /** Counts each connector's part: its duration, and `ok`, `skipped` or its failure kind. */
  runs(runs: readonly SearchRun[]): void
}

/**
 * The gateway's Prometheus metrics, in a registry of its own. Label sets are bound once per
 * source and connector and reused, so a lookup pays for no label lookups.
 */
export class Metrics {
  readonly registry = new Registry()
  private readonly targets = new Map<string, TargetMetrics>()
  private readonly lookupSeconds: Histogram<'source' | 'cache'>
  private readonly connectorSeconds: Histogram<'source' | 'connector'>
  private readonly lookups: Counter<'source' | 'outcome'>
  private readonly cache: Counter<'source' | 'result'>
  private readonly searches: Counter<'source' | 'connector' | 'outcome'>
  private readonly inFlight: Gauge<'source'>

  constructor(breakers: () => Iterable<ConnectorHealth>) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: 'livelookup_' })
    this.lookupSeconds = new Histogram({
      name: 'livelookup_lookup_duration_seconds',
      help: 'Time to answer a lookup, by source (fields as field:<name>) and cache result',
      labelNames: ['source', 'cache'],
      buckets: SECONDS,
      registers,
    })
    this.connectorSeconds = new Histogram({
      name: 'livelookup_connector_duration_seconds',
      help: 'Time one connector took for its part of a lookup',
      labelNames: ['source', 'connector'],
      buckets: SECONDS,
      registers,
    })
    this.lookups = counter(
      'livelookup_lookups_total',
      'Lookups by outcome: ok, empty, failed, refused',
      ['source', 'outcome'],
      registers,
    )
    this.cache = counter(
      'livelookup_cache_total',
      'Cache results: hit, miss, stale',
      ['source', 'result'],
      registers,
    )
    this.searches = counter(
      'livelookup_connector_searches_total',
      'Connector searches by outcome: ok, skipped by an open breaker, or the failure kind',
      ['source', 'connector', 'outcome'],
      registers,
    )
    this.inFlight = new Gauge({
      name: 'livelookup_lookups_in_flight',
      help: 'Lookups being answered now',
      labelNames: ['source'],
      registers,
    })
    new Gauge({
      name: 'livelookup_breaker_state',
      help: 'Circuit breaker of each connector: 0 closed, 1 half-open, 2 open',
      labelNames: ['connector'],
      registers,
      collect() {
        this.reset()
        for (const health of breakers())
          this.set({ connector: health.name }, BREAKER_GAUGE[health.currentState()])
      },
    })
  }

  /** The metrics of a source (`customers`) or a field (`field:billing_code`). */
  target(source: string): TargetMetrics {
    let target = this.targets.get(source)
    if (!target) {
      target = this.bind(source)
      this.targets.set(source, target)
    }
    return target
  }

  private bind(source: string): TargetMetrics {
    const seconds = new Map<string, Histogram.Internal<'source' | 'cache'>>()
    const outcomes = new Map<string, Counter.Internal>()
    const results = new Map<string, Counter.Internal>()
    const connectors = new Map<string, ConnectorMetrics>()
    const once = <T>(map: Map<string, T>, key: string, make: () => T): T => {
      let found = map.get(key)
      if (found === undefined) map.set(key, (found = make()))
      return found
    }

    return {
      inFlight: this.inFlight.labels(source),
      finished: (startedAt, outcome, cache) => {
        once(seconds, cache, () => this.lookupSeconds.labels(source, cache)).observe(
          (performance.now() - startedAt) / 1000,
        )
        once(outcomes, outcome, () => this.lookups.labels(source, outcome)).inc()
        if (cache !== 'off') once(results, cache, () => this.cache.labels(source, cache)).inc()
      },
      runs: (runs) => {
        for (const run of runs) {
          const bound = once(connectors, run.connector, () =>
            this.bindConnector(source, run.connector),
          )
          bound.record(run)
        }
      },
    }
  }

  private bindConnector(source: string, connector: string): ConnectorMetrics {
    const duration = this.connectorSeconds.labels(source, connector)
    const outcomes = new Map<string, Counter.Internal>()
    return {
      record: (run) => {
        const skipped = !run.ok && run.error instanceof BreakerOpenError
        const outcome = run.ok ? 'ok' : skipped ? 'skipped' : run.error.kind
        let count = outcomes.get(outcome)
        if (!count)
          outcomes.set(outcome, (count = this.searches.labels(source, connector, outcome)))
        count.inc()
        if (!skipped) duration.observe(run.durationMs / 1000)
      },
    }
  }
}

interface ConnectorMetrics {
  record(run: SearchRun): void
}

function counter<T extends string>(
  name: string,
  help: string,
  labelNames: readonly T[],
  registers: Registry[],
): Counter<T> {
  const configuration: CounterConfiguration<T> = { name, help, labelNames, registers }
  return new Counter(configuration)
}
