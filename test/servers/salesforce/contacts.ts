import { CONTRACT_PEOPLE } from '../../../connectors/contract-suite.js'
import { QueryFault } from './soql-lexer.js'

/** A Contact as the test org stores it, with its Account and Owner relationships. */
export interface StoredContact {
  readonly Id: string
  readonly FirstName: string
  readonly LastName: string
  readonly Name: string
  readonly Email: string | null
  readonly Phone: string | null
  readonly Title: string | null
  readonly AccountId: string | null
  readonly Account: { readonly Id: string; readonly Name: string } | null
  readonly OwnerId: string
  readonly Owner: { readonly Id: string; readonly Name: string; readonly Email: string }
}

const RELATIONSHIP_TYPES: Readonly<Record<string, string>> = { Account: 'Account', Owner: 'User' }

const OWNER = { Id: '005000000000001AAA', Name: 'Olivia Owner', Email: 'olivia.owner@example.com' }

/** The contract people as Contacts, each with an Account named after the person's company. */
export function contractContacts(): StoredContact[] {
  return CONTRACT_PEOPLE.map((person, index) => {
    const accountId = `001000000000${String(index + 1).padStart(3, '0')}AAA`
    return {
      Id: person.id,
      FirstName: person.first,
      LastName: person.last,
      Name: `${person.first} ${person.last}`,
      Email: person.email,
      Phone: person.phone,
      Title: null,
      AccountId: accountId,
      Account: { Id: accountId, Name: person.company },
      OwnerId: OWNER.Id,
      Owner: OWNER,
    }
  })
}

/** A field path resolved against the Contact shape: canonical names and the value. */
export function readField(
  contact: StoredContact,
  path: string,
): { names: string[]; value: unknown } {
  const names: string[] = []
  let current: unknown = contact
  for (const segment of path.split('.')) {
    if (current === null) return { names: [...names, segment], value: null }
    const record = current as Record<string, unknown>
    const name = Object.keys(record).find((key) => key.toLowerCase() === segment.toLowerCase())
    if (name === undefined) {
      throw new QueryFault('INVALID_FIELD', `No such column '${segment}' on entity 'Contact'.`)
    }
    names.push(name)
    current = record[name]
  }
  return { names, value: current ?? null }
}

/** The record the API returns for `contact`: only the selected fields, with `attributes`. */
export function projectContact(
  contact: StoredContact,
  fields: readonly string[],
  version: string,
): object {
  const base = `/services/data/v${version}/sobjects`
  const out: Record<string, unknown> = {
    attributes: { type: 'Contact', url: `${base}/Contact/${contact.Id}` },
  }
  for (const field of fields) {
    const { names, value } = readField(contact, field)
    let target = out
    let source: unknown = contact
    for (const [at, name] of names.entries()) {
      source = source === null ? null : (source as Record<string, unknown>)[name]
      if (at === names.length - 1 || source === null || source === undefined) {
        target[name] = at === names.length - 1 ? value : null
        break
      }
      const type = RELATIONSHIP_TYPES[name] ?? name
      const id = (source as { Id?: string }).Id
      target[name] ??= { attributes: { type, url: `${base}/${type}/${id}` } }
      target = target[name] as Record<string, unknown>
    }
  }
  return out
}
