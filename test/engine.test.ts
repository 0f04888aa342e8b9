import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { testGateway, type TestGateway } from './harness/gateway.js'
import { customersOf } from './harness/xml.js'

const RULES = `
    rules:
      - when: [last_name]
        match: { last: "{last_name}*" }
    map:
      { customer_id: id, first_name: first, last_name: last, email: email, phone: phone,
        organization: org }`

const ENGINE_CONFIG = `
server:
  deadline: 1s
connectors:
  directory:
    type: memory
    records:
      - { id: d1, first: Bob, last: Jones, email: BOB@example.com, phone: "", org: "" }
      - { id: d2, first: Ann, last: Jonas, email: ann@example.com, phone: "555-2",
          org: Directory Org }
${RULES}
  crm:
    type: memory
    delay: 20ms
    records:
      - { id: c1, first: Robert, last: Jones, email: bob@example.com, phone: "555-1", org: CRM Org }
      - { id: c3, first: Cy, last: Jonesy, email: "", phone: "555-3", org: CRM Org }
${RULES}
  slow:
    type: memory
    delay: 5s
    timeout: 100ms
    records: [{ id: s1, first: Sam, last: Jones, email: sam@example.com }]
${RULES}
  deaf:
    type: memory
    delay: 5s
    ignoreAbort: true
    timeout: 150ms
    records: [{ id: x1, first: Deaf, last: Jones, email: deaf@example.com }]
${RULES}
  broken:
    type: memory
    fail: auth
${RULES}
  down:
    type: memory
    fail: unreachable
${RULES}
  ids-only:
    type: memory
    records: [{ id: d1, first: Bobby, last: Jones, email: other@example.com }]
${RULES}
sources:
  merged:
    connectors: [directory, crm]
  byid:
    connectors: [directory, ids-only]
    mergeBy: customer_id
  unmerged:
    connectors: [directory, ids-only]
    mergeBy: none
  limited:
    connectors: [directory, crm]
    limit: 2
  crm-first:
    connectors: [crm, directory]
    limit: 2
  partial:
    connectors: [slow, broken, directory, deaf]
  failing:
    connectors: [slow, broken, down]
`

