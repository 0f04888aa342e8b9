import { CONTRACT_PEOPLE } from '../../../connectors/contract-suite.js'

/** One row of the `customers` table every SQL test server holds. */
export interface SqlPerson {
  readonly id: string
  readonly first_name: string
  readonly last_name: string
  readonly email: string | null
  readonly phone: string | null
  readonly company: string | null
}

/** The columns of `customers`, in order. */
export const PEOPLE_COLUMNS = [
  'id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'company',
] as const

/**
 * The contract people plus names that trip up hand-written SQL: quotes of both kinds, LIKE
 * wildcards and a character class, accents, and NULLs.
 */
export const SQL_PEOPLE: readonly SqlPerson[] = [
  ...CONTRACT_PEOPLE.map((p) => ({
    id: p.id,
    first_name: p.first,
    last_name: p.last,
    email: p.email,
    phone: p.phone,
    company: p.company,
  })),
  {
    id: 'c2001',
    first_name: 'Bracket',
    last_name: '[a-z]%_Name',
    email: 'bracket@example.com',
    phone: null,
    company: null,
  },
  {
    id: 'c2002',
    first_name: 'Nora',
    last_name: 'Nullphone',
    email: 'nora@example.com',
    phone: null,
    company: 'Ångström AB',
  },
  {
    id: 'c2003',
    first_name: "D'Arcy",
    last_name: 'Say "Hi"',
    email: 'darcy@example.com',
    phone: '555-2003',
    company: 'Quote "Co"',
  },
  {
    id: 'c2004',
    first_name: 'Ingrid',
    last_name: 'Ærø-Ñúñez',
    email: null,
    phone: '555-2004',
    company: 'Ñandú S.A.',
  },
]

/** The `customers` columns listed for a SELECT. */
export const PEOPLE_SELECT = PEOPLE_COLUMNS.join(', ')

/** The contract rules over a `customers`-shaped table, in any dialect. */
export function peopleRules(table: string) {
  const select = `SELECT ${PEOPLE_SELECT} FROM ${table}`
  return {
    byId: { query: `${select} WHERE id = {customer_id}` },
    byEmail: { query: `${select} WHERE email = {email}` },
    byLastName: { query: `${select} WHERE last_name LIKE {last_name%} ORDER BY id` },
  }
}

/** HelpSpot names to the `customers` columns. */
export const PEOPLE_MAP = {
  customer_id: 'id',
  first_name: 'first_name',
  last_name: 'last_name',
  email: 'email',
  phone: 'phone',
  organization: 'company',
} as const
