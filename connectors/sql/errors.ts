import type { FailureKind } from '../../src/errors.js'
import { ConnectorError } from '../../src/errors.js'
import { certificateFailure } from '../ca-file.js'

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKET',
  'PROTOCOL_CONNECTION_LOST',
])

const WHAT: Readonly<Record<FailureKind, string>> = {
  auth: 'login failed',
  unreachable: 'server unreachable',
  timeout: 'query timed out',
  busy: 'no free connection',
  rate_limit: 'rate limited',
  query: 'query failed',
  internal: 'connector failed',
}

/** The `code` a driver error carries (`28P01`, `ER_ACCESS_DENIED_ERROR`, `ELOGIN`). */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' || typeof code === 'number' ? String(code) : ''
}

/** True for errors of the network layer rather than of the server's answer. */
export function isNetworkError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : ''
  return (
    NETWORK_CODES.has(codeOf(error)) ||
    /connection (terminated|lost|closed|ended)|socket hang up|Connection is closed/i.test(message)
  )
}

/**
 * A ConnectorError of `kind` whose message carries the driver's first line with the password
 * taken out. The cause is a fresh error holding only that line and the code, because driver
 * errors can hold their connection settings.
 */
export function sqlError(
  kind: FailureKind,
  error: unknown,
  secrets: readonly (string | undefined)[],
): ConnectorError {
  if (error instanceof ConnectorError) return error
  const tls = tlsProblem(error)
  if (tls) return new ConnectorError('unreachable', tls)
  const detail = redact(firstLine(error), secrets)
  const cause = Object.assign(new Error(detail), { code: codeOf(error) })
  return new ConnectorError(kind, detail ? `${WHAT[kind]}: ${detail}` : WHAT[kind], { cause })
}

/** A server that will not speak TLS, or whose certificate is not trusted: a setup problem. */
const NO_TLS = /does not support (SSL|secure connection)/i

function tlsProblem(error: unknown): string | undefined {
  const untrusted = certificateFailure(error)
  if (untrusted) {
    return (
      `cannot trust the server's certificate (${untrusted}); ` +
      'set ca to the certificate authority that signed it'
    )
  }
  if (codeOf(error) === 'HANDSHAKE_NO_SSL_SUPPORT' || NO_TLS.test(firstLine(error))) {
    return 'the server does not accept TLS connections; enable TLS on it, or set tls: false'
  }
  return undefined
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error ?? '')
  return (message.split('\n')[0] ?? '').slice(0, 300)
}

function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let safe = text
  for (const secret of secrets) {
    if (secret && secret.length >= 3) safe = safe.split(secret).join('***')
  }
  return safe.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, '<url>')
}