describe('lookup engine', () => {
  let gateway: TestGateway
  beforeAll(async () => {
    gateway = await testGateway(ENGINE_CONFIG)
  })
  afterAll(() => gateway.close())

  async function lookup(source: string, query = 'customer_id=&last_name=Jon') {
    const response = await gateway.request(`/livelookup/${source}?${query}`)
    return { response, body: await response.text() }
  }

  it('merges by email: the earlier connector wins, an empty value never does', async () => {
    const { body } = await lookup('merged')
    const customers = customersOf(body)

    expect(customers.map((c) => c.customer_id)).toEqual(['d1', 'd2', 'c3'])
    expect(customers[0]).toMatchObject({
      first_name: 'Bob',
      phone: '555-1',
      organization: 'CRM Org',
    })
    expect(customers[2]).toMatchObject({ customer_id: 'c3', first_name: 'Cy' })
  })

  it('merges by customer_id when asked, and not at all with mergeBy none', async () => {
    expect(customersOf((await lookup('byid')).body).map((c) => c.first_name)).toEqual([
      'Bob',
      'Ann',
    ])
    expect(customersOf((await lookup('unmerged')).body).map((c) => c.first_name)).toEqual([
      'Bob',
      'Ann',
      'Bobby',
    ])
  })

  it('ranks exact matches first and cuts to the limit after merging', async () => {
    const { body } = await lookup('limited', 'customer_id=&last_name=Jonesy')
    expect(customersOf(body).map((c) => c.customer_id)).toEqual(['c3'])

    const all = await lookup('limited', 'customer_id=&last_name=Jones')
    expect(customersOf(all.body).map((c) => c.customer_id)).toEqual(['d1', 'c3'])
  })

  it('leaves contacts without an email out of address book answers before the limit', async () => {
    const { body } = await lookup('crm-first', 'source_id=0&first_name=&last_name=Jon')
    expect(customersOf(body).map((c) => c.customer_id)).toEqual(['c1', 'd2'])

    const tab = await lookup('crm-first', 'customer_id=&last_name=Jon')
    expect(customersOf(tab.body).map((c) => c.customer_id)).toEqual(['c1', 'c3'])
  })

  it('answers from the connectors that work when others are slow, deaf or failing', async () => {
    const { response, body } = await lookup('partial')

    expect(response.status).toBe(200)
    expect(customersOf(body).map((c) => c.customer_id)).toEqual(['d1', 'd2'])
    const line = gateway.logs.findLast((entry) => entry.source === 'partial') as {
      connectors: Record<string, unknown>[]
    }
    expect(line.connectors).toEqual([
      expect.objectContaining({ connector: 'slow', failed: 'timeout' }),
      expect.objectContaining({ connector: 'broken', failed: 'auth' }),
      expect.objectContaining({ connector: 'directory', matches: 2 }),
      expect.objectContaining({ connector: 'deaf', failed: 'timeout' }),
    ])
  })

  it('answers 503 naming each failure when all fail, never "no customers"', async () => {
    const { response, body } = await lookup('failing')

    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(body).toBe('failing unavailable: slow: timeout, broken: login failed, down: unreachable')
  })

  it('skips every connector when no rule matches, answering an empty list', async () => {
    const { response, body } = await lookup('failing', 'customer_id=&email=a%40b.c')
    expect(response.status).toBe(200)
    expect(customersOf(body)).toEqual([])
  })

  it('logs one line per lookup with each connector, and the values only at debug', async () => {
    const { response } = await lookup('merged', 'customer_id=&last_name=Jonas')
    const line = gateway.logs.findLast((entry) => entry.source === 'merged')!

    expect(line).toMatchObject({ msg: 'lookup', matches: 1 })
    expect(line.connectors).toMatchObject([
      { connector: 'directory', matches: 1 },
      { connector: 'crm', matches: 0 },
    ])
    expect(JSON.stringify(line)).not.toContain('Jonas')
    expect(line.requestId).toBe(response.headers.get('x-request-id'))
  })

  it("takes the caller's request id, or makes one of its own for each request", async () => {
    const given = await gateway.request('/livelookup/merged?customer_id=&last_name=Jonas', {
      headers: { 'x-request-id': 'helpspot-42' },
    })
    expect(given.headers.get('x-request-id')).toBe('helpspot-42')

    const [one, two] = await Promise.all([lookup('merged'), lookup('merged')])
    const made = [one!.response, two!.response].map((r) => r.headers.get('x-request-id'))
    expect(made[0]).toMatch(/^[0-9a-z]+-[0-9a-z]+$/)
    expect(made[1]).not.toBe(made[0])
  })
})

describe('a connector that hands out the same records every time', () => {
  const BOOK_CONFIG = `
connectors:
  book:
    type: static
    file: ./book.csv
    watch: false
    rules:
      - when: [last_name]
        match: { last: "{last_name}*" }
    map: { customer_id: id, first_name: first, last_name: last, email: email, organization: org }
sources:
  plain:
    connectors: [book]
  labelled:
    connectors: [book]
    labels: { organization: Company }
`
  const CSV = 'id,first,last,email,org\nc1,Zoë,Smith,zoe@example.com,Smith & <b>Sons</b>\n'
  let gateway: TestGateway
  beforeAll(async () => {
    gateway = await testGateway(BOOK_CONFIG, { 'book.csv': CSV })
  })
  afterAll(() => gateway.close())

  async function customer(source: string, query: string) {
    const response = await gateway.request(`/livelookup/${source}?${query}`)
    return customersOf(await response.text())[0]
  }

  it('renders each kind of answer in its own form, in any order', async () => {
    const live = 'customer_id=&last_name=Smi'
    const book = 'first_name=&last_name=Smi&acting_person_xperson=7'
    for (let round = 0; round < 2; round++) {
      expect(await customer('plain', live)).toMatchObject({
        organization: 'Smith &amp; &lt;b&gt;Sons&lt;/b&gt;',
      })
      expect(await customer('plain', book)).toEqual({
        customer_id: 'c1',
        first_name: 'Zoë',
        last_name: 'Smith',
        email: 'zoe@example.com',
      })
      expect(await customer('labelled', live)).toMatchObject({
        organization: { '#text': 'Smith &amp; &lt;b&gt;Sons&lt;/b&gt;', '@label': 'Company' },
      })
    }
  })
})

