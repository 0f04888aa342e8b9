import { AndFilter, ExtensibleFilter, type Filter, NotFilter } from 'ldapts'

import type { BackendRecord, SearchRequest } from '../contract.js'
import { bufferAttributes, isDisabled, renderEntry, type ValueStyle } from './attributes.js'
import type { LdapConnection } from './connection.js'
import { ldapFailure } from './errors.js'
import { managerNames } from './manager.js'
import { abortable } from './pool.js'

/** What every search of one connector shares, worked out once from its options. */
export interface SearchPlan {
  readonly baseDN: string
  readonly scope: 'sub' | 'one' | 'base'
  readonly sizeLimit: number | undefined
  /** Whole seconds, as LDAP sends it. */
  readonly timeLimit: number
  readonly includeDisabled: boolean
  readonly managerName: boolean
  readonly style: ValueStyle
}

/** Leaves out accounts AD marks disabled, evaluated by the server (bitwise AND rule). */
const ENABLED_ONLY = new NotFilter({
  filter: new ExtensibleFilter({
    matchType: 'userAccountControl',
    rule: '1.2.840.113556.1.4.803',
    value: '2',
  }),
})

/**
 * Runs one lookup's search on a pooled connection and renders its entries. Active Directory
 * leaves disabled accounts out itself, so the size limit counts enabled accounts only; other
 * directories are filtered here on `userAccountControl` when entries carry it.
 */
export async function searchDirectory(
  connection: LdapConnection,
  request: SearchRequest<unknown>,
  filter: Filter,
  plan: SearchPlan,
): Promise<BackendRecord[]> {
  const wanted = request.attributes.filter((name) => name.toLowerCase() !== 'dn')
  const attributes = plan.includeDisabled ? wanted : [...wanted, 'userAccountControl']
  const serverHidesDisabled = !plan.includeDisabled && connection.activeDirectory

  connection.holdWrites()
  const { searchEntries } = await abortable(
    connection.client.search(plan.baseDN, {
      scope: plan.scope,
      filter: serverHidesDisabled ? new AndFilter({ filters: [filter, ENABLED_ONLY] }) : filter,
      attributes: attributes.length ? [...new Set(attributes)] : ['1.1'],
      explicitBufferAttributes: bufferAttributes(attributes),
      sizeLimit: Math.min(plan.sizeLimit ?? request.limit, request.limit),
      timeLimit: plan.timeLimit,
    }),
    request.signal,
  ).catch((error: unknown) => {
    throw ldapFailure(error, 'search', connection.label)
  })

  const entries = searchEntries
    .filter((entry) => plan.includeDisabled || !isDisabled(entry))
    .slice(0, request.limit)
  const records = entries.map((entry) => renderEntry(entry, request.attributes, plan.style))
  if (plan.managerName) await managerNames(connection, request, records)
  return records
}
