import { ConnectorError, isAbortError } from '../../src/errors.js'
import { certificateFailure } from '../ca-file.js'
import { ProxyRefusedError } from './transport.js'

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'EPROTO',
])
const MAX_DETAIL = 240
/** An access token echoed back in an answer, whatever the session it belongs to. */
const BEARER = /(Bearer\s+)\S+/gi

/** What went wrong, as much as jsforce and the transport tell. */
interface Failure {
  readonly error: unknown
  /** The HTTP status of the last answer, when one came. */
  readonly status: number | undefined
  readonly signal: AbortSignal
  /** Values that must never appear in a message (passwords, secrets, tokens). */
  readonly secrets: readonly string[]
}

/** The Salesforce error code of a failure (`INVALID_SESSION_ID`, `invalid_grant`), if any. */
export function errorCodeOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const code = (error as { errorCode?: unknown }).errorCode
  if (typeof code === 'string') return code
  return error.name !== 'Error' ? error.name : undefined
}

/** Whether an API answer says the session has expired or was revoked. */
export function isExpiredSession(error: unknown): boolean {
  return errorCodeOf(error) === 'INVALID_SESSION_ID'
}

function isRateLimited(
  code: string | undefined,
  status: number | undefined,
  text: string,
): boolean {
  return (
    status === 429 || code === 'REQUEST_LIMIT_EXCEEDED' || text.includes('REQUEST_LIMIT_EXCEEDED')
  )
}

/** The common cases of both logins and API calls: deadline, network, rate limit. */
function commonFailure(failure: Failure, action: string): ConnectorError | undefined {
  const { error, status, signal } = failure
  if (error instanceof ConnectorError) return error
  if (signal.aborted || isAbortError(error)) {
    return new ConnectorError(
      'timeout',
      `Salesforce did not answer the ${action} before the deadline`,
      {
        cause: error,
      },
    )
  }
  const untrusted = certificateFailure(error)
  if (untrusted) {
    return new ConnectorError(
      'unreachable',
      `cannot trust Salesforce's certificate for the ${action} (${untrusted}); if a proxy ` +
        'inspects TLS, set ca to the certificate authority it signs with',
      { cause: error },
    )
  }
  if (error instanceof ProxyRefusedError) {
    return new ConnectorError('unreachable', `${error.message} for the ${action}`, {
      cause: error,
    })
  }
  const errno = (error as NodeJS.ErrnoException | undefined)?.code
  if (errno && (NETWORK_CODES.has(errno) || errno.startsWith('ERR_SSL_'))) {
    return new ConnectorError(
      'unreachable',
      `cannot reach Salesforce for the ${action} (${errno})`,
      { cause: error },
    )
  }
  const code = errorCodeOf(error)
  if (isRateLimited(code, status, error instanceof Error ? error.message : '')) {
    return new ConnectorError(
      'rate_limit',
      `Salesforce refused the ${action}: API request limit exceeded`,
      {
        cause: error,
      },
    )
  }
  if (status !== undefined && status >= 500) {
    return new ConnectorError(
      'unreachable',
      `Salesforce answered the ${action} with HTTP ${status}`,
      {
        cause: error,
      },
    )
  }
  return undefined
}

// SOAP login faults come back as HTTP 500 with a `CODE: text` faultstring.
const SOAP_LOGIN_FAULT =
  /^(INVALID_\w+|LOGIN_\w+|\w*PASSWORD\w*|API_DISABLED_FOR_ORG|API_CURRENTLY_DISABLED):/

/**
 * Turns a failed login into a ConnectorError. Only a refusal of the credentials is kind `auth`
 * (remembered for a while, so a wrong password is not tried again at once): a SOAP login fault,
 * or an OAuth error answered with a 4xx status. Anything else, an answer that is not a login
 * answer at all say, is `internal`, and the next lookup tries again.
 */
export function loginFailure(failure: Failure): ConnectorError {
  const { error, status } = failure
  if (error instanceof Error && SOAP_LOGIN_FAULT.test(error.message) && !failure.signal.aborted) {
    return new ConnectorError('auth', `Salesforce login failed: ${detail(failure)}`, {
      cause: error,
    })
  }
  const common = commonFailure(failure, 'login')
  if (common) return common
  const refused = status !== undefined && status >= 400 && status < 500
  return new ConnectorError(
    refused ? 'auth' : 'internal',
    `Salesforce login failed: ${detail(failure)}`,
    { cause: error },
  )
}

/** Turns a failed query or search into a ConnectorError of the right kind. */
export function apiFailure(failure: Failure): ConnectorError {
  const common = commonFailure(failure, 'query')
  if (common) return common
  const { status, error } = failure
  // An answer came, and jsforce could not read it: not a refusal of the query.
  const unreadable = status !== undefined && status < 300 && errorCodeOf(error) === 'TypeError'
  if (!(error instanceof Error) || status === undefined || unreadable) {
    return new ConnectorError('internal', 'unexpected failure while querying Salesforce', {
      cause: error,
    })
  }
  if (status === 401 || status === 403) {
    return new ConnectorError('auth', `Salesforce refused access: ${detail(failure)}`, {
      cause: error,
    })
  }
  return new ConnectorError('query', `Salesforce refused the query: ${detail(failure)}`, {
    cause: error,
  })
}

/** `CODE: message`, one line, secrets masked, bounded in length. */
function detail({ error, secrets }: Failure): string {
  const code = errorCodeOf(error)
  const message = error instanceof Error ? error.message : String(error)
  let text = code && !message.startsWith(code) ? `${code}: ${message}` : message
  for (const secret of secrets) if (secret) text = text.split(secret).join('***')
  text = text.replace(BEARER, '$1***')
  text = text.replace(/\s+/g, ' ').trim()
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}...` : text || 'no reason given'
}
