import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { RedisStore } from '../../src/cache/redis-store.js'
import { startRedis, type TestRedis } from '../servers/redis.js'
import { customersOf } from '../harness/xml.js'
import { control, controlledConnector, opsGateway, type OpsGateway } from './harness.js'

const PASSWORD = 'redis-pass-Qx81'

const config = (url: string) => `
server: { deadline: 3s }
cache: { ttl: 1h, store: "${url}" }
connectors:
  people:
    type: controlled
    rules: [{ when: [email], column: email }, { when: [customer_id], column: id }]
    map: { customer_id: id, email: email }
sources:
  customers: { connectors: [people] }
`

const lookup = (id: string) => `/livelookup/customers?customer_id=${id}&email=`

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++)
    await new Promise((resolve) => setTimeout(resolve, 50))
  if (!condition()) throw new Error(`gave up waiting for ${what}`)
}

describe('shared Redis cache across two replicas', () => {
  const people = control()
  let redis: TestRedis
  let first: OpsGateway
  let second: OpsGateway
  const storeOf = (gateway: OpsGateway) => gateway.service.ops.cache()!.store as RedisStore

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD })
    const definitions = [controlledConnector('controlled', { default: people })]
    first = await opsGateway(config(redis.url), definitions)
    second = await opsGateway(config(redis.url), definitions)
    await until(() => storeOf(first).ready && storeOf(second).ready, 'Redis connections')
  })
  afterAll(async () => {
    await first?.close()
    await second?.close()
    await redis?.close()
  })

  it('answers from the other replica’s lookup', async () => {
    const answer = await first.request(lookup('1'))
    expect(customersOf(await answer.text()).map((c) => c.customer_id)).toEqual(['1'])
    const shared = await second.request(lookup('1'))
    expect(customersOf(await shared.text()).map((c) => c.customer_id)).toEqual(['1'])
    expect(people.calls).toBe(1)
    expect(second.logs.filter((l) => l.msg === 'lookup').at(-1)).toMatchObject({ cache: 'hit' })
  })

  it('reaches the connector once for 20 identical lookups at once over both', async () => {
    people.calls = 0
    people.delayMs = 300
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? first : second).request(lookup('2'))),
    )
    people.delayMs = 0
    for (const answer of answers) {
      expect(answer.status).toBe(200)
      expect(customersOf(await answer.text()).map((c) => c.customer_id)).toEqual(['2'])
    }
    expect(people.calls).toBe(1)
  })

  it('answers from the connector while Redis is down, and shares again once back', async () => {
    await redis.stop()
    await until(() => !storeOf(first).ready, 'the outage to be seen')
    people.calls = 0
    for (const gateway of [first, second, first]) {
      const answer = await gateway.request(lookup('2'))
      expect(customersOf(await answer.text()).map((c) => c.customer_id)).toEqual(['2'])
    }
    expect(people.calls).toBe(3)
    expect(first.logs.filter((l) => l.msg === 'cache store unavailable')).toHaveLength(1)

    await redis.start()
    await until(() => storeOf(first).ready && storeOf(second).ready, 'Redis to be back')
    people.calls = 0
    await first.request(lookup('1'))
    await second.request(lookup('1'))
    expect(people.calls).toBe(1)
  })

  it('searches itself in time when the replica holding the key does not answer', async () => {
    people.calls = 0
    people.hang = true
    try {
      const held = first.request(lookup('9'))
      await until(() => people.calls === 1, 'the first replica to search')
      let heldAnswered = false
      void held.then(() => (heldAnswered = true))

      const waiting = second.request(lookup('9'))
      await until(() => people.calls === 2, 'the second replica to search itself')
      // It did not wait for the first replica's whole deadline, only for half its own.
      expect(heldAnswered).toBe(false)
      expect((await held).status).toBe(503)
      expect((await waiting).status).toBe(503)
    } finally {
      people.hang = false
    }
  })

  it('passes over a Redis that stops answering, until it answers again', async () => {
    redis.pause()
    try {
      people.calls = 0
      for (const id of ['1', '2', '1']) {
        const answer = await first.request(lookup(id))
        expect(customersOf(await answer.text()).map((c) => c.customer_id)).toEqual([id])
      }
      expect(people.calls).toBe(3)
      expect(storeOf(first).ready).toBe(false)
      const stalls = first.logs.filter((l) => l.reason === 'a command timed out')
      expect(stalls).toHaveLength(1)
    } finally {
      redis.resume()
    }
    const connected = () => first.logs.filter((l) => l.msg === 'cache store connected').length
    const before = connected()
    await until(() => storeOf(first).ready, 'Redis to be asked again')
    await first.request(lookup('1'))
    expect(connected()).toBe(before + 1)
  })

  it('never logs the Redis password', () => {
    expect(JSON.stringify([...first.logs, ...second.logs])).not.toContain(PASSWORD)
    expect(
      first.logs.some(
        (l) => l.msg === 'cache store connected' && l.target === `127.0.0.1:${redis.port}`,
      ),
    ).toBe(true)
  })
})
