import type { LookupInput } from '../../connectors/contract.js'
import { LookupFailedError, RequestError } from '../errors.js'
import type { Gateway } from '../engine/gateway.js'
import {
  isAddressBookCall,
  parseQueryString,
  toLookupInput,
  withSearchTerm,
  type RawParams,
} from '../params.js'
import { renderAjax, renderLiveLookup } from '../render/xml.js'
import { positionalParams, type ParsedArgs } from './args.js'

/** The answer of a command-line lookup: the bytes for stdout and, on failure, a line for stderr. */
export interface CommandAnswer {
  readonly stdout: Buffer | string
  readonly problem?: string
}

/**
 * Builds the parameters of a command-line lookup, from whichever form HelpSpot used: named
 * options (5.3 and later), positional values (5.2 and earlier) or, with neither, stdin.
 */
export function commandParams(
  args: ParsedArgs,
  gateway: Gateway,
  stdin: string | undefined,
): RawParams {
  if (args.fields.size > 0) return new Map(args.fields)
  if (args.positional.length > 0) {
    const { positional, customFields } = gateway.config.cli
    return positionalParams(args.positional, positional, customFields)
  }
  return stdinParams(stdin ?? '')
}

/** A query string, or a JSON object of field names to values. */
export function stdinParams(text: string): RawParams {
  const trimmed = text.trim()
  if (!trimmed.startsWith('{')) return parseQueryString(trimmed)

  let parsed: unknown
  try {
    parsed = JSON.parse(trimmed)
  } catch {
    throw new RequestError(400, 'bad_json', 'stdin starts with { but is not a JSON object')
  }
  const params: RawParams = new Map()
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const [name, value] of Object.entries(parsed)) {
      if (value !== null && typeof value !== 'object') params.set(name, String(value))
    }
  }
  return params
}

/** Runs a Live Lookup and renders it. Always well-formed XML, even when every connector failed. */
export async function lookupCommand(
  gateway: Gateway,
  sourceName: string | undefined,
  params: RawParams,
): Promise<CommandAnswer> {
  const source = gateway.source(sourceName)
  const addressBook = isAddressBookCall(params)
  const view = { columns: source.columns, labels: source.labels, addressBook }

  try {
    const answer = await gateway.lookup(source, toLookupInput(params), addressBook)
    return { stdout: renderLiveLookup(answer.items, view) }
  } catch (error) {
    if (!(error instanceof LookupFailedError)) throw error
    return { stdout: renderLiveLookup([], view), problem: error.message }
  }
}

/** Runs an AJAX field search and renders it in the field's encoding. */
export async function ajaxCommand(
  gateway: Gateway,
  fieldName: string,
  params: RawParams,
): Promise<CommandAnswer> {
  const field = gateway.field(fieldName)
  const input: LookupInput = withSearchTerm(toLookupInput(params))

  try {
    const answer = await gateway.ajax(field, input)
    return { stdout: renderAjax(answer.items, field.encoding) }
  } catch (error) {
    if (!(error instanceof LookupFailedError)) throw error
    return { stdout: renderAjax([], field.encoding), problem: error.message }
  }
}
