/** An error Salesforce would answer with status 400 and this code. */
export class QueryFault extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message)
  }
}

export type Token =
  | { readonly type: 'word'; readonly text: string }
  | { readonly type: 'string'; readonly raw: string }
  | { readonly type: 'number'; readonly text: string }
  | { readonly type: 'symbol'; readonly text: string }

const SYMBOLS = ['<=', '>=', '!=', '<>', '=', '<', '>', ',', '(', ')']
const ESCAPABLE = new Set([
  'n',
  'N',
  'r',
  'R',
  't',
  'T',
  'b',
  'B',
  'f',
  'F',
  '"',
  "'",
  '\\',
  '_',
  '%',
  'u',
])

/** Splits SOQL text into tokens, checking string literals the way Salesforce does. */
export function lex(text: string): Token[] {
  const tokens: Token[] = []
  let at = 0
  while (at < text.length) {
    const char = text[at]!
    if (/\s/.test(char)) {
      at += 1
    } else if (char === "'") {
      const end = stringEnd(text, at + 1)
      tokens.push({ type: 'string', raw: text.slice(at + 1, end) })
      at = end + 1
    } else if (/[A-Za-z_]/.test(char)) {
      const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(at))![0]
      tokens.push({ type: 'word', text: word })
      at += word.length
    } else if (/[0-9]/.test(char)) {
      const number = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(at))![0]
      tokens.push({ type: 'number', text: number })
      at += number.length
    } else {
      const symbol = SYMBOLS.find((candidate) => text.startsWith(candidate, at))
      if (!symbol) throw new QueryFault('MALFORMED_QUERY', `unexpected character: ${char}`)
      tokens.push({ type: 'symbol', text: symbol })
      at += symbol.length
    }
  }
  return tokens
}

function stringEnd(text: string, from: number): number {
  for (let at = from; at < text.length; at += 1) {
    const char = text[at]
    if (char === "'") return at
    if (char !== '\\') continue
    const next = text[at + 1] ?? ''
    if (!ESCAPABLE.has(next)) {
      throw new QueryFault(
        'MALFORMED_QUERY',
        `Invalid string literal. Illegal character sequence '\\${next}'`,
      )
    }
    if (next === 'u' && !/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
      throw new QueryFault('MALFORMED_QUERY', 'Invalid string literal. Illegal unicode escape')
    }
    at += next === 'u' ? 5 : 1
  }
  throw new QueryFault('MALFORMED_QUERY', 'Invalid string literal: missing closing quote')
}

const NAMED: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' }

/**
 * The value of a string literal. In a LIKE pattern the result is a regular expression source in
 * which only unescaped `%` and `_` are wildcards; elsewhere `\%` and `\_` are refused.
 */
export function decodeString(raw: string, like: boolean): string {
  let out = ''
  for (let at = 0; at < raw.length; at += 1) {
    const char = raw[at]!
    if (char === '\\') {
      const next = raw[at + 1]!
      at += 1
      let literal: string
      if (next === 'u') {
        literal = String.fromCharCode(parseInt(raw.slice(at + 1, at + 5), 16))
        at += 4
      } else if (next === '%' || next === '_') {
        if (!like) throw new QueryFault('MALFORMED_QUERY', `\\${next} is allowed only in LIKE`)
        literal = next
      } else {
        literal = NAMED[next.toLowerCase()] ?? next
      }
      out += like ? escapeRegExp(literal) : literal
    } else if (like && char === '%') {
      out += '.*'
    } else if (like && char === '_') {
      out += '.'
    } else {
      out += like ? escapeRegExp(char) : char
    }
  }
  return out
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
