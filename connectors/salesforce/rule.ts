import { RuleError, type RuleBase } from '../contract.js'
import {
  compileTemplate,
  placeholdersOf,
  type PlaceholderMatch,
  type TemplatePart,
} from '../template.js'
import { soqlLiteral, soslSearchTerm } from './escape.js'
import { scanTemplate, type TemplateToken } from './scan.js'

/** A piece of a compiled query: fixed text, a bound value, or the LIMIT clause. */
export type QueryPart =
  | { readonly literal: string }
  | {
      readonly input: string
      readonly match: PlaceholderMatch
      /** A FIND's term; a value after LIKE, matched whole; or any other literal. */
      readonly as: 'literal' | 'searchTerm' | 'wholeLike'
    }
  | { readonly limit: number | undefined; readonly before: string; readonly after: string }

/** A rule ready to run: its language and the parts its query text is built from. */
export interface SalesforceRule {
  readonly language: 'soql' | 'sosl'
  readonly parts: readonly QueryPart[]
}

/** Clauses that must come after LIMIT, where an added LIMIT goes in front of. */
const AFTER_LIMIT = { soql: ['OFFSET', 'FOR', 'UPDATE'], sosl: ['UPDATE'] } as const

/**
 * Compiles a rule's `soql` or `sosl` template: checks that it is a SELECT or a FIND, that its
 * placeholders are bare and listed in `when`, and prepares the LIMIT clause that bounds every
 * search (clamped when written, added when not).
 */
export function compileRule(
  rule: { readonly soql?: string; readonly sosl?: string } & RuleBase,
): SalesforceRule {
  if (rule.soql !== undefined && rule.sosl !== undefined) {
    throw new RuleError('a rule has either soql or sosl, not both', 'sosl')
  }
  const language = rule.sosl !== undefined ? 'sosl' : 'soql'
  const template = rule.sosl ?? rule.soql
  if (template === undefined) throw new RuleError('a rule needs a soql (or sosl) query', 'soql')

  const parts = compileTemplate(template, rule.when, language)
  if (placeholdersOf(parts).length === 0) {
    throw new RuleError(
      'needs at least one {placeholder}, or every lookup would find the same records',
      language,
    )
  }
  const tokens = scanTemplate(parts, language)
  const top = tokens.filter((token) => token.depth === 0)
  const searchTerm =
    language === 'sosl' ? checkFind(top, parts, language) : checkSelect(top, language)
  const afterLike = language === 'soql' ? placeholdersAfterLike(tokens, parts, language) : new Set()

  const bound = parts.map((part, index): QueryPart | TemplatePart => {
    if (!('input' in part)) return part
    if (index === searchTerm) return { ...part, as: 'searchTerm' }
    return { ...part, as: afterLike.has(index) && part.match === 'exact' ? 'wholeLike' : 'literal' }
  })
  return { language, parts: withLimit(bound, top, AFTER_LIMIT[language], language) }
}

function checkSelect(top: readonly TemplateToken[], key: string): undefined {
  if (top[0]?.text !== 'SELECT') throw new RuleError('a soql query starts with SELECT', key)
  return undefined
}

/**
 * The parts of the placeholders that follow LIKE. `{x%}` and `{%x%}` must: anywhere else their
 * `_` and `%` would be refused. A plain `{x}` there is matched whole, its wildcards literal.
 */
function placeholdersAfterLike(
  tokens: readonly TemplateToken[],
  parts: readonly TemplatePart[],
  key: string,
): Set<number> {
  const found = new Set<number>()
  tokens.forEach((token, at) => {
    const part = token.kind === 'placeholder' ? parts[token.part] : undefined
    if (!part || !('input' in part)) return
    const before = tokens[at - 1]
    if (before?.kind === 'word' && before.text === 'LIKE') found.add(token.part)
    else if (part.match !== 'exact') {
      const shown = part.match === 'prefix' ? `{${part.input}%}` : `{%${part.input}%}`
      throw new RuleError(`pattern placeholder ${shown} must follow LIKE`, key)
    }
  })
  return found
}

