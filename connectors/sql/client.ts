import type { Logger } from 'pino'

import { settleOrAbort } from '../../src/engine/deadline.js'
import { ConnectorError, type FailureKind } from '../../src/errors.js'
import { sqlError } from './errors.js'
import type { SqlSettings } from './settings.js'

/** One query ready for a driver: statement text, bound values, and the most rows wanted. */
export interface SqlQuery {
  readonly text: string
  readonly values: readonly string[]
  readonly limit: number
}

/** A result as display strings: column names and rows in column order. */
export interface SqlTable {
  readonly columns: readonly string[]
  readonly rows: readonly (readonly string[])[]
}

/** A pooled connection to one server, in one dialect. Rejects only with ConnectorError. */
export interface SqlClient {
  run(query: SqlQuery, signal: AbortSignal): Promise<SqlTable>
  check(signal: AbortSignal): Promise<void>
  close(): Promise<void>
}

/** What every dialect's client is built from. */
export interface SqlClientContext {
  readonly settings: SqlSettings
  readonly logger: Logger
  /** Upper bound for one query, for the driver's own timers (the signal usually fires first). */
  readonly timeoutMs: number
}

/** How long a cancelled query may take to stop before its connection is thrown away. */
export const CANCEL_GRACE_MS = 2_000

/** The error of a lookup whose deadline passed. */
export function deadlinePassed(): ConnectorError {
  return new ConnectorError('timeout', 'query timed out: the lookup deadline passed')
}

/**
 * Settles with `work`, or rejects with a timeout as soon as `signal` aborts, calling `cancel`
 * so the server stops the query. `work` keeps running to its end; its outcome is ignored.
 */
export function raceSignal<T>(
  work: Promise<T>,
  signal: AbortSignal,
  cancel: () => void,
): Promise<T> {
  return settleOrAbort(work, signal, deadlinePassed, cancel)
}

/** How a dialect names its failures: the kind of a driver error, and what to keep out of it. */
export interface SqlFailures {
  classify(error: unknown): FailureKind
  readonly secrets: readonly (string | undefined)[]
}

/**
 * `raceSignal`, with every failure but the deadline's turned into a ConnectorError of the kind
 * the dialect gives it, its secrets taken out.
 */
export async function raceQuery<T>(
  work: Promise<T>,
  signal: AbortSignal,
  cancel: () => void,
  failures: SqlFailures,
): Promise<T> {
  try {
    return await raceSignal(work, signal, cancel)
  } catch (error) {
    throw signal.aborted
      ? deadlinePassed()
      : sqlError(failures.classify(error), error, failures.secrets)
  }
}

/** Picks, for each wanted attribute, the first column of that name (case-insensitive second). */
export function recordsOf(
  table: SqlTable,
  attributes: readonly string[],
  limit: number,
): Record<string, string>[] {
  const indexes = attributes.map((attribute) => {
    const exact = table.columns.indexOf(attribute)
    if (exact >= 0) return exact
    const folded = attribute.toLowerCase()
    return table.columns.findIndex((column) => column.toLowerCase() === folded)
  })

  return table.rows.slice(0, limit).map((row) => {
    const record: Record<string, string> = {}
    attributes.forEach((attribute, i) => {
      const index = indexes[i] ?? -1
      if (index >= 0) record[attribute] = row[index] ?? ''
    })
    return record
  })
}
