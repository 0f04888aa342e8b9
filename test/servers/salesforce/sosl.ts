import { readField, type StoredContact } from './contacts.js'
import { lex, QueryFault } from './soql-lexer.js'
import {
  parseSelectFrom,
  selectContacts,
  TokenReader,
  unexpected,
  type SelectQuery,
} from './soql.js'

/** A parsed `FIND {...} [IN x FIELDS] RETURNING Contact(...) [LIMIT n]`. */
export interface SearchQuery {
  readonly matches: (contact: StoredContact) => boolean
  readonly returning: readonly SelectQuery[]
  readonly limit: number | undefined
}

type Matcher = (contact: StoredContact) => boolean

const FIELD_GROUPS: Readonly<Record<string, readonly string[]>> = {
  NAME: ['FirstName', 'LastName', 'Name'],
  EMAIL: ['Email'],
  PHONE: ['Phone'],
  ALL: ['FirstName', 'LastName', 'Name', 'Email', 'Phone', 'Title', 'Account.Name'],
}

/** Parses the SOSL this test org understands; anything else is a MALFORMED_SEARCH. */
export function parseSearch(text: string): SearchQuery {
  const found = /^\s*FIND\s*\{/i.exec(text)
  if (!found) throw new QueryFault('MALFORMED_SEARCH', 'a search starts with FIND {')
  const end = termEnd(text, found[0].length)
  const term = text.slice(found[0].length, end)
  if (term.replace(/[\s*?\\]/g, '').length < 2) {
    throw new QueryFault('MALFORMED_SEARCH', 'search term must be longer than one character')
  }

  const reader = new TokenReader(lex(text.slice(end + 1)))
  let group = 'ALL'
  if (reader.accept('IN')) {
    group = reader.word().toUpperCase()
    if (!FIELD_GROUPS[group])
      throw new QueryFault('MALFORMED_SEARCH', `unknown search group ${group}`)
    reader.expect('FIELDS')
  }
  const returning: SelectQuery[] = []
  if (reader.accept('RETURNING')) {
    do returning.push(returningObject(reader))
    while (reader.accept(','))
  }
  const limit = reader.accept('LIMIT') ? reader.number() : undefined
  if (!reader.done()) throw unexpected(reader.peek())

  return { matches: parseTerm(term, FIELD_GROUPS[group]!), returning, limit }
}

function returningObject(reader: TokenReader): SelectQuery {
  const object = reader.word()
  if (!reader.accept('('))
    return { fields: ['Id'], object, where: () => true, orderBy: undefined, limit: undefined }
  const query = parseSelectFrom(reader, [])
  reader.expect(')')
  return { ...query, object }
}

function termEnd(text: string, from: number): number {
  for (let at = from; at < text.length; at += 1) {
    if (text[at] === '\\') at += 1
    else if (text[at] === '}') return at
  }
  throw new QueryFault('MALFORMED_SEARCH', 'missing } after the search term')
}

/** A search term piece: a word or phrase (words in order), or an operator. */
type TermToken = { readonly words: readonly WordPattern[] } | { readonly operator: string }

interface WordPattern {
  readonly text: string
  readonly prefix: boolean
}

function parseTerm(term: string, fields: readonly string[]): Matcher {
  const tokens = termTokens(term)
  if (tokens.length === 0) throw new QueryFault('MALFORMED_SEARCH', 'search term must not be empty')
  let at = 0

  const primary = (): Matcher => {
    const token = tokens[at++]
    if (!token) throw new QueryFault('MALFORMED_SEARCH', 'unexpected end of the search term')
    if ('words' in token) return (contact) => containsWords(contact, fields, token.words)
    if (token.operator !== '(')
      throw new QueryFault('MALFORMED_SEARCH', `unexpected ${token.operator}`)
    const inner = expression()
    if (!isOperator(tokens[at++], ')')) throw new QueryFault('MALFORMED_SEARCH', 'missing )')
    return inner
  }
  const conjunction = (): Matcher => {
    let left = primary()
    while (at < tokens.length && !isOperator(tokens[at], 'OR') && !isOperator(tokens[at], ')')) {
      const negate = isOperator(tokens[at], 'AND') && isOperator(tokens[at + 1], 'NOT')
      if (isOperator(tokens[at], 'AND')) at += negate ? 2 : 1
      const right = primary()
      const before = left
      left = negate ? (c) => before(c) && !right(c) : (c) => before(c) && right(c)
    }
    return left
  }
  const expression = (): Matcher => {
    let left = conjunction()
    while (isOperator(tokens[at], 'OR')) {
      at += 1
      const right = conjunction()
      const before = left
      left = (c) => before(c) || right(c)
    }
    return left
  }

  const matcher = expression()
  if (at !== tokens.length)
    throw new QueryFault('MALFORMED_SEARCH', 'unexpected text in the search term')
  return matcher
}

function isOperator(token: TermToken | undefined, operator: string): boolean {
  return !!token && 'operator' in token && token.operator === operator
}

const RESERVED = new Set([...'?&|!{}[]()^~*:\\"\'+-'])

/**
 * Splits a search term into words, quoted phrases and operators. A backslash makes the next
 * character plain text; an unescaped reserved character other than a trailing `*`, a quote or
 * a parenthesis is refused, so the client's escaping is checked strictly.
 */
function termTokens(term: string): TermToken[] {
  const tokens: TermToken[] = []
  let at = 0
  while (at < term.length) {
    const char = term[at]!
    if (/\s/.test(char)) at += 1
    else if (char === '(' || char === ')') {
      tokens.push({ operator: char })
      at += 1
    } else if (char === '"') {
      const close = readWords(term, at + 1, '"')
      tokens.push({ words: close.words })
      at = close.end + 1
    } else {
      const word = readWords(term, at, ' ')
      const single = word.words[0]!
      const keyword = single.text.toUpperCase()
      const plain = !term.slice(at, word.end).includes('\\') && !single.prefix
      tokens.push(plain && ['AND', 'OR', 'NOT'].includes(keyword) ? { operator: keyword } : word)
      at = word.end
    }
  }
  return tokens
}

function readWords(
  term: string,
  from: number,
  stop: '"' | ' ',
): { words: WordPattern[]; end: number } {
  const words: WordPattern[] = []
  let text = ''
  let prefix = false
  let at = from
  const flush = (): void => {
    if (text) words.push({ text: text.toLowerCase(), prefix })
    text = ''
    prefix = false
  }
  for (; at < term.length; at += 1) {
    const char = term[at]!
    if (char === '\\') {
      text += term[at + 1] ?? ''
      at += 1
    } else if (stop === '"' && char === '"') break
    else if (/\s/.test(char)) {
      if (stop === ' ') break
      flush()
    } else if (stop === ' ' && (char === '(' || char === ')' || char === '"')) break
    else if (char === '*') prefix = true
    else if (RESERVED.has(char))
      throw new QueryFault('MALFORMED_SEARCH', `unescaped reserved character ${char}`)
    else text += char
  }
  if (stop === '"' && term[at] !== '"')
    throw new QueryFault('MALFORMED_SEARCH', 'missing closing quote')
  flush()
  return { words, end: at }
}

function containsWords(
  contact: StoredContact,
  fields: readonly string[],
  pattern: readonly WordPattern[],
): boolean {
  return fields.some((field) => {
    const words = String(readField(contact, field).value ?? '')
      .toLowerCase()
      .split(/\s+/)
    return words.some((_, start) =>
      pattern.every((want, offset) => {
        const word = words[start + offset]
        return word !== undefined && (want.prefix ? word.startsWith(want.text) : word === want.text)
      }),
    )
  })
}

/** Runs a search: the term over the searched fields, then each RETURNING object's own clauses. */
export function searchContacts(
  query: SearchQuery,
  contacts: readonly StoredContact[],
): StoredContact[][] {
  const hits = contacts.filter((contact) => query.matches(contact))
  return query.returning.map((object) =>
    object.object.toLowerCase() === 'contact' ? selectContacts(object, hits) : [],
  )
}
