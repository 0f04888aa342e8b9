import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Readiness } from '../../src/http/ops.js'
import { control, controlledConnector, opsGateway, type OpsGateway } from './harness.js'

const CONFIG = `
server:
  keys: ["metrics-key-123"]
  breaker: { failures: 1, coolDown: 1h }
cache: { ttl: 1h }
connectors:
  directory:
    type: controlled
    rules: [{ when: [email], column: email }]
    map: { customer_id: id, email: email }
  crm:
    type: controlled
    rules: [{ when: [email], column: email }]
    map: { customer_id: id, email: email }
  book:
    type: controlled
    rules: [{ when: [email], column: email }]
    map: { customer_id: id, email: email }
sources:
  customers: { connectors: [directory, crm] }
  directory-only: { connectors: [directory] }
  book-only: { connectors: [book] }
`

const KEY = 'key=metrics-key-123'

describe('readiness and metrics', () => {
  const directory = control()
  const crm = control()
  const book = control()
  let gateway: OpsGateway
  beforeAll(async () => {
    gateway = await opsGateway(CONFIG, [
      controlledConnector('controlled', { directory, crm, book }),
    ])
  })
  afterAll(() => gateway.close())

  const ready = async (): Promise<{ status: number; body: Readiness }> => {
    const response = await gateway.request('/readyz')
    return { status: response.status, body: (await response.json()) as Readiness }
  }

  it('checks quiet connectors and reports each one, without a key', async () => {
    const { status, body } = await ready()
    expect(status).toBe(200)
    expect(body.ready).toBe(true)
    expect(body.sources).toEqual({ customers: true, 'directory-only': true, 'book-only': true })
    expect(body.connectors).toHaveLength(3)
    expect(body.connectors[0]).toMatchObject({
      connector: 'directory',
      type: 'controlled',
      status: 'ok',
      breaker: 'closed',
      lastFailure: null,
    })
    expect(typeof body.connectors[0]!.latencyMs).toBe('number')
  })

  it('stays ready while each source has a working connector, naming the failing one', async () => {
    crm.fail = 'auth'
    await gateway.request(`/livelookup/customers?email=ann%40example.com&${KEY}`)
    const { status, body } = await ready()
    expect(status).toBe(200)
    expect(body.connectors[1]).toMatchObject({
      connector: 'crm',
      status: 'failing',
      breaker: 'open',
    })
    expect(body.connectors[1]!.lastFailure).toBe('auth')
  })

  it('is not ready (503) when a source has no working connector left', async () => {
    directory.fail = 'unreachable'
    await gateway.request(`/livelookup/customers?email=bob%40example.com&${KEY}`)
    const { status, body } = await ready()
    expect(status).toBe(503)
    expect(body).toMatchObject({
      ready: false,
      sources: { customers: false, 'directory-only': false, 'book-only': true },
    })
  })

  it('needs the key for /metrics', async () => {
    expect((await gateway.request('/metrics')).status).toBe(401)
    const response = await gateway.request(`/metrics?${KEY}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/plain')
  })

  it('exposes durations, outcomes, cache results, breaker states, lookups in flight', async () => {
    await gateway.request(`/livelookup/book-only?email=ann%40example.com&${KEY}`)
    await gateway.request(`/livelookup/book-only?email=ann%40example.com&${KEY}`)
    const text = await (await gateway.request(`/metrics?${KEY}`)).text()

    expect(text).toMatch(
      /livelookup_connector_duration_seconds_count\{source="book-only",connector="book"\} 1/,
    )
    expect(text).toMatch(
      /livelookup_lookup_duration_seconds_count\{source="book-only",cache="hit"\} 1/,
    )
    expect(text).toMatch(/livelookup_lookups_total\{source="book-only",outcome="ok"\} 2/)
    expect(text).toMatch(/livelookup_lookups_total\{source="customers",outcome="failed"\} 1/)
    expect(text).toMatch(/livelookup_cache_total\{source="book-only",result="miss"\} 1/)
    expect(text).toMatch(/livelookup_cache_total\{source="book-only",result="hit"\} 1/)
    expect(text).toMatch(
      /livelookup_connector_searches_total\{source="customers",connector="crm",outcome="auth"\} 1/,
    )
    expect(text).toMatch(
      new RegExp(
        'livelookup_connector_searches_total' +
          '\\{source="customers",connector="crm",outcome="skipped"\\} 1',
      ),
    )
    expect(text).toMatch(/livelookup_breaker_state\{connector="crm"\} 2/)
    expect(text).toMatch(/livelookup_breaker_state\{connector="directory"\} 2/)
    expect(text).toMatch(/livelookup_breaker_state\{connector="book"\} 0/)
    expect(text).toMatch(/livelookup_lookups_in_flight\{source="book-only"\} 0/)
    expect(text).toContain('livelookup_process_cpu_seconds_total')
  })

  it('counts a lookup in flight while its connector is still searching', async () => {
    book.delayMs = 1_000
    try {
      const started = book.calls
      const pending = gateway.request(`/livelookup/book-only?email=bob%40example.com&${KEY}`)
      while (book.calls === started) await new Promise((resolve) => setTimeout(resolve, 5))
      const during = await (await gateway.request(`/metrics?${KEY}`)).text()
      expect(during).toMatch(/livelookup_lookups_in_flight\{source="book-only"\} 1/)
      expect((await pending).status).toBe(200)
      const after = await (await gateway.request(`/metrics?${KEY}`)).text()
      expect(after).toMatch(/livelookup_lookups_in_flight\{source="book-only"\} 0/)
    } finally {
      book.delayMs = 0
    }
  })
})
