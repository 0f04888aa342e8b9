import type { BackendRecord, LookupInput } from '../../connectors/contract.js'
import { fillTemplate } from '../../connectors/template.js'
import type { ConnectorSettings } from '../config/load.js'
import { escapeHtml } from '../render/escape.js'

/** One customer as HelpSpot will see it: HelpSpot element names to values, plus HTML blocks. */
export interface Customer {
  readonly fields: Record<string, string>
  readonly html: Record<string, string>
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

/** What a record turns into before the lookup's own inputs are compared with it. */
interface Derived {
  readonly fields: Record<string, string>
  readonly html: Record<string, string>
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

  for (const record of records) {
    let derived = known?.get(record)
    if (derived === undefined) {
      derived = derive(record, settings)
      known?.set(record, derived)
    }
    if (!derived) continue
    const { fields, html } = derived
    customers.push({ fields, html, rank, exact: isExact(fields, input, when), shared: reused })
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
  return { fields, html }
}

function mapRecord(
  record: BackendRecord,
  map: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const fields: Record<string, string> = {}
  if (!map) {
    for (const [name, value] of Object.entries(record)) if (value) fields[name] = value
    return fields
  }
  for (const [element, backend] of Object.entries(map)) {
    const value = record[backend]
    if (value) fields[element] = value
  }
  return fields
}

function isExact(
  fields: Record<string, string>,
  input: LookupInput,
  when: readonly string[],
): boolean {
  let compared = 0
  for (const name of when) {
    const own = fields[name]
    if (own === undefined) continue
    if (own.trim().toLowerCase() !== input[name]!.toLowerCase()) return false
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
  for (const customer of [...customers].sort((a, b) => a.rank - b.rank)) {
    const key = keyOf(customer, mergeBy)
    const earlier = byKey.get(key)
    byKey.set(key, earlier ? mergeTwo(earlier, customer) : customer)
  }
  return [...byKey.values()]
}

function keyOf(customer: Customer, mergeBy: MergeBy): string {
  const email = customer.fields.email?.trim().toLowerCase()
  if (mergeBy === 'email' && email) return `e:${email}`
  return `i:${customer.fields.customer_id}`
}

function mergeTwo(earlier: Customer, later: Customer): Customer {
  return {
    fields: { ...later.fields, ...earlier.fields },
    html: { ...later.html, ...earlier.html },
    rank: earlier.rank,
    exact: earlier.exact || later.exact,
  }
}

/** Exact matches first, then highlighted customers, then connector order; stable otherwise. */
export function rankCustomers(customers: readonly Customer[]): Customer[] {
  const score = (c: Customer): number => (c.exact ? 0 : 2) + (isTrue(c.fields.highlight) ? 0 : 1)
  return customers
    .map((customer, order) => ({ customer, order, score: score(customer) }))
    .sort((a, b) => a.score - b.score || a.customer.rank - b.customer.rank || a.order - b.order)
    .map(({ customer }) => customer)
}
