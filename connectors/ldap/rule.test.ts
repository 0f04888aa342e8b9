import { EqualityFilter, OrFilter, SubstringFilter } from 'ldapts'
import { describe, expect, it } from 'vitest'

import { RuleError } from '../contract.js'
import { bindLdapRule, compileLdapRule, filterText } from './rule.js'

function ruleError(filter: string, when: string[]): RuleError {
  try {
    compileLdapRule(filter, when)
  } catch (error) {
    expect(error).toBeInstanceOf(RuleError)
    return error as RuleError
  }
  throw new Error(`${filter} compiled`)
}

describe('compileLdapRule', () => {
  it('refuses a broken filter on the filter key', () => {
    const error = ruleError('(|(mail={email})(proxyAddresses=smtp:{email})', ['email'])
    expect(error.key).toBe('filter')
    expect(error.message).toMatch(/not a valid LDAP filter/)
  })

  it('refuses a placeholder outside a value', () => {
    expect(ruleError('({attribute}=x)', ['attribute']).key).toBe('filter')
    expect(ruleError('(cn{op}x)', ['op']).key).toBe('filter')
  })

  it('refuses a placeholder missing from when', () => {
    expect(ruleError('(mail={email})', ['customer_id']).message).toMatch(/not listed/)
  })

  it('refuses a filter without a placeholder, which finds the same entries every time', () => {
    const error = ruleError('(objectClass=person)', ['email'])
    expect(error).toMatchObject({ key: 'filter', message: /at least one \{placeholder\}/ })
  })
})

describe('bindLdapRule', () => {
  it('binds hostile values as literal text and keeps the template wildcard', () => {
    const rule = compileLdapRule('(sn={last_name}*)', ['last_name'])
    const filter = bindLdapRule(rule, { last_name: '*)(uid=*' }) as SubstringFilter
    expect(filter).toBeInstanceOf(SubstringFilter)
    expect(filter.initial).toBe('*)(uid=*')
    expect(filterText(rule, { last_name: '*)(uid=*' })).toBe('(sn=\\2a\\29\\28uid=\\2a*)')
  })

  it('binds the same value into every place it appears', () => {
    const rule = compileLdapRule('(|(mail={email})(proxyAddresses=smtp:{email}))', ['email'])
    const filter = bindLdapRule(rule, { email: 'zoë@example.com' }) as OrFilter
    const values = filter.filters.map((item) => (item as EqualityFilter).value)
    expect(values).toEqual(['zoë@example.com', 'smtp:zoë@example.com'])
  })

  it('turns {x%} into a prefix and {%x%} into a contains match', () => {
    const prefix = compileLdapRule('(cn={name%})', ['name'])
    const contains = compileLdapRule('(cn={%name%})', ['name'])
    expect(filterText(prefix, { name: 'a*' })).toBe('(cn=a\\2a*)')
    expect(filterText(contains, { name: 'a(' })).toBe('(cn=*a\\28*)')
  })
})
