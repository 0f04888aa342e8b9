import { describe, expect, it } from 'vitest'

import { RuleError } from '../contract.js'
import { compileMatch, needleOf } from './pattern.js'

function modes(match: Record<string, string>, when: string[]): string[] {
  return compileMatch(match, when).patterns.map((pattern) => pattern.mode)
}

function refusal(match: Record<string, string>, when: string[]): RuleError {
  try {
    compileMatch(match, when)
  } catch (error) {
    if (error instanceof RuleError) return error
    throw error
  }
  throw new Error('the rule compiled')
}

describe('compileMatch', () => {
  it('reads exact, prefix and contains patterns', () => {
    expect(modes({ email: '{email}' }, ['email'])).toEqual(['exact'])
    expect(modes({ last: '{last_name}*' }, ['last_name'])).toEqual(['prefix'])
    expect(modes({ last: '{last_name%}' }, ['last_name'])).toEqual(['prefix'])
    expect(modes({ notes: '*{term}*' }, ['term'])).toEqual(['contains'])
    expect(modes({ notes: '{%term%}' }, ['term'])).toEqual(['contains'])
  })

  it('keeps every entry, so all must match', () => {
    const rule = compileMatch({ last: '{last_name}*', first: '{first_name}*' }, [
      'last_name',
      'first_name',
    ])
    expect(rule.patterns.map((pattern) => pattern.column)).toEqual(['last', 'first'])
  })

  it('allows literal text and constant entries beside placeholders', () => {
    expect(
      modes({ name: '{first_name} {last_name}', vip: 'yes' }, ['first_name', 'last_name']),
    ).toEqual(['exact', 'exact'])
  })

  it('refuses a placeholder missing from when, naming the entry', () => {
    const error = refusal({ email: '{email}' }, ['customer_id'])
    expect(error.key).toBe('match.email')
    expect(error.message).toContain('{email}')
  })

  it('refuses an empty match, a rule without placeholders and empty patterns', () => {
    expect(refusal({}, ['email']).key).toBe('match')
    expect(refusal({ vip: 'yes' }, ['email']).key).toBe('match')
    expect(refusal({ email: '' }, ['email']).key).toBe('match.email')
    expect(refusal({ email: '*' }, ['email']).message).toContain('wildcard')
  })

  it('refuses a * anywhere but the ends, and a lone leading *', () => {
    expect(refusal({ last: '{last_name}*son' }, ['last_name']).key).toBe('match.last')
    expect(refusal({ last: '*{last_name}' }, ['last_name']).key).toBe('match.last')
    expect(refusal({ last: '{last_name%} x' }, ['last_name']).key).toBe('match.last')
  })
})

describe('needleOf', () => {
  it('fills the pattern with folded inputs and drops the wildcard', () => {
    const [pattern] = compileMatch({ name: '{first_name} {last_name}*' }, [
      'first_name',
      'last_name',
    ]).patterns
    expect(needleOf(pattern!, { first_name: 'Zoë', last_name: 'MÜLL' })).toBe('zoe mull')
  })

  it('keeps a * typed in a value as literal text', () => {
    const [pattern] = compileMatch({ last: '{last_name}*' }, ['last_name']).patterns
    expect(needleOf(pattern!, { last_name: 'O*(' })).toBe('o*(')
  })
})
