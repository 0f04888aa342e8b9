import type { Logger } from 'pino'

import type { Connector } from '../../connectors/contract.js'
import { ConnectorError, FAILURE_LABELS, type FailureKind } from '../errors.js'

/** `closed`: searches run; `open`: skipped until the cool-down ends; `half_open`: one probe. */
export type BreakerState = 'closed' | 'open' | 'half_open'

/** The numeric value of each state in the `livelookup_breaker_state` gauge. */
export const BREAKER_GAUGE: Readonly<Record<BreakerState, number>> = {
  closed: 0,
  half_open: 1,
  open: 2,
}

/** A search skipped because the connector's breaker is open: reported as its last failure. */
export class BreakerOpenError extends ConnectorError {}

export interface BreakerSettings {
  /** Consecutive failures that open the breaker; 0 never opens it. */
  readonly failures: number
  /** How long an open breaker skips the connector before one probe is let through. */
  readonly coolDownMs: number
}

/**
 * One connector's recent health: its circuit breaker, and the last outcome and latency that
 * `/readyz` reports. A query error proves the backend answered, so it never counts against it.
 */
export class ConnectorHealth {
  state: BreakerState = 'closed'
  /** Failures in a row since the last success. */
  failures = 0
  lastOk: boolean | undefined
  lastLatencyMs: number | undefined
  lastKind: FailureKind | undefined
  /** `Date.now()` of the last outcome; 0 before the first. */
  lastAt = 0
  openUntil = 0
  private probing = false

  constructor(
    readonly name: string,
    private readonly book: HealthBook,
  ) {}

  /** Undefined when a search may run now, else the failure to report without running it. */
  admit(now = Date.now()): ConnectorError | undefined {
    if (this.state === 'closed') return undefined
    // A reload may have turned breakers off (`failures: 0`) while this one was open.
    if (this.book.settings.failures === 0) {
      this.change('closed')
      return undefined
    }
    if (this.state === 'open' && now >= this.openUntil) this.change('half_open')
    if (this.state === 'half_open' && !this.probing) {
      this.probing = true
      return undefined
    }

    const seconds = Math.max(1, Math.ceil((this.openUntil - now) / 1000))
    const wait = this.state === 'open' ? `for another ${seconds}s` : 'while a probe runs'
    const last = this.lastKind ? FAILURE_LABELS[this.lastKind] : 'failure'
    return new BreakerOpenError(
      this.lastKind ?? 'unreachable',
      `skipped: the circuit breaker is open after ${this.failures} failures ` +
        `(last: ${last}) ${wait}`,
    )
  }

  /** Records the outcome of a search that `admit` let through. */
  record(durationMs: number, error?: ConnectorError): void {
    this.probing = false
    this.lastLatencyMs = durationMs
    this.lastAt = Date.now()
    if (!error || error.kind === 'query') {
      this.lastOk = true
      this.failures = 0
      if (this.state !== 'closed') this.change('closed')
      return
    }

    this.lastOk = false
    this.lastKind = error.kind
    this.failures++
    const { failures, coolDownMs } = this.book.settings
    if (failures > 0 && (this.state === 'half_open' || this.failures >= failures)) {
      this.openUntil = this.lastAt + coolDownMs
      this.change('open')
    }
  }

  /** Records a `check()` run outside lookups: it informs `/readyz` but not the breaker. */
  checked(durationMs: number, error?: ConnectorError): void {
    this.lastOk = !error || error.kind === 'query'
    this.lastLatencyMs = durationMs
    this.lastAt = Date.now()
    if (error) {
      this.lastKind = error.kind
    }
  }

  /** The state as of now: an open breaker whose cool-down ended lets the next search probe. */
  currentState(now = Date.now()): BreakerState {
    return this.state === 'open' && now >= this.openUntil ? 'half_open' : this.state
  }

  /** True while the breaker skips the connector. */
  isOpen(now = Date.now()): boolean {
    return this.state === 'open' && now < this.openUntil
  }

  private change(state: BreakerState): void {
    const previous = this.state
    this.state = state
    this.book.changed(this, previous)
  }
}

/**
 * The health of every live connector, kept per connector instance so a reload that keeps a
 * connector also keeps its breaker, and a replaced connector starts afresh.
 */
export class HealthBook {
  private readonly byConnector = new WeakMap<Connector, ConnectorHealth>()

  constructor(
    public settings: BreakerSettings,
    private readonly logger?: Logger,
  ) {}

  of(connector: Connector, name: string): ConnectorHealth {
    let health = this.byConnector.get(connector)
    if (!health) {
      health = new ConnectorHealth(name, this)
      this.byConnector.set(connector, health)
    }
    return health
  }

  /** Logs each breaker change: opening is what an administrator needs to hear about. */
  changed(health: ConnectorHealth, previous: BreakerState): void {
    if (!this.logger) return
    const event = {
      connector: health.name,
      breaker: health.state,
      previous,
      failures: health.failures,
    }
    if (health.state === 'open') this.logger.warn({ ...event, kind: health.lastKind }, 'breaker')
    else this.logger.info(event, 'breaker')
  }
}
