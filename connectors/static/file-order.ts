import { runsOf, type ColumnIndex, type Selection } from './table.js'

/**
 * The first `limit` rows of a selection, in file order, that pass `test` when one is given.
 * Each value's rows are already in file order. Without a test, a heap of the groups' heads
 * merges them and stops at the limit, so a short prefix selecting thousands of rows stays
 * cheap; with a test, every candidate is tested in one linear pass and the survivors sorted.
 */
export function firstRows(
  index: ColumnIndex,
  selection: Selection,
  test: ((row: number) => boolean) | undefined,
  limit: number,
): number[] {
  const runs = runsOf(index, selection)
  const [only] = runs
  if (runs.length === 1 && only) return scan(index.rows, only, test, limit)
  if (!test) return merge(index.rows, runs, limit)

  const found: number[] = []
  for (const [start, end] of runs) {
    for (let at = start; at < end; at++) if (test(index.rows[at]!)) found.push(index.rows[at]!)
  }
  return found.length > 1 ? found.sort((a, b) => a - b).slice(0, limit) : found
}

function scan(
  rows: Uint32Array,
  [start, end]: [number, number],
  test: ((row: number) => boolean) | undefined,
  limit: number,
): number[] {
  const found: number[] = []
  for (let at = start; at < end && found.length < limit; at++) {
    const row = rows[at]!
    if (!test || test(row)) found.push(row)
  }
  return found
}

function merge(rows: Uint32Array, runs: [number, number][], limit: number): number[] {
  const found: number[] = []
  const head = (run: [number, number]): number => rows[run[0]]!
  for (let at = (runs.length >> 1) - 1; at >= 0; at--) siftDown(runs, at, head)

  while (runs.length > 0 && found.length < limit) {
    const top = runs[0]!
    found.push(head(top))
    top[0]++
    if (top[0] === top[1]) {
      const last = runs.pop()!
      if (runs.length === 0) break
      runs[0] = last
    }
    siftDown(runs, 0, head)
  }
  return found
}

function siftDown<T>(heap: T[], start: number, key: (item: T) => number): void {
  let at = start
  for (;;) {
    const left = 2 * at + 1
    const right = left + 1
    let smallest = at
    if (left < heap.length && key(heap[left]!) < key(heap[smallest]!)) smallest = left
    if (right < heap.length && key(heap[right]!) < key(heap[smallest]!)) smallest = right
    if (smallest === at) return
    ;[heap[at], heap[smallest]] = [heap[smallest]!, heap[at]!]
    at = smallest
  }
}
