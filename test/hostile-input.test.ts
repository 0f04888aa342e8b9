import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { testGateway, type TestGateway } from './harness/gateway.js'
import { customersOf, optionsOf } from './harness/xml.js'
import { PROTOCOL_CONFIG } from './fixtures.js'

describe('hostile input at the HTTP edge', () => {
  let gateway: TestGateway
  beforeAll(async () => {
    gateway = await testGateway(PROTOCOL_CONFIG)
  })
  afterAll(() => gateway.close())

  const KEY = 'key=right-key-123'

  it('refuses a searched value over 256 characters with a 400 naming it', async () => {
    const response = await gateway.request(
      `/livelookup/customers?customer_id=&last_name=${'J'.repeat(257)}&${KEY}`,
    )
    expect(response.status).toBe(400)
    expect(await response.text()).toBe('last_name is longer than 256 characters')
  })

  it('counts characters, not UTF-16 units, and names an AJAX term by its field', async () => {
    const emoji = encodeURIComponent('😀'.repeat(200))
    const wide = await gateway.request(
      `/livelookup/customers?customer_id=&last_name=${emoji}&${KEY}`,
    )
    expect(wide.status).toBe(200)

    const term = await gateway.request(
      `/k/right-key-123/ajax/support_level?callingField=Custom12&Custom12=${'S'.repeat(257)}`,
    )
    expect(term.status).toBe(400)
    expect(await term.text()).toBe('Custom12 is longer than 256 characters')
  })

  it('finds no term when callingField names a built-in property', async () => {
    const response = await gateway.request(
      '/k/right-key-123/ajax/support_level?callingField=constructor&term=Supp',
    )
    expect(response.status).toBe(200)
    expect(optionsOf(await response.text())).toEqual([])
  })

  it('never refuses a long value no rule searches with', async () => {
    const response = await gateway.request(
      `/livelookup/customers?customer_id=12334&xCategory=${'x'.repeat(5000)}&${KEY}`,
    )
    expect(response.status).toBe(200)
    expect(customersOf(await response.text()).map((c) => c.customer_id)).toEqual(['12334'])
  })

  it('refuses a query string over 64 KiB with a 413', async () => {
    const response = await gateway.request(
      `/livelookup/customers?customer_id=1&pad=${'x'.repeat(70_000)}&${KEY}`,
    )
    expect(response.status).toBe(413)
  })

  it('refuses a body over 64 KiB with a 413', async () => {
    const response = await gateway.request(`/livelookup/customers?${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `customer_id=1&pad=${'x'.repeat(70_000)}`,
    })
    expect(response.status).toBe(413)
  })

  it('answers a body that breaks off with a 400, not as a failure of its own', async () => {
    const breaking = () => {
      let sent = false
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new Error('aborted'))
          sent = true
          controller.enqueue(new TextEncoder().encode('customer_id=1&last_'))
        },
      })
    }
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    for (const headers of [form, { ...form, 'content-length': '1000' }]) {
      const response = await gateway.request(`/livelookup/customers?${KEY}`, {
        method: 'POST',
        headers,
        body: breaking(),
        duplex: 'half',
      } as RequestInit)
      expect(response.status).toBe(400)
      expect(await response.text()).toBe('the request body did not arrive whole')
    }
    expect(gateway.logs.filter((line) => line.level === 50)).toEqual([])
  })

  it('answers other methods on the lookup routes with 405 and the methods it takes', async () => {
    for (const method of ['PUT', 'DELETE', 'OPTIONS']) {
      const response = await gateway.request(`/livelookup/customers?${KEY}`, { method })
      expect(response.status, method).toBe(405)
      expect(response.headers.get('allow')).toBe('GET, HEAD, POST')
    }
  })

  it('refuses a POST body that is not a form with a 415, and reads one that is', async () => {
    const post = (type: string, body: string) =>
      gateway.request(`/livelookup/customers?${KEY}`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      })
    const json = await post('application/json', '{"customer_id":"12334"}')
    expect(json.status).toBe(415)
    expect(await json.text()).toBe(
      'send POST parameters as application/x-www-form-urlencoded, as HelpSpot does',
    )
    const multipart = await post('multipart/form-data; boundary=x', '--x--')
    expect(multipart.status).toBe(415)

    for (const type of ['application/x-www-form-urlencoded; charset=UTF-8', 'text/plain']) {
      const form = await post(type, 'customer_id=12334')
      expect(form.status, type).toBe(200)
      expect(customersOf(await form.text()).map((c) => c.customer_id)).toEqual(['12334'])
    }
  })

  it('refuses malformed percent-encoding with a 400', async () => {
    const response = await gateway.request(`/livelookup/customers?customer_id=%E0%A4%A&${KEY}`)
    expect(response.status).toBe(400)
    expect(await response.text()).toBe('customer_id is not valid percent-encoding')
  })

  it('searches past NUL bytes and control characters instead of failing', async () => {
    const response = await gateway.request(`/livelookup/customers?customer_id=%0012334%00&${KEY}`)
    expect(response.status).toBe(200)
    expect(customersOf(await response.text()).map((c) => c.customer_id)).toEqual(['12334'])
  })

  it('answers 404 for an unknown source or field, with a short message', async () => {
    const source = await gateway.request(`/livelookup/nope?customer_id=1&${KEY}`)
    expect(source.status).toBe(404)
    expect(await source.text()).toBe('no source is named nope')

    const field = await gateway.request(`/k/right-key-123/ajax/nope?callingField=Custom1`)
    expect(field.status).toBe(404)

    const hostile = await gateway.request(`/livelookup/${'%3Cb%3E'.repeat(200)}?${KEY}`)
    expect(hostile.status).toBe(404)
    expect(await hostile.text()).toBe(`no source is named ${'?b?'.repeat(21)}?`)
  })
})

describe('caller keys', () => {
  let gateway: TestGateway
  beforeAll(async () => {
    gateway = await testGateway(
      PROTOCOL_CONFIG.replace('keys: ["right-key-123"]', 'keys: ["right-key-123", "next-key-456"]'),
    )
  })
  afterAll(() => gateway.close())

  const QUERY = 'customer_id=12334&first_name=&last_name=&email=&phone='

  it('refuses a call without a key with 401 and a wrong key with 403', async () => {
    const missing = await gateway.request(`/livelookup/customers?${QUERY}`)
    expect(missing.status).toBe(401)
    expect(await missing.text()).toBe('a key is required')

    const wrong = await gateway.request(`/livelookup/customers?${QUERY}&key=wrong-key-000`)
    expect(wrong.status).toBe(403)
    expect(await wrong.text()).toBe('the key is not valid')
  })

  it('accepts the key as ?key=, Bearer, Basic password or /k/<key>/ path prefix', async () => {
    const basic = `Basic ${Buffer.from('helpspot:right-key-123').toString('base64')}`
    const answers = await Promise.all([
      gateway.request(`/livelookup/customers?${QUERY}&key=right-key-123`),
      gateway.request(`/livelookup/customers?${QUERY}`, {
        headers: { authorization: 'Bearer right-key-123' },
      }),
      gateway.request(`/livelookup/customers?${QUERY}`, { headers: { authorization: basic } }),
      gateway.request(`/k/right-key-123/livelookup/customers?${QUERY}`),
    ])
    for (const answer of answers) {
      expect(answer.status).toBe(200)
      expect(customersOf(await answer.text()).map((c) => c.customer_id)).toEqual(['12334'])
    }
  })

  it('accepts every configured key, so keys can be rotated', async () => {
    const response = await gateway.request(`/livelookup/customers?${QUERY}&key=next-key-456`)
    expect(response.status).toBe(200)
  })

  it('serves callers on this machine only while no key is configured', async () => {
    const open = await testGateway(PROTOCOL_CONFIG.replace('keys: ["right-key-123"]', 'keys: []'))
    try {
      const from = (remoteAddress: string) =>
        open.app.request(
          `http://gw.example.com/livelookup/customers?${QUERY}`,
          {},
          {
            incoming: { headers: {}, socket: { remoteAddress } },
          },
        )
      for (const local of ['127.0.0.1', '::1', '::ffff:127.0.0.2']) {
        expect((await from(local)).status, local).toBe(200)
      }
      const remote = await from('192.0.2.10')
      expect(remote.status).toBe(403)
      expect(await remote.text()).toBe('no server.keys are configured: only this machine may call')
    } finally {
      await open.close()
    }
  })

  it('reads the key after any run of spaces in the Authorization header', async () => {
    const response = await gateway.request(`/livelookup/customers?${QUERY}`, {
      headers: { authorization: 'Bearer   right-key-123' },
    })
    expect(response.status).toBe(200)
  })

  it('answers /healthz without a key', async () => {
    const response = await gateway.request('/healthz')
    expect(response.status).toBe(200)
  })
})
