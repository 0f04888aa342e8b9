import { describe, expect, it } from 'vitest'

import { formatGuid, formatSid, isDisabled, renderEntry } from './attributes.js'
import { firstRdnValue } from './manager.js'

const FIRST = { multiValue: 'first', separator: ', ' } as const

function sid(authority: number, ...subs: number[]): Buffer {
  const bytes = Buffer.alloc(8 + subs.length * 4)
  bytes[0] = 1
  bytes[1] = subs.length
  bytes.writeUIntBE(authority, 2, 6)
  subs.forEach((sub, i) => bytes.writeUInt32LE(sub, 8 + i * 4))
  return bytes
}

describe('renderEntry', () => {
  it('keys values by the requested names whatever case the server used', () => {
    const entry = { dn: 'uid=a,dc=x', telephoneNumber: '555', mail: ['a@x', 'b@x'] }
    expect(renderEntry(entry, ['telephonenumber', 'MAIL', 'dn', 'title'], FIRST)).toEqual({
      telephonenumber: '555',
      MAIL: 'a@x',
      dn: 'uid=a,dc=x',
    })
    expect(renderEntry(entry, ['mail'], { multiValue: 'join', separator: ' | ' })).toEqual({
      mail: 'a@x | b@x',
    })
  })

  it('renders GUIDs and SIDs in their usual string forms', () => {
    const entry = {
      dn: 'x',
      objectGUID: Buffer.from('ba04a3e75c31d44081d964bb77ba555a', 'hex'),
      objectSid: sid(5, 21, 318020365, 491879760, 1819287535, 1103),
    }
    expect(renderEntry(entry, ['objectGUID', 'objectSid'], FIRST)).toEqual({
      objectGUID: 'e7a304ba-315c-40d4-81d9-64bb77ba555a',
      objectSid: 'S-1-5-21-318020365-491879760-1819287535-1103',
    })
  })

  it('never renders photos, passwords or other binary values', () => {
    const entry = {
      dn: 'x',
      thumbnailPhoto: 'looks like text',
      userPassword: 'secret',
      'userCertificate;binary': Buffer.from([0x30, 0x82]),
      description: Buffer.from([0xff, 0xfe, 0x00]),
      cn: 'Visible',
    }
    const names = ['thumbnailPhoto', 'userPassword', 'userCertificate;binary', 'description', 'cn']
    expect(renderEntry(entry, names, FIRST)).toEqual({ cn: 'Visible' })
  })
})

describe('AD values', () => {
  it('reads the disabled bit of userAccountControl', () => {
    expect(isDisabled({ dn: 'x', userAccountControl: '514' })).toBe(true)
    expect(isDisabled({ dn: 'x', useraccountcontrol: '512' })).toBe(false)
    expect(isDisabled({ dn: 'x' })).toBe(false)
  })

  it('refuses malformed GUIDs and SIDs', () => {
    expect(formatGuid(Buffer.alloc(3))).toBe('')
    expect(formatSid(Buffer.from([1, 4, 0, 0, 0, 0, 0, 5]))).toBe('')
  })

  it('reads the name from the first part of a manager DN', () => {
    expect(firstRdnValue('CN=Smith\\, Jane,OU=Staff,DC=corp')).toBe('Smith, Jane')
    expect(firstRdnValue('CN=Zo\\C3\\AB M\\C3\\BCller,DC=corp')).toBe('Zoë Müller')
    expect(firstRdnValue('uid=d2001,ou=people')).toBe('d2001')
  })
})
