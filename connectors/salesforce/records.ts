import type { BackendRecord } from '../contract.js'

type SalesforceValue = unknown

/** Compound address fields, in the order they are shown. */
const ADDRESS_PARTS = ['street', 'city', 'state', 'postalCode', 'country'] as const

/**
 * Picks the wanted fields from a record as Salesforce returns it. A dotted name such as
 * `Account.Name` walks the nested relationship records; names match case-insensitively, as
 * SOQL field names do. The `attributes` Salesforce adds to every record are never read.
 */
export function pickFields(
  record: Readonly<Record<string, unknown>>,
  names: readonly string[],
): BackendRecord {
  const picked: BackendRecord = {}
  for (const name of names) {
    const value = displayValue(readPath(record, name.split('.')))
    if (value !== '') picked[name] = value
  }
  return picked
}

function readPath(record: unknown, path: readonly string[]): SalesforceValue {
  let current: unknown = record
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined
    current = fieldOf(current as Record<string, unknown>, segment)
  }
  return current
}

function fieldOf(record: Record<string, unknown>, name: string): unknown {
  if (name.toLowerCase() === 'attributes') return undefined
  if (Object.hasOwn(record, name)) return record[name]

  const lower = name.toLowerCase()
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === lower)
  return key === undefined ? undefined : record[key]
}

/** A field value as the text staff see: nested records and child lists have none. */
export function displayValue(value: SalesforceValue): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (typeof value === 'object' && !Array.isArray(value) && isAddress(value)) {
    const address = value as Record<string, unknown>
    return ADDRESS_PARTS.map((part) => address[part])
      .filter((part): part is string => typeof part === 'string' && part !== '')
      .join(', ')
  }
  return ''
}

function isAddress(value: object): boolean {
  return ADDRESS_PARTS.some((part) => part in value) && !('attributes' in value)
}
