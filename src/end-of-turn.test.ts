import { describe, expect, it } from 'vitest'

import { endOfTurn } from './end-of-turn.js'

describe('endOfTurn', () => {
  it('settles the waiters of a turn together, after its microtasks, then afresh', async () => {
    const order: string[] = []
    const first = endOfTurn()
    const second = endOfTurn()
    expect(second).toBe(first)

    void first.then(() => order.push('first'))
    void second.then(() => order.push('second'))
    queueMicrotask(() => order.push('microtask'))
    await first

    expect(order).toEqual(['microtask', 'first', 'second'])
    expect(endOfTurn()).not.toBe(first)
  })
})
