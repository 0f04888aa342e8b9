import type { BackendRecord, LookupInput } from '../../connectors/contract.js'
import { fillTemplate } from '../../connectors/template.js'
import type { ConnectorSettings } from '../config/load.js'
import { ELEMENT_NAME } from '../config/schema.js'
import { escapeHtml } from '../render/escape.js'

/** One customer as HelpSpot will see it: HelpSpot element names to values, plus HTML blocks. */
export interface Customer {
  readonly fields: Record<string, string>
  readonly html: Record<string, string>
  /** What merging and ranking compare, worked out with `fields`. */
  readonly traits: Traits
  /** Position of the first connector that found it, in the source's order. */
  readonly rank: number
  /** Every input the rule searched with equals the customer's own value. */
  readonly exact: boolean
  /**
   * Set when `fields` and `html` were derived once from a record the connector reuses, so
   * the same objects come back lookup after lookup and what is rendered from them can be
   * remembered by identity.
   */
  readonly shared?: boolean
}

/** The parts of a customer's fields that merging, ranking and exact matching look at. */
export interface Traits {
  /** Merge key by email (`e:` and the email in lower case), when there is an email. */
  readonly byEmail: string | undefined
  /** Merge key by `customer_id`. */
  readonly byId: string
  readonly highlight: boolean
  /** Field values trimmed and in lower case, filled in as exact matching asks for them. */
  readonly lower: Map<string, string>
}

/** What a record turns into before the lookup's own inputs are compared with it. */
interface Derived {
  readonly fields: Record<string, string>
  readonly html: Record<string, string>
  readonly traits: Traits
}

/** Per connector settings: what each reused record turned into, or null when it was dropped. */
const derivedByRecord = new WeakMap<ConnectorSettings, WeakMap<BackendRecord, Derived | null>>()

/** Values HelpSpot treats as a true `highlight`. */
const TRUE_VALUES = new Set(['1', 'true', 'yes', 'y'])

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && TRUE_VALUES.has(value.trim().toLowerCase())
}

/**
 * Turns backend records into customers: `map` names the fields, `html` blocks are filled with
 * HTML-escaped values, and a record without `customer_id` takes its email (or is dropped).
 * `reused` says the connector hands out the same unchanging record objects every time, so
 * each is turned into fields once and the result kept for as long as the record lives.
 */
export function toCustomers(
  records: readonly BackendRecord[],
  settings: ConnectorSettings,
  rank: number,
  input: LookupInput,
  when: readonly string[],
  reused = false,
): Customer[] {
  const customers: Customer[] = []
  let known = reused ? derivedByRecord.get(settings) : undefined
  if (reused && !known) derivedByRecord.set(settings, (known = new WeakMap()))
  const wanted = when.map((name) => [name, input[name]!.toLowerCase()] as const)

  for (const record of records) {
    let derived = known?.get(record)
    if (derived === undefined) {
      derived = derive(record, settings)
      known?.set(record, derived)
    }
    if (!derived) continue
    const { fields, html, traits } = derived
    const exact = isExact(fields, traits, wanted)
    customers.push({ fields, html, traits, rank, exact, shared: reused })
  }

  return customers
}

function derive(record: BackendRecord, settings: ConnectorSettings): Derived | null {
  const fields = mapRecord(record, settings.map)
  fields.customer_id ||= fields.email ?? ''
  if (!fields.customer_id) return null

  const html: Record<string, string> = {}
  for (const block of settings.html) {
    html[block.element] = fillTemplate(block.parts, (name) => escapeHtml(fields[name] ?? ''))
  }
  return { fields, html, traits: traitsOf(fields) }
}

function traitsOf(fields: Record<string, string>): Traits {
  const email = fields.email?.trim().toLowerCase()
  return {
    byEmail: email ? `e:${email}` : undefined,
    byId: `i:${fields.customer_id}`,
    highlight: isTrue(fields.highlight),
    lower: new Map(),
  }
}

function mapRecord(
  record: BackendRecord,
  map: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const fields: Record<string, string> = {}
  if (!map) {
    // Unmapped names become elements as they are: only those XML and HelpSpot accept.
    for (const [name, value] of Object.entries(record)) {
      if (value && ELEMENT_NAME.test(name)) fields[name] = value
    }
    return fields
  }
  for (const [element, backend] of Object.entries(map)) {
    const value = record[backend]
    if (value) fields[element] = value
  }
  return fields
}

/** Whether every searched input that the customer has equals its value, ignoring case. */
function isExact(
  fields: Record<string, string>,
  traits: Traits,
  wanted: readonly (readonly [string, string])[],
): boolean {
  let compared = 0
  for (const [name, value] of wanted) {
    const own = fields[name]
    if (own === undefined) continue
    let lower = traits.lower.get(name)
    if (lower === undefined) traits.lower.set(name, (lower = own.trim().toLowerCase()))
    if (lower !== value) return false
    compared++
  }
  return compared > 0
}

/** How customers found by several connectors become one. */
export type MergeBy = 'email' | 'customer_id' | 'none'

/**
 * Merges customers that share a key (email, case-insensitive, else customer_id). Fields of the
 * earlier connector win; an empty value never wins.
 */
export function mergeCustomers(customers: readonly Customer[], mergeBy: MergeBy): Customer[] {
  if (mergeBy === 'none') return [...customers]

  const byKey = new Map<string, Customer>()
  for (const customer of inRankOrder(customers)) {
    const key = (mergeBy === 'email' && customer.traits.byEmail) || customer.traits.byId
    const earlier = byKey.get(key)
    byKey.set(key, earlier ? mergeTwo(earlier, customer) : customer)
  }
  return [...byKey.values()]
}

/** The customers by connector rank, stable; they usually arrive that way already. */
function inRankOrder(customers: readonly Customer[]): readonly Customer[] {
  for (let at = 1; at < customers.length; at++) {
    if (customers[at]!.rank < customers[at - 1]!.rank)
      return [...customers].sort((a, b) => a.rank - b.rank)
  }
  return customers
}

function mergeTwo(earlier: Customer, later: Customer): Customer {
  const fields = { ...later.fields, ...earlier.fields }
  return {
    fields,
    html: { ...later.html, ...earlier.html },
    traits: traitsOf(fields),
    rank: earlier.rank,
    exact: earlier.exact || later.exact,
  }
}

/** Exact matches first, then highlighted customers, then connector order; stable otherwise. */
export function rankCustomers(customers: readonly Customer[]): Customer[] {
  const score = (c: Customer): number => (c.exact ? 0 : 2) + (c.traits.highlight ? 0 : 1)
  return [...customers].sort((a, b) => score(a) - score(b) || a.rank - b.rank)
}
