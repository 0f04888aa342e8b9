/**
 * The gateway's error tree. Every error carries a stable `code`; messages are written for an
 * administrator and never contain a secret, a connection string or a stack trace. The HTTP
 * status is chosen in one place, at the edge (`src/http/app.ts`).
 */

/** A problem in the configuration file, located by file, line and key path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'config'

  constructor(
    message: string,
    readonly problems: readonly string[] = [message],
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** The ways a connector can fail, as staff and administrators see them. */
export const FAILURE_KINDS = [
  'auth',
  'unreachable',
  'timeout',
  'busy',
  'rate_limit',
  'query',
  'internal',
] as const

export type FailureKind = (typeof FAILURE_KINDS)[number]

/** The short words that name a failure kind in the answer HelpSpot shows to staff. */
export const FAILURE_LABELS: Readonly<Record<FailureKind, string>> = {
  auth: 'login failed',
  unreachable: 'unreachable',
  timeout: 'timeout',
  busy: 'busy',
  rate_limit: 'rate limited',
  query: 'query error',
  internal: 'internal error',
}

/** A connector could not answer. `message` must be safe to show an administrator. */
export class ConnectorError extends Error {
  override readonly name = 'ConnectorError'

  constructor(
    readonly kind: FailureKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }

  get code(): string {
    return `connector_${this.kind}`
  }
}

/** A caller's mistake: bad parameters, an unknown source, a body too large. */
export class RequestError extends Error {
  override readonly name = 'RequestError'

  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Turns any thrown value into a ConnectorError, keeping the original as `cause`. */
export function asConnectorError(error: unknown, signal?: AbortSignal): ConnectorError {
  if (error instanceof ConnectorError) return error
  if (signal?.aborted || isAbortError(error)) {
    return new ConnectorError('timeout', 'the lookup deadline passed', { cause: error })
  }
  return new ConnectorError('internal', 'unexpected connector failure', { cause: error })
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')
}

/** Every connector that ran for a lookup failed: staff must see an error, not "no customers". */
export class LookupFailedError extends Error {
  override readonly name = 'LookupFailedError'
  readonly code = 'lookup_failed'

  constructor(
    readonly target: string,
    readonly failures: readonly { readonly connector: string; readonly kind: FailureKind }[],
    /** Each connector's part, for logs and metrics. */
    readonly runs: readonly unknown[] = [],
  ) {
    const named = failures.map((f) => `${f.connector}: ${FAILURE_LABELS[f.kind]}`).join(', ')
    super(`${target} unavailable: ${named}`)
  }
}
