import type { PlaceholderMatch } from '../template.js'

const SOQL_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
}

// Quotes, the backslash, and every control character (those without a named escape become \uXXXX).
const SOQL_SPECIAL = /[\\'"\u0000-\u001f\u007f]/g
const LIKE_WILDCARDS = /[%_]/g

function escapeSoqlText(value: string): string {
  return value.replace(
    SOQL_SPECIAL,
    (char) => SOQL_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/**
 * A SOQL string literal, quotes included, that stands for exactly `value`. `prefix` and
 * `contains` build a LIKE pattern whose own `%` and `_` are escaped, so only the wildcard the
 * template asked for is one; `whole` is the value after LIKE with its own wildcards escaped.
 */
export function soqlLiteral(value: string, match: PlaceholderMatch | 'whole' = 'exact'): string {
  const text = escapeSoqlText(value)
  if (match === 'exact') return `'${text}'`

  const pattern = text.replace(LIKE_WILDCARDS, (char) => `\\${char}`)
  if (match === 'whole') return `'${pattern}'`
  return match === 'prefix' ? `'${pattern}%'` : `'%${pattern}%'`
}

// SOSL's reserved characters, escaped with a backslash wherever they appear in a search term.
const SOSL_RESERVED = /[?&|!{}[\]()^~*:\\"'+-]/g
const SOSL_OPERATORS = new Set(['and', 'or', 'not'])
const SOSL_SPACE = /[\s\u0000-\u001f\u007f]+/

/**
 * The search expression of a SOSL `FIND {...}` clause, braces included, that looks for the
 * words of `value` as plain text: reserved characters are escaped and the words AND, OR and NOT
 * are quoted so they are searched for instead of combining terms. `prefix` lets the last word
 * match as the start of a word.
 */
export function soslSearchTerm(value: string, match: PlaceholderMatch = 'exact'): string {
  const words = value.split(SOSL_SPACE).filter(Boolean)
  const escaped = words.map((word, at) => {
    const wildcard = match === 'prefix' && at === words.length - 1 ? '*' : ''
    const text = word.replace(SOSL_RESERVED, (char) => `\\${char}`)
    return SOSL_OPERATORS.has(word.toLowerCase()) ? `"${text}${wildcard}"` : `${text}${wildcard}`
  })
  return `{${escaped.join(' ')}}`
}
