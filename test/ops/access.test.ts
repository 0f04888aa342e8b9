import { writeFile } from 'node:fs/promises'

import { serve, type ServerType } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { keyMatches } from '../../src/http/keys.js'
import { RateLimiter } from '../../src/http/rate-limit.js'
import { opsGateway, type OpsGateway } from './harness.js'

const KEYS = ['first-key-0123', 'second-key-4567']
const QUERY = 'customer_id=&email=ann%40example.com'

const config = (keys: readonly string[], extra = ''): string => `
server:
  keys: [${keys.map((k) => `"${k}"`).join(', ')}]
${extra}
connectors:
  people:
    type: memory
    records: [{ id: "1", email: ann@example.com }]
    rules: [{ when: [email], match: { email: "{email}" } }]
    map: { customer_id: id, email: email }
sources:
  customers: { connectors: [people] }
`

const basic = (password: string): string =>
  `Basic ${Buffer.from(`helpspot:${password}`).toString('base64')}`

describe('caller keys', () => {
  let gateway: OpsGateway
  beforeAll(async () => {
    gateway = await opsGateway(config(KEYS))
  })
  afterAll(() => gateway.close())

  const forms: [string, (key: string) => [string, RequestInit]][] = [
    ['?key=', (key) => [`/livelookup/customers?${QUERY}&key=${key}`, {}]],
    [
      'a Bearer token',
      (key) => [`/livelookup/customers?${QUERY}`, { headers: { authorization: `Bearer ${key}` } }],
    ],
    [
      'the Basic password',
      (key) => [`/livelookup/customers?${QUERY}`, { headers: { authorization: basic(key) } }],
    ],
    ['the /k/ path prefix', (key) => [`/k/${key}/livelookup/customers?${QUERY}`, {}]],
  ]

  for (const [form, build] of forms) {
    it(`accepts the right key as ${form} and refuses a wrong one with 403`, async () => {
      const right = await gateway.request(...build(KEYS[0]!))
      expect(right.status).toBe(200)
      expect(await right.text()).toContain('<customer_id>1</customer_id>')

      const wrong = await gateway.request(...build('wrong-key-999'))
      expect(wrong.status).toBe(403)
      expect(await wrong.text()).toBe('the key is not valid')
    })
  }

  it('refuses a call without a key with 401 and a Bearer challenge', async () => {
    const response = await gateway.request(`/livelookup/customers?${QUERY}`)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('Bearer')
    expect(await response.text()).toBe('a key is required')
  })

  it('logs a refused call with its reason and path but never the key presented', async () => {
    await gateway.request(`/k/leaked-path-key-1/livelookup/customers?key=leaked-query-key-2`)
    const refused = gateway.logs.filter((line) => line.msg === 'refused')
    expect(refused.at(-1)).toMatchObject({
      status: 403,
      reason: 'wrong key',
      path: '/livelookup/customers',
    })
    expect(JSON.stringify(gateway.logs)).not.toMatch(/leaked-(path|query)-key/)
  })

  it('accepts every configured key, so keys can be rotated one at a time', async () => {
    for (const key of KEYS) {
      expect((await gateway.request(`/livelookup/customers?${QUERY}&key=${key}`)).status).toBe(200)
    }

    await writeFile(gateway.file, config([KEYS[1]!]))
    expect(await gateway.service.reload()).toBe(true)
    expect((await gateway.request(`/livelookup/customers?${QUERY}&key=${KEYS[0]}`)).status).toBe(
      403,
    )
    expect((await gateway.request(`/livelookup/customers?${QUERY}&key=${KEYS[1]}`)).status).toBe(
      200,
    )
  })

  it('keeps /healthz open to all callers', async () => {
    expect((await gateway.request('/healthz')).status).toBe(200)
  })
})

describe('key comparison', () => {
  it('compares digests, so keys of any length are compared without error', () => {
    const key = 'first-key-0123'
    expect(keyMatches(key, [key])).toBe(true)
    expect(keyMatches(key.slice(0, -1), [key])).toBe(false)
    expect(keyMatches(`${key}x`, [key])).toBe(false)
    expect(keyMatches('', [key])).toBe(false)
    expect(keyMatches('x'.repeat(10_000), [key])).toBe(false)
    expect(keyMatches(key, ['other-key-000', key])).toBe(true)
  })
})

