import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Client, Filter } from 'ldapts'
import { stringify } from 'yaml'

import { generatedPeople, type DirectoryPerson } from '../../test/servers/ldap-fixtures/people.js'
import { freePort } from '../../test/servers/ports.js'
import { startSlapd, type SlapdServer } from '../../test/servers/slapd.js'
import { loadDirect, loadHttp, startGateway, type LoadResult } from '../load.js'
import { percent, type BenchCase, type BenchReport } from '../report.js'

const PEOPLE = 10_000
const POOL_SIZE = 4
const ATTRIBUTES = ['uid', 'givenName', 'sn', 'mail', 'telephoneNumber', 'o']

/** One lookup of the fixed mix, as HelpSpot sends it and as a raw LDAP search. */
interface Lookup {
  readonly path: string
  readonly filter: string
}

/**
 * The mix: for 50 people spread over the directory, one lookup by id, one by email and one by
 * surname prefix (a few dozen matches, cut at 25), in that order.
 */
function lookupMix(people: readonly DirectoryPerson[]): Lookup[] {
  const path = (fields: Record<string, string>): string =>
    `/livelookup/people?${new URLSearchParams({ source_id: '0', customer_id: '', first_name: '', last_name: '', email: '', phone: '', ...fields }).toString()}`
  const lookups: Lookup[] = []
  for (let at = 0; at < 50; at++) {
    const person = people[(at * 7_919) % people.length]!
    const mail = String(person.mail)
    const prefix = person.sn.slice(0, -1)
    lookups.push({
      path: path({ customer_id: person.uid }),
      filter: `(uid=${Filter.escape(person.uid)})`,
    })
    lookups.push({ path: path({ email: mail }), filter: `(mail=${Filter.escape(mail)})` })
    lookups.push({ path: path({ last_name: prefix }), filter: `(sn=${Filter.escape(prefix)}*)` })
  }
  return lookups
}

function gatewayConfig(slapd: SlapdServer): string {
  return stringify({
    cache: { ttl: 0 },
    log: { level: 'warn' },
    connectors: {
      directory: {
        type: 'ldap',
        url: slapd.ldapsUrl,
        ca: slapd.caFile,
        bindDN: slapd.bindDN,
        password: slapd.password,
        baseDN: slapd.baseDN,
        poolSize: POOL_SIZE,
        rules: [
          { when: ['customer_id'], filter: '(uid={customer_id})' },
          { when: ['email'], filter: '(mail={email})' },
          { when: ['last_name'], filter: '(sn={last_name}*)' },
        ],
        map: {
          customer_id: 'uid',
          first_name: 'givenName',
          last_name: 'sn',
          email: 'mail',
          phone: 'telephoneNumber',
          organization: 'o',
        },
      },
    },
    sources: { people: { connectors: ['directory'], limit: 25 } },
  })
}

async function loadGateway(
  slapd: SlapdServer,
  folder: string,
  lookups: readonly Lookup[],
): Promise<LoadResult> {
  const config = join(folder, 'gateway.yaml')
  await writeFile(config, gatewayConfig(slapd))
  const gateway = await startGateway(config, await freePort())
  try {
    for (const { path } of lookups) {
      const answer = await fetch(gateway.url + path)
      const body = await answer.text()
      if (!answer.ok) throw new Error(`${path} answered ${answer.status}: ${body.slice(0, 200)}`)
    }
    const paths = lookups.map((lookup) => lookup.path)
    return await loadHttp({ name: 'gateway over HTTP, cache off', url: gateway.url, paths })
  } finally {
    await gateway.stop()
  }
}

/** An ldapts client over ldaps://, trusting the test CA like the gateway does. */
function tlsClient(slapd: SlapdServer): Client {
  return new Client({ url: slapd.ldapsUrl, tlsOptions: { ca: [readFileSync(slapd.caFile)] } })
}

function search(client: Client, slapd: SlapdServer, lookup: Lookup): Promise<unknown> {
  return client.search(slapd.baseDN, {
    filter: lookup.filter,
    attributes: ATTRIBUTES,
    sizeLimit: 25,
  })
}

/** The ceiling: ldapts itself over already-bound connections, no HTTP, no XML. */
async function loadPooled(slapd: SlapdServer, lookups: readonly Lookup[]): Promise<LoadResult> {
  const clients = Array.from({ length: POOL_SIZE }, () => tlsClient(slapd))
  await Promise.all(clients.map((client) => client.bind(slapd.bindDN, slapd.password)))
  try {
    return await loadDirect(`ldapts, ${POOL_SIZE} pooled bound connections`, (i) =>
      search(clients[i % clients.length]!, slapd, lookups[i % lookups.length]!),
    )
  } finally {
    await Promise.all(clients.map((client) => client.unbind()))
  }
}

/** What the PHP scripts do: connect, bind, search and unbind for every lookup. */
async function loadFreshBinds(slapd: SlapdServer, lookups: readonly Lookup[]): Promise<LoadResult> {
  return loadDirect('ldapts, bind-search-unbind per lookup', async (i) => {
    const client = tlsClient(slapd)
    try {
      await client.bind(slapd.bindDN, slapd.password)
      await search(client, slapd, lookups[i % lookups.length]!)
    } finally {
      await client.unbind()
    }
  })
}

function report(gateway: LoadResult, pooled: LoadResult, fresh: LoadResult): BenchReport {
  const ofCeiling = percent(gateway.rps, pooled.rps)
  const overFresh = fresh.rps === 0 ? 0 : Math.round((gateway.rps / fresh.rps) * 10) / 10
  return {
    title: `LDAP over ldaps://, OpenLDAP with ${PEOPLE.toLocaleString('en')} people, id/email/surname mix`,
    results: [gateway, pooled, fresh],
    verdicts: [
      `gateway / pooled ldapts: ${ofCeiling}% (target >= 80%)${ofCeiling >= 80 ? '' : ' MISSED'}`,
      `gateway / bind per lookup: ${overFresh}x (target >= 3x)${overFresh >= 3 ? '' : ' MISSED'}`,
      ...(gateway.errors ? [`gateway answered ${gateway.errors} requests with errors`] : []),
    ],
  }
}

/**
 * The LDAP connector against slapd at 10,000 people over ldaps://, as directories holding staff
 * and customers are reached in practice, with 32 concurrent clients: the gateway over
 * HTTP with caching off, the same searches issued by ldapts over pooled bound connections (the
 * ceiling), and a fresh bind per lookup as hand-written scripts do.
 */
export const ldapBench: BenchCase = {
  name: 'ldap',
  async run(): Promise<BenchReport> {
    const folder = await mkdtemp(join(tmpdir(), 'bench-ldap-'))
    const people = generatedPeople(PEOPLE)
    const slapd = await startSlapd({ people })
    try {
      const lookups = lookupMix(people)
      const gateway = await loadGateway(slapd, folder, lookups)
      const pooled = await loadPooled(slapd, lookups)
      const fresh = await loadFreshBinds(slapd, lookups)
      return report(gateway, pooled, fresh)
    } finally {
      await slapd.stop()
      await rm(folder, { recursive: true, force: true })
    }
  },
}
