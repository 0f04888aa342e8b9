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

/** A document rendered empty, split where its content goes: the bytes before and after. */
type Shell = readonly [Buffer, Buffer]

function splitShell(xml: string, encoding: BufferEncoding): Shell {
  const at = xml.indexOf(BODY_MARK)
  return [
    Buffer.from(xml.slice(0, at), encoding),
    Buffer.from(xml.slice(at + BODY_MARK.length), encoding),
  ]
}

const shells = new Map<string, Shell>()
const shellsByColumns = new WeakMap<readonly string[], Shell>()

/**
 * The document around the customers, `<?xml ...?><livelookup ...>` and `</livelookup>`, built
 * once per distinct `columns` value.
 */
function shellOf(columns: readonly string[] | undefined): Shell {
  const known = columns && shellsByColumns.get(columns)
  if (known) return known
  const key = columns?.join(',') ?? ''
  let shell = shells.get(key)
  if (!shell) {
    const attributes = key ? { version: '1.0', columns: xmlText(key) } : { version: '1.0' }
    const xml = create({ version: '1.0', encoding: 'utf-8' })
      .ele('livelookup', attributes)
      .txt(BODY_MARK)
      .doc()
      .end()
    shell = splitShell(xml, 'utf8')
    shells.set(key, shell)
  }
  if (columns) shellsByColumns.set(columns, shell)
  return shell
}

/** The shell with the parts between, as one buffer. */
function assemble([head, tail]: Shell, parts: readonly Buffer[]): Buffer {
  let length = head.length + tail.length
  for (const part of parts) length += part.length
  return Buffer.concat([head, ...parts, tail], length)
}

/**
 * Renders a `<livelookup>` answer for the Live Lookup tab or the address book, as UTF-8 bytes.
 * Each customer is rendered by xmlbuilder2 as a fragment and remembered, encoded: the same
 * customers come back lookup after lookup, and building the XML tree is by far the dearest
 * step of an answer.
 */
export function renderLiveLookup(customers: readonly Customer[], view: LiveLookupView): Buffer {
  const variant = `${view.addressBook ? 'a' : 'l'}${labelsId(view.labels)}`
  return assemble(
    shellOf(view.columns),
    customers.map((customer) => customerXml(customer, view, variant)),
  )
}

const fragments = new BoundedMemo<Buffer>(20_000)
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

/** Fragments of customers derived once from reused records, by their `fields` object. */
const sharedFragments = new WeakMap<object, Map<string, Buffer>>()

/** One customer's `<customer>` element; `variant` names the kind of answer and its labels. */
function customerXml(customer: Customer, view: LiveLookupView, variant: string): Buffer {
  if (customer.shared) {
    let known = sharedFragments.get(customer.fields)
    if (!known) sharedFragments.set(customer.fields, (known = new Map()))
    let xml = known.get(variant)
    if (xml === undefined) known.set(variant, (xml = buildCustomerXml(customer, view)))
    return xml
  }

  let key = variant
  for (const name in customer.fields) key += `\u0001${name}\u0002${customer.fields[name]}`
  for (const name in customer.html) key += `\u0003${name}\u0002${customer.html[name]}`
  return fragments.get(key, () => buildCustomerXml(customer, view))
}

function buildCustomerXml(customer: Customer, view: LiveLookupView): Buffer {
  const root = fragment({ invalidCharReplacement: '' })
  const node = root.ele('customer')
  if (view.addressBook) addressBookEntry(node, customer, view)
  else liveLookupEntry(node, customer, view)
  return Buffer.from(root.end(), 'utf8')
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
  return assemble(
    ajaxShellOf(encoding),
    options.map((option) => optionXml(option, latin1)),
  )
}

const ajaxShells = new Map<AjaxEncoding, Shell>()

function ajaxShellOf(encoding: AjaxEncoding): Shell {
  let shell = ajaxShells.get(encoding)
  if (!shell) {
    const xml = create({ version: '1.0', encoding }).ele('ajaxfield').txt(BODY_MARK).doc().end()
    shell = splitShell(xml, encoding === 'iso-8859-1' ? 'latin1' : 'utf8')
    ajaxShells.set(encoding, shell)
  }
  return shell
}

const options = new BoundedMemo<Buffer>(20_000)

/** One `<option>`, encoded: transliterated to Latin-1 first when the field asks for it. */
function optionXml(option: AjaxOption, latin1: boolean): Buffer {
  const text = (value: string): string => xmlText(latin1 ? toLatin1(value) : value)
  const key = `${latin1 ? 'l' : 'u'}${option.value}\u0001${option.description}`
  return options.get(key, () => {
    const root = fragment({ invalidCharReplacement: '' })
    const node = root.ele('option')
    node.ele('value').txt(text(option.value))
    node.ele('description').txt(text(option.description))
    return Buffer.from(root.end(), latin1 ? 'latin1' : 'utf8')
  })
}