function checkFind(
  top: readonly TemplateToken[],
  parts: readonly TemplatePart[],
  key: string,
): number {
  const [find, term] = top
  if (find?.text !== 'FIND' || term?.kind !== 'placeholder') {
    throw new RuleError('a sosl query starts with FIND {input}', key)
  }
  const part = parts[term.part]
  if (part && 'input' in part && part.match === 'contains') {
    throw new RuleError(
      `SOSL matches words or their start: use {${part.input}} or {${part.input}%}`,
      key,
    )
  }
  return term.part
}

function withLimit(
  parts: readonly (QueryPart | TemplatePart)[],
  top: readonly TemplateToken[],
  after: readonly string[],
  key: string,
): QueryPart[] {
  const written = top.findIndex((token) => token.kind === 'word' && token.text === 'LIMIT')
  if (written >= 0) {
    const word = top[written]!
    const count = top[written + 1]
    if (count?.kind !== 'number' || count.part !== word.part) {
      throw new RuleError('LIMIT must be followed by a number', key)
    }
    return splice(parts, word.part, word.start, count.end, {
      limit: Number(count.text),
      before: '',
      after: '',
    })
  }

  const next = top.find((token) => token.kind === 'word' && after.includes(token.text))
  if (next)
    return splice(parts, next.part, next.start, next.start, {
      limit: undefined,
      before: '',
      after: ' ',
    })

  const last = parts.length - 1
  const tail = parts[last]
  if (tail && 'literal' in tail) {
    const end = tail.literal.trimEnd().length
    return splice(parts, last, end, tail.literal.length, {
      limit: undefined,
      before: ' ',
      after: '',
    })
  }
  return [...(parts as QueryPart[]), { limit: undefined, before: ' ', after: '' }]
}

function splice(
  parts: readonly (QueryPart | TemplatePart)[],
  index: number,
  start: number,
  end: number,
  limit: QueryPart,
): QueryPart[] {
  const part = parts[index] as { literal: string }
  const pieces: QueryPart[] = [
    { literal: part.literal.slice(0, start) },
    limit,
    { literal: part.literal.slice(end) },
  ]
  const kept = pieces.filter((piece) => !('literal' in piece) || piece.literal !== '')
  return [
    ...(parts.slice(0, index) as QueryPart[]),
    ...kept,
    ...(parts.slice(index + 1) as QueryPart[]),
  ]
}

/**
 * The query text for one lookup: every value bound as an escaped literal (or, for the search
 * term of a FIND, an escaped search expression) and the LIMIT at most `limit`.
 */
export function renderQuery(
  rule: SalesforceRule,
  input: Readonly<Record<string, string>>,
  limit: number,
): string {
  let text = ''
  for (const part of rule.parts) {
    if ('literal' in part) text += part.literal
    else if ('limit' in part)
      text += `${part.before}LIMIT ${Math.min(part.limit ?? limit, limit)}${part.after}`
    else {
      const value = input[part.input] ?? ''
      text +=
        part.as === 'searchTerm'
          ? soslSearchTerm(value, part.match)
          : soqlLiteral(value, part.as === 'wholeLike' ? 'whole' : part.match)
    }
  }
  return text
}

/**
 * Whether the FIND term of a SOSL rule is too short to search for: Salesforce refuses a search
 * term of fewer than two characters, and such a term could not name one customer anyway.
 */
export function searchTermTooShort(
  rule: SalesforceRule,
  input: Readonly<Record<string, string>>,
): boolean {
  const term = rule.parts.find((part) => 'as' in part && part.as === 'searchTerm')
  if (!term || !('input' in term)) return false
  // Salesforce counts letters and digits: spaces, punctuation and symbols (a `*`) do not count.
  return (input[term.input] ?? '').replace(/[\s\p{P}\p{S}\p{Cc}]/gu, '').length < 2
}
