import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { ConnectorHealth, HealthBook } from '../../src/engine/breaker.js'
import { ConnectorError } from '../../src/errors.js'
import { customersOf } from '../harness/xml.js'
import { control, controlledConnector, opsGateway, type OpsGateway } from './harness.js'

const COOL_DOWN_MS = 400

const CONFIG = `
server:
  deadline: 5s
  breaker: { failures: 2, coolDown: ${COOL_DOWN_MS}ms }
cache: { ttl: 0 }
connectors:
  stuck:
    type: controlled
    timeout: 150ms
    rules: [{ when: [email], column: email }]
    map: { customer_id: id, email: email }
  book:
    type: memory
    records: [{ id: "7", email: ann@example.com }]
    rules: [{ when: [email], match: { email: "{email}" } }]
    map: { customer_id: id, email: email }
sources:
  customers: { connectors: [stuck, book] }
  alone: { connectors: [stuck] }
`

const LOOKUP = '/livelookup/customers?customer_id=&email=ann%40example.com'
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('circuit breaker', () => {
  const stuck = control()
  let gateway: OpsGateway
  beforeAll(async () => {
    stuck.hang = true
    gateway = await opsGateway(CONFIG, [controlledConnector('controlled', { stuck })])
  })
  afterAll(() => gateway.close())

  const breakerOf = () => {
    const live = gateway.service.connectors.get('stuck')!
    return gateway.service.current.health.of(live.connector, 'stuck')
  }

  it('opens after repeated timeouts, then answers without calling the hung connector', async () => {
    for (let i = 0; i < 2; i++) {
      const response = await gateway.request(LOOKUP)
      expect(response.status).toBe(200)
    }
    expect(stuck.calls).toBe(2)
    expect(breakerOf().state).toBe('open')

    for (let i = 0; i < 5; i++) {
      const response = await gateway.request(LOOKUP)
      expect(customersOf(await response.text()).map((c) => c.customer_id)).toEqual(['7'])
    }
    expect(stuck.calls).toBe(2)

    const line = gateway.logs.filter((l) => l.msg === 'lookup').at(-1) as {
      connectors: Record<string, unknown>[]
    }
    expect(line.connectors[0]).toMatchObject({
      connector: 'stuck',
      failed: 'timeout',
      durationMs: 0,
    })
    expect(String(line.connectors[0]!.reason)).toContain('circuit breaker is open')
  })

  it('reports the skipped connector by its last failure kind when it is the only one', async () => {
    const response = await gateway.request(LOOKUP.replace('customers', 'alone'))
    expect(response.status).toBe(503)
    expect(await response.text()).toBe('alone unavailable: stuck: timeout')
    expect(stuck.calls).toBe(2)
  })

  it('lets one probe through after the cool-down and opens again when it fails', async () => {
    await pause(COOL_DOWN_MS + 50)
    await Promise.all([gateway.request(LOOKUP), gateway.request(LOOKUP), gateway.request(LOOKUP)])
    expect(stuck.calls).toBe(3)
    expect(breakerOf().state).toBe('open')
  })

  it('closes again when a probe succeeds', async () => {
    stuck.hang = false
    await pause(COOL_DOWN_MS + 50)
    expect((await gateway.request(LOOKUP)).status).toBe(200)
    expect(breakerOf().state).toBe('closed')
    await gateway.request(LOOKUP)
    expect(stuck.calls).toBe(5)
  })

  it('keeps its state across a reload that keeps the connector', async () => {
    stuck.hang = true
    await gateway.request(LOOKUP)
    await gateway.request(LOOKUP)
    expect(breakerOf().state).toBe('open')
    expect(await gateway.service.reload()).toBe(true)
    expect(breakerOf().state).toBe('open')
  })
})

describe('breaker accounting', () => {
  const health = (failures: number) =>
    new ConnectorHealth('crm', new HealthBook({ failures, coolDownMs: 60_000 }))

  it('never counts a query error, which proves the backend answered', () => {
    const crm = health(2)
    for (let i = 0; i < 5; i++) crm.record(3, new ConnectorError('query', 'bad column'))
    expect(crm.state).toBe('closed')
    expect(crm.lastOk).toBe(true)
  })

  it('needs the failures in a row: a success in between starts the count again', () => {
    const crm = health(2)
    crm.record(3, new ConnectorError('unreachable', 'refused'))
    crm.record(3)
    crm.record(3, new ConnectorError('unreachable', 'refused'))
    expect(crm.state).toBe('closed')
    crm.record(3, new ConnectorError('auth', 'login failed'))
    expect(crm.state).toBe('open')
    expect(crm.admit()?.kind).toBe('auth')
  })

  it('never opens with failures set to 0', () => {
    const crm = health(0)
    for (let i = 0; i < 20; i++) crm.record(3, new ConnectorError('timeout', 'slow'))
    expect(crm.admit()).toBeUndefined()
  })

  it('closes an open breaker once a reload sets failures to 0', () => {
    const book = new HealthBook({ failures: 1, coolDownMs: 60_000 })
    const crm = new ConnectorHealth('crm', book)
    crm.record(3, new ConnectorError('timeout', 'slow'))
    expect(crm.admit()?.kind).toBe('timeout')

    book.settings = { failures: 0, coolDownMs: 60_000 }
    expect(crm.admit()).toBeUndefined()
    crm.record(3, new ConnectorError('timeout', 'slow'))
    expect(crm.state).toBe('closed')
    expect(crm.admit()).toBeUndefined()
  })
})
