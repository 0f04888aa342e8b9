import type { Logger } from 'pino'

import type { CacheConfig } from '../config/schema.js'
import { MemoryStore } from './memory-store.js'
import { RedisStore } from './redis-store.js'
import type { CacheStore, CachedAnswer } from './store.js'

/** How a request was answered: from a fresh entry, from a stale one, or by a lookup. */
export type CacheResult = 'hit' | 'stale' | 'miss'

/** A rendered answer, as a lookup produced it. */
export interface ProducedAnswer {
  readonly body: Uint8Array
  readonly contentType: string
  readonly matches: number
  /** Empty, or some connector failed: kept only for the shorter `emptyTtl`. */
  readonly short: boolean
}

/**
 * Produces an answer; `background` is true for the refresh of a stale answer already served.
 * `signal`, when given, ends the lookup sooner than its own deadline would.
 */
export type Loader = (background: boolean, signal?: AbortSignal) => Promise<ProducedAnswer>

/** The longest an empty answer is reused when `cache.emptyTtl` is not set. */
const DEFAULT_EMPTY_TTL = 10_000
/** How much longer than the deadline a replica's lock on a key may last. */
const LOCK_MARGIN_MS = 1_000
/** How often store failures other than an outage may be logged. */
const FAILURE_LOG_MS = 30_000

/**
 * Rendered answers by lookup key, with stale-while-revalidate and single-flight: concurrent
 * identical lookups share one search, in this process always and across replicas when the
 * store is shared. The store failing is never the caller's problem: the lookup just runs.
 * Failed lookups throw through and are never kept, so a stale answer outlives an outage.
 */
export class LookupCache {
  private readonly flights = new Map<string, Promise<CachedAnswer | undefined>>()
  private readonly emptyTtl: number
  private lastFailureLog = 0

  constructor(
    readonly settings: CacheConfig,
    readonly store: CacheStore,
    private readonly logger: Logger,
    /** The lookup deadline: a replica holds a key's lock for at most this and a margin. */
    private readonly deadlineMs: number,
  ) {
    this.emptyTtl = Math.min(settings.emptyTtl ?? DEFAULT_EMPTY_TTL, settings.ttl)
  }

  /** The cache a config asks for, or undefined when `cache.ttl` is 0. */
  static create(
    settings: CacheConfig,
    logger: Logger,
    deadlineMs: number,
  ): LookupCache | undefined {
    if (settings.ttl === 0) return undefined
    const store =
      settings.store === 'memory'
        ? new MemoryStore(settings.maxEntries)
        : new RedisStore(settings.store, logger)
    return new LookupCache(settings, store, logger, deadlineMs)
  }

  /** The answer for `key`: fresh, stale (refreshed behind), or from `load` (shared if running). */
  async answer(key: string, load: Loader): Promise<{ answer: CachedAnswer; result: CacheResult }> {
    const found = await this.read(key)
    if (found) {
      if (found.freshUntil > Date.now()) return { answer: found, result: 'hit' }
      this.fill(key, load, true).catch(() => undefined)
      return { answer: found, result: 'stale' }
    }

    const shared = await this.fill(key, load, false)
    return { answer: shared ?? (await this.fillOnce(key, load, false))!, result: 'miss' }
  }

  close(): Promise<void> {
    return this.store.close()
  }

  private fill(key: string, load: Loader, background: boolean): Promise<CachedAnswer | undefined> {
    let flight = this.flights.get(key)
    if (!flight) {
      flight = this.fillOnce(key, load, background).finally(() => this.flights.delete(key))
      this.flights.set(key, flight)
    }
    return flight
  }

  /**
   * Takes the key's lock and runs the lookup; without the lock, waits for the replica that
   * holds it, and runs the lookup itself only if that one gives up. The wait takes at most
   * half the deadline and the lookup after it only what is left, so a caller never waits much
   * longer than one deadline. A background refresh without the lock leaves the work to
   * whoever holds it.
   */
  private async fillOnce(
    key: string,
    load: Loader,
    background: boolean,
  ): Promise<CachedAnswer | undefined> {
    const lockMs = this.deadlineMs + LOCK_MARGIN_MS
    const token = this.store.shared
      ? await this.attempt(() => this.store.lock(key, lockMs), '')
      : ''
    let left: AbortSignal | undefined
    if (token === undefined) {
      if (background) return undefined
      const started = Date.now()
      const waitMs = this.deadlineMs / 2
      const shared = await this.attempt(() => this.store.waitFor(key, waitMs), undefined)
      if (shared) return shared
      left = AbortSignal.timeout(Math.max(1, this.deadlineMs - (Date.now() - started)))
    }

    try {
      return await this.keep(key, await load(background, left))
    } finally {
      if (token) void this.attempt(() => this.store.unlock(key, token), undefined)
    }
  }

  private async keep(key: string, produced: ProducedAnswer): Promise<CachedAnswer> {
    const freshMs = produced.short ? this.emptyTtl : this.settings.ttl
    const { body, contentType, matches } = produced
    const answer = { body, contentType, matches, freshUntil: Date.now() + freshMs }
    // Not waited for: the caller has its answer. A shared store receives the unlock after
    // this write, on the same connection, so replicas waiting for the key find it.
    if (freshMs > 0) {
      void this.attempt(() => this.store.set(key, answer, freshMs + this.settings.staleTtl), 0)
    }
    return answer
  }

  private read(key: string): CachedAnswer | undefined | Promise<CachedAnswer | undefined> {
    try {
      const found = this.store.get(key)
      return found instanceof Promise
        ? found.catch((error: unknown) => this.failed(error, undefined))
        : found
    } catch (error) {
      return this.failed(error, undefined)
    }
  }

  private async attempt<T, F>(operation: () => T | Promise<T>, fallback: F): Promise<T | F> {
    try {
      return await operation()
    } catch (error) {
      return this.failed(error, fallback)
    }
  }

  private failed<F>(error: unknown, fallback: F): F {
    const now = Date.now()
    if (now - this.lastFailureLog >= FAILURE_LOG_MS) {
      this.lastFailureLog = now
      const reason = error instanceof Error ? error.message : String(error)
      this.logger.warn(
        { store: this.settings.store === 'memory' ? 'memory' : 'redis', reason },
        'cache store failed',
      )
    }
    return fallback
  }
}
