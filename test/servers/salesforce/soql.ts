import { readField, type StoredContact } from './contacts.js'
import { decodeString, lex, QueryFault, type Token } from './soql-lexer.js'

/** A WHERE condition, evaluated against one contact. */
export type Condition = (contact: StoredContact) => boolean

/** A parsed `SELECT fields FROM Contact [WHERE ...] [ORDER BY f [ASC|DESC]] [LIMIT n]`. */
export interface SelectQuery {
  readonly fields: readonly string[]
  readonly object: string
  readonly where: Condition
  readonly orderBy: { readonly field: string; readonly descending: boolean } | undefined
  readonly limit: number | undefined
}

/** Reads tokens one at a time, with the keyword checks a recursive-descent parser needs. */
export class TokenReader {
  private at = 0

  constructor(private readonly tokens: readonly Token[]) {}

  peek(): Token | undefined {
    return this.tokens[this.at]
  }

  next(): Token {
    const token = this.tokens[this.at]
    if (!token) throw new QueryFault('MALFORMED_QUERY', 'unexpected end of query')
    this.at += 1
    return token
  }

  isKeyword(word: string): boolean {
    const token = this.peek()
    return token?.type === 'word' && token.text.toUpperCase() === word
  }

  accept(text: string): boolean {
    const token = this.peek()
    const matches = token?.type === 'symbol' ? token.text === text : this.isKeyword(text)
    if (matches) this.at += 1
    return matches
  }

  expect(text: string): void {
    if (!this.accept(text)) throw unexpected(this.peek())
  }

  word(): string {
    const token = this.next()
    if (token.type !== 'word') throw unexpected(token)
    return token.text
  }

  number(): number {
    const token = this.next()
    if (token.type !== 'number') throw unexpected(token)
    return Number(token.text)
  }

  done(): boolean {
    return this.at >= this.tokens.length
  }
}

/** The error Salesforce gives for a token it did not expect. */
export function unexpected(token: Token | undefined): QueryFault {
  const text = !token ? 'end of query' : token.type === 'string' ? `'${token.raw}'` : token.text
  return new QueryFault('MALFORMED_QUERY', `unexpected token: ${text}`)
}

/** Parses the SOQL this test org understands; anything else is a MALFORMED_QUERY. */
export function parseSelect(text: string): SelectQuery {
  const reader = new TokenReader(lex(text))
  const query = parseSelectFrom(reader, ['FROM'])
  if (!reader.done()) throw unexpected(reader.peek())
  return query
}

/** The body of a SELECT (or of a SOSL RETURNING object), from its field list on. */
export function parseSelectFrom(reader: TokenReader, lead: readonly string[]): SelectQuery {
  let fields: string[] = []
  let object = ''
  if (lead[0] === 'FROM') {
    reader.expect('SELECT')
    fields = fieldList(reader)
    reader.expect('FROM')
    object = reader.word()
  } else {
    fields = fieldList(reader)
  }
  const where = reader.accept('WHERE') ? parseOr(reader) : () => true
  let orderBy: SelectQuery['orderBy']
  if (reader.accept('ORDER')) {
    reader.expect('BY')
    const field = reader.word()
    const descending = reader.accept('DESC')
    if (!descending) reader.accept('ASC')
    orderBy = { field, descending }
  }
  const limit = reader.accept('LIMIT') ? reader.number() : undefined
  return { fields, object, where, orderBy, limit }
}

function fieldList(reader: TokenReader): string[] {
  const fields = [reader.word()]
  while (reader.accept(',')) fields.push(reader.word())
  return fields
}

function parseOr(reader: TokenReader): Condition {
  const terms = [parseAnd(reader)]
  while (reader.accept('OR')) terms.push(parseAnd(reader))
  return (contact) => terms.some((term) => term(contact))
}

function parseAnd(reader: TokenReader): Condition {
  const terms = [parseNot(reader)]
  while (reader.accept('AND')) terms.push(parseNot(reader))
  return (contact) => terms.every((term) => term(contact))
}

function parseNot(reader: TokenReader): Condition {
  if (reader.accept('NOT')) {
    const inner = parseNot(reader)
    return (contact) => !inner(contact)
  }
  if (reader.accept('(')) {
    const inner = parseOr(reader)
    reader.expect(')')
    return inner
  }
  return parseComparison(reader)
}

function parseComparison(reader: TokenReader): Condition {
  const field = reader.word()
  const operator = reader.next()
  const value = reader.next()
  const op =
    operator.type === 'symbol' || operator.type === 'word' ? operator.text.toUpperCase() : ''

  if (op === 'LIKE') {
    if (value.type !== 'string') throw unexpected(value)
    const pattern = new RegExp(`^${decodeString(value.raw, true)}$`, 'is')
    return (contact) => pattern.test(String(readField(contact, field).value ?? ''))
  }
  if (!['=', '!=', '<>'].includes(op)) throw unexpected(operator)
  const expected = literalValue(value)
  const equal = (contact: StoredContact): boolean =>
    sameValue(readField(contact, field).value, expected)
  return op === '=' ? equal : (contact) => !equal(contact)
}

function literalValue(token: Token): string | null {
  if (token.type === 'string') return decodeString(token.raw, false)
  if (token.type === 'word' && token.text.toUpperCase() === 'NULL') return null
  throw unexpected(token)
}

function sameValue(stored: unknown, expected: string | null): boolean {
  if (expected === null || stored === null) return stored === expected
  return String(stored).toLowerCase() === expected.toLowerCase()
}

/** Runs a parsed SELECT (or RETURNING) over the contacts: filter, order, limit. */
export function selectContacts(
  query: SelectQuery,
  contacts: readonly StoredContact[],
): StoredContact[] {
  const found = contacts.filter((contact) => query.where(contact))
  if (query.orderBy) {
    const { field, descending } = query.orderBy
    const key = (contact: StoredContact): string => String(readField(contact, field).value ?? '')
    found.sort((a, b) => key(a).localeCompare(key(b)) * (descending ? -1 : 1))
  }
  return query.limit === undefined ? found : found.slice(0, query.limit)
}
