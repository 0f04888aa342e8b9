import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { ConnectorError } from '../../src/errors.js'
import { readBook } from './read-file.js'

let folder: string

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'static-read-'))
})

afterAll(async () => {
  await rm(folder, { recursive: true, force: true })
})

async function read(name: string, content: string | Buffer, delimiter = ',') {
  const path = join(folder, name)
  await writeFile(path, content)
  return readBook({ path, shown: name, delimiter })
}

async function failure(name: string, content?: string): Promise<ConnectorError> {
  const path = join(folder, name)
  if (content !== undefined) await writeFile(path, content)
  const error = await readBook({ path, shown: name, delimiter: ',' }).catch(
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(ConnectorError)
  return error as ConnectorError
}

describe('readBook with CSV', () => {
  it('reads a header row and the rows under it', async () => {
    const table = await read('plain.csv', 'id,first,last\nc1,Bob,Jones\nc2,Zoë,Müller\n')
    expect(table.columns).toEqual(['id', 'first', 'last'])
    expect(table.rows).toEqual([
      ['c1', 'Bob', 'Jones'],
      ['c2', 'Zoë', 'Müller'],
    ])
  })

  it('handles quotes, doubled quotes, separators and line breaks inside fields', async () => {
    const table = await read(
      'quoted.csv',
      'id,company,notes\r\nc1,"Smith & Sons, Ltd","Said ""hi""\r\non two lines"\r\n',
    )
    expect(table.rows).toEqual([['c1', 'Smith & Sons, Ltd', 'Said "hi"\r\non two lines']])
  })

  it('reads files whose line endings are mixed, as a header saved apart from rows', async () => {
    const crlfHeader = await read('mixed-1.csv', 'id,last\r\nc1,Jones\nc2,Smith\n')
    const crlfRows = await read('mixed-2.csv', 'id,last\nc1,Jones\r\nc2,Smith\r\n')
    for (const table of [crlfHeader, crlfRows]) {
      expect(table.rows).toEqual([
        ['c1', 'Jones'],
        ['c2', 'Smith'],
      ])
      expect(table.raggedRows).toBe(0)
    }
  })

  it('strips a byte order mark and trims header names', async () => {
    const table = await read('bom.csv', '\uFEFF id , email \nc1,a@example.com\n')
    expect(table.columns).toEqual(['id', 'email'])
  })

  it('keeps a stray quote inside an unquoted field', async () => {
    const table = await read('stray.csv', 'id,last\nc1,O"Brien\n')
    expect(table.rows[0]).toEqual(['c1', 'O"Brien'])
  })

  it('pads short rows, cuts long ones and counts them', async () => {
    const table = await read('ragged.csv', 'id,first,last\nc1,Bob\nc2,Ann,Lee,extra\n\nc3,Cy,Ng\n')
    expect(table.rows).toEqual([
      ['c1', 'Bob', ''],
      ['c2', 'Ann', 'Lee'],
      ['c3', 'Cy', 'Ng'],
    ])
    expect(table.raggedRows).toBe(2)
  })

  it('reads semicolon-separated files when told to', async () => {
    const table = await read('semicolon.csv', 'id;last\nc1;García\n', ';')
    expect(table.rows[0]).toEqual(['c1', 'García'])
  })

  it('reads Windows-1252 and UTF-16 files as saved by spreadsheets', async () => {
    const latin = Buffer.from([...Buffer.from('id,last\nc1,M'), 0xfc, ...Buffer.from('ller\n')])
    expect((await read('latin.csv', latin)).rows[0]).toEqual(['c1', 'Müller'])
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('id,last\nc1,Zoë\n', 'utf16le'),
    ])
    expect((await read('utf16.csv', utf16)).rows[0]).toEqual(['c1', 'Zoë'])
  })

  it('accepts a header without rows as an empty address book', async () => {
    expect((await read('header.csv', 'id,email\n')).rows).toEqual([])
  })

  it('refuses a duplicate column, an unclosed quote and an empty file', async () => {
    const twice = await failure('twice.csv', 'id,email,email\nc1,a,b\n')
    expect(twice.kind).toBe('query')
    expect(twice.message).toContain('"email" twice')
    const unclosed = await failure('unclosed.csv', 'id,last\nc1,"Jones\nc2,Lee\n')
    expect(unclosed.message).toMatch(/unclosed\.csv cannot be read: .*line/i)
    expect((await failure('empty.csv', ' \n')).message).toContain('is empty')
  })
})

describe('readBook with JSON and YAML', () => {
  it('reads a JSON list of objects, every value as a string', async () => {
    const json = JSON.stringify([
      { id: 1, last: 'Jones', vip: true, tags: ['a', 'b'], phone: null },
      { id: 2, email: 'ann@example.com', address: { city: 'Oslo' } },
    ])
    const table = await read('book.json', json)
    expect(table.columns).toEqual(['id', 'last', 'vip', 'tags', 'phone', 'email', 'address'])
    expect(table.rows).toEqual([
      ['1', 'Jones', 'true', 'a, b', '', '', ''],
      ['2', '', '', '', '', 'ann@example.com', '{"city":"Oslo"}'],
    ])
  })

  it('reads a YAML list, keeping numbers as written', async () => {
    const yaml = '- id: c1\n  phone: 0123 4567\n  zip: 01234\n  rate: 1.50\n  vip: yes\n  email:\n'
    const table = await read('book.yaml', yaml)
    expect(table.rows).toEqual([['c1', '0123 4567', '01234', '1.50', 'yes', '']])
  })

  it('refuses a file that is not a list of objects', async () => {
    expect((await failure('object.json', '{"id": 1}')).message).toContain('list of contacts')
    expect((await failure('scalars.yml', '- 1\n- 2\n')).message).toContain(
      'contact 1 is not an object',
    )
    const broken = await failure('broken.yaml', '- id: c1\n  last: [unclosed\n')
    expect(broken.kind).toBe('query')
    expect(broken.message).toMatch(/line \d+/)
  })
})

describe('readBook failures', () => {
  it('reports a missing file as unreachable, naming the path as configured', async () => {
    const error = await failure('nowhere.csv')
    expect(error.kind).toBe('unreachable')
    expect(error.message).toBe('address book nowhere.csv does not exist')
  })

  it('reports a folder as unreachable', async () => {
    await mkdir(join(folder, 'folder.csv'))
    expect((await failure('folder.csv')).message).toContain('is a folder')
  })
})
