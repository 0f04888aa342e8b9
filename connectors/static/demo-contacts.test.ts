import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import { contactsCsv, DEMO_COLUMNS, generateContacts } from '../../config/generate-demo.js'
import { readBook } from './read-file.js'

const DEMO = fileURLToPath(new URL('../../config/demo-contacts.csv', import.meta.url))

describe('demo address book', () => {
  it('is exactly what the seeded generator writes', async () => {
    expect(await readFile(DEMO, 'utf8')).toBe(contactsCsv(generateContacts(360)))
  })

  it('holds a few hundred varied fictional contacts', async () => {
    const table = await readBook({ path: DEMO, shown: 'demo-contacts.csv', delimiter: ',' })
    const column = (name: string) => table.rows.map((row) => row[table.columns.indexOf(name)] ?? '')

    expect(table.columns).toEqual([...DEMO_COLUMNS])
    expect(table.rows.length).toBeGreaterThanOrEqual(300)
    expect(table.rows.length).toBeLessThanOrEqual(400)
    expect(new Set(column('id')).size).toBe(table.rows.length)

    const last = column('last')
    expect(last.filter((name) => name === 'Smith').length).toBeGreaterThan(3)
    expect(last.filter((name) => name === 'García').length).toBeGreaterThan(3)
    expect(last).toEqual(expect.arrayContaining(['Müller', 'Ångström']))
    expect(column('first')).toEqual(expect.arrayContaining(['Zoë', 'José']))
    expect(column('vip').filter((vip) => vip === 'yes').length).toBeGreaterThan(10)
    expect(column('email').filter((email) => email === '').length).toBeGreaterThan(2)
    expect(column('company').some((company) => company.includes('&'))).toBe(true)
  })

  it('uses reserved example domains only', async () => {
    for (const contact of generateContacts(360)) {
      if (contact.email) expect(contact.email).toMatch(/@([a-z-]+\.)?example\.(com|org|net)$/)
    }
  })
})
