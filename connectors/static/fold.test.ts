import { describe, expect, it } from 'vitest'

import { fold } from './fold.js'

describe('fold', () => {
  it('lower-cases and strips accents', () => {
    expect(fold('Zoë')).toBe('zoe')
    expect(fold('JOSÉ')).toBe('jose')
    expect(fold('Müller')).toBe('muller')
    expect(fold('Ångström')).toBe('angstrom')
    expect(fold('İlker')).toBe('ilker')
  })

  it('spells out letters that decomposition leaves alone', () => {
    expect(fold('Weiß')).toBe('weiss')
    expect(fold('Æbelø')).toBe('aebelo')
    expect(fold('Łódź')).toBe('lodz')
    expect(fold('Œuvre')).toBe('oeuvre')
    expect(fold('Þór')).toBe('thor')
    expect(fold('Yılmaz')).toBe('yilmaz')
    expect(fold('ΑΝΑΣ')).toBe(fold('Αναστασίου').slice(0, 4))
  })

  it('folds decomposed and precomposed forms alike', () => {
    expect(fold('Zoe\u0308')).toBe(fold('Zo\u00eb'))
    expect(fold('ﬁsher')).toBe('fisher')
  })

  it('collapses and trims whitespace', () => {
    expect(fold('  Bob \t  Jones\n')).toBe('bob jones')
  })

  it('keeps wildcard and quote characters as literal text', () => {
    expect(fold("O*(Brien)\\ 100%_Done 'x'")).toBe("o*(brien)\\ 100%_done 'x'")
  })

  it('leaves scripts without case or marks intact', () => {
    expect(fold('田中')).toBe('田中')
    expect(fold('😀 Smile')).toBe('😀 smile')
  })
})
