import fc from 'fast-check'
import { EqualityFilter, OrFilter, SubstringFilter } from 'ldapts'
import { describe, expect, it } from 'vitest'

import { escapeFilterValue, FilterSyntaxError, parseFilter } from './filter.js'

describe('escapeFilterValue', () => {
  it('escapes the RFC 4515 specials, NUL and every non-ASCII byte', () => {
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a')
    expect(escapeFilterValue('a\\b\u0000c')).toBe('a\\5cb\\00c')
    expect(escapeFilterValue('Zoë')).toBe('Zo\\c3\\ab')
    expect(escapeFilterValue('李')).toBe('\\e6\\9d\\8e')
    expect(escapeFilterValue("O'Hara 100%_")).toBe("O'Hara 100%_")
  })

  it('round-trips any string through a parsed equality and prefix filter', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (value) => {
        const exact = parseFilter(`(cn=${escapeFilterValue(value)})`)
        expect(exact).toBeInstanceOf(EqualityFilter)
        expect((exact as EqualityFilter).value).toBe(value)

        const prefix = parseFilter(`(cn=${escapeFilterValue(value)}*)`) as SubstringFilter
        expect(prefix).toBeInstanceOf(SubstringFilter)
        expect(prefix.initial).toBe(value)
        expect(prefix.any).toEqual([])
      }),
    )
  })
})

describe('parseFilter', () => {
  it('builds nested and, or and not filters', () => {
    const filter = parseFilter('(|(mail=a@example.com)(&(sn=Jo*)(!(cn=x))))')
    expect(filter).toBeInstanceOf(OrFilter)
    expect(filter.toString()).toBe('(|(mail=a@example.com)(&(sn=Jo*)(!(cn=x))))')
  })

  it('keeps template wildcards as substring parts', () => {
    const filter = parseFilter('(cn=*a\\2ab*c*)') as SubstringFilter
    expect([filter.initial, filter.any, filter.final]).toEqual(['', ['a*b', 'c'], ''])
  })

  it('decodes escaped UTF-8 bytes and keeps raw non-ASCII text', () => {
    expect((parseFilter('(sn=M\\c3\\bcller)') as EqualityFilter).value).toBe('Müller')
    expect((parseFilter('(sn=Müller)') as EqualityFilter).value).toBe('Müller')
  })

  it('keeps a non-UTF-8 escaped value as bytes for binary attributes', () => {
    const filter = parseFilter('(objectGUID=\\ba\\04\\a3\\e7)') as EqualityFilter
    expect(filter.value).toEqual(Buffer.from('ba04a3e7', 'hex'))
  })

  it('reads presence, comparison, approximate and extensible items', () => {
    expect(parseFilter('(mail=*)').toString()).toBe('(mail=*)')
    expect(parseFilter('uid>=b').toString()).toBe('(uid>=b)')
    expect(parseFilter('(cn~=smith)').toString()).toBe('(cn~=smith)')
    expect(parseFilter('(userAccountControl:1.2.840.113556.1.4.803:=2)').toString()).toContain(
      '1.2.840.113556.1.4.803',
    )
  })

  it.each([
    '(cn=a',
    '(cn=a))',
    '(cn=a(b)',
    '(cn=a\\zz)',
    '(=a)',
    '(c n=a)',
    '(&)',
    '(cn)',
    '(cn=**)',
    '(cn:bad rule:=x)',
  ])('refuses %s', (text) => {
    expect(() => parseFilter(text)).toThrow(FilterSyntaxError)
  })
})
