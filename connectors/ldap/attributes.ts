import type { Entry } from 'ldapts'

import type { BackendRecord } from '../contract.js'

/** How values of a multi-valued attribute become one display string. */
export interface ValueStyle {
  readonly multiValue: 'first' | 'join'
  readonly separator: string
}

const GUID_ATTRIBUTES = new Set(['objectguid', 'msexchmailboxguid', 'ms-ds-consistencyguid'])
const SID_ATTRIBUTES = new Set(['objectsid', 'sidhistory', 'securityidentifier'])

/** Attributes that hold secrets, pictures, certificates or descriptors: never shown. */
const HIDDEN_ATTRIBUTES = new Set([
  'thumbnailphoto',
  'jpegphoto',
  'photo',
  'audio',
  'usercertificate',
  'usersmimecertificate',
  'cacertificate',
  'userpkcs12',
  'mssfu30password',
  'userpassword',
  'unicodepwd',
  'ntpwdhistory',
  'lmpwdhistory',
  'supplementalcredentials',
  'ntsecuritydescriptor',
  'msexchmailboxsecuritydescriptor',
  'logonhours',
  'tokengroups',
])

/** Bit 2 of `userAccountControl`: the account is disabled. */
const ACCOUNT_DISABLE = 0x2

/** The attribute names to ask the server for as raw bytes, so GUIDs and SIDs arrive intact. */
export function bufferAttributes(attributes: readonly string[]): string[] {
  const wanted = attributes.filter((name) => isGuid(name) || isSid(name))
  return [...new Set([...wanted, ...wanted.map((name) => CANONICAL[name.toLowerCase()] ?? name)])]
}

const CANONICAL: Readonly<Record<string, string>> = {
  objectguid: 'objectGUID',
  objectsid: 'objectSid',
  sidhistory: 'sIDHistory',
  msexchmailboxguid: 'msExchMailboxGuid',
  'ms-ds-consistencyguid': 'mS-DS-ConsistencyGuid',
  securityidentifier: 'securityIdentifier',
}

function isGuid(name: string): boolean {
  return GUID_ATTRIBUTES.has(name.toLowerCase())
}

function isSid(name: string): boolean {
  return SID_ATTRIBUTES.has(name.toLowerCase())
}

/** True when `userAccountControl` marks the entry as a disabled account. */
export function isDisabled(entry: Entry): boolean {
  const value = valuesOf(entry, 'userAccountControl')[0]
  if (value === undefined) return false
  const flags = Number.parseInt(typeof value === 'string' ? value : value.toString('latin1'), 10)
  return Number.isFinite(flags) && (flags & ACCOUNT_DISABLE) !== 0
}

/**
 * One entry as a record keyed by exactly the requested names: the first value or all values
 * joined, GUIDs and SIDs in their usual string forms, binary and secret attributes left out.
 */
export function renderEntry(
  entry: Entry,
  attributes: readonly string[],
  style: ValueStyle,
): BackendRecord {
  const record: BackendRecord = {}
  for (const name of attributes) {
    const shown = renderValues(
      name,
      name.toLowerCase() === 'dn' ? [entry.dn] : valuesOf(entry, name),
    )
    const kept = shown.filter((value) => value !== '')
    if (kept.length === 0) continue
    record[name] = style.multiValue === 'join' ? kept.join(style.separator) : (kept[0] ?? '')
  }
  return record
}

/** The values of an attribute, whatever the case the server spelled its name in. */
export function valuesOf(entry: Entry, name: string): (string | Buffer)[] {
  let value = entry[name]
  if (value === undefined) {
    const lower = name.toLowerCase()
    const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === lower)
    value = key === undefined ? undefined : entry[key]
  }
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

function renderValues(name: string, values: readonly (string | Buffer)[]): string[] {
  const lower = name.toLowerCase()
  if (HIDDEN_ATTRIBUTES.has(lower) || lower.endsWith(';binary')) return []
  if (isGuid(name)) return values.map((value) => formatGuid(asBytes(value)))
  if (isSid(name)) return values.map((value) => formatSid(asBytes(value)))
  return values.map((value) => (typeof value === 'string' && !value.includes('\0') ? value : ''))
}

function asBytes(value: string | Buffer): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value
}

/**
 * A 16-byte GUID as Windows shows it: the first three groups are little-endian in the bytes,
 * so `ba04a3e7...` reads `e7a304ba-...`.
 */
export function formatGuid(bytes: Buffer): string {
  if (bytes.length !== 16) return ''
  const hex = (from: number, to: number): string => bytes.subarray(from, to).toString('hex')
  const reversed = (from: number, to: number): string =>
    Buffer.from(bytes.subarray(from, to)).reverse().toString('hex')
  return `${reversed(0, 4)}-${reversed(4, 6)}-${reversed(6, 8)}-${hex(8, 10)}-${hex(10, 16)}`
}

/** A binary security identifier as `S-1-5-21-...`. */
export function formatSid(bytes: Buffer): string {
  if (bytes.length < 8) return ''
  const count = bytes[1] ?? 0
  if (bytes.length !== 8 + count * 4) return ''
  const authority = bytes.readUIntBE(2, 6)
  const subAuthorities: number[] = []
  for (let i = 0; i < count; i++) subAuthorities.push(bytes.readUInt32LE(8 + i * 4))
  return ['S', bytes[0], authority, ...subAuthorities].join('-')
}
