import { describe, expect, it } from 'vitest'

import { cdataParts, escapeHtml, stripXmlIllegal, toLatin1 } from './escape.js'

describe('escape', () => {
  it('escapes HTML including both quotes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    )
  })

  it('removes characters XML 1.0 cannot carry and keeps emoji and tabs', () => {
    expect(stripXmlIllegal('a\u0000b\u0008c\u001fd\tе😀\uFFFE\uD800')).toBe('abcd\tе😀')
  })

  it('splits ]]> across CDATA sections so none contains it', () => {
    const parts = cdataParts('x]]>y]]>z')
    expect(parts.join('')).toBe('x]]>y]]>z')
    for (const part of parts) expect(part).not.toContain(']]>')
  })

  it('keeps Latin-1 letters, strips accents Latin-1 lacks and marks the rest', () => {
    expect(toLatin1('Zoë Łódź Őr 東京 😀 “q”')).toBe('Zoë Lódz Or ?? ? "q"')
    expect(toLatin1('Rene\u0301e q\u0301 o\u0308\u030b')).toBe('Renée q ö')
  })
})
