import type { RowIds } from './table.js'

/**
 * Visits the row ids of several lists, each already in file order, in file order overall,
 * until `visit` returns false. A heap of list heads makes the first few ids cheap even when a
 * short prefix selects thousands of rows.
 */
export function visitInFileOrder(lists: readonly RowIds[], visit: (id: number) => boolean): void {
  if (lists.length === 1) {
    const [only] = lists
    if (typeof only === 'number') visit(only)
    else if (only) for (const id of only) if (!visit(id)) return
    return
  }

  const heads: { ids: readonly number[]; at: number }[] = lists.map((ids) => ({
    ids: typeof ids === 'number' ? [ids] : ids,
    at: 0,
  }))
  const idOf = (head: { ids: readonly number[]; at: number }): number => head.ids[head.at]!
  for (let at = (heads.length >> 1) - 1; at >= 0; at--) siftDown(heads, at, idOf)

  while (heads.length > 0) {
    const top = heads[0]!
    if (!visit(idOf(top))) return
    top.at++
    if (top.at === top.ids.length) {
      const last = heads.pop()!
      if (heads.length === 0) return
      heads[0] = last
    }
    siftDown(heads, 0, idOf)
  }
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