describe('address allow-list', () => {
  let gateway: OpsGateway
  beforeAll(async () => {
    const extra = `  allow: ["10.1.0.0/16", "2001:db8:1::/48", "192.0.2.7"]\n  trustProxies: ["10.9.0.1", "fd00::/8"]`
    gateway = await opsGateway(config(KEYS, extra))
  })
  afterAll(() => gateway.close())

  const lookup = (peer: string, headers: Record<string, string> = {}): Promise<Response> =>
    gateway.request(`/livelookup/customers?${QUERY}&key=${KEYS[0]}`, { headers }, peer)

  it('admits IPv4 and IPv6 callers inside the listed ranges', async () => {
    expect((await lookup('10.1.200.3')).status).toBe(200)
    expect((await lookup('::ffff:10.1.0.9')).status).toBe(200)
    expect((await lookup('192.0.2.7')).status).toBe(200)
    expect((await lookup('2001:db8:1:42::5')).status).toBe(200)
  })

  it('refuses callers outside the ranges with 403, even with the right key', async () => {
    for (const peer of ['10.2.0.1', '192.0.2.8', '2001:db8:2::1', '127.0.0.1']) {
      const response = await lookup(peer)
      expect(response.status).toBe(403)
      expect(await response.text()).toBe('this address is not allowed')
    }
    expect(gateway.logs.at(-1)).toMatchObject({
      msg: 'refused',
      reason: 'address not allowed',
      client: '127.0.0.1',
    })
  })

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    expect((await lookup('10.9.0.1', { 'x-forwarded-for': '10.1.0.5' })).status).toBe(200)
    expect((await lookup('fd00::17', { 'x-forwarded-for': '2001:db8:1::9' })).status).toBe(200)
    expect((await lookup('10.9.0.2', { 'x-forwarded-for': '10.1.0.5' })).status).toBe(403)
    expect((await lookup('10.1.0.5', { 'x-forwarded-for': '10.2.0.1' })).status).toBe(200)
  })

  it('takes the first untrusted hop from the right, so a caller cannot pick its own address', async () => {
    const forged = { 'x-forwarded-for': '10.1.0.5, 203.0.113.9' }
    expect((await lookup('10.9.0.1', forged)).status).toBe(403)
    const chained = { 'x-forwarded-for': '10.1.0.5, fd00::1' }
    expect((await lookup('10.9.0.1', chained)).status).toBe(200)
    expect((await lookup('10.9.0.1', { 'x-forwarded-for': 'not-an-address' })).status).toBe(403)
  })

  it('applies the allow-list to /readyz but not to /healthz', async () => {
    expect((await gateway.request('/readyz', {}, '10.2.0.1')).status).toBe(403)
    expect((await gateway.request('/readyz', {}, '10.1.0.1')).status).toBe(200)
    expect((await gateway.request('/healthz', {}, '10.2.0.1')).status).toBe(200)
  })
})

describe('allow-list over real loopback sockets', () => {
  let gateway: OpsGateway
  const servers: ServerType[] = []
  beforeAll(async () => {
    gateway = await opsGateway(config(KEYS, '  allow: ["::1/128"]'))
  })
  afterAll(async () => {
    for (const server of servers) server.close()
    await gateway.close()
  })

  async function listen(hostname: string): Promise<number> {
    return new Promise((resolve) => {
      const server = serve({ fetch: gateway.app.fetch, hostname, port: 0 }, (info) =>
        resolve(info.port),
      )
      servers.push(server)
    })
  }

  it('admits ::1 and refuses 127.0.0.1 when only ::1 is listed', async () => {
    const path = `/livelookup/customers?${QUERY}&key=${KEYS[0]}`
    const v6 = await listen('::1')
    const v4 = await listen('127.0.0.1')
    expect((await fetch(`http://[::1]:${v6}${path}`)).status).toBe(200)
    expect((await fetch(`http://127.0.0.1:${v4}${path}`)).status).toBe(403)
  })
})

describe('rate limit', () => {
  let gateway: OpsGateway
  beforeAll(async () => {
    gateway = await opsGateway(config(KEYS, '  rateLimit: { perSecond: 1, burst: 3 }'))
  })
  afterAll(() => gateway.close())

  it('answers 429 with Retry-After once a client has used its burst, per client', async () => {
    const path = `/livelookup/customers?${QUERY}&key=${KEYS[0]}`
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await gateway.request(path, {}, '10.0.0.1')).status)
    expect(statuses).toEqual([200, 200, 200, 429, 429])

    const limited = await gateway.request(path, {}, '10.0.0.1')
    expect(limited.headers.get('retry-after')).toBe('1')
    expect(await limited.text()).toBe('too many requests, slow down')
    expect((await gateway.request(path, {}, '10.0.0.2')).status).toBe(200)
  })

  it('refills a bucket at the configured rate', () => {
    const limiter = new RateLimiter()
    expect(limiter.take('a', 2, 1, 0)).toBe(0)
    expect(limiter.take('a', 2, 1, 100)).toBe(1)
    expect(limiter.take('a', 2, 1, 600)).toBe(0)
  })
})
