import { fold } from './fold.js'

/** The contacts of one address book file: a header and rows of display strings. */
export interface Table {
  /** Column names in file order. */
  readonly columns: readonly string[]
  /** One array per contact, aligned with `columns`, in file order. */
  readonly rows: readonly (readonly string[])[]
  /** Rows that had more or fewer fields than the header (padded or cut to fit). */
  readonly raggedRows: number
}

/** Finds a column by its exact name, else by its name ignoring case and accents. */
export function columnFinder(columns: readonly string[]): (name: string) => number | undefined {
  const exact = new Map<string, number>()
  const loose = new Map<string, number>()
  columns.forEach((column, at) => {
    if (!exact.has(column)) exact.set(column, at)
    const folded = fold(column)
    if (!loose.has(folded)) loose.set(folded, at)
  })

  return (name) => exact.get(name) ?? loose.get(fold(name))
}

/** Row ids of one folded value: a single id, or several in file order. */
export type RowIds = number | number[]

/**
 * The search index of one column: folded value -> row ids for exact matches, the distinct
 * folded values sorted for prefix matches by binary search, and each row's folded value to
 * test candidates found through another column.
 */
export interface ColumnIndex {
  readonly ids: ReadonlyMap<string, RowIds>
  readonly keys: readonly string[]
  readonly folded: readonly string[]
}

/** Builds the index of one column. Rows whose value is empty are never found. */
export function buildColumnIndex(
  rows: readonly (readonly string[])[],
  column: number,
): ColumnIndex {
  const ids = new Map<string, RowIds>()
  const folded: string[] = new Array<string>(rows.length)

  rows.forEach((row, id) => {
    const key = fold(row[column] ?? '')
    folded[id] = key
    if (!key) return
    const found = ids.get(key)
    if (found === undefined) ids.set(key, id)
    else if (typeof found === 'number') ids.set(key, [found, id])
    else found.push(id)
  })

  const keys = [...ids.keys()].sort()
  return { ids, keys, folded }
}

/** The row ids a needle selects in one column, as lists each in file order. */
export interface Candidates {
  readonly lists: readonly RowIds[]
  readonly count: number
}

/** Looks a needle up in the index: a map hit, a binary-searched key range, or a key scan. */
export function candidatesOf(
  index: ColumnIndex,
  mode: 'exact' | 'prefix' | 'contains',
  needle: string,
): Candidates {
  if (mode === 'exact') {
    const found = index.ids.get(needle)
    return found === undefined ? { lists: [], count: 0 } : { lists: [found], count: sizeOf(found) }
  }

  const lists: RowIds[] = []
  let count = 0
  const take = (key: string): void => {
    const found = index.ids.get(key)
    if (found === undefined) return
    lists.push(found)
    count += sizeOf(found)
  }

  if (mode === 'prefix') {
    for (let at = lowerBound(index.keys, needle); at < index.keys.length; at++) {
      const key = index.keys[at]!
      if (!key.startsWith(needle)) break
      take(key)
    }
  } else {
    for (const key of index.keys) if (key.includes(needle)) take(key)
  }
  return { lists, count }
}

/** Whether one row's folded value matches a needle. */
export function rowMatches(
  index: ColumnIndex,
  mode: 'exact' | 'prefix' | 'contains',
  needle: string,
  row: number,
): boolean {
  const value = index.folded[row] ?? ''
  if (!value) return false
  if (mode === 'exact') return value === needle
  return mode === 'prefix' ? value.startsWith(needle) : value.includes(needle)
}

function sizeOf(ids: RowIds): number {
  return typeof ids === 'number' ? 1 : ids.length
}

function lowerBound(keys: readonly string[], needle: string): number {
  let low = 0
  let high = keys.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (keys[middle]! < needle) low = middle + 1
    else high = middle
  }
  return low
}
