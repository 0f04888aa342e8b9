/**
 * Remembers up to `max` computed values by key, forgetting the oldest first. Used for pure
 * rendering steps whose inputs repeat, so a hit costs one Map lookup.
 */
export class BoundedMemo<V> {
  private readonly entries = new Map<string, V>()

  constructor(private readonly max: number) {}

  get(key: string, compute: () => V): V {
    const known = this.entries.get(key)
    if (known !== undefined) return known

    const value = compute()
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(key, value)
    return value
  }
}
