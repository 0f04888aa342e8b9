import {
  AdminLimitExceededError,
  AuthMethodNotSupportedError,
  BusyError,
  ConfidentialityRequiredError,
  InappropriateAuthError,
  InsufficientAccessError,
  InvalidCredentialsError,
  InvalidDNSyntaxError,
  NoSuchObjectError,
  ResultCodeError,
  StrongAuthRequiredError,
  TimeLimitExceededError,
  UnavailableError,
  UnwillingToPerformError,
} from 'ldapts'

import { ConnectorError, type FailureKind, isAbortError } from '../../src/errors.js'

/** Where a failure happened: it changes what an administrator should look at. */
export type LdapPhase = 'connect' | 'bind' | 'search'

/** Active Directory's sub-codes in an invalid-credentials answer (`data 52e`). */
const AD_BIND_REASONS: Readonly<Record<string, string>> = {
  '525': 'the bind account does not exist',
  '52e': 'wrong bind DN or password',
  '530': 'the bind account may not log on at this time',
  '531': 'the bind account may not log on from this machine',
  '532': 'the bind account password has expired',
  '533': 'the bind account is disabled',
  '701': 'the bind account has expired',
  '773': 'the bind account must change its password',
  '775': 'the bind account is locked out',
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_|ALTNAME|ERR_TLS|ERR_SSL/

/** True for failures of the connection itself, after which another server may do better. */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof ConnectorError) return error.kind === 'unreachable' || error.kind === 'busy'
  if (error instanceof BusyError || error instanceof UnavailableError) return true
  if (error instanceof ResultCodeError || isAbortError(error)) return false
  return error instanceof Error
}

/**
 * True when a lookup gave up without any answer from the server: the deadline or the client's
 * operation timeout passed. A server that stops a search itself (`timeLimit`) has answered.
 */
export function isUnanswered(error: unknown): boolean {
  return (
    error instanceof ConnectorError &&
    error.kind === 'timeout' &&
    !(error.cause instanceof ResultCodeError)
  )
}

/**
 * Turns an ldapts or socket error into a ConnectorError whose message tells an administrator
 * what to fix. `server` is `host:port`; the bind password never reaches a message.
 */
export function ldapFailure(error: unknown, phase: LdapPhase, server: string): ConnectorError {
  if (error instanceof ConnectorError) return error
  const cause = { cause: error }
  if (error instanceof ResultCodeError) return resultFailure(error, phase, server, cause)

  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? ''
  const message = error instanceof Error ? error.message : ''
  if (isAbortError(error))
    return new ConnectorError('timeout', `${server}: the lookup deadline passed`, cause)
  if (/timed out|timeout/i.test(message) || code === 'ETIMEDOUT') {
    return new ConnectorError('timeout', `${server}: no answer to the ${phase} in time`, cause)
  }
  if (TLS_CODES.test(code) || /certificate|TLS|SSL/i.test(message)) {
    const reason = code || message
    return new ConnectorError(
      'unreachable',
      `${server}: TLS failed (${reason}); set ca to the certificate authority that signed the server certificate`,
      cause,
    )
  }
  if (code === 'ECONNREFUSED')
    return new ConnectorError('unreachable', `${server}: connection refused`, cause)
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ConnectorError('unreachable', `${server}: host name not found`, cause)
  }
  if (error instanceof Error) {
    return new ConnectorError(
      'unreachable',
      `${server}: connection lost during ${phase} (${code || 'closed'})`,
      cause,
    )
  }
  return new ConnectorError('internal', `${server}: unexpected failure during ${phase}`, cause)
}

/** Result codes an administrator can act on, with what to tell them. */
const RESULT_FAILURES: readonly (readonly [
  abstract new (...args: never[]) => ResultCodeError,
  FailureKind,
  string,
])[] = [
  [
    StrongAuthRequiredError,
    'auth',
    'the server refuses simple binds over an unprotected connection: use an ldaps:// URL or startTLS: true',
  ],
  [
    ConfidentialityRequiredError,
    'auth',
    'the server refuses simple binds over an unprotected connection: use an ldaps:// URL or startTLS: true',
  ],
  [
    InappropriateAuthError,
    'auth',
    'the server does not accept this kind of bind (anonymous or simple)',
  ],
  [
    AuthMethodNotSupportedError,
    'auth',
    'the server does not accept this kind of bind (anonymous or simple)',
  ],
  [InsufficientAccessError, 'auth', 'the bind account may not read there'],
  [BusyError, 'busy', 'the server is busy'],
  [UnavailableError, 'unreachable', 'the server is unavailable'],
  [TimeLimitExceededError, 'timeout', 'the search ran past timeLimit'],
  [NoSuchObjectError, 'query', 'baseDN does not exist on the server'],
  [AdminLimitExceededError, 'query', 'the server refused the search; narrow the filter'],
  [UnwillingToPerformError, 'query', 'the server refused the search; narrow the filter'],
]

function resultFailure(
  error: ResultCodeError,
  phase: LdapPhase,
  server: string,
  cause: ErrorOptions,
): ConnectorError {
  const said = `(LDAP result ${error.code})`
  if (error instanceof InvalidCredentialsError) {
    const sub = /data ([0-9a-f]{3})/i.exec(error.message)?.[1]?.toLowerCase()
    const reason = (sub && AD_BIND_REASONS[sub]) ?? 'wrong bind DN or password'
    return new ConnectorError('auth', `${server}: bind refused: ${reason} ${said}`, cause)
  }
  if (error instanceof InvalidDNSyntaxError && phase === 'bind') {
    const text = 'bindDN is not a DN, user@domain or DOMAIN\\user name'
    return new ConnectorError('auth', `${server}: ${text} ${said}`, cause)
  }
  const known = RESULT_FAILURES.find(([type]) => error instanceof type)
  if (known) return new ConnectorError(known[1], `${server}: ${known[2]} ${said}`, cause)
  const text = `the server refused the ${phase}: ${error.name}`
  return new ConnectorError('query', `${server}: ${text} ${said}`, cause)
}
