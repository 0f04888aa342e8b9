import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { testGateway, type TestGateway } from './harness/gateway.js'
import { customersOf, optionsOf, parseXml } from './harness/xml.js'
import { PROTOCOL_CONFIG } from './fixtures.js'

/**
 * HelpSpot's own requests, byte for byte as it builds them: PHP http_build_query with `+` for
 * spaces, empty values kept, the s*, x* and Custom<N> values encoded twice.
 */
const LIVE_LOOKUP_QUERY =
  'source_id=0&customer_id=&first_name=&last_name=&email=bjones%40sampleinc.com&phone=' +
  '&request=12400&sUserId=&sFirstName=Bob&sLastName=Jones&sEmail=bjones%2540sampleinc.com' +
  '&sPhone=845-555-4278&xStatus=1&xCategory=2&xPersonAssignedTo=7&Custom1=New%2BYork' +
  '&acting_person_xperson=7&acting_person_fusertype=2&acting_person_fname=Tina' +
  '&acting_person_lname=Staff&acting_person_email=tina%40helpdesk.example'

const KEY = 'key=right-key-123'

describe('HelpSpot Live Lookup over HTTP', () => {
  let gateway: TestGateway
  beforeAll(async () => {
    gateway = await testGateway(PROTOCOL_CONFIG)
  })
  afterAll(() => gateway.close())

  it('answers the GET query HelpSpot sends with the matching customer', async () => {
    const response = await gateway.request(`/livelookup/customers?${LIVE_LOOKUP_QUERY}&${KEY}`)

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/xml; charset=utf-8')
    const xml = await response.text()
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true)
    const [bob, ...others] = customersOf(xml)
    expect(others).toEqual([])
    expect(bob).toMatchObject({
      customer_id: '12334',
      first_name: 'Bob',
      last_name: 'Jones',
      email: 'bjones@sampleinc.com',
      phone: '845-555-4278',
      organization: 'Sample Inc',
      highlight: '1',
    })
    expect(bob!.Custom1).toEqual({ '#text': 'New York', '@label': 'City' })
  })

  it('writes the columns attribute and configured HTML as CDATA', async () => {
    const xml = await (
      await gateway.request(`/livelookup/customers?${LIVE_LOOKUP_QUERY}&${KEY}`)
    ).text()

    expect(xml).toContain('<livelookup version="1.0" columns="first_name,last_name,email">')
    expect(xml).toContain(
      '<admin_link><![CDATA[<a href="https://crm.example.com/c/12334">' +
        'Open Sample Inc in CRM</a>]]></admin_link>',
    )
  })

  it('answers the http-post form the same as GET, with the URL parameters merged in', async () => {
    const response = await gateway.request(`/livelookup/customers?${LIVE_LOOKUP_QUERY}&${KEY}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'HelpSpot HTTP Service',
      },
      body: LIVE_LOOKUP_QUERY,
    })
    expect(customersOf(await response.text()).map((c) => c.customer_id)).toEqual(['12334'])

    const formOnly = await gateway.request(`/livelookup/customers?${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: LIVE_LOOKUP_QUERY,
    })
    expect(customersOf(await formOnly.text()).map((c) => c.customer_id)).toEqual(['12334'])
  })

  it('lets a parameter written into the configured URL win over the form', async () => {
    const response = await gateway.request(
      `/livelookup/customers?email=bill%40sampleinc.com&${KEY}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'customer_id=&email=bjones%40sampleinc.com',
      },
    )
    expect(customersOf(await response.text()).map((c) => c.customer_id)).toEqual(['12335'])
  })

  it('decodes the twice-encoded request fields once more', async () => {
    const query =
      'source_id=0&customer_id=&first_name=&last_name=&email=&phone=' +
      `&sEmail=bill%2540sampleinc.com&${KEY}`
    const xml = await (await gateway.request(`/livelookup/customers?${query}`)).text()
    expect(customersOf(xml).map((c) => c.customer_id)).toEqual(['12335'])
  })

  it('answers an automation call, its request row encoded once, with exactly one', async () => {
    const query =
      'source_id=0&xRequest=12345&customer_id=&first_name=Bill&last_name=Jones' +
      '&email=bill%40sampleinc.com&phone=&sUserId=&sFirstName=Bill&sLastName=Jones' +
      '&sEmail=bill%40sampleinc.com&sPhone=&xStatus=1&xCategory=2&xPersonAssignedTo=7' +
      `&Custom1=100%25+sure&${KEY}`
    const xml = await (await gateway.request(`/livelookup/customers?${query}`)).text()
    expect(customersOf(xml).map((c) => c.customer_id)).toEqual(['12335'])
  })

  it('serves the first source at /livelookup and never picks a source by source_id', async () => {
    const query = `source_id=1&customer_id=12335&first_name=&last_name=&email=&phone=&${KEY}`
    const xml = await (await gateway.request(`/livelookup?${query}`)).text()
    expect(parseXml(xml).name).toBe('livelookup')
    expect(customersOf(xml).map((c) => c.customer_id)).toEqual(['12335'])
  })

  it('answers an empty lookup with no customers rather than the whole directory', async () => {
    const query = `source_id=0&customer_id=&first_name=&last_name=&email=&phone=&${KEY}`
    const response = await gateway.request(`/livelookup/customers?${query}`)
    expect(response.status).toBe(200)
    expect(customersOf(await response.text())).toEqual([])
  })

  it('ranks exact matches first, then highlighted customers', async () => {
    const query = `source_id=0&customer_id=&first_name=&last_name=Jones&email=&phone=&${KEY}`
    const xml = await (await gateway.request(`/livelookup/customers?${query}`)).text()
    expect(customersOf(xml).map((c) => c.customer_id)).toEqual(['12334', '12335', '12336'])
  })
})

describe('HelpSpot address book', () => {
  let gateway: TestGateway
  beforeAll(async () => {
    const described = '      highlight: vip\n      title: company\n      description: city'
    gateway = await testGateway(PROTOCOL_CONFIG.replace('      highlight: vip', described))
  })
  afterAll(() => gateway.close())

  const ADDRESS_BOOK_QUERY =
    'source_id=1&first_name=&last_name=Jones&acting_person_xperson=7&acting_person_fusertype=2' +
    '&acting_person_fname=Tina&acting_person_lname=Staff' +
    '&acting_person_email=tina%40helpdesk.example'

  it('answers with title, description and highlight, leaving out those without email', async () => {
    const xml = await (
      await gateway.request(`/livelookup/book?${ADDRESS_BOOK_QUERY}&${KEY}`)
    ).text()
    const customers = customersOf(xml)

    expect(customers.map((c) => c.customer_id)).toEqual(['12334', '12335'])
    expect(customers[0]).toEqual({
      customer_id: '12334',
      first_name: 'Bob',
      last_name: 'Jones',
      email: 'bjones@sampleinc.com',
      title: 'Sample Inc',
      description: 'New York',
      highlight: '1',
    })
    expect(customers[1]).not.toHaveProperty('highlight')
  })

  it('escapes address book values once, because HelpSpot escapes them itself', async () => {
    const query = `source_id=1&first_name=&last_name=%C3%85ngstr&${KEY}`
    const xml = await (await gateway.request(`/livelookup/book?${query}`)).text()
    const [zoe] = customersOf(xml)
    expect(zoe).toMatchObject({ first_name: 'Zoë', last_name: 'Ångström' })
  })
})

describe('HelpSpot AJAX Selection Field', () => {
  let gateway: TestGateway
  beforeAll(async () => {
    gateway = await testGateway(PROTOCOL_CONFIG)
  })
  afterAll(() => gateway.close())

  const AJAX_QUERY =
    'sUserId=&sFirstName=Bob&sLastName=Jones&sEmail=bjones%2540sampleinc.com&sPhone=&xStatus=1' +
    '&xCategory=2&xPersonAssignedTo=7&Custom11=&Custom12=Supp&callingField=Custom12' +
    '&acting_person_xperson=7&acting_person_fusertype=2&acting_person_fname=Tina' +
    '&acting_person_lname=Staff&acting_person_email=tina%40helpdesk.example'

  it('searches with the value of the field callingField names, the key in the path', async () => {
    const response = await gateway.request(`/k/right-key-123/ajax/support_level?${AJAX_QUERY}`)

    expect(response.status).toBe(200)
    const options = optionsOf(await response.text())
    expect(options).toEqual([
      { value: '#4878', description: 'Support' },
      { value: '#7000', description: 'Support für Ærø & Łódź' },
    ])
  })

  it('answers in ISO-8859-1 with a matching declaration when the field asks for it', async () => {
    const response = await gateway.request(`/k/right-key-123/ajax/support_latin1?${AJAX_QUERY}`)

    expect(response.headers.get('content-type')).toBe('text/xml; charset=iso-8859-1')
    const bytes = Buffer.from(await response.arrayBuffer())
    const text = bytes.toString('latin1')
    expect(text.startsWith('<?xml version="1.0" encoding="iso-8859-1"?>')).toBe(true)
    expect(optionsOf(text).map((o) => o.description)).toEqual(['Support', 'Support für Ærø & Lódz'])
    expect(bytes.includes(Buffer.from([0xfc]))).toBe(true)
  })

  it('answers an empty list when the calling field is empty', async () => {
    const query = AJAX_QUERY.replace('Custom12=Supp', 'Custom12=')
    const response = await gateway.request(`/k/right-key-123/ajax/support_level?${query}`)
    expect(optionsOf(await response.text())).toEqual([])
  })
})
