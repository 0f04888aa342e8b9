import type { Context } from 'hono'
import type { Logger } from 'pino'

import type { LookupInput } from '../../connectors/contract.js'
import type { CacheResult, ProducedAnswer } from '../cache/lookup-cache.js'
import type { SearchRun } from '../engine/fan-out.js'
import { LookupFailedError, RequestError } from '../errors.js'
import type { LookupOutcome } from '../metrics.js'
import type { Operations } from './ops.js'

/** A rendered answer and what the lookup behind it did. */
export interface RenderedLookup {
  readonly body: string | Uint8Array
  readonly contentType: string
  readonly matches: number
  readonly runs: readonly SearchRun[]
}

export interface LookupCall {
  /** The source name, or `field:<name>` for an AJAX field. */
  readonly target: string
  readonly input: LookupInput
  /** The cache key; undefined when the answer must not be cached. */
  readonly key: string | undefined
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
  produce: () => Promise<RenderedLookup>,
): Promise<{ body: string | Uint8Array; contentType: string }> {
  const started = performance.now()
  const metrics = ops?.metrics.target(call.target)
  const cache = call.key === undefined ? undefined : ops?.cache()
  const requestId = c.get('requestId' as never) as string
  let result: CacheResult | 'off' = cache ? 'miss' : 'off'
  let runs: readonly SearchRun[] = []

  const load = async (refresh: boolean): Promise<ProducedAnswer> => {
    const loadStarted = performance.now()
    try {
      const made = await produce()
      metrics?.runs(made.runs)
      if (refresh)
        logLookup(logger, {
          requestId,
          ...call,
          started: loadStarted,
          runs: made.runs,
          matches: made.matches,
          cache: 'refresh',
        })
      else runs = made.runs
      const short = made.matches === 0 || made.runs.some((run) => !run.ok)
      return { body: made.body, contentType: made.contentType, matches: made.matches, short }
    } catch (error) {
      const failed = error instanceof LookupFailedError ? (error.runs as SearchRun[]) : []
      metrics?.runs(failed)
      if (refresh)
        logLookup(logger, {
          requestId,
          ...call,
          started: loadStarted,
          runs: failed,
          matches: 0,
          cache: 'refresh',
        })
      else runs = failed
      throw error
    }
  }

  metrics?.inFlight.inc()
  let outcome: LookupOutcome = 'failed'
  let matches = 0
  try {
    const answer = cache
      ? await cache.answer(call.key!, load)
      : { answer: await load(false), result: 'off' as const }
    result = answer.result
    matches = answer.answer.matches
    outcome = matches > 0 ? 'ok' : 'empty'
    return answer.answer
  } catch (error) {
    if (error instanceof RequestError) outcome = 'refused'
    throw error
  } finally {
    metrics?.inFlight.dec()
    metrics?.finished(started, outcome, result)
    logLookup(logger, { requestId, ...call, started, runs, matches, cache: result })
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
