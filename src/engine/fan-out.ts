import type { BackendRecord, Connector, LookupInput } from '../../connectors/contract.js'
import { ConnectorError, asConnectorError, type FailureKind } from '../errors.js'
import type { ConnectorHealth } from './breaker.js'
import { deadlineAfter, deadlineMs, settleOrAbort } from './deadline.js'

/** One connector's part in a lookup, ready to run. */
export interface SearchJob {
  readonly connector: string
  readonly live: Connector
  readonly rule: unknown
  /** The inputs the rule searches with. */
  readonly when: readonly string[]
  readonly input: LookupInput
  readonly attributes: readonly string[]
  readonly limit: number
  readonly timeoutMs: number
  /** The connector's breaker: an open one skips the search and reports it as failed. */
  readonly health?: ConnectorHealth
}

/** What one connector did during a lookup. */
export type SearchRun =
  | {
      readonly connector: string
      readonly ok: true
      readonly durationMs: number
      readonly records: BackendRecord[]
    }
  | {
      readonly connector: string
      readonly ok: false
      readonly durationMs: number
      readonly error: ConnectorError
    }

/**
 * Runs every job at once under the lookup's deadline, each also under its own timeout. A job
 * that fails or runs late is reported and the others still answer; a connector that ignores its
 * signal is abandoned at the deadline, so the lookup always finishes on time.
 */
export function fanOut(jobs: readonly SearchJob[], deadline: AbortSignal): Promise<SearchRun[]> {
  return Promise.all(jobs.map((job) => runJob(job, deadline)))
}

async function runJob(job: SearchJob, deadline: AbortSignal): Promise<SearchRun> {
  const skipped = job.health?.admit()
  if (skipped) return { connector: job.connector, ok: false, durationMs: 0, error: skipped }

  const run = await searchOnce(job, deadline)
  job.health?.record(run.durationMs, run.ok ? undefined : run.error)
  return run
}

async function searchOnce(job: SearchJob, deadline: AbortSignal): Promise<SearchRun> {
  const started = performance.now()
  const own =
    job.timeoutMs < deadlineMs(deadline) ? deadlineAfter(job.timeoutMs, deadline) : undefined
  const signal = own?.signal ?? deadline
  const { connector } = job

  try {
    if (signal.aborted) throw new ConnectorError('timeout', 'the lookup deadline passed')
    const search = job.live.search({
      rule: job.rule,
      input: job.input,
      attributes: job.attributes,
      limit: job.limit,
      signal,
    })
    const records = await settleOrAbort(search, signal, noAnswer)
    return {
      connector,
      ok: true,
      durationMs: elapsed(started),
      records: records.slice(0, job.limit),
    }
  } catch (error) {
    return {
      connector,
      ok: false,
      durationMs: elapsed(started),
      error: asConnectorError(error, signal),
    }
  } finally {
    own?.release()
  }
}

function noAnswer(): ConnectorError {
  return new ConnectorError('timeout', 'no answer before the timeout')
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100
}

/** The failures of a fan-out, for the error answer and the logs. */
export function failuresOf(runs: readonly SearchRun[]): { connector: string; kind: FailureKind }[] {
  return runs.flatMap((run) => (run.ok ? [] : [{ connector: run.connector, kind: run.error.kind }]))
}
