import type { Context } from 'hono'
import type { Logger } from 'pino'

import type { LookupInput } from '../../connectors/contract.js'
import type { CacheResult, ProducedAnswer } from '../cache/lookup-cache.js'
import type { SearchRun } from '../engine/fan-out.js'
import { LookupFailedError, RequestError } from '../errors.js'
import { lookupLogger } from '../log.js'
import type { LookupOutcome } from '../metrics.js'
import type { Operations } from './ops.js'

/** A rendered answer and what the lookup behind it did. */
export interface RenderedLookup {
  readonly body: Uint8Array
  readonly contentType: string
  readonly matches: number
  readonly runs: readonly SearchRun[]
}

export interface LookupCall {
  /** The source name, or `field:<name>` for an AJAX field. */
  readonly target: string
  readonly input: LookupInput
  /** Works out the cache key; it or its result undefined when the answer must not be cached. */
  readonly key: (() => string | undefined) | undefined
}

/**
 * Answers one lookup call: from the cache when it can, else by `produce`, counting it in the
 * metrics and logging one line for it. A stale answer's refresh logs a line of its own.
 */
export async function answerLookup(
  c: Context,
  logger: Logger,
  ops: Operations | undefined,
  call: LookupCall,
  produce: (signal?: AbortSignal) => Promise<RenderedLookup>,
): Promise<{ body: Uint8Array; contentType: string }> {
  const started = performance.now()
  const metrics = ops?.metrics.target(call.target)
  const requestId = c.get('requestId' as never) as string
  const log = (
    cache: LookupEvent['cache'],
    runs: readonly SearchRun[],
    matches: number,
    from: number,
  ) =>
    logLookup(lookupLogger(logger), {
      requestId,
      target: call.target,
      input: call.input,
      started: from,
      runs,
      matches,
      cache,
    })
  let ownRuns: readonly SearchRun[] = []

  const load = async (refresh: boolean, signal?: AbortSignal): Promise<ProducedAnswer> => {
    const loadStarted = performance.now()
    const done = (runs: readonly SearchRun[], matches: number): void => {
      metrics?.runs(runs)
      if (refresh) log('refresh', runs, matches, loadStarted)
      else ownRuns = runs
    }
    try {
      const made = await produce(signal)
      done(made.runs, made.matches)
      const short = made.matches === 0 || made.runs.some((run) => !run.ok)
      return { body: made.body, contentType: made.contentType, matches: made.matches, short }
    } catch (error) {
      done(error instanceof LookupFailedError ? (error.runs as SearchRun[]) : [], 0)
      throw error
    }
  }

  if (metrics) metrics.inFlight.value++
  let outcome: LookupOutcome = 'failed'
  let result: CacheResult | 'off' = 'off'
  let matches = 0
  try {
    const cache = ops?.cache()
    const key = cache && call.key?.()
    const answer = key ? await cache!.answer(key, load) : { answer: await load(false), result }
    result = answer.result
    matches = answer.answer.matches
    outcome = matches > 0 ? 'ok' : 'empty'
    return answer.answer
  } catch (error) {
    if (error instanceof RequestError) outcome = 'refused'
    throw error
  } finally {
    if (metrics) metrics.inFlight.value--
    metrics?.finished(started, outcome, result)
    log(result, ownRuns, matches, started)
  }
}

interface LookupEvent {
  readonly requestId: string
  readonly target: string
  readonly input: LookupInput
  readonly started: number
  readonly runs: readonly SearchRun[]
  readonly matches: number
  readonly cache: CacheResult | 'off' | 'refresh'
}

/** One JSON line per lookup; the values searched for only at debug level. */
export function logLookup(logger: Logger, event: LookupEvent): void {
  if (!logger.isLevelEnabled('info')) return
  const connectors = event.runs.map((run) =>
    run.ok
      ? { connector: run.connector, durationMs: run.durationMs, matches: run.records.length }
      : {
          connector: run.connector,
          durationMs: run.durationMs,
          failed: run.error.kind,
          reason: run.error.message,
        },
  )
  const durationMs = Math.round((performance.now() - event.started) * 100) / 100
  const line = {
    requestId: event.requestId,
    source: event.target,
    durationMs,
    matches: event.matches,
    cache: event.cache,
    connectors,
  }
  if (logger.isLevelEnabled('debug')) logger.debug({ ...line, input: event.input }, 'lookup')
  else logger.info(line, 'lookup')
}
