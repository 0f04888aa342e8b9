import type { LookupInput } from '../connectors/contract.js'
import { RequestError } from './errors.js'

/** The most a query string or a form body may hold. */
export const MAX_PARAMS_BYTES = 64 * 1024

/** Parameters as HelpSpot sent them, decoded once, last occurrence winning. */
export type RawParams = Map<string, string>

/**
 * Parses a query string or form body the way PHP does (`+` is a space, empty values kept, the
 * last of a repeated name wins). Malformed percent-encoding is the caller's mistake.
 */
export function parseQueryString(text: string, into: RawParams = new Map()): RawParams {
  if (text.length > MAX_PARAMS_BYTES) {
    throw new RequestError(413, 'too_large', 'the query is larger than 64 KiB')
  }

  // One pass: the next `=` found is kept until the pairs reach it, so pairs without one
  // never make the search start over.
  let nextEquals = -1
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('&', start)
    if (end < 0) end = text.length
    if (nextEquals < start) {
      nextEquals = text.indexOf('=', start)
      if (nextEquals < 0) nextEquals = text.length
    }
    const equals = Math.min(nextEquals, end)
    if (end > start) {
      const name = decodePart(text.slice(start, equals), 'a parameter name')
      into.set(name, equals < end ? decodePart(text.slice(equals + 1, end), name) : '')
    }
    start = end + 1
  }
  return into
}

function decodePart(text: string, what: string): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text
  if (!spaced.includes('%')) return spaced
  try {
    return decodeURIComponent(spaced)
  } catch {
    throw new RequestError(
      400,
      'malformed_encoding',
      `${printable(what)} is not valid percent-encoding`,
    )
  }
}

/** A caller-supplied name made safe and short enough to repeat in an error message. */
export function printable(name: string): string {
  return name.replace(/[^\w.-]/g, '?').slice(0, 64)
}

/** Names whose values HelpSpot's browser side encodes twice. */
const DOUBLE_ENCODED = /^(?:[sx][A-Z]\w*|Custom\d+)$/
const PERCENT_SEQUENCE = /%[0-9A-Fa-f]{2}/
/**
 * Control characters, NUL included, which are never part of a name, an email or a phone
 * number; and half a UTF-16 pair (possible in JSON on stdin), which no backend can take.
 */
const UNUSABLE =
  /[\u0000-\u001f\u007f]+|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const replaceUnusable = (found: string): string => (found.charCodeAt(0) < 0xd800 ? ' ' : '\ufffd')
/** Whether `UNUSABLE` can find anything: one cheap scan, where `UNUSABLE` looks around. */
const MAYBE_UNUSABLE = /[\u0000-\u001f\u007f\ud800-\udfff]/

/** Parameters that are never inputs: the caller's key is a secret, not a search value. */
const NOT_INPUTS = new Set(['key'])

/**
 * Turns raw parameters into a lookup input: the second decoding of `s*`, `x*` and `Custom<N>`
 * values undone, control characters removed, lone surrogates replaced, values trimmed, empty ones
 * left out.
 */
export function toLookupInput(params: RawParams): LookupInput {
  // No prototype: a parameter named `constructor` or `__proto__` is a value like any other.
  const input = Object.create(null) as Record<string, string>

  for (const [name, raw] of params) {
    // Most of what HelpSpot sends is empty: it names every field it knows, filled or not.
    if (!raw || NOT_INPUTS.has(name)) continue
    let value = raw
    if (value.includes('%') && DOUBLE_ENCODED.test(name) && PERCENT_SEQUENCE.test(value)) {
      value = decodeOnceMore(value)
    }
    if (MAYBE_UNUSABLE.test(value)) value = value.replace(UNUSABLE, replaceUnusable)
    value = value.trim()
    if (value) input[name] = value
  }
  return input
}

function decodeOnceMore(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/**
 * HelpSpot's address book sends no `customer_id` parameter at all, only `source_id`, the names
 * and `acting_*`; the Live Lookup tab always sends it, empty or not.
 */
export function isAddressBookCall(params: RawParams): boolean {
  return !params.has('customer_id')
}

/**
 * For AJAX fields: the search term is the value of the field named by `callingField`, and
 * nothing else; a `term` sent alongside never stands in for an empty calling field. Without a
 * `callingField` (a test call by hand), a `term` sent as such is the term.
 */
export function withSearchTerm(input: LookupInput): LookupInput {
  const calling = input.callingField
  if (calling === undefined) return input
  const term = Object.hasOwn(input, calling) ? input[calling] : undefined
  const searched = Object.assign(Object.create(null), input) as Record<string, string>
  delete searched.term
  if (term !== undefined) searched.term = term
  return searched
}
