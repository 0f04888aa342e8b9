import { describe, expect, it } from 'vitest'

import { soqlLiteral, soslSearchTerm } from './escape.js'

describe('soqlLiteral', () => {
  it('quotes a plain value', () => {
    expect(soqlLiteral('bob@example.com')).toBe("'bob@example.com'")
  })

  it('escapes quotes, backslashes and line breaks', () => {
    expect(soqlLiteral("' OR Name != '")).toBe("'\\' OR Name != \\''")
    expect(soqlLiteral('a\\b"c')).toBe("'a\\\\b\\\"c'")
    expect(soqlLiteral('line\nbreak\r\tend')).toBe("'line\\nbreak\\r\\tend'")
  })

  it('writes other control characters as unicode escapes', () => {
    expect(soqlLiteral('a\u0000b\u001f')).toBe("'a\\u0000b\\u001f'")
  })

  it('leaves LIKE wildcards alone in an exact value', () => {
    expect(soqlLiteral('100%_Done')).toBe("'100%_Done'")
  })

  it('escapes LIKE wildcards in prefix and contains patterns', () => {
    expect(soqlLiteral('100%_', 'prefix')).toBe("'100\\%\\_%'")
    expect(soqlLiteral("O'H\\", 'contains')).toBe("'%O\\'H\\\\%'")
  })
})

describe('soslSearchTerm', () => {
  it('wraps the words in braces', () => {
    expect(soslSearchTerm('Bob Jones')).toBe('{Bob Jones}')
  })

  it('escapes every reserved character', () => {
    expect(soslSearchTerm('a?&|!{}[]()^~*:\\"\'+-z')).toBe(
      '{a\\?\\&\\|\\!\\{\\}\\[\\]\\(\\)\\^\\~\\*\\:\\\\\\"\\\'\\+\\-z}',
    )
  })

  it('quotes the words that would be operators', () => {
    expect(soslSearchTerm('Bob OR Alice and NOT x')).toBe('{Bob "OR" Alice "and" "NOT" x}')
  })

  it('turns line breaks and control characters into word breaks', () => {
    expect(soslSearchTerm('line\nbreak\u0000x')).toBe('{line break x}')
  })

  it('lets only the last word match as a prefix', () => {
    expect(soslSearchTerm('Bob Jo*', 'prefix')).toBe('{Bob Jo\\**}')
  })
})
