import { create, fragment } from 'xmlbuilder2'
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js'

import type { Customer } from '../engine/customers.js'
import { isTrue } from '../engine/customers.js'
import { BoundedMemo } from './memo.js'
import {
  cdataParts,
  escapeHtml,
  stripAngles,
  stripXmlIllegal,
  toLatin1,
  xmlText,
} from './escape.js'

/** The fields HelpSpot inserts into a request: they must stay plain text, no entities. */
const INSERTABLE = new Set(['customer_id', 'first_name', 'last_name', 'email', 'phone'])

export function isInsertable(element: string): boolean {
  return INSERTABLE.has(element) || /^Custom\d+$/.test(element)
}

/** Fields HelpSpot's address book reads, in the order they are written. */
const ADDRESS_BOOK_FIELDS = [
  'customer_id',
  'first_name',
  'last_name',
  'email',
  'title',
  'description',
]

/** Core fields first, in HelpSpot's order; then the rest as the connectors mapped them. */
const LEADING = ['customer_id', 'first_name', 'last_name', 'email', 'phone']

export interface LiveLookupView {
  readonly columns?: readonly string[]
  readonly labels: Readonly<Record<string, string>>
  /** Address book answers are escaped once: HelpSpot escapes those values itself. */
  readonly addressBook: boolean
}

/** Marks where the customers go in a rendered empty document. */
const BODY_MARK = 'livelookup-body-mark'
const shells = new Map<string, readonly [string, string]>()

/**
 * The document around the customers, `<?xml ...?><livelookup ...>` and `</livelookup>`, built
 * once per distinct `columns` value.
 */
function shellOf(columns: readonly string[] | undefined): readonly [string, string] {
  const key = columns?.join(',') ?? ''
  let shell = shells.get(key)
  if (!shell) {
    const attributes = key ? { version: '1.0', columns: xmlText(key) } : { version: '1.0' }
    const xml = create({ version: '1.0', encoding: 'utf-8' })
      .ele('livelookup', attributes)
      .txt(BODY_MARK)
      .doc()
      .end()
    const at = xml.indexOf(BODY_MARK)
    shell = [xml.slice(0, at), xml.slice(at + BODY_MARK.length)]
    shells.set(key, shell)
  }
  return shell
}

/**
 * Renders a `<livelookup>` answer for the Live Lookup tab or the address book. Each customer is
 * rendered by xmlbuilder2 as a fragment and remembered: the same customers come back lookup
 * after lookup, and building the XML tree is by far the dearest step of an answer.
 */
export function renderLiveLookup(customers: readonly Customer[], view: LiveLookupView): string {
  const [head, tail] = shellOf(view.columns)
  let body = ''
  for (const customer of customers) body += customerXml(customer, view)
  return head + body + tail
}

const fragments = new BoundedMemo(20_000)
const labelIds = new WeakMap<object, number>()
let nextLabelsId = 0

/** A number standing for one `labels` object, so a memo key need not spell the labels out. */
function labelsId(labels: object): number {
  let id = labelIds.get(labels)
  if (id === undefined) {
    id = nextLabelsId++
    labelIds.set(labels, id)
  }
  return id
}

function customerXml(customer: Customer, view: LiveLookupView): string {
  let key = `${view.addressBook ? 'a' : 'l'}${labelsId(view.labels)}`
  for (const name in customer.fields) key += `\u0001${name}\u0002${customer.fields[name]}`
  for (const name in customer.html) key += `\u0003${name}\u0002${customer.html[name]}`

  return fragments.get(key, () => {
    const root = fragment({ invalidCharReplacement: '' })
    const node = root.ele('customer')
    if (view.addressBook) addressBookEntry(node, customer, view)
    else liveLookupEntry(node, customer, view)
    return root.end()
  })
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
  const [head, tail] = ajaxShellOf(encoding)
  let body = ''
  for (const option of options) body += optionXml(option, latin1)
  return Buffer.from(head + body + tail, latin1 ? 'latin1' : 'utf8')
}

const ajaxShells = new Map<AjaxEncoding, readonly [string, string]>()

function ajaxShellOf(encoding: AjaxEncoding): readonly [string, string] {
  let shell = ajaxShells.get(encoding)
  if (!shell) {
    const xml = create({ version: '1.0', encoding }).ele('ajaxfield').txt(BODY_MARK).doc().end()
    const at = xml.indexOf(BODY_MARK)
    shell = [xml.slice(0, at), xml.slice(at + BODY_MARK.length)]
    ajaxShells.set(encoding, shell)
  }
  return shell
}

const options = new BoundedMemo(20_000)

function optionXml(option: AjaxOption, latin1: boolean): string {
  const text = (value: string): string => xmlText(latin1 ? toLatin1(value) : value)
  const key = `${latin1 ? 'l' : 'u'}${option.value}\u0001${option.description}`
  return options.get(key, () => {
    const root = fragment({ invalidCharReplacement: '' })
    const node = root.ele('option')
    node.ele('value').txt(text(option.value))
    node.ele('description').txt(text(option.description))
    return root.end()
  })
}
