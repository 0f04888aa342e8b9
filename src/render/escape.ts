const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escapes text for HTML, quotes included, so it shows as typed and never becomes markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]!)
}

/** Characters XML 1.0 does not allow, lone surrogates included. */
const XML_ILLEGAL = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/** Removes what XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF). */
export function stripXmlIllegal(text: string): string {
  return text.replace(XML_ILLEGAL, '')
}

/** Removes `<` and `>` from a value HelpSpot may insert into a request. */
export function stripAngles(text: string): string {
  return text.replace(/[<>]/g, '')
}

/**
 * Splits a CDATA body so that no part contains `]]>`: `a]]>b` becomes `a]]` and `>b`, emitted
 * as two adjacent CDATA sections that a parser joins back together.
 */
export function cdataParts(text: string): string[] {
  return text.split(']]>').flatMap((part, i, all) => {
    const head = i > 0 ? '>' : ''
    const tail = i < all.length - 1 ? ']]' : ''
    return [head + part + tail]
  })
}

/**
 * Makes text representable in ISO-8859-1: a character outside Latin-1 becomes its base letter
 * when it has one (`ő` -> `o`, `Ł` -> `L`), else `?`. Text is composed first, so an `e`
 * followed by a combining accent is the Latin-1 `é`; an accent with no composed form is dropped.
 */
export function toLatin1(text: string): string {
  let result = ''
  for (const char of text.normalize('NFC')) {
    if (char.charCodeAt(0) <= 0xff && char.length === 1) {
      result += char
      continue
    }
    result += latin1Fallback(char)
  }
  return result
}

const BASE_LETTERS: Readonly<Record<string, string>> = {
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Ħ: 'H',
  ħ: 'h',
  ı: 'i',
  Œ: 'OE',
  œ: 'oe',
  ŋ: 'n',
  Ŋ: 'N',
  '\u2018': "'",
  '\u2019': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2026': '...',
  '\u20ac': 'EUR',
}

const COMBINING_MARK = /^[\u0300-\u036f]$/

function latin1Fallback(char: string): string {
  const known = BASE_LETTERS[char]
  if (known) return known
  if (COMBINING_MARK.test(char)) return ''
  const base = char.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
  return base.length > 0 && [...base].every((c) => c.charCodeAt(0) <= 0xff) ? base : '?'
}

/**
 * Text for an xmlbuilder2 text node or attribute. NOTE: xmlbuilder2 leaves an `&` that starts
 * something shaped like an entity (`&lt;`, `&T;`) as it is, treating the text as escaped
 * already; connector data is never escaped already, so every `&` is escaped here first and the
 * builder then leaves those `&amp;` alone. Without this, stored `&lt;script&gt;` would reach
 * HelpSpot as live markup and `AT&T;` as an undefined entity.
 */
export function xmlText(text: string): string {
  return stripXmlIllegal(text).replaceAll('&', '&amp;')
}
