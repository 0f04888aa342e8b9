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
  /** A plain `{x}` after LIKE: its wildcards are escaped, so the value matches only itself. */
  readonly wholeLike?: boolean
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
 * placeholder must follow `LIKE` (or `ILIKE`, `NOT LIKE`). Every placeholder after LIKE gets
 * its own `ESCAPE` clause, and a plain `{x}` there matches the whole value, its `%` and `_`
 * taken literally, so a caller cannot turn it into a pattern.
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
    const afterLike = LIKE_BEFORE.test(text)
    checkLikePlace(parts, index, afterLike)
    const wholeLike = part.match === 'exact' && afterLike
    const { input, match } = part
    parameters.push(wholeLike ? { input, match, wholeLike } : { input, match })
    text += parameterMarker(dialect, parameters.length)
    if (afterLike) text += ` ESCAPE '${LIKE_ESCAPE}'`
  })

  return { text: text.trim(), parameters }
}

/** A pattern placeholder must follow LIKE; after LIKE, the connector writes the ESCAPE. */
function checkLikePlace(parts: readonly TemplatePart[], index: number, afterLike: boolean): void {
  const part = parts[index] as { input: string; match: PlaceholderMatch }
  const shown = {
    exact: `{${part.input}}`,
    prefix: `{${part.input}%}`,
    contains: `{%${part.input}%}`,
  }[part.match]
  if (part.match !== 'exact' && !afterLike) {
    throw new RuleError(`pattern placeholder ${shown} must follow LIKE`, 'query')
  }
  if (!afterLike) return
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
  if (parameter.match === 'exact') return parameter.wholeLike ? escapeLike(dialect, value) : value
  const escaped = escapeLike(dialect, value)
  return parameter.match === 'prefix' ? `${escaped}%` : `%${escaped}%`
}
