import type { CacheStore, CachedAnswer } from './store.js'

interface Entry {
  readonly answer: CachedAnswer
  readonly expiresAt: number
}

/**
 * Answers kept in this process, at most `maxEntries` of them: a Map in least-recently-used
 * order, since a Map iterates in insertion order and a hit re-inserts its key at the end.
 */
export class MemoryStore implements CacheStore {
  readonly shared = false
  private readonly entries = new Map<string, Entry>()

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size
  }

  get(key: string): CachedAnswer | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    if (entry.expiresAt <= Date.now()) return undefined
    this.entries.set(key, entry)
    return entry.answer
  }

  set(key: string, answer: CachedAnswer, lifetimeMs: number): void {
    this.entries.delete(key)
    this.entries.set(key, { answer, expiresAt: Date.now() + lifetimeMs })
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
