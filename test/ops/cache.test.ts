import { writeFile } from 'node:fs/promises'

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { MemoryStore } from '../../src/cache/memory-store.js'
import { customersOf, optionsOf } from '../harness/xml.js'
import {
  control,
  controlledConnector,
  opsGateway,
  type Control,
  type OpsGateway,
} from './harness.js'

const config = (cache: string, extra = '') => `
server: { deadline: 2s }
cache: ${cache}
connectors:
  people:
    type: controlled
    rules:
      - { when: [customer_id], column: id }
      - { when: [email], column: email }
    map: { customer_id: id, email: email, first_name: name }
    ${extra}
sources:
  customers: { connectors: [people] }
fields:
  names:
    connector: people
    rules: [{ when: [term], column: name }]
    value: id
    description: name
    encoding: iso-8859-1
`

const ANN = '/livelookup/customers?customer_id=&email=ann%40example.com'
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function cacheResults(gateway: OpsGateway): unknown[] {
  return gateway.logs.filter((line) => line.msg === 'lookup').map((line) => line.cache)
}

async function ids(response: Response): Promise<unknown[]> {
  expect(response.status).toBe(200)
  return customersOf(await response.text()).map((c) => c.customer_id)
}

describe('answer cache', () => {
  let people: Control
  let gateway: OpsGateway
  const start = async (cache: string, extra = '') => {
    people = control()
    gateway = await opsGateway(config(cache, extra), [
      controlledConnector('controlled', { default: people }),
    ])
  }
  afterEach(() => gateway.close())

  it('answers a repeat from the cache, ignoring inputs no rule searches with', async () => {
    await start('{ ttl: 1h }')
    expect(await ids(await gateway.request(ANN))).toEqual(['1'])
    expect(await ids(await gateway.request(`${ANN}&phone=555&sFirstName=Ann&request=77`))).toEqual([
      '1',
    ])
    expect(people.calls).toBe(1)
    expect(cacheResults(gateway)).toEqual(['miss', 'hit'])

    expect(await ids(await gateway.request('/livelookup/customers?customer_id=2'))).toEqual(['2'])
    expect(people.calls).toBe(2)
  })

  it('reaches the connector once for concurrent identical lookups', async () => {
    await start('{ ttl: 1h }')
    people.delayMs = 100
    const answers = await Promise.all(Array.from({ length: 20 }, () => gateway.request(ANN)))
    for (const answer of answers) expect(await ids(answer)).toEqual(['1'])
    expect(people.calls).toBe(1)
  })

  it('serves a stale answer at once while a failing connector is retried behind it', async () => {
    await start('{ ttl: 100ms, staleTtl: 1h }')
    expect(await ids(await gateway.request(ANN))).toEqual(['1'])
    await pause(150)

    people.fail = 'unreachable'
    expect(await ids(await gateway.request(ANN))).toEqual(['1'])
    await pause(20)
    expect(await ids(await gateway.request(ANN))).toEqual(['1'])
    expect(people.calls).toBe(3)
    expect(cacheResults(gateway)).toEqual(['miss', 'stale', 'refresh', 'stale', 'refresh'])

    people.fail = undefined
    await gateway.request(ANN)
    await pause(20)
    expect(cacheResults(gateway).slice(-2)).toEqual(['stale', 'refresh'])
    await gateway.request(ANN)
    expect(cacheResults(gateway).at(-1)).toBe('hit')
  })

  it('serves a stale answer without waiting for a slow connector', async () => {
    await start('{ ttl: 100ms, staleTtl: 1h }')
    await gateway.request(ANN)
    await pause(150)
    people.delayMs = 1_000
    expect(await ids(await gateway.request(ANN))).toEqual(['1'])
    expect(cacheResults(gateway)).toEqual(['miss', 'stale'])
  })

  it('never keeps a failed lookup as an answer', async () => {
    await start('{ ttl: 1h }')
    people.fail = 'timeout'
    const failed = await gateway.request(ANN)
    expect(failed.status).toBe(503)
    expect(await failed.text()).toBe('customers unavailable: people: timeout')

    people.fail = undefined
    expect(await ids(await gateway.request(ANN))).toEqual(['1'])
    expect(people.calls).toBe(2)
  })

  it('keeps an empty answer only for the shorter emptyTtl', async () => {
    await start('{ ttl: 1h, emptyTtl: 100ms, staleTtl: 0 }')
    const nobody = '/livelookup/customers?customer_id=&email=nobody%40example.com'
    expect(await ids(await gateway.request(nobody))).toEqual([])
    expect(await ids(await gateway.request(nobody))).toEqual([])
    await gateway.request(ANN)
    expect(people.calls).toBe(2)

    await pause(150)
    await gateway.request(nobody)
    await gateway.request(ANN)
    expect(people.calls).toBe(3)
  })

  it('is off with ttl 0', async () => {
    await start('{ ttl: 0 }')
    await gateway.request(ANN)
    await gateway.request(ANN)
    expect(people.calls).toBe(2)
    expect(cacheResults(gateway)).toEqual(['off', 'off'])
  })

  it('never reuses an answer after the connector settings change', async () => {
    await start('{ ttl: 1h }')
    await gateway.request(ANN)
    await writeFile(gateway.file, config('{ ttl: 1h }', 'timeout: 1s'))
    expect(await gateway.service.reload()).toBe(true)
    await gateway.request(ANN)
    expect(people.calls).toBe(2)
  })

  it('caches AJAX answers with their bytes intact', async () => {
    await start('{ ttl: 1h }')
    const path = '/ajax/names?callingField=Custom1&Custom1=Ann'
    const first = Buffer.from(await (await gateway.request(path)).arrayBuffer())
    const second = await gateway.request(path)
    expect(second.headers.get('content-type')).toBe('text/xml; charset=iso-8859-1')
    expect(Buffer.from(await second.arrayBuffer())).toEqual(first)
    expect(optionsOf(first.toString('latin1'))).toEqual([{ value: '1', description: 'Ann' }])
    expect(people.calls).toBe(1)
  })
})

describe('memory store', () => {
  it('keeps at most maxEntries, dropping the least recently used', () => {
    const store = new MemoryStore(2)
    const answer = {
      body: Buffer.from('x'),
      contentType: 'text/xml',
      matches: 1,
      freshUntil: Date.now() + 60_000,
    }
    store.set('a', answer, 60_000)
    store.set('b', answer, 60_000)
    expect(store.get('a')).toBe(answer)
    store.set('c', answer, 60_000)
    expect(store.get('b')).toBeUndefined()
    expect(store.get('a')).toBe(answer)
    expect(store.get('c')).toBe(answer)
    expect(store.size).toBe(2)
  })

  it('keeps a recently used entry over older ones when full', () => {
    const store = new MemoryStore(8)
    const answer = {
      body: Buffer.from('x'),
      contentType: 'text/xml',
      matches: 1,
      freshUntil: Date.now() + 60_000,
    }
    for (const key of 'abcdefgh') store.set(key, answer, 60_000)
    expect(store.get('a')).toBe(answer)
    store.set('i', answer, 60_000)
    store.set('j', answer, 60_000)
    expect(store.get('b')).toBeUndefined()
    expect(store.get('c')).toBeUndefined()
    for (const key of 'adefghij') expect(store.get(key)).toBe(answer)
    expect(store.size).toBe(8)
  })

  it('drops an entry once its lifetime is over', () => {
    const store = new MemoryStore(10)
    store.set(
      'a',
      { body: Buffer.from('x'), contentType: 'text/xml', matches: 0, freshUntil: 0 },
      0,
    )
    expect(store.get('a')).toBeUndefined()
  })
})
