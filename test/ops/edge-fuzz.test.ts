import type { AddressInfo } from 'node:net'

import { serve, type ServerType } from '@hono/node-server'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PROTOCOL_CONFIG } from '../fixtures.js'
import { parseXml } from '../harness/xml.js'
import { opsGateway, type OpsGateway } from './harness.js'

const ROUTES = [
  '/livelookup/customers',
  '/livelookup/book',
  '/livelookup',
  '/livelookup/unknown',
  '/ajax/support_level',
  '/ajax/support_latin1',
  '/k/right-key-123/ajax/support_level',
  '/k/%ZZ/ajax/support_level',
]

const NAMES = [
  'customer_id',
  'email',
  'last_name',
  'sEmail',
  'Custom12',
  'callingField',
  'key',
  'x[]',
  '',
]

/** Query strings and bodies as a broken or hostile client might write them. */
const params = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 20 })),
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.constantFrom(
            '%',
            '%Z',
            '%FF%FE',
            '%C3%28',
            '%00',
            '%2540',
            '+%2B+',
            'a]]>b',
            '<x>&amp;',
          ),
          fc.string({ maxLength: 5 }).map((s) => s.repeat(100)),
        ),
      ),
      { maxLength: 12 },
    )
    .map((pairs) => pairs.map(([name, value]) => `${name}=${value}`).join('&')),
  fc.nat({ max: 3 }).map((n) => `customer_id=&last_name=${'J'.repeat(250 + n * 4)}`),
  fc.constantFrom('', '&&&', '=', '==&=', `pad=${'x'.repeat(70_000)}`),
)

describe('hostile input at the HTTP edge', () => {
  let gateway: OpsGateway
  let server: ServerType
  let base: string
  const statuses = new Map<number, number>()
  beforeAll(async () => {
    gateway = await opsGateway(PROTOCOL_CONFIG)
    server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: gateway.app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
        resolve(started),
      )
    })
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    await gateway.close()
  })

  async function check(response: Response): Promise<void> {
    expect(response.status).toBeLessThan(500)
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
    const bytes = Buffer.from(await response.arrayBuffer())
    if (response.status !== 200) return
    const type = response.headers.get('content-type') ?? ''
    expect(type).toMatch(/^text\/xml; charset=(utf-8|iso-8859-1)$/)
    parseXml(bytes.toString(type.endsWith('iso-8859-1') ? 'latin1' : 'utf8'))
  }

  it('answers 500 generated GET query strings without a 5xx, and every 200 is well-formed XML', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), params, async (route, query) => {
        const url = `${base}${route}?${query}&key=right-key-123`
        await check(await fetch(url))
      }),
      { numRuns: 500 },
    )
  })

  it('answers 500 generated POST bodies without a 5xx, and every 200 is well-formed XML', async () => {
    const body = fc.oneof(
      params,
      fc.uint8Array({ maxLength: 2_000 }),
      fc.nat({ max: 2 }).map((n) => 'x'.repeat(60_000 + n * 10_000)),
    )
    const type = fc.constantFrom(
      'application/x-www-form-urlencoded',
      'text/plain',
      'application/json',
      '',
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        body,
        type,
        async (route, payload, contentType) => {
          const headers = contentType ? { 'content-type': contentType } : undefined
          const init = {
            method: 'POST',
            body: payload as string | Uint8Array<ArrayBuffer>,
            headers,
          }
          await check(await fetch(`${base}${route}?key=right-key-123`, init))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('is still up afterwards, having answered many of them with XML', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    expect(statuses.get(200)).toBeGreaterThan(200)
  })
})
