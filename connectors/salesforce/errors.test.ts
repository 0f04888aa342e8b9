import { describe, expect, it } from 'vitest'

import { apiFailure, loginFailure } from './errors.js'

const signal = new AbortController().signal
const failure = (error: unknown, status?: number) => ({
  error,
  status,
  signal,
  secrets: ['s3cret'],
})

describe('Salesforce failures', () => {
  it('calls a login refused with a 4xx or a SOAP fault auth, and anything else not', () => {
    const oauth = Object.assign(new Error('authentication failure'), { name: 'invalid_grant' })
    expect(loginFailure(failure(oauth, 400)).kind).toBe('auth')
    expect(loginFailure(failure(new Error('INVALID_LOGIN: bad'), 500)).kind).toBe('auth')

    const notALoginAnswer = new TypeError("Cannot read properties of undefined (reading 'id')")
    expect(loginFailure(failure(notALoginAnswer, 200)).kind).toBe('internal')
    const plainHttp = Object.assign(new Error('wrong version number'), { code: 'EPROTO' })
    expect(loginFailure(failure(plainHttp)).kind).toBe('unreachable')
    const tls = Object.assign(new Error('tls'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' })
    expect(loginFailure(failure(tls)).kind).toBe('unreachable')
  })

  it('calls an answer jsforce cannot read internal, not a refusal of the query', () => {
    const unreadable = new TypeError("Cannot read properties of null (reading 'length')")
    expect(apiFailure(failure(unreadable, 200))).toMatchObject({ kind: 'internal' })
    const refused = Object.assign(new Error('bad field'), { errorCode: 'INVALID_FIELD' })
    expect(apiFailure(failure(refused, 400))).toMatchObject({ kind: 'query' })
  })

  it('masks secrets and any bearer token an answer echoes', () => {
    const echo = new Error('bad request from s3cret: Authorization: Bearer 00D!TOKEN-xyz')
    const { message } = apiFailure(failure(echo, 400))
    expect(message).toBe(
      'Salesforce refused the query: bad request from ***: Authorization: Bearer ***',
    )
  })
})
