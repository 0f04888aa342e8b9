import { describe, expect, it } from 'vitest'

import { ConnectorError } from '../../src/errors.js'
import type { Session } from './auth.js'
import { SessionCache } from './session.js'

function counting(answers: (() => Promise<Session>)[]): {
  cache: SessionCache
  logins: () => number
} {
  let calls = 0
  const cache = new SessionCache(() => answers[calls++]!(), 5_000)
  return { cache, logins: () => calls }
}

const session = (token: string): Session => ({ accessToken: token, instanceUrl: 'https://x' })
const signal = (): AbortSignal => AbortSignal.timeout(5_000)

describe('SessionCache', () => {
  it('logs in once for concurrent callers and keeps the session', async () => {
    const { cache, logins } = counting([async () => session('a')])
    const [first, second] = await Promise.all([cache.get(signal()), cache.get(signal())])
    expect(first).toBe(second)
    expect(await cache.get(signal())).toBe(first)
    expect(logins()).toBe(1)
  })

  it('forgets only the session it is told is stale', async () => {
    const { cache, logins } = counting([async () => session('a'), async () => session('b')])
    const stale = await cache.get(signal())
    cache.forget(session('other'))
    expect(await cache.get(signal())).toBe(stale)
    cache.forget(stale)
    expect((await cache.get(signal())).accessToken).toBe('b')
    expect(logins()).toBe(2)
  })

  it('remembers a refused login instead of trying the same credentials again', async () => {
    const refused = new ConnectorError('auth', 'Salesforce login failed: invalid_client')
    const { cache, logins } = counting([() => Promise.reject(refused)])
    await expect(cache.get(signal())).rejects.toBe(refused)
    await expect(cache.get(signal())).rejects.toBe(refused)
    expect(logins()).toBe(1)
  })

  it('tries again after a login that failed for another reason', async () => {
    const down = new ConnectorError('unreachable', 'cannot reach Salesforce')
    const { cache, logins } = counting([() => Promise.reject(down), async () => session('a')])
    await expect(cache.get(signal())).rejects.toBe(down)
    expect((await cache.get(signal())).accessToken).toBe('a')
    expect(logins()).toBe(2)
  })

  it('stops waiting when the caller aborts and refuses every call after close', async () => {
    const { cache } = counting([() => new Promise<Session>(() => undefined)])
    await expect(cache.get(AbortSignal.timeout(20))).rejects.toMatchObject({ name: 'TimeoutError' })
    cache.close()
    await expect(cache.get(signal())).rejects.toBeInstanceOf(ConnectorError)
  })
})
