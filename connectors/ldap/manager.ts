import type { BackendRecord, SearchRequest } from '../contract.js'
import { valuesOf } from './attributes.js'
import type { LdapConnection } from './connection.js'
import { abortable } from './pool.js'

/**
 * Replaces each `manager` DN in the records with the manager's `displayName` (else `cn`), read
 * with one base search per distinct manager. A manager the account may not read keeps the
 * value of the DN's first part (`CN=Jane Smith,...` shows `Jane Smith`).
 */
export async function managerNames(
  connection: LdapConnection,
  request: SearchRequest<unknown>,
  records: BackendRecord[],
): Promise<void> {
  const key = request.attributes.find((name) => name.toLowerCase() === 'manager')
  if (!key) return
  const dns = [...new Set(records.map((record) => record[key]).filter((dn): dn is string => !!dn))]
  if (dns.length === 0) return

  const names = new Map<string, string>()
  await Promise.all(
    dns.map(async (dn) => names.set(dn, await managerName(connection, dn, request.signal))),
  )
  for (const record of records) {
    const dn = record[key]
    if (dn) record[key] = names.get(dn) ?? dn
  }
}

async function managerName(
  connection: LdapConnection,
  dn: string,
  signal: AbortSignal,
): Promise<string> {
  try {
    const { searchEntries } = await abortable(
      connection.client.search(dn, {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: ['displayName', 'cn'],
        sizeLimit: 1,
      }),
      signal,
    )
    const entry = searchEntries[0]
    const name = entry && [...valuesOf(entry, 'displayName'), ...valuesOf(entry, 'cn')][0]
    if (typeof name === 'string' && name) return name
  } catch (error) {
    if (signal.aborted) throw error
  }
  return firstRdnValue(dn)
}

/** The value of a DN's first part, with `\,` and `\XX` escapes undone. */
export function firstRdnValue(dn: string): string {
  let value = ''
  let at = dn.indexOf('=') + 1
  const bytes: number[] = []
  const flush = (): void => {
    if (bytes.length) value += Buffer.from(bytes.splice(0)).toString('utf8')
  }
  while (at > 0 && at < dn.length) {
    const char = dn[at]!
    if (char === ',' || char === '+') break
    if (char === '\\' && /^[\dA-Fa-f]{2}$/.test(dn.slice(at + 1, at + 3))) {
      bytes.push(Number.parseInt(dn.slice(at + 1, at + 3), 16))
      at += 3
      continue
    }
    flush()
    if (char === '\\') at++
    value += dn[at] ?? ''
    at++
  }
  flush()
  return value.trim() || dn
}
