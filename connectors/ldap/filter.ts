import {
  AndFilter,
  ApproximateFilter,
  EqualityFilter,
  ExtensibleFilter,
  type Filter,
  GreaterThanEqualsFilter,
  LessThanEqualsFilter,
  NotFilter,
  OrFilter,
  PresenceFilter,
  SubstringFilter,
} from 'ldapts'

/** A filter string that does not follow RFC 4515. */
export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError'
}

const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)(?:;[A-Za-z0-9-]+)*$/
const RULE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/
const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Escapes a value for an LDAP filter per RFC 4515: `*`, `(`, `)`, `\`, NUL, other control
 * characters and every byte of a non-ASCII character become `\XX`, so the value can only ever
 * be compared as literal text.
 */
export function escapeFilterValue(value: string): string {
  let escaped = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    const plain = byte >= 0x20 && byte < 0x7f && byte !== 0x2a && byte !== 0x28
    escaped +=
      plain && byte !== 0x29 && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\${byte.toString(16).padStart(2, '0')}`
  }
  return escaped
}

/**
 * Parses an RFC 4515 filter string into ldapts filter objects. Escaped bytes are decoded as
 * UTF-8, so `\c3\a9` is `é`; a value that is not UTF-8 (a binary GUID) stays as bytes.
 */
export function parseFilter(text: string): Filter {
  const source = text.trim()
  const wrapped = source.startsWith('(') ? source : `(${source})`
  const parser = new Parser(wrapped)
  const filter = parser.filter()
  if (!parser.done())
    throw new FilterSyntaxError(`unexpected text after the filter at ${parser.at}`)
  return filter
}

class Parser {
  at = 0

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at === this.text.length
  }

  filter(): Filter {
    this.expect('(')
    const head = this.text[this.at]
    let filter: Filter
    if (head === '&' || head === '|') {
      this.at++
      const filters = this.list()
      filter = head === '&' ? new AndFilter({ filters }) : new OrFilter({ filters })
    } else if (head === '!') {
      this.at++
      filter = new NotFilter({ filter: this.filter() })
    } else {
      filter = this.item()
    }
    this.expect(')')
    return filter
  }

  private list(): Filter[] {
    const filters: Filter[] = []
    while (this.text[this.at] === '(') filters.push(this.filter())
    if (filters.length === 0) throw new FilterSyntaxError(`expected ( at ${this.at}`)
    return filters
  }

  private item(): Filter {
    const end = this.valueEnd()
    const body = this.text.slice(this.at, end)
    this.at = end
    const operator = /(~=|>=|<=|:=|=)/.exec(body)
    if (!operator) throw new FilterSyntaxError(`missing = in (${body})`)

    const left = body.slice(0, operator.index)
    const right = body.slice(operator.index + operator[0].length)
    if (operator[0] === ':=') return extensible(left, right)
    const attribute = checkAttribute(left)
    if (operator[0] === '~=') return new ApproximateFilter({ attribute, value: text(right) })
    if (operator[0] === '>=') return new GreaterThanEqualsFilter({ attribute, value: text(right) })
    if (operator[0] === '<=') return new LessThanEqualsFilter({ attribute, value: text(right) })
    if (right === '*') return new PresenceFilter({ attribute })
    if (!right.includes('*')) return new EqualityFilter({ attribute, value: bytesOrText(right) })
    return substring(attribute, right)
  }

  /** Where the current item ends: the next `)`, refusing a stray `(` inside a value. */
  private valueEnd(): number {
    for (let i = this.at; i < this.text.length; i++) {
      const char = this.text[i]
      if (char === ')') return i
      if (char === '(') throw new FilterSyntaxError(`unescaped ( at ${i}: write \\28`)
    }
    throw new FilterSyntaxError('missing )')
  }

  private expect(char: string): void {
    if (this.text[this.at] !== char) {
      throw new FilterSyntaxError(`expected ${char} at ${this.at}`)
    }
    this.at++
  }
}

function checkAttribute(attribute: string): string {
  if (!ATTRIBUTE.test(attribute)) {
    throw new FilterSyntaxError(`"${attribute}" is not an attribute name`)
  }
  return attribute
}

function substring(attribute: string, value: string): SubstringFilter {
  const pieces = value.split('*').map(text)
  const initial = pieces.shift() ?? ''
  const final = pieces.pop() ?? ''
  const any = pieces.filter(Boolean)
  if (!initial && !final && any.length === 0)
    throw new FilterSyntaxError(`(${attribute}=**) matches nothing`)
  return new SubstringFilter({ attribute, initial, any, final })
}

function extensible(left: string, right: string): ExtensibleFilter {
  const fields = left.split(':')
  const matchType = fields.shift() ?? ''
  const dnAttributes = fields[0]?.toLowerCase() === 'dn'
  if (dnAttributes) fields.shift()
  const rule = fields.shift()
  if (fields.length > 0 || (rule !== undefined && !RULE.test(rule))) {
    throw new FilterSyntaxError(`malformed extensible match ${left}:=`)
  }
  if (matchType) checkAttribute(matchType)
  else if (!rule) throw new FilterSyntaxError('an extensible match needs an attribute or a rule')
  return new ExtensibleFilter({ matchType, dnAttributes, rule, value: text(right) })
}

function bytes(value: string): Buffer {
  const out: number[] = []
  let at = 0
  while (at < value.length) {
    if (value[at] === '\\') {
      const hex = value.slice(at + 1, at + 3)
      if (!/^[\dA-Fa-f]{2}$/.test(hex)) throw new FilterSyntaxError(`bad escape \\${hex}`)
      out.push(Number.parseInt(hex, 16))
      at += 3
      continue
    }
    const char = String.fromCodePoint(value.codePointAt(at) ?? 0)
    if ('\0*()'.includes(char))
      throw new FilterSyntaxError('unescaped special character in a value')
    out.push(...Buffer.from(char, 'utf8'))
    at += char.length
  }
  return Buffer.from(out)
}

function bytesOrText(value: string): string | Buffer {
  if (!value.includes('\\')) {
    if (/[\0*()]/.test(value)) throw new FilterSyntaxError('unescaped special character in a value')
    return value
  }
  const raw = bytes(value)
  try {
    return UTF8.decode(raw)
  } catch {
    return raw
  }
}

function text(value: string): string {
  const decoded = bytesOrText(value)
  if (typeof decoded !== 'string') throw new FilterSyntaxError('value is not UTF-8 text')
  return decoded
}
