import type { CacheStore, CachedAnswer } from './store.js'

interface Entry {
  readonly answer: CachedAnswer
  readonly expiresAt: number
  /** When the entry last moved to the recent end, counted in writes and moves. */
  stamp: number
}

/**
 * Answers kept in this process, at most `maxEntries` of them: a Map in least-recently-used
 * order, since a Map iterates in insertion order and a hit re-inserts its key at the end. A hit
 * on an entry that is still among the most recent quarter stays where it is: nearly the same
 * order, for a fraction of the work on the busiest keys.
 */
export class MemoryStore implements CacheStore {
  readonly shared = false
  private readonly entries = new Map<string, Entry>()
  private clock = 0

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size
  }

  get(key: string): CachedAnswer | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key)
      return undefined
    }
    if (this.clock - entry.stamp > this.maxEntries / 4) {
      this.entries.delete(key)
      entry.stamp = ++this.clock
      this.entries.set(key, entry)
    }
    return entry.answer
  }

  set(key: string, answer: CachedAnswer, lifetimeMs: number): void {
    this.entries.delete(key)
    this.entries.set(key, { answer, expiresAt: Date.now() + lifetimeMs, stamp: ++this.clock })
    if (this.entries.size <= this.maxEntries) return
    const oldest = this.entries.keys().next()
    if (!oldest.done) this.entries.delete(oldest.value)
  }

  async lock(): Promise<string> {
    return 'local'
  }

  async unlock(): Promise<void> {}

  async waitFor(): Promise<undefined> {
    return undefined
  }

  async close(): Promise<void> {
    this.entries.clear()
  }
}
