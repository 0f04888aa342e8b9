import { Gauge, Registry, collectDefaultMetrics } from 'prom-client'

import type { CacheResult } from './cache/lookup-cache.js'
import { BREAKER_GAUGE, BreakerOpenError, type ConnectorHealth } from './engine/breaker.js'
import type { SearchRun } from './engine/fan-out.js'
import {
  HistogramFamily,
  ValueFamily,
  type HistogramSeries,
  type ValueSeries,
} from './metric-series.js'

/** How a lookup ended, as counted by `livelookup_lookups_total`. */
export type LookupOutcome = 'ok' | 'empty' | 'failed' | 'refused'

const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** The metrics of one source or AJAX field, with every label bound once. */
export interface TargetMetrics {
  readonly inFlight: ValueSeries
  finished(startedAt: number, outcome: LookupOutcome, cache: CacheResult | 'off'): void
  /** Counts each connector's part: its duration, and `ok`, `skipped` or its failure kind. */
  runs(runs: readonly SearchRun[]): void
}

/**
 * The gateway's Prometheus metrics, in a registry of its own. Every series is bound once per
 * source, connector and outcome and then updated as a plain number, so a lookup pays for no
 * label lookups; labels are written out only when Prometheus scrapes.
 */
export class Metrics {
  readonly registry = new Registry()
  private readonly targets = new Map<string, TargetMetrics>()
  private readonly lookupSeconds: HistogramFamily
  private readonly connectorSeconds: HistogramFamily
  private readonly lookups: ValueFamily
  private readonly cache: ValueFamily
  private readonly searches: ValueFamily
  private readonly inFlight: ValueFamily

  constructor(breakers: () => Iterable<ConnectorHealth>) {
    const registry = this.registry
    collectDefaultMetrics({ register: registry, prefix: 'livelookup_' })
    this.lookupSeconds = new HistogramFamily(
      'livelookup_lookup_duration_seconds',
      'Time to answer a lookup, by source (fields as field:<name>) and cache result',
      ['source', 'cache'],
      SECONDS,
    ).register(registry)
    this.connectorSeconds = new HistogramFamily(
      'livelookup_connector_duration_seconds',
      'Time one connector took for its part of a lookup',
      ['source', 'connector'],
      SECONDS,
    ).register(registry)
    this.lookups = new ValueFamily(
      'livelookup_lookups_total',
      'Lookups by outcome: ok, empty, failed, refused',
      ['source', 'outcome'],
      'counter',
    ).register(registry)
    this.cache = new ValueFamily(
      'livelookup_cache_total',
      'Cache results: hit, miss, stale',
      ['source', 'result'],
      'counter',
    ).register(registry)
    this.searches = new ValueFamily(
      'livelookup_connector_searches_total',
      'Connector searches by outcome: ok, skipped by an open breaker, or the failure kind',
      ['source', 'connector', 'outcome'],
      'counter',
    ).register(registry)
    this.inFlight = new ValueFamily(
      'livelookup_lookups_in_flight',
      'Lookups being answered now',
      ['source'],
      'gauge',
    ).register(registry)
    new Gauge({
      name: 'livelookup_breaker_state',
      help: 'Circuit breaker of each connector: 0 closed, 1 half-open, 2 open',
      labelNames: ['connector'],
      registers: [registry],
      collect() {
        this.reset()
        for (const health of breakers()) {
          this.set({ connector: health.name }, BREAKER_GAUGE[health.currentState()])
        }
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
    const seconds = new Map<string, HistogramSeries>()
    const outcomes = new Map<string, ValueSeries>()
    const results = new Map<string, ValueSeries>()
    const connectors = new Map<string, (run: SearchRun) => void>()

    return {
      inFlight: this.inFlight.bind(source),
      finished: (startedAt, outcome, cache) => {
        const elapsed = (performance.now() - startedAt) / 1000
        once(seconds, cache, () => this.lookupSeconds.bind(source, cache)).observe(elapsed)
        once(outcomes, outcome, () => this.lookups.bind(source, outcome)).value++
        if (cache !== 'off') once(results, cache, () => this.cache.bind(source, cache)).value++
      },
      runs: (runs) => {
        for (const run of runs)
          once(connectors, run.connector, () => this.bindConnector(source, run.connector))(run)
      },
    }
  }

  private bindConnector(source: string, connector: string): (run: SearchRun) => void {
    const duration = this.connectorSeconds.bind(source, connector)
    const outcomes = new Map<string, ValueSeries>()
    return (run) => {
      const skipped = !run.ok && run.error instanceof BreakerOpenError
      const outcome = run.ok ? 'ok' : skipped ? 'skipped' : run.error.kind
      once(outcomes, outcome, () => this.searches.bind(source, connector, outcome)).value++
      if (!skipped) duration.observe(run.durationMs / 1000)
    }
  }
}

function once<T>(map: Map<string, T>, key: string, make: () => T): T {
  let found = map.get(key)
  if (found === undefined) {
    found = make()
    map.set(key, found)
  }
  return found
}
