import { describe, expect, it } from 'vitest'

import { RequestError } from './errors.js'
import { isAddressBookCall, parseQueryString, toLookupInput, withSearchTerm } from './params.js'

describe('parseQueryString', () => {
  it('reads + as a space and keeps empty values, as PHP builds them', () => {
    const params = parseQueryString('first_name=Mary+Ann&email=&phone')
    expect([...params]).toEqual([
      ['first_name', 'Mary Ann'],
      ['email', ''],
      ['phone', ''],
    ])
  })

  it('splits names from values at the first = of each pair only, skipping empty pairs', () => {
    const params = parseQueryString('&a&b=&=c&&d=x=y&e')
    expect([...params]).toEqual([
      ['a', ''],
      ['b', ''],
      ['', 'c'],
      ['d', 'x=y'],
      ['e', ''],
    ])
  })

  it('lets the last of a repeated name win', () => {
    expect(parseQueryString('email=a%40x.com&email=b%40x.com').get('email')).toBe('b@x.com')
  })

  it('refuses malformed percent-encoding with a 400 naming the parameter', () => {
    const error = (() => {
      try {
        parseQueryString('last_name=%E0%A4%A')
      } catch (caught) {
        return caught
      }
    })() as RequestError
    expect(error).toBeInstanceOf(RequestError)
    expect(error.status).toBe(400)
    expect(error.message).toBe('last_name is not valid percent-encoding')
  })

  it('refuses a query over 64 KiB with a 413', () => {
    expect(() => parseQueryString(`a=${'x'.repeat(64 * 1024)}`)).toThrowError(
      expect.objectContaining({ status: 413 }),
    )
  })
})

describe('toLookupInput', () => {
  it('decodes s*, x* and Custom<N> values a second time, and core fields only once', () => {
    const input = toLookupInput(
      parseQueryString(
        'email=a%2540b.com&sEmail=bob%2540example.com&xCategory=Sales%2520EU' +
          '&Custom3=New%2BYork&Custom4=50%25',
      ),
    )
    expect(input).toMatchObject({
      email: 'a%40b.com',
      sEmail: 'bob@example.com',
      xCategory: 'Sales EU',
      Custom3: 'New+York',
      Custom4: '50%',
    })
  })

  it('trims values, removes control characters and leaves out empty ones', () => {
    const input = toLookupInput(
      parseQueryString('first_name=+Bob+&last_name=%00Jo%00nes&email=+&phone='),
    )
    expect(input).toEqual({ first_name: 'Bob', last_name: 'Jo nes' })
  })

  it('replaces half a surrogate pair, which no backend can take, and keeps whole pairs', () => {
    const params = new Map([
      ['last_name', 'A\ud800b'],
      ['first_name', '\udc00Zoë😀'],
    ])
    expect(toLookupInput(params)).toEqual({ last_name: 'A\ufffdb', first_name: '\ufffdZoë😀' })
  })

  it('never treats the caller key as an input', () => {
    expect(toLookupInput(parseQueryString('key=secret&email=a%40b.com'))).toEqual({
      email: 'a@b.com',
    })
  })
})

describe('isAddressBookCall', () => {
  it('recognises the address book by the missing customer_id parameter', () => {
    expect(isAddressBookCall(parseQueryString('source_id=0&first_name=&last_name=Jo'))).toBe(true)
    expect(isAddressBookCall(parseQueryString('source_id=0&customer_id=&last_name=Jo'))).toBe(false)
  })
})

describe('withSearchTerm', () => {
  it('takes the term from the field callingField names', () => {
    expect(withSearchTerm({ callingField: 'Custom12', Custom12: 'Supp' }).term).toBe('Supp')
    expect(withSearchTerm({ callingField: 'Custom12' }).term).toBeUndefined()
  })

  it('never takes a term sent alongside an empty calling field', () => {
    const stray = { callingField: 'Custom12', Custom12: '', term: '%' }
    expect(withSearchTerm(toLookupInput(new Map(Object.entries(stray)))).term).toBeUndefined()
    expect(withSearchTerm({ term: 'Supp' }).term).toBe('Supp')
  })

  it('finds no term in a calling field named after a built-in property', () => {
    for (const calling of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const input = toLookupInput(parseQueryString(`callingField=${calling}`))
      expect(withSearchTerm(input).term, calling).toBeUndefined()
    }
    const named = toLookupInput(parseQueryString('callingField=constructor&constructor=Supp'))
    expect(withSearchTerm(named).term).toBe('Supp')
  })
})
