import { RuleError } from '../contract.js'
import type { TemplatePart } from '../template.js'

/** One word, number or placeholder of a query template, outside string literals. */
export interface TemplateToken {
  readonly kind: 'word' | 'number' | 'placeholder'
  /** The word in upper case, the number's digits, or the placeholder's input. */
  readonly text: string
  /** Index of the template part the token is in. */
  readonly part: number
  readonly start: number
  readonly end: number
  /** Parentheses around the token: 0 is the top level of the statement. */
  readonly depth: number
}

interface ScanState {
  quoted: boolean
  escaped: boolean
  depth: number
}

const WORD = /[A-Za-z0-9_.]/

/**
 * Splits a parsed template into the tokens that decide its shape: keywords, numbers and
 * placeholders with their parenthesis depth. Text inside string literals is skipped, and a
 * placeholder inside one is refused: it would be pasted into the literal instead of bound.
 */
export function scanTemplate(parts: readonly TemplatePart[], key: string): TemplateToken[] {
  const tokens: TemplateToken[] = []
  const state: ScanState = { quoted: false, escaped: false, depth: 0 }

  parts.forEach((part, index) => {
    if ('input' in part) {
      if (state.quoted) {
        throw new RuleError(
          `{${part.input}} is inside quotes: write it bare, it becomes a quoted value`,
          key,
        )
      }
      tokens.push({
        kind: 'placeholder',
        text: part.input,
        part: index,
        start: 0,
        end: 0,
        depth: state.depth,
      })
    } else {
      scanLiteral(part.literal, index, state, tokens, key)
    }
  })
  if (state.quoted) throw new RuleError('has a string literal without its closing quote', key)
  if (state.depth !== 0) throw new RuleError('has unbalanced parentheses', key)

  return tokens
}

function scanLiteral(
  text: string,
  part: number,
  state: ScanState,
  tokens: TemplateToken[],
  key: string,
): void {
  let at = 0
  while (at < text.length) {
    const char = text[at]!
    if (state.quoted) {
      if (state.escaped) state.escaped = false
      else if (char === '\\') state.escaped = true
      else if (char === "'") state.quoted = false
      at += 1
    } else if (char === "'") {
      state.quoted = true
      at += 1
    } else if (char === '(' || char === ')') {
      state.depth += char === '(' ? 1 : -1
      if (state.depth < 0) throw new RuleError('has unbalanced parentheses', key)
      at += 1
    } else if (WORD.test(char)) {
      let end = at
      while (end < text.length && WORD.test(text[end]!)) end += 1
      const word = text.slice(at, end)
      const kind = /^\d+$/.test(word) ? 'number' : 'word'
      tokens.push({ kind, text: word.toUpperCase(), part, start: at, end, depth: state.depth })
      at = end
    } else {
      at += 1
    }
  }
}
