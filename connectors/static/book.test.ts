import { describe, expect, it } from 'vitest'

import { Book } from './book.js'
import { compileMatch } from './pattern.js'
import type { Table } from './table.js'

const COLUMNS = ['id', 'first', 'last', 'email', 'company', 'notes']

const ROWS = [
  ['c1', 'Bob', 'Smith', 'bob.smith@example.com', 'Smith & Sons', 'Prefers phone'],
  ['c2', 'Zoë', 'Müller', 'zoe@example.com', 'Müller GmbH', ''],
  ['c3', 'Anna', 'Smithers', 'anna@example.org', 'Kestrel', 'Renewal in March'],
  ['c4', 'José', 'García', 'jose@example.com', 'Café Lumière', ''],
  ['c5', 'Zoe', 'Mueller', '', 'Nordlicht', 'call after 3pm'],
  ['c6', 'Bob', 'Smith', 'bob2@example.com', 'Harbor & Pine', ''],
  ['c7', 'Ada', 'GARCÍA', 'ada@example.net', '', ''],
  ['c8', 'Star', 'O*(Brien)\\', 'star@example.com', '100%_Done', ''],
  ['c9', 'Anders', 'Ångström', 'anders@example.com', '', ''],
]

function book(rows: string[][] = ROWS, columns: string[] = COLUMNS, unknown: string[] = []): Book {
  const table: Table = { columns, rows, raggedRows: 0 }
  return new Book(table, 'test', (column) => unknown.push(column))
}

function ids(
  found: Book,
  match: Record<string, string>,
  input: Record<string, string>,
  limit = 25,
): string[] {
  const rule = compileMatch(match, Object.keys(input))
  return found.search(rule, input, ['id'], limit).map((record) => record.id ?? '')
}

