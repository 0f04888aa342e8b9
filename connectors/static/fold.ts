/**
 * Letters that Unicode decomposition leaves alone but that people type without the mark: a
 * search for `muller` must find `Müller`, and `grosse` must find `Große`.
 */
const LETTERS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ħ: 'h',
  ı: 'i',
  ŀ: 'l',
  // Greek final sigma: `ΑΝΑΣ` lower-cases to `ανας`, which must still start `Αναστασίου`.
  ς: 'σ',
}

const PLAIN = /^[\x20-\x7e]*$/
const MARKS = /\p{M}+/gu
const SPECIAL = /[ßæœøłđðþħıŀς]/g
const SPACES = /\s+/g

/**
 * The form every value and search term is compared in: compatibility-decomposed, marks
 * stripped, lower-cased, a few letters spelled out, whitespace runs collapsed and trimmed.
 * Nothing else changes: `*`, `%`, `_` and quotes stay literal text.
 */
export function fold(value: string): string {
  if (PLAIN.test(value)) return value.toLowerCase().replace(SPACES, ' ').trim()

  return value
    .normalize('NFKD')
    .replace(MARKS, '')
    .toLowerCase()
    .replace(SPECIAL, (letter) => LETTERS[letter] ?? letter)
    .replace(SPACES, ' ')
    .trim()
}
