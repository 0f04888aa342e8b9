import { describe, expect, it } from 'vitest'

import { RuleError } from '../contract.js'
import { compileStatement, escapeLike, parameterValue } from './statement.js'

function ruleError(run: () => unknown): RuleError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(RuleError)
    return error as RuleError
  }
  throw new Error('expected a RuleError')
}

describe('compileStatement', () => {
  const query = 'SELECT id FROM customers WHERE email = {email} OR last_name LIKE {%email%}'

  it('writes each dialect its own parameter markers and an ESCAPE clause after patterns', () => {
    expect(compileStatement('mssql', query, ['email']).text).toBe(
      "SELECT id FROM customers WHERE email = @p1 OR last_name LIKE @p2 ESCAPE '!'",
    )
    expect(compileStatement('postgres', query, ['email']).text).toBe(
      "SELECT id FROM customers WHERE email = $1 OR last_name LIKE $2 ESCAPE '!'",
    )
    expect(compileStatement('mysql', query, ['email']).text).toBe(
      "SELECT id FROM customers WHERE email = ? OR last_name LIKE ? ESCAPE '!'",
    )
  })

  it('lists the parameters in order with how each one matches', () => {
    expect(compileStatement('postgres', query, ['email']).parameters).toEqual([
      { input: 'email', match: 'exact' },
      { input: 'email', match: 'contains' },
    ])
  })

  it('accepts ILIKE and NOT LIKE before a pattern', () => {
    const text = 'SELECT 1 FROM t WHERE a ILIKE {x%} AND b NOT LIKE {%x%}'
    expect(compileStatement('postgres', text, ['x']).text).toBe(
      "SELECT 1 FROM t WHERE a ILIKE $1 ESCAPE '!' AND b NOT LIKE $2 ESCAPE '!'",
    )
  })

  it('refuses an empty query, an unknown placeholder and a misplaced pattern on key query', () => {
    expect(ruleError(() => compileStatement('mysql', '  ', [])).key).toBe('query')
    expect(ruleError(() => compileStatement('mysql', 'SELECT {nope}', ['email'])).key).toBe('query')
    expect(
      ruleError(() => compileStatement('mysql', 'SELECT 1 WHERE a = {x%}', ['x'])).message,
    ).toMatch(/must follow LIKE/)
    expect(
      ruleError(() => compileStatement('mysql', "SELECT 1 WHERE a LIKE {x%} ESCAPE '\\'", ['x']))
        .message,
    ).toMatch(/remove the ESCAPE/)
  })

  it('matches a plain placeholder after LIKE as the whole value, its wildcards literal', () => {
    const statement = compileStatement('postgres', 'SELECT 1 FROM t WHERE a LIKE {x}', ['x'])
    expect(statement.text).toBe("SELECT 1 FROM t WHERE a LIKE $1 ESCAPE '!'")
    expect(statement.parameters).toEqual([{ input: 'x', match: 'exact', wholeLike: true }])
    expect(parameterValue('postgres', statement.parameters[0]!, { x: '%' })).toBe('!%')
    expect(parameterValue('postgres', statement.parameters[0]!, { x: 'Smith' })).toBe('Smith')
  })

  it('never puts a value into the statement text', () => {
    const statement = compileStatement('mssql', 'SELECT 1 WHERE a = {x}', ['x'])
    expect(statement.text).not.toContain("'")
    expect(parameterValue('mssql', statement.parameters[0]!, { x: "' OR 1=1 --" })).toBe(
      "' OR 1=1 --",
    )
  })
})

describe('escapeLike', () => {
  it('escapes wildcards and the escape character, and brackets for SQL Server only', () => {
    expect(escapeLike('postgres', '100%_!\\[a]')).toBe('100!%!_!!\\[a]')
    expect(escapeLike('mysql', '100%_!\\[a]')).toBe('100!%!_!!\\[a]')
    expect(escapeLike('mssql', '100%_!\\[a]')).toBe('100!%!_!!\\![a]')
  })

  it('builds prefix and contains patterns around the escaped value', () => {
    expect(parameterValue('mssql', { input: 'x', match: 'prefix' }, { x: 'O_[' })).toBe('O!_![%')
    expect(parameterValue('postgres', { input: 'x', match: 'contains' }, { x: '5%' })).toBe('%5!%%')
  })
})