describe('connectors without a map', () => {
  const UNMAPPED_CONFIG = `
connectors:
  book:
    type: static
    file: ./book.csv
    watch: false
    rules:
      - when: [last_name]
        match: { last_name: "{last_name}*" }
  loose:
    type: memory
    records:
      - { customer_id: m1, last_name: Smith, "first name": Ann, "x<y": "1", email: ann@example.com }
    rules:
      - when: [last_name]
        match: { last_name: "{last_name}*" }
sources:
  book: { connectors: [book] }
  loose: { connectors: [loose] }
`
  const CSV = 'customer_id,first_name,last_name,email,notes\nc1,Zoë,Smith,zoe@example.com,x\n'
  let gateway: TestGateway
  beforeAll(async () => {
    gateway = await testGateway(UNMAPPED_CONFIG, { 'book.csv': CSV })
  })
  afterAll(() => gateway.close())

  it("find HelpSpot's own names and leave out names that cannot be elements", async () => {
    const book = await gateway.request('/livelookup/book?customer_id=&last_name=Smi')
    expect(customersOf(await book.text())).toEqual([
      { customer_id: 'c1', first_name: 'Zoë', last_name: 'Smith', email: 'zoe@example.com' },
    ])

    const loose = await gateway.request('/livelookup/loose?customer_id=&last_name=Smi')
    expect(loose.status).toBe(200)
    expect(customersOf(await loose.text())).toEqual([
      { customer_id: 'm1', last_name: 'Smith', email: 'ann@example.com' },
    ])
  })
})

describe('ranking and fan-out', () => {
  const person = (id: string, last: string, vip = '') =>
    `{ id: ${id}, last: ${last}, email: ${id}@example.com, vip: "${vip}" }`
  const PEOPLE_RULES = `
    rules:
      - when: [last_name]
        match: { last: "{last_name}*" }
    map: { customer_id: id, last_name: last, email: email, highlight: vip }`
  const slow = (id: string) => `
  ${id}:
    type: memory
    delay: 150ms
    records: [${person(id, 'Jones')}]
${PEOPLE_RULES}`
  const RANKING_CONFIG = `
server:
  deadline: 400ms
connectors:
  first:
    type: memory
    records: [${person('a1', 'Jonesy')}, ${person('a2', 'Jonesberg', 'yes')}]
${PEOPLE_RULES}
  second:
    type: memory
    records: [${person('b1', 'Jones')}, ${person('b2', 'Jonestown')}]
${PEOPLE_RULES}
${slow('s1')}
${slow('s2')}
${slow('s3')}
sources:
  ranked: { connectors: [first, second] }
  together: { connectors: [s1, s2, s3] }
`
  let gateway: TestGateway
  beforeAll(async () => {
    gateway = await testGateway(RANKING_CONFIG)
  })
  afterAll(() => gateway.close())

  const ids = async (source: string): Promise<unknown[]> => {
    const response = await gateway.request(`/livelookup/${source}?customer_id=&last_name=Jones`)
    return customersOf(await response.text()).map((c) => c.customer_id)
  }

  it('ranks exact matches first, then highlighted customers, then by connector order', async () => {
    expect(await ids('ranked')).toEqual(['b1', 'a2', 'a1', 'b2'])
  })

  it('searches the connectors of a source side by side, not one after another', async () => {
    // Each takes 150 ms and the deadline is 400 ms: one after another, the third would miss it.
    expect(await ids('together')).toEqual(['s1', 's2', 's3'])
  })
})
