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
 * more than the lookups themselves.
 */
export function deadlineAfter(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController()
  LENGTHS.set(controller.signal, ms)
  if (parent?.aborted) {
    controller.abort(parent.reason)
    return { signal: controller.signal, release() {} }
  }

  const onParentAbort = (): void => controller.abort(parent?.reason)
  parent?.addEventListener('abort', onParentAbort, { once: true })
  const timer = setTimeout(
    () => controller.abort(new DOMException('timed out', 'TimeoutError')),
    ms,
  )

  return {
    signal: controller.signal,
    release() {
      clearTimeout(timer)
      parent?.removeEventListener('abort', onParentAbort)
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
