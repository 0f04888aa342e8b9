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
  /** Clears the timer and unlinks the parent; call once the work is done. */
  release(): void
}

/**
 * Like `AbortSignal.any([parent, AbortSignal.timeout(ms)])`, but with a timer that is cleared as
 * soon as the work ends. Node 20 keeps every `AbortSignal.timeout` timer and every `any()`
 * dependant alive until it fires or is collected, which at thousands of lookups a second costs
 * more than the lookups themselves. Without a parent, the deadline is shared (see `shared`).
 */
export function deadlineAfter(ms: number, parent?: AbortSignal): Deadline {
  if (!parent) return shared(ms)
  const controller = new AbortController()
  LENGTHS.set(controller.signal, ms)
  if (parent.aborted) {
    controller.abort(parent.reason)
    return { signal: controller.signal, release() {} }
  }

  const onParentAbort = (): void => controller.abort(parent.reason)
  parent.addEventListener('abort', onParentAbort, { once: true })
  const timer = setTimeout(() => controller.abort(timedOut()), ms)

  return {
    signal: controller.signal,
    release() {
      clearTimeout(timer)
      parent.removeEventListener('abort', onParentAbort)
    },
  }
}

function timedOut(): DOMException {
  return new DOMException('timed out', 'TimeoutError')
}

/**
 * Lookups that start within the same `SLICE_MS` share one deadline signal, which aborts
 * `SLICE_MS` after the first of them would: each gets at least its full time and at most that
 * much more. Making an AbortController and a timer for every lookup costs more than an
 * address book search; this makes one per slice, and clears its timer once the slice has
 * closed and every lookup that took it has finished.
 */
const SLICE_MS = 4

interface Slice {
  readonly controller: AbortController
  readonly closesAt: number
  readonly timer: NodeJS.Timeout
  users: number
}

const slices = new Map<number, Slice>()

function shared(ms: number): Deadline {
  const now = performance.now()
  let slice = slices.get(ms)
  if (!slice || now >= slice.closesAt || slice.controller.signal.aborted) {
    if (slice?.users === 0) clearTimeout(slice.timer)
    const controller = new AbortController()
    // Every lookup of the slice listens to it; that is many listeners by design, not a leak.
    setMaxListeners(0, controller.signal)
    LENGTHS.set(controller.signal, ms)
    const timer = setTimeout(() => controller.abort(timedOut()), ms + SLICE_MS)
    slice = { controller, closesAt: now + SLICE_MS, timer, users: 0 }
    slices.set(ms, slice)
  }

  const taken = slice
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
      // A slice others may still join keeps its timer; a closed one drops it with its last user.
      if (slices.get(ms) === taken) taken.timer.unref()
      else clearTimeout(taken.timer)
    },
  }
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
