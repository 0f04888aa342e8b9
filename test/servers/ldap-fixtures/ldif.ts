import type { DirectoryPerson } from './people.js'

/** A tiny valid JPEG header and trailer: binary data that is not UTF-8. */
export const PHOTO = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex')

/** One LDIF attribute line, base64-encoded when RFC 2849 says the value is not safe. */
export function ldifLine(name: string, value: string | Buffer): string {
  if (Buffer.isBuffer(value)) return `${name}:: ${value.toString('base64')}`
  const safe =
    /^[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value)
  if (safe && !value.endsWith(' ')) return `${name}: ${value}`
  return `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`
}

/** An LDIF record from attribute lines. */
export function ldifRecord(
  dn: string,
  attributes: readonly (readonly [string, string | Buffer])[],
): string {
  return [ldifLine('dn', dn), ...attributes.map(([name, value]) => ldifLine(name, value))].join(
    '\n',
  )
}

/** The DN of a person of the test directory. */
export function personDN(uid: string, baseDN: string): string {
  return `uid=${uid},ou=people,${baseDN}`
}

/** A person as an inetOrgPerson LDIF record. */
export function personLdif(person: DirectoryPerson, baseDN: string): string {
  const mails =
    person.mail === undefined ? [] : typeof person.mail === 'string' ? [person.mail] : person.mail
  const attributes: [string, string | Buffer][] = [
    ['objectClass', 'inetOrgPerson'],
    ['uid', person.uid],
    ['cn', `${person.givenName} ${person.sn}`],
    ['sn', person.sn],
    ['givenName', person.givenName],
    ...mails.map((mail): [string, string] => ['mail', mail]),
  ]
  if (person.telephoneNumber) attributes.push(['telephoneNumber', person.telephoneNumber])
  if (person.o) attributes.push(['o', person.o])
  if (person.displayName) attributes.push(['displayName', person.displayName])
  if (person.manager) attributes.push(['manager', personDN(person.manager, baseDN)])
  if (person.photo) attributes.push(['jpegPhoto', PHOTO])
  return ldifRecord(personDN(person.uid, baseDN), attributes)
}
