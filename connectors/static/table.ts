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

/** The rank of a row whose value is empty: it is in no selection. */
const NO_RANK = 0xffffffff

/**
 * The search index of one column. `keys` are the distinct folded values, sorted, so a prefix
 * selects a contiguous range of ranks found by binary search; `rankOf` finds an exact value in
 * one step. Row ids are grouped by rank in `rows` (file order within a value), `starts[rank]`
 * marking where each group begins, and `rankOfRow` lets a row found through another column be
 * tested with one integer comparison.
 */
export interface ColumnIndex {
  readonly keys: readonly string[]
  readonly rankOf: ReadonlyMap<string, number>
  readonly starts: Uint32Array
  readonly rows: Uint32Array
  readonly rankOfRow: Uint32Array
}

/** Builds the index of one column. Rows whose value is empty are never found. */
export function buildColumnIndex(
  table: readonly (readonly string[])[],
  column: number,
): ColumnIndex {
  const folded = table.map((row) => fold(row[column] ?? ''))
  const keys = [...new Set(folded)].filter(Boolean).sort()
  const rankOf = new Map(keys.map((key, rank) => [key, rank]))

  const rankOfRow = new Uint32Array(table.length)
  const starts = new Uint32Array(keys.length + 1)
  folded.forEach((key, row) => {
    const rank = rankOf.get(key) ?? NO_RANK
    rankOfRow[row] = rank
    if (rank !== NO_RANK) starts[rank + 1]!++
  })
  for (let rank = 0; rank < keys.length; rank++) starts[rank + 1]! += starts[rank]!

  const rows = new Uint32Array(starts[keys.length]!)
  const next = starts.slice(0, keys.length)
  rankOfRow.forEach((rank, row) => {
    if (rank !== NO_RANK) rows[next[rank]!++] = row
  })
  return { keys, rankOf, starts, rows, rankOfRow }
}

/**
 * The ranks a needle selects: `[low, high)`, narrowed by `marks` for contains matches. `count`
 * is how many rows that is, to pick the most selective pattern of a rule.
 */
export interface Selection {
  readonly low: number
  readonly high: number
  readonly marks?: Uint8Array
  readonly count: number
}

/** Selects the ranks matching a needle: one map hit, a binary-searched range, or a key scan. */
export function select(
  index: ColumnIndex,
  mode: 'exact' | 'prefix' | 'contains',
  needle: string,
): Selection {
  const { keys, starts } = index
  if (mode === 'exact') {
    const rank = index.rankOf.get(needle)
    return rank === undefined ? { low: 0, high: 0, count: 0 } : range(index, rank, rank + 1)
  }
  if (mode === 'prefix') {
    const low = firstIndex(keys, 0, (key) => key >= needle)
    return range(
      index,
      low,
      firstIndex(keys, low, (key) => !key.startsWith(needle)),
    )
  }

  const marks = new Uint8Array(keys.length)
  let count = 0
  keys.forEach((key, rank) => {
    if (!key.includes(needle)) return
    marks[rank] = 1
    count += starts[rank + 1]! - starts[rank]!
  })
  return { low: 0, high: keys.length, marks, count }
}

function range(index: ColumnIndex, low: number, high: number): Selection {
  return { low, high, count: index.starts[high]! - index.starts[low]! }
}

/** Whether one row's value is in a selection. */
export function selects(index: ColumnIndex, selection: Selection, row: number): boolean {
  const rank = index.rankOfRow[row]!
  if (rank < selection.low || rank >= selection.high) return false
  return !selection.marks || selection.marks[rank] === 1
}

/**
 * `selects` for one index and selection, as a test of row ids. A plain range, the usual case,
 * becomes two comparisons on the row's rank: this test runs once per candidate row.
 */
export function selector(index: ColumnIndex, selection: Selection): (row: number) => boolean {
  const { rankOfRow } = index
  const { low, high, marks } = selection
  if (marks) return (row) => selects(index, selection, row)
  return (row) => {
    const rank = rankOfRow[row]!
    return rank >= low && rank < high
  }
}

/** The groups of row ids a selection covers, as `[start, end)` offsets into `index.rows`. */
export function runsOf(index: ColumnIndex, selection: Selection): [number, number][] {
  const runs: [number, number][] = []
  for (let rank = selection.low; rank < selection.high; rank++) {
    if (selection.marks && selection.marks[rank] !== 1) continue
    const start = index.starts[rank]!
    const end = index.starts[rank + 1]!
    if (end > start) runs.push([start, end])
  }
  return runs
}

/** The first position from `from` where `found` holds, for a predicate false then true. */
function firstIndex(
  keys: readonly string[],
  from: number,
  found: (key: string) => boolean,
): number {
  let low = from
  let high = keys.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (found(keys[middle]!)) high = middle
    else low = middle + 1
  }
  return low
}
