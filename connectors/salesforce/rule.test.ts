import { describe, expect, it } from 'vitest'

import { RuleError } from '../contract.js'
import { compileRule, renderQuery, searchTermTooShort } from './rule.js'

function render(
  rule: { soql?: string; sosl?: string },
  input: Record<string, string>,
  limit = 25,
): string {
  return renderQuery(compileRule({ ...rule, when: Object.keys(input) }), input, limit)
}

describe('compileRule', () => {
  it('adds a LIMIT to a query that has none', () => {
    expect(
      render({ soql: 'SELECT Id FROM Contact WHERE Email = {email}\n' }, { email: 'a@b.c' }, 5),
    ).toBe("SELECT Id FROM Contact WHERE Email = 'a@b.c' LIMIT 5")
  })

  it('clamps a written LIMIT to the lookup limit and keeps a smaller one', () => {
    const soql = 'SELECT Id FROM Contact WHERE LastName LIKE {last%} ORDER BY LastName LIMIT 10'
    expect(render({ soql }, { last: 'Jo' }, 3)).toBe(
      "SELECT Id FROM Contact WHERE LastName LIKE 'Jo%' ORDER BY LastName LIMIT 3",
    )
    expect(render({ soql }, { last: 'Jo' }, 50)).toContain('LIMIT 10')
  })

  it('puts an added LIMIT before OFFSET', () => {
    expect(
      render({ soql: 'SELECT Id FROM Contact WHERE Email = {e} OFFSET 5' }, { e: 'x' }, 2),
    ).toBe("SELECT Id FROM Contact WHERE Email = 'x' LIMIT 2 OFFSET 5")
  })

  it('ignores LIMIT inside a subquery and inside string literals', () => {
    const soql =
      'SELECT Id, (SELECT Id FROM Cases LIMIT 1) FROM Contact ' +
      "WHERE Title != 'LIMIT 9' AND Email = {e}"
    expect(render({ soql }, { e: 'x' }, 4)).toBe(`${soql.replace('{e}', "'x'")} LIMIT 4`)
  })

  it('appends the LIMIT after a placeholder that ends the query', () => {
    expect(render({ soql: 'SELECT Id FROM Contact WHERE Email = {e}' }, { e: 'x' }, 7)).toMatch(
      /'x' LIMIT 7$/,
    )
  })

  it('binds the FIND term as an escaped search and other placeholders as literals', () => {
    const sosl = 'FIND {term} IN NAME FIELDS RETURNING Contact(Id, Name WHERE Email != {email})'
    expect(render({ sosl }, { term: "O'Hara OR x", email: "a'b" }, 5)).toBe(
      'FIND {O\\\'Hara "OR" x} IN NAME FIELDS ' +
        "RETURNING Contact(Id, Name WHERE Email != 'a\\'b') LIMIT 5",
    )
  })

  it('puts the SOSL LIMIT before UPDATE and clamps a written one', () => {
    expect(
      render({ sosl: 'FIND {t%} RETURNING Contact(Id) UPDATE TRACKING' }, { t: 'Jo' }, 3),
    ).toBe('FIND {Jo*} RETURNING Contact(Id) LIMIT 3 UPDATE TRACKING')
    expect(render({ sosl: 'FIND {t} RETURNING Contact(Id) LIMIT 200' }, { t: 'Jo' }, 3)).toBe(
      'FIND {Jo} RETURNING Contact(Id) LIMIT 3',
    )
  })

  it.each([
    [{ soql: 'SELECT Id FROM Contact', sosl: 'FIND {e}' }, 'sosl', /not both/],
    [{}, 'soql', /needs a soql/],
    [{ soql: 'DELETE Contact WHERE Email = {e}' }, 'soql', /starts with SELECT/],
    [{ soql: "SELECT Id FROM Contact WHERE Email = '{e}'" }, 'soql', /inside quotes/],
    [
      { soql: 'SELECT Id FROM Contact WHERE Email = {e} LIMIT {e}' },
      'soql',
      /LIMIT must be followed/,
    ],
    [{ soql: "SELECT Id FROM Contact WHERE Email = {e} AND Name = 'x" }, 'soql', /closing quote/],
    [{ soql: 'SELECT Id FROM Contact WHERE (Email = {e}' }, 'soql', /parentheses/],
    [{ soql: 'SELECT Id FROM Contact' }, 'soql', /at least one/],
    [{ soql: 'SELECT Id FROM Contact WHERE Email = {other}' }, 'soql', /not listed/],
    [{ sosl: 'FIND Bob RETURNING Contact(Id) {e}' }, 'sosl', /starts with FIND \{input\}/],
    [{ sosl: 'FIND {%e%} RETURNING Contact(Id)' }, 'sosl', /use \{e\} or \{e%\}/],
    [{ soql: 'SELECT Id FROM Contact WHERE Email = {e%}' }, 'soql', /\{e%\} must follow LIKE/],
    [{ soql: 'SELECT Id FROM Contact WHERE Name IN ({%e%})' }, 'soql', /must follow LIKE/],
  ])('refuses a broken rule %#', (rule, key, message) => {
    let caught: unknown
    try {
      compileRule({ ...rule, when: ['e'] })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(RuleError)
    expect((caught as RuleError).key).toBe(key)
    expect((caught as RuleError).message).toMatch(message)
  })
})

describe('renderQuery after LIKE', () => {
  it('matches a plain placeholder whole, its wildcards taken literally', () => {
    const soql = 'SELECT Id FROM Contact WHERE LastName LIKE {e} AND Email = {e}'
    expect(render({ soql }, { e: "100%_O'H" }, 3)).toBe(
      "SELECT Id FROM Contact WHERE LastName LIKE '100\\%\\_O\\'H' " +
        "AND Email = '100%_O\\'H' LIMIT 3",
    )
  })
})

describe('searchTermTooShort', () => {
  const rule = compileRule({ sosl: 'FIND {e%} RETURNING Contact(Id)', when: ['e'] })

  it('counts letters and digits, as Salesforce does, not spaces, punctuation or symbols', () => {
    for (const short of ['J', 'J*', ' J ', '*?', 'J-', '']) {
      expect(searchTermTooShort(rule, { e: short }), short).toBe(true)
    }
    for (const enough of ['Jo', 'J1', 'Zoë', '東京']) {
      expect(searchTermTooShort(rule, { e: enough }), enough).toBe(false)
    }
  })
})
