import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { testGateway, type TestGateway } from './harness/gateway.js'
import { customersOf, optionsOf } from './harness/xml.js'

const LONG = 'é'.repeat(10_000)

/** Values a directory or CRM may really hold, each one able to break a naive script. */
const HOSTILE_CONFIG = `
connectors:
  crm:
    type: memory
    records:
      - id: "h1"
        first: "<script>alert(1)</script>&lt;script&gt;"
        last: "Smith & Wesson AT&T;"
        email: "h1@example.com"
        company: "Ben & Jerry's <b>Ice</b> ]]> \\"q\\""
        note: "bell\\u0007 nul-free tab\\tend \\uFFFE 😀 東京 Zoë"
        long: "${LONG}"
      - id: "h2"
        first: "Ørjan"
        last: "Łukasz ]]> <img src=x onerror=alert(1)>"
        email: "h2@example.com"
        company: "\\u001b[31mred"
    rules:
      - when: [last_name]
        match: { last: "{last_name}*" }
      - when: [term]
        match: { last: "{term}*" }
    map: { customer_id: id, first_name: first, last_name: last, email: email, organization: company, Custom2: note, description: long }
    html:
      link: "<a href=\\"https://crm.example.com/?q={last_name}\\">{organization}</a> ]]> end"
sources:
  people:
    connectors: [crm]
fields:
  pick:
    connector: crm
    rules:
      - when: [term]
        match: { last: "{term}*" }
    value: last
    description: company
    encoding: iso-8859-1
`

describe('hostile data from a connector', () => {
  let gateway: TestGateway
  beforeAll(async () => {
    gateway = await testGateway(HOSTILE_CONFIG)
  })
  afterAll(() => gateway.close())

  async function live(
    query: string,
  ): Promise<{ xml: string; customers: Record<string, unknown>[] }> {
    const response = await gateway.request(`/livelookup/people?${query}`)
    expect(response.status).toBe(200)
    const xml = await response.text()
    return { xml, customers: customersOf(xml) }
  }

  it('renders every Live Lookup value as text, never as markup', async () => {
    const { xml, customers } = await live('customer_id=&last_name=Smith')
    const [h1] = customers

    expect(xml).not.toContain('<script>')
    expect(xml).not.toContain('&lt;script&gt;')
    expect(h1!.first_name).toBe('scriptalert(1)/script&lt;script&gt;')
    expect(h1!.last_name).toBe('Smith & Wesson AT&T;')
    expect(h1!.organization).toBe(
      'Ben &amp; Jerry&#39;s &lt;b&gt;Ice&lt;/b&gt; ]]&gt; &quot;q&quot;',
    )
    expect(h1!.Custom2).toBe('bell nul-free tab\tend  😀 東京 Zoë')
    expect(h1!.description).toBe(LONG)
  })

  it('keeps configured HTML live but escapes the values inside it, and splits ]]>', async () => {
    const { xml, customers } = await live('customer_id=&last_name=%C5%81ukasz')
    const link = customers[0]!.link as string

    expect(link).toBe(
      '<a href="https://crm.example.com/?q=Łukasz ]]&gt; &lt;img src=x onerror=alert(1)&gt;">[31mred</a> ]]> end',
    )
    expect(xml).toContain(']]]]><![CDATA[>')
  })

  it('escapes address book values once only', async () => {
    const { customers } = await live('source_id=0&first_name=&last_name=Smith')
    expect(customers[0]).toMatchObject({
      first_name: '<script>alert(1)</script>&lt;script&gt;',
      last_name: 'Smith & Wesson AT&T;',
    })
  })

  it('answers AJAX fields in ISO-8859-1 without a byte Latin-1 lacks', async () => {
    const response = await gateway.request('/ajax/pick?callingField=Custom1&Custom1=%C5%81uk')
    const bytes = Buffer.from(await response.arrayBuffer())
    const [option] = optionsOf(bytes.toString('latin1'))

    expect(option).toEqual({
      value: 'Lukasz ]]> <img src=x onerror=alert(1)>',
      description: '[31mred',
    })
  })
})
