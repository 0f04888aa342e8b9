/** One rendered answer, as kept by a cache store. */
export interface CachedAnswer {
  readonly body: Uint8Array
  readonly contentType: string
  /** Customers or options in the answer. */
  readonly matches: number
  /** `Date.now()` until which the answer is fresh; after it, stale until the store drops it. */
  readonly freshUntil: number
}

/**
 * Where answers are kept: in this process (`memory`) or in Redis, shared by every replica. A
 * store may throw when its backend is down; the cache then answers from the connectors.
 */
export interface CacheStore {
  /** True when other processes share the store, so filling a key takes a lock. */
  readonly shared: boolean
  get(key: string): CachedAnswer | undefined | Promise<CachedAnswer | undefined>
  /** Keeps `answer` for `lifetimeMs` (fresh time plus stale time). */
  set(key: string, answer: CachedAnswer, lifetimeMs: number): void | Promise<void>
  /** Tries to become the one process that fills `key`; a token to unlock with, or undefined. */
  lock(key: string, ms: number): Promise<string | undefined>
  unlock(key: string, token: string): Promise<void>
  /** Waits up to `ms` for another process to fill `key`; undefined if it gave up or failed. */
  waitFor(key: string, ms: number): Promise<CachedAnswer | undefined>
  close(): Promise<void>
}
