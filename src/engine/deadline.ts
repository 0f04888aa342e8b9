import { setMaxListeners } from 'node:events'

const LENGTHS = new WeakMap<AbortSignal, number>()

/**
 * How long a signal made by `deadlineAfter` was given, so a connector timeout no shorter than
 * the lookup's deadline can share the deadline's signal instead of making one of its own.
 */
export function deadlineMs(signal: AbortSignal): number {
  return LENGTHS.get(signal) ?? Number.POSITIVE_INFINITY
}

/** A signal that aborts after a time or with its parent, and a way to release it early. */
export interface Deadline {
  readonly signal: AbortSignal
  /** Call once the work is done: gives up this work's share of the signal and its timer. */
  release(): void
}

/**
 * Like `AbortSignal.any([parent, AbortSignal.timeout(ms)])`, but cheap enough to make for every
 * lookup and every connector search. Work that starts within the same `SLICE_MS`, with the same
 * length and parent, shares one signal, which aborts `SLICE_MS` after the first of them would:
 * each gets at least its full time and at most that much more. Making an AbortController, a
 * timer and a parent listener per lookup costs more than an address book search (and Node 20
 * keeps every `AbortSignal.timeout` timer alive until it fires); this makes one per slice, and
 * drops its timer and its parent listener once the slice has closed and its work is done.
 */
export function deadlineAfter(ms: number, parent?: AbortSignal): Deadline {
  if (parent?.aborted) {
    const controller = new AbortController()
    LENGTHS.set(controller.signal, ms)
    controller.abort(parent.reason)
    return { signal: controller.signal, release() {} }
  }
  return take(ms, parent)
}

function timedOut(): DOMException {
  return new DOMException('timed out', 'TimeoutError')
}

const SLICE_MS = 4

interface Slice {
  readonly controller: AbortController
  readonly closesAt: number
  readonly timer: NodeJS.Timeout
  /** Stops the timer and stops listening to the parent. */
  readonly end: () => void
  users: number
}

/** The slice open for joining, by parent (or `ROOT`) and length. */
const open = new WeakMap<object, Map<number, Slice>>()
const ROOT = {}

function take(ms: number, parent: AbortSignal | undefined): Deadline {
  let byLength = open.get(parent ?? ROOT)
  if (!byLength) open.set(parent ?? ROOT, (byLength = new Map()))
  const now = performance.now()
  let slice = byLength.get(ms)
  if (!slice || now >= slice.closesAt || slice.controller.signal.aborted) {
    if (slice?.users === 0) slice.end()
    slice = openSlice(ms, now, parent)
    byLength.set(ms, slice)
  }

  const taken = slice
  const joinable = byLength
  // Only a slice in use keeps the process running: an idle one must not hold up a finished
  // command-line lookup until its deadline.
  if (taken.users++ === 0) taken.timer.ref()
  let released = false
  return {
    signal: taken.controller.signal,
    release() {
      if (released) return
      released = true
      if (--taken.users > 0) return
      // A slice others may still join keeps its timer; a closed one ends with its last user.
      if (joinable.get(ms) === taken) taken.timer.unref()
      else taken.end()
    },
  }
}

function openSlice(ms: number, now: number, parent: AbortSignal | undefined): Slice {
  const controller = new AbortController()
  // Every lookup of the slice listens to it; that is many listeners by design, not a leak.
  setMaxListeners(0, controller.signal)
  LENGTHS.set(controller.signal, ms)
  const onParentAbort = (): void => controller.abort(parent?.reason)
  parent?.addEventListener('abort', onParentAbort, { once: true })
  const end = (): void => {
    clearTimeout(timer)
    parent?.removeEventListener('abort', onParentAbort)
  }
  const timer = setTimeout(() => {
    controller.abort(timedOut())
    end()
  }, ms + SLICE_MS)
  return { controller, closesAt: now + SLICE_MS, timer, end, users: 0 }
}

/**
 * Settles with `work`, or rejects with `reason()` as soon as `signal` aborts, calling `onAbort`
 * first (to cancel the work on its server, say). Work that settles after the abort is ignored.
 */
export function settleOrAbort<T>(
  work: Promise<T>,
  signal: AbortSignal,
  reason: () => Error,
  onAbort: () => void = () => undefined,
): Promise<T> {
  if (signal.aborted) {
    onAbort()
    work.catch(() => undefined)
    return Promise.reject(reason())
  }

  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort()
      reject(reason())
    }
    signal.addEventListener('abort', abort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort)
        reject(error)
      },
    )
  })
}
