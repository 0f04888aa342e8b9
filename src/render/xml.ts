import { create } from 'xmlbuilder2'
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js'

import type { Customer } from '../engine/customers.js'
import { isTrue } from '../engine/customers.js'
import { cdataParts, escapeHtml, stripAngles, stripXmlIllegal, toLatin1, xmlText } from './escape.js'

/** The fields HelpSpot inserts into a request: they must stay plain text, no entities. */
const INSERTABLE = new Set(['customer_id', 'first_name', 'last_name', 'email', 'phone'])

export function isInsertable(element: string): boolean {
  return INSERTABLE.has(element) || /^Custom\d+$/.test(element)
}

/** Fields HelpSpot's address book reads, in the order they are written. */
const ADDRESS_BOOK_FIELDS = ['customer_id', 'first_name', 'last_name', 'email', 'title', 'description']

/** Core fields first, in HelpSpot's order; then the rest as the connectors mapped them. */
const LEADING = ['customer_id', 'first_name', 'last_name', 'email', 'phone']

export interface LiveLookupView {
  readonly columns?: readonly string[]
  readonly labels: Readonly<Record<string, string>>
  /** Address book answers are escaped once: HelpSpot escapes those values itself. */
  readonly addressBook: boolean
}

function document(): XMLBuilder {
  return create({ version: '1.0', encoding: 'utf-8', invalidCharReplacement: '' })
}

/** Renders a `<livelookup>` answer for the Live Lookup tab or the address book. */
export function renderLiveLookup(customers: readonly Customer[], view: LiveLookupView): string {
  const root = document().ele('livelookup', {
    version: '1.0',
    ...(view.columns?.length ? { columns: xmlText(view.columns.join(',')) } : {}),
  })

  for (const customer of customers) {
    if (view.addressBook) addressBookEntry(root.ele('customer'), customer, view)
    else liveLookupEntry(root.ele('customer'), customer, view)
  }

  return root.end()
}

function liveLookupEntry(node: XMLBuilder, customer: Customer, view: LiveLookupView): void {
  for (const element of orderedFields(customer.fields)) {
    const value = customer.fields[element]!
    if (element === 'highlight') {
      if (isTrue(value)) field(node, element, '1', view)
      continue
    }
    field(node, element, isInsertable(element) ? stripAngles(value) : escapeHtml(value), view)
  }

  for (const [element, html] of Object.entries(customer.html)) {
    const child = labelled(node.ele(element), element, view)
    for (const part of cdataParts(stripXmlIllegal(html))) child.dat(part)
  }
}

function addressBookEntry(node: XMLBuilder, customer: Customer, view: LiveLookupView): void {
  for (const element of ADDRESS_BOOK_FIELDS) {
    const value = customer.fields[element]
    if (value) field(node, element, value, view)
  }
  if (isTrue(customer.fields.highlight)) field(node, 'highlight', '1', view)
}

function field(node: XMLBuilder, element: string, text: string, view: LiveLookupView): void {
  labelled(node.ele(element), element, view).txt(xmlText(text))
}

function labelled(node: XMLBuilder, element: string, view: LiveLookupView): XMLBuilder {
  const label = view.labels[element]
  return label === undefined ? node : node.att('label', xmlText(label))
}

function orderedFields(fields: Record<string, string>): string[] {
  const rest = Object.keys(fields).filter((name) => !LEADING.includes(name))
  return [...LEADING.filter((name) => fields[name] !== undefined), ...rest]
}

/** One choice of an AJAX Selection Field. */
export interface AjaxOption {
  readonly value: string
  readonly description: string
}

export type AjaxEncoding = 'utf-8' | 'iso-8859-1'

/**
 * Renders an `<ajaxfield>` answer, escaped once (HelpSpot escapes the values itself). In
 * ISO-8859-1 the text is transliterated first and the declaration matches the bytes.
 */
export function renderAjax(options: readonly AjaxOption[], encoding: AjaxEncoding): Buffer {
  const latin1 = encoding === 'iso-8859-1'
  const text = (value: string): string => (latin1 ? toLatin1(value) : value)
  const root = create({ version: '1.0', encoding, invalidCharReplacement: '' }).ele('ajaxfield')

  for (const option of options) {
    const node = root.ele('option')
    node.ele('value').txt(xmlText(text(option.value)))
    node.ele('description').txt(xmlText(text(option.description)))
  }

  const xml = root.end()
  return Buffer.from(xml, latin1 ? 'latin1' : 'utf8')
}
