import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { expect } from 'vitest'

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'customer' || name === 'option',
})

/** Asserts the text is well-formed XML and returns it parsed. */
export function parseXml(xml: string): Record<string, unknown> {
  const valid = XMLValidator.validate(xml, { allowBooleanAttributes: false })
  expect(valid, typeof valid === 'object' ? JSON.stringify(valid.err) : '').toBe(true)
  return parser.parse(xml) as Record<string, unknown>
}

type Entry = Record<string, unknown>

/** The `<customer>` elements of a `<livelookup>` answer, each as element -> text. */
export function customersOf(xml: string): Entry[] {
  const doc = parseXml(xml) as { livelookup?: { customer?: Entry[] } | '' }
  expect(doc.livelookup).toBeDefined()
  return doc.livelookup === '' ? [] : (doc.livelookup?.customer ?? [])
}

/** The `<option>` elements of an `<ajaxfield>` answer. */
export function optionsOf(xml: string): { value: string; description: string }[] {
  const doc = parseXml(xml) as { ajaxfield?: { option?: { value: string; description: string }[] } | '' }
  expect(doc.ajaxfield).toBeDefined()
  return doc.ajaxfield === '' ? [] : (doc.ajaxfield?.option ?? [])
}
