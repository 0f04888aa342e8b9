import { once } from 'node:events'

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { deadlineAfter, deadlineMs, settleOrAbort } from './deadline.js'

describe('deadlineAfter', () => {
  // Which lookups share a slice depends on the clock: the tests move it themselves, so a busy
  // machine pausing between two calls cannot split what a test means to start together.
  let clock = 1_000
  beforeEach(() => {
    clock += 1_000
    vi.spyOn(performance, 'now').mockImplementation(() => clock)
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('gives lookups that start together one signal, aborted once their time is up', async () => {
    const first = deadlineAfter(30)
    const second = deadlineAfter(30)
    expect(second.signal).toBe(first.signal)
    expect(deadlineMs(first.signal)).toBe(30)

    await once(first.signal, 'abort')
    expect((first.signal.reason as DOMException).name).toBe('TimeoutError')
    first.release()
    second.release()

    const later = deadlineAfter(30)
    expect(later.signal).not.toBe(first.signal)
    expect(later.signal.aborted).toBe(false)
    later.release()
  })

  it('keeps a shared signal running while one of its lookups has not finished', async () => {
    const early = deadlineAfter(20)
    const late = deadlineAfter(20)
    early.release()
    early.release()
    await once(late.signal, 'abort')
    expect(late.signal.aborted).toBe(true)
    late.release()
  })

  it('keeps different lengths apart', () => {
    const short = deadlineAfter(10)
    const long = deadlineAfter(1_000)
    expect(long.signal).not.toBe(short.signal)
    expect(deadlineMs(long.signal)).toBe(1_000)
    short.release()
    long.release()
  })

  it('follows its parent', () => {
    const parent = new AbortController()
    const child = deadlineAfter(60_000, parent.signal)
    parent.abort(new Error('caller gone'))
    expect(child.signal.aborted).toBe(true)
    expect((child.signal.reason as Error).message).toBe('caller gone')
    child.release()

    const late = deadlineAfter(60_000, parent.signal)
    expect(late.signal.aborted).toBe(true)
  })

  it('gives the connector searches of lookups that start together one signal', async () => {
    const lookup = deadlineAfter(1_000)
    const first = deadlineAfter(50, lookup.signal)
    const second = deadlineAfter(50, lookup.signal)
    expect(second.signal).toBe(first.signal)
    expect(deadlineAfter(50, new AbortController().signal).signal).not.toBe(first.signal)

    await once(first.signal, 'abort')
    expect(lookup.signal.aborted).toBe(false)
    for (const done of [first, second, lookup]) done.release()
  })

  it('stops listening to the parent once its slice has closed and its work is done', () => {
    const parent = new AbortController()
    const done = deadlineAfter(60_000, parent.signal)
    done.release()
    clock += 10
    const next = deadlineAfter(60_000, parent.signal)
    expect(next.signal).not.toBe(done.signal)

    parent.abort()
    expect(next.signal.aborted).toBe(true)
    expect(done.signal.aborted).toBe(false)
    next.release()
  })
})

describe('settleOrAbort', () => {
  it('rejects with the reason and calls onAbort when the signal aborts first', async () => {
    const controller = new AbortController()
    let cancelled = 0
    const pending = settleOrAbort(
      new Promise(() => undefined),
      controller.signal,
      () => new Error('too late'),
      () => cancelled++,
    )
    controller.abort()
    await expect(pending).rejects.toThrow('too late')
    expect(cancelled).toBe(1)
  })

  it('settles with the work when it finishes first', async () => {
    const controller = new AbortController()
    const value = await settleOrAbort(Promise.resolve(7), controller.signal, () => new Error('x'))
    controller.abort()
    expect(value).toBe(7)
  })
})
