import { RuleError } from '../contract.js'
import type { LookupInput } from '../contract.js'
import type { PlaceholderMatch, TemplatePart } from '../template.js'
import { compileTemplate } from '../template.js'
import type { SqlDialect } from './options.js'

/**
 * The escape character of every LIKE pattern the connector binds. `!` needs no escaping inside
 * a string literal in any dialect or SQL mode, unlike a backslash.
 */
export const LIKE_ESCAPE = '!'

/** One bound parameter: the input it takes and how its value becomes a pattern. */
export interface SqlParameter {
  readonly input: string
  readonly match: PlaceholderMatch
}

/** A rule's query in its dialect: the statement text with driver markers, and its parameters. */
export interface SqlStatement {
  readonly text: string
  readonly parameters: readonly SqlParameter[]
}

const LIKE_BEFORE = /\bI?LIKE\s*$/i
const ESCAPE_AFTER = /^\s*ESCAPE\b/i

/** The marker of the n-th parameter (1-based) in each driver's syntax. */
export function parameterMarker(dialect: SqlDialect, n: number): string {
  if (dialect === 'mssql') return `@p${n}`
  if (dialect === 'postgres') return `$${n}`
  return '?'
}

/**
 * Turns a rule's `query` into driver SQL. Each placeholder becomes a parameter marker; a pattern
 * placeholder must follow `LIKE` (or `ILIKE`, `NOT LIKE`) and gets its own `ESCAPE` clause.
 */
export function compileStatement(
  dialect: SqlDialect,
  query: string,
  when: readonly string[],
): SqlStatement {
  const parts = compileTemplate(query, when, 'query')
  const parameters: SqlParameter[] = []
  let text = ''

  parts.forEach((part, index) => {
    if ('literal' in part) {
      text += part.literal
      return
    }
    if (part.match !== 'exact') checkPatternPlace(parts, index, text)
    parameters.push({ input: part.input, match: part.match })
    text += parameterMarker(dialect, parameters.length)
    if (part.match !== 'exact') text += ` ESCAPE '${LIKE_ESCAPE}'`
  })

  return { text: text.trim(), parameters }
}

function checkPatternPlace(parts: readonly TemplatePart[], index: number, before: string): void {
  const part = parts[index] as { input: string; match: PlaceholderMatch }
  const shown = part.match === 'prefix' ? `{${part.input}%}` : `{%${part.input}%}`
  if (!LIKE_BEFORE.test(before)) {
    throw new RuleError(`pattern placeholder ${shown} must follow LIKE`, 'query')
  }
  const next = parts[index + 1]
  if (next && 'literal' in next && ESCAPE_AFTER.test(next.literal)) {
    throw new RuleError(`remove the ESCAPE after ${shown}: the connector adds its own`, 'query')
  }
}

/**
 * Escapes the LIKE wildcards of a value so it matches only itself: `%`, `_`, the escape
 * character, and for SQL Server the `[` that opens a character class.
 */
export function escapeLike(dialect: SqlDialect, value: string): string {
  const special = dialect === 'mssql' ? /[%_![]/g : /[%_!]/g
  return value.replace(special, (found) => LIKE_ESCAPE + found)
}

/** The value bound for a parameter: the input itself, or a prefix or contains pattern. */
export function parameterValue(
  dialect: SqlDialect,
  parameter: SqlParameter,
  input: LookupInput,
): string {
  const value = input[parameter.input] ?? ''
  if (parameter.match === 'exact') return value
  const escaped = escapeLike(dialect, value)
  return parameter.match === 'prefix' ? `${escaped}%` : `%${escaped}%`
}