describe('Book.search', () => {
  const contacts = book()

  it('matches exactly, ignoring case and accents', () => {
    expect(ids(contacts, { last: '{last_name}' }, { last_name: 'garcia' })).toEqual(['c4', 'c7'])
    expect(ids(contacts, { last: '{last_name}' }, { last_name: 'MÜLLER' })).toEqual(['c2'])
    expect(ids(contacts, { last: '{last_name}' }, { last_name: 'angstrom' })).toEqual(['c9'])
    expect(ids(contacts, { email: '{email}' }, { email: 'Bob.Smith@Example.com' })).toEqual(['c1'])
  })

  it('tells prefix from exact matches', () => {
    expect(ids(contacts, { last: '{last_name}' }, { last_name: 'Smith' })).toEqual(['c1', 'c6'])
    expect(ids(contacts, { last: '{last_name}*' }, { last_name: 'Smith' })).toEqual([
      'c1',
      'c6',
      'c3',
    ])
    expect(ids(contacts, { last: '{last_name}' }, { last_name: 'Smi' })).toEqual([])
    expect(ids(contacts, { last: '{last_name}*' }, { last_name: 'mu' })).toEqual(['c2', 'c5'])
  })

  it('finds a value anywhere with a contains pattern', () => {
    expect(ids(contacts, { notes: '*{term}*' }, { term: 'MARCH' })).toEqual(['c3'])
    expect(ids(contacts, { company: '{%term%}' }, { term: '&' })).toEqual(['c1', 'c6'])
  })

  it('requires every column of a rule to match', () => {
    const match = { last: '{last_name}*', first: '{first_name}*' }
    expect(ids(contacts, match, { last_name: 'smi', first_name: 'an' })).toEqual(['c3'])
    expect(ids(contacts, match, { last_name: 'smi', first_name: 'bo' })).toEqual(['c1', 'c6'])
    expect(ids(contacts, match, { last_name: 'smi', first_name: 'zo' })).toEqual([])
    expect(
      ids(contacts, { last: '{last_name}', email: '*example.com*' }, { last_name: 'García' }),
    ).toEqual(['c4'])
  })

  it('fills patterns with literal text around placeholders', () => {
    const named = book([['c1', 'Bob Smith']], ['id', 'name'])
    const match = { name: '{first_name} {last_name}' }
    expect(ids(named, match, { first_name: 'BOB', last_name: 'smith' })).toEqual(['c1'])
  })

  it('returns rows in file order and stops at the limit', () => {
    expect(ids(contacts, { last: '{last_name}*' }, { last_name: 's' })).toEqual(['c1', 'c3', 'c6'])
    expect(ids(contacts, { last: '{last_name}*' }, { last_name: 's' }, 2)).toEqual(['c1', 'c3'])
    expect(ids(contacts, { last: '{last_name}*' }, { last_name: 's' }, 0)).toEqual([])
  })

  it('puts rows equal to the searched values first, so a wide prefix cannot crowd them out', () => {
    const rows = [
      ...Array.from({ length: 30 }, (_, at) => [`p${at}`, 'Ann', `Jones${at}`, '', '', '']),
      ['exact', 'Ann', 'Jones', '', '', ''],
      ['other', 'Annabel', 'Jones', '', '', ''],
    ]
    const crowded = book(rows)
    const byLast = { last: '{last_name}*' }
    expect(ids(crowded, byLast, { last_name: 'jones' }, 3)).toEqual(['exact', 'other', 'p0'])
    expect(ids(crowded, byLast, { last_name: 'jone' }, 3)).toEqual(['p0', 'p1', 'p2'])

    const both = { last: '{last_name}*', first: '{first_name}*' }
    const found = ids(crowded, both, { last_name: 'Jones', first_name: 'Ann' }, 2)
    expect(found).toEqual(['exact', 'p0'])
  })

  it('treats wildcard and query characters in values as literal text', () => {
    const last = { last: '{last_name}*' }
    expect(ids(contacts, last, { last_name: 'O*(' })).toEqual(['c8'])
    expect(ids(contacts, last, { last_name: 'O*(Brien)\\' })).toEqual(['c8'])
    expect(ids(contacts, { company: '{term}*' }, { term: '100%_' })).toEqual(['c8'])
    for (const hostile of [
      '*',
      '%',
      '_',
      '\\',
      "' OR 1=1 --",
      'a\u0000b',
      ')(uid=*',
      '.*',
      '[a-z]',
    ]) {
      expect(ids(contacts, last, { last_name: hostile }), hostile).toEqual([])
      expect(ids(contacts, { email: '{email}' }, { email: hostile }), hostile).toEqual([])
    }
  })

  it('never matches everything with a value that folds to nothing', () => {
    expect(ids(contacts, { last: '{last_name}*' }, { last_name: '\u0308' })).toEqual([])
    expect(ids(contacts, { last: '{last_name}*' }, { last_name: '   ' })).toEqual([])
    // Nor with literal text around it: that text alone would select every row it starts.
    expect(ids(contacts, { company: 'Smith {last_name}*' }, { last_name: '\u0301' })).toEqual([])
    expect(ids(contacts, { company: 'Smith {last_name}*' }, { last_name: '&' })).toEqual(['c1'])
  })

  it('never finds rows whose value is empty', () => {
    expect(ids(contacts, { email: '*{term}*' }, { term: 'example' })).not.toContain('c5')
  })

  it('returns the wanted attributes only, leaving empty values out', () => {
    const rule = compileMatch({ id: '{customer_id}' }, ['customer_id'])
    const [zoe] = contacts.search(rule, { customer_id: 'c5' }, ['first', 'email', 'missing'], 5)
    expect(zoe).toEqual({ first: 'Zoe' })
  })

  it('finds columns whatever their case in the header', () => {
    const upper = book([['c1', 'Ann@Example.com']], ['ID', 'E-Mail'])
    const rule = compileMatch({ 'e-mail': '{email}' }, ['email'])
    expect(upper.search(rule, { email: 'ann@example.com' }, ['id', 'E-Mail'], 5)).toEqual([
      { id: 'c1', 'E-Mail': 'Ann@Example.com' },
    ])
  })

  it('reports a column the file lacks once and matches nothing', () => {
    const unknown: string[] = []
    const found = book(ROWS, COLUMNS, unknown)
    expect(ids(found, { surname: '{last_name}' }, { last_name: 'Smith' })).toEqual([])
    expect(ids(found, { surname: '{last_name}' }, { last_name: 'Jones' })).toEqual([])
    expect(unknown).toEqual(['surname'])
  })

  it('keeps the indexed columns so a reload can index them at once', () => {
    const found = book()
    ids(found, { last: '{last_name}*', email: '{email}' }, { last_name: 'x', email: 'y' })
    expect(found.indexedColumns().sort()).toEqual(['email', 'last'])
  })

  it('merges many matching values in file order', () => {
    const rows = Array.from({ length: 500 }, (_, at) => [`c${at}`, `name${(at * 7) % 13}`])
    const many = book(rows, ['id', 'last'])
    const found = ids(many, { last: '{last_name}*' }, { last_name: 'name' }, 40)
    expect(found).toEqual(rows.slice(0, 40).map(([id]) => id))
  })

  it('hands out one unchanging record per row and attribute list', () => {
    const found = book()
    const rule = compileMatch({ last: '{last_name}' }, ['last_name'])
    const attributes = ['id', 'email']
    const first = found.search(rule, { last_name: 'smith' }, attributes, 5)
    const again = found.search(rule, { last_name: 'SMITH' }, attributes, 5)
    expect(again[0]).toBe(first[0])
    expect(Object.isFrozen(first[0])).toBe(true)

    const other = found.search(rule, { last_name: 'smith' }, ['id'], 5)
    expect(other[0]).toEqual({ id: 'c1' })
    expect(other[0]).not.toBe(first[0])
  })

  it('keeps a bounded number of records, building an evicted one again', () => {
    const rows = Array.from({ length: 20_001 }, (_, at) => [`c${at}`, `Name${at}`])
    const many = book(rows, ['id', 'last'])
    const rule = compileMatch({ id: '{customer_id}' }, ['customer_id'])
    const attributes = ['id', 'last']
    const find = (id: string) => many.search(rule, { customer_id: id }, attributes, 1)[0]

    const first = find('c0')
    expect(find('c0')).toBe(first)
    for (let at = 1; at < rows.length; at++) find(`c${at}`)
    const again = find('c0')
    expect(again).toEqual({ id: 'c0', last: 'Name0' })
    expect(again).not.toBe(first)
  })
})
