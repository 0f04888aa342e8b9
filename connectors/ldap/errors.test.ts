import {
  BusyError,
  InvalidCredentialsError,
  NoSuchObjectError,
  StrongAuthRequiredError,
  TimeLimitExceededError,
  UnavailableError,
} from 'ldapts'
import { describe, expect, it } from 'vitest'

import { isConnectionFailure, ldapFailure } from './errors.js'

function socketError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code })
}

describe('ldapFailure', () => {
  it.each([
    [new InvalidCredentialsError('x'), 'auth', /wrong bind DN or password/],
    [new StrongAuthRequiredError('x'), 'auth', /ldaps:\/\/ URL or startTLS/],
    [new BusyError('x'), 'busy', /busy/],
    [new UnavailableError('x'), 'unreachable', /unavailable/],
    [new TimeLimitExceededError('x'), 'timeout', /timeLimit/],
    [new NoSuchObjectError('x'), 'query', /baseDN/],
    [socketError('ECONNREFUSED'), 'unreachable', /connection refused/],
    [socketError('DEPTH_ZERO_SELF_SIGNED_CERT'), 'unreachable', /TLS failed.*set ca/],
    [new Error('SearchRequest: Operation timed out'), 'timeout', /no answer/],
    [new Error('Connection timeout'), 'timeout', /no answer/],
  ])('maps %s to %s', (error, kind, message) => {
    const failure = ldapFailure(error, 'bind', 'dc1:636')
    expect(failure.kind).toBe(kind)
    expect(failure.message).toMatch(message)
    expect(failure.message).toMatch(/^dc1:636: /)
    expect(failure.cause).toBe(error)
  })

  it('explains Active Directory bind sub-codes', () => {
    const said = (code: string) =>
      ldapFailure(
        new InvalidCredentialsError(`AcceptSecurityContext error, data ${code}, v1db1`),
        'bind',
        'dc1:389',
      ).message
    expect(said('533')).toMatch(/disabled/)
    expect(said('775')).toMatch(/locked out/)
    expect(said('532')).toMatch(/expired/)
  })

  it('sends connection failures, not refusals, to the next server', () => {
    expect(isConnectionFailure(socketError('ECONNRESET'))).toBe(true)
    expect(isConnectionFailure(new UnavailableError('x'))).toBe(true)
    expect(isConnectionFailure(new InvalidCredentialsError('x'))).toBe(false)
  })
})
