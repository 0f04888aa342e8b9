import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Client, Filter } from 'ldapts'
import { pino } from 'pino'
import { stringify } from 'yaml'

import { ldapConnector } from '../../connectors/ldap/index.js'

import { generatedPeople, type DirectoryPerson } from '../../test/servers/ldap-fixtures/people.js'
import { freePort } from '../../test/servers/ports.js'
import { startSlapd, type SlapdServer } from '../../test/servers/slapd.js'
import {
  askEach,
  directMeasure,
  httpMeasure,
  inTurns,
  Resources,
  startGateway,
  underDeadline,
  type LoadResult,
  type Measure,
} from '../load.js'
import { percent, type BenchCase, type BenchReport } from '../report.js'

const PEOPLE = 10_000
const POOL_SIZE = 4

/** One lookup of the fixed mix, as HelpSpot sends it and as a raw LDAP search. */
interface Lookup {
  readonly path: string
  readonly filter: string
  /** The HelpSpot input the gateway's rule takes. */
  readonly input: Readonly<Record<string, string>>
}

/**
 * The mix: for 50 people spread over the directory, one lookup by id, one by email and one by
 * surname prefix (a few dozen matches, cut at 25), in that order.
 */
function lookupMix(people: readonly DirectoryPerson[]): Lookup[] {
  const lookup = (field: keyof typeof RULES, value: string, filter: string): Lookup => {
    const fields = {
      source_id: '0',
      customer_id: '',
      first_name: '',
      last_name: '',
      email: '',
      phone: '',
    }
    const query = new URLSearchParams({ ...fields, [field]: value }).toString()
    return { path: `/livelookup/people?${query}`, filter, input: { [field]: value } }
  }
  const lookups: Lookup[] = []
  for (let at = 0; at < 50; at++) {
    const person = people[(at * 7_919) % people.length]!
    const mail = String(person.mail)
    const prefix = person.sn.slice(0, -1)
    lookups.push(lookup('customer_id', person.uid, `(uid=${Filter.escape(person.uid)})`))
    lookups.push(lookup('email', mail, `(mail=${Filter.escape(mail)})`))
    lookups.push(lookup('last_name', prefix, `(sn=${Filter.escape(prefix)}*)`))
  }
  return lookups
}

/** The gateway's rules, by the input each one takes. */
const RULES = {
  customer_id: '(uid={customer_id})',
  email: '(mail={email})',
  last_name: '(sn={last_name}*)',
}

const MAP = {
  customer_id: 'uid',
  first_name: 'givenName',
  last_name: 'sn',
  email: 'mail',
  phone: 'telephoneNumber',
  organization: 'o',
}

function connectorOptions(slapd: SlapdServer) {
  return {
    url: slapd.ldapsUrl,
    ca: slapd.caFile,
    bindDN: slapd.bindDN,
    password: slapd.password,
    baseDN: slapd.baseDN,
    poolSize: POOL_SIZE,
  }
}

function gatewayConfig(slapd: SlapdServer): string {
  const rules = Object.entries(RULES).map(([input, filter]) => ({ when: [input], filter }))
  return stringify({
    cache: { ttl: 0 },
    connectors: { directory: { type: 'ldap', ...connectorOptions(slapd), rules, map: MAP } },
    sources: { people: { connectors: ['directory'], limit: 25 } },
  })
}

/** Starts the gateway with `workers` processes among `resources`, checked with every path. */
async function gatewayMeasure(
  resources: Resources,
  config: string,
  lookups: readonly Lookup[],
  workers: number,
): Promise<Measure> {
  const env = { LIVELOOKUP_WORKERS: String(workers) }
  const gateway = await resources.add(startGateway(config, await freePort(), env))
  const paths = lookups.map((lookup) => lookup.path)
  await askEach(gateway.url, paths)
  const name = `gateway over HTTP, cache off${workers > 1 ? `, ${workers} workers` : ''}`
  return httpMeasure({ name, url: gateway.url, paths })
}

/** An ldapts client over ldaps://, trusting the test CA like the gateway does. */
function tlsClient(slapd: SlapdServer): Client {
  return new Client({ url: slapd.ldapsUrl, tlsOptions: { ca: [readFileSync(slapd.caFile)] } })
}

function search(client: Client, slapd: SlapdServer, lookup: Lookup): Promise<unknown> {
  return client.search(slapd.baseDN, {
    filter: lookup.filter,
    attributes: Object.values(MAP),
    sizeLimit: 25,
  })
}

/** The connector in this process with no HTTP: what the gateway's LDAP path costs by itself. */
function connectorMeasure(
  resources: Resources,
  slapd: SlapdServer,
  lookups: readonly Lookup[],
): Measure {
  const options = ldapConnector.options.parse(connectorOptions(slapd))
  const context = {
    name: 'directory',
    logger: pino({ level: 'silent' }),
    configDir: '.',
    timeoutMs: 5_000,
  }
  const connector = ldapConnector.create(options, context)
  resources.defer(() => connector.close())
  const compiled = Object.fromEntries(
    Object.entries(RULES).map(([input, filter]) => [
      input,
      ldapConnector.compile({ filter, when: [input] }, options),
    ]),
  )
  const attributes = Object.values(MAP)
  return directMeasure('connector in-process, no HTTP', (i) => {
    const { input } = lookups[i % lookups.length]!
    const rule = compiled[Object.keys(input)[0]!]!
    return underDeadline(5_000, (signal) =>
      connector.search({ rule, input, attributes, limit: 25, signal }),
    )
  })
}

/** The ceiling: ldapts itself over already-bound connections, no HTTP, no XML. */
async function pooledMeasure(
  resources: Resources,
  slapd: SlapdServer,
  lookups: readonly Lookup[],
): Promise<Measure> {
  const clients = Array.from({ length: POOL_SIZE }, () => tlsClient(slapd))
  resources.defer(() => Promise.all(clients.map((client) => client.unbind())))
  await Promise.all(clients.map((client) => client.bind(slapd.bindDN, slapd.password)))
  return directMeasure(`ldapts, ${POOL_SIZE} pooled bound connections`, (i) =>
    search(clients[i % clients.length]!, slapd, lookups[i % lookups.length]!),
  )
}

/** What the PHP scripts do: connect, bind, search and unbind for every lookup. */
function freshBindMeasure(slapd: SlapdServer, lookups: readonly Lookup[]): Measure {
  return directMeasure('ldapts, bind-search-unbind per lookup', async (i) => {
    const client = tlsClient(slapd)
    try {
      await client.bind(slapd.bindDN, slapd.password)
      await search(client, slapd, lookups[i % lookups.length]!)
    } finally {
      await client.unbind()
    }
  })
}

function report(
  gateway: LoadResult,
  workers: LoadResult,
  connector: LoadResult,
  pooled: LoadResult,
  fresh: LoadResult,
): BenchReport {
  const ofCeiling = percent(gateway.rps, pooled.rps)
  const overFresh = fresh.rps === 0 ? 0 : Math.round((gateway.rps / fresh.rps) * 10) / 10
  const workersOfCeiling = percent(workers.rps, pooled.rps)
  return {
    title:
      `LDAP over ldaps://, OpenLDAP with ${PEOPLE.toLocaleString('en')} people, ` +
      'id/email/surname mix',
    results: [gateway, workers, connector, pooled, fresh],
    verdicts: [
      `gateway / pooled ldapts: ${ofCeiling}% (target >= 80%)${ofCeiling >= 80 ? '' : ' MISSED'}`,
      `gateway with 2 workers / pooled ldapts: ${workersOfCeiling}%` +
        (workersOfCeiling >= 80 ? '' : ' MISSED'),
      `gateway / bind per lookup: ${overFresh}x (target >= 3x)${overFresh >= 3 ? '' : ' MISSED'}`,
      `connector without HTTP / pooled ldapts: ${percent(connector.rps, pooled.rps)}%`,
      ...(gateway.errors ? [`gateway answered ${gateway.errors} requests with errors`] : []),
    ],
  }
}

/**
 * The LDAP connector against slapd at 10,000 people over ldaps://, as directories holding staff
 * and customers are reached in practice, with 32 concurrent clients: the gateway over
 * HTTP with caching off, the same searches issued by ldapts over pooled bound connections (the
 * ceiling), the connector alone in-process, and a fresh bind per lookup as hand-written
 * scripts do.
 */
export const ldapBench: BenchCase = {
  name: 'ldap',
  async run(): Promise<BenchReport> {
    const folder = await mkdtemp(join(tmpdir(), 'bench-ldap-'))
    const people = generatedPeople(PEOPLE)
    const slapd = await startSlapd({ people })
    const resources = new Resources()
    try {
      const lookups = lookupMix(people)
      const config = join(folder, 'gateway.yaml')
      await writeFile(config, gatewayConfig(slapd))
      const [gateway, workers, connector, pooled, fresh] = await inTurns([
        await gatewayMeasure(resources, config, lookups, 1),
        await gatewayMeasure(resources, config, lookups, 2),
        connectorMeasure(resources, slapd, lookups),
        await pooledMeasure(resources, slapd, lookups),
        freshBindMeasure(slapd, lookups),
      ])
      return report(gateway!, workers!, connector!, pooled!, fresh!)
    } finally {
      await resources.close()
      await slapd.stop()
      await rm(folder, { recursive: true, force: true })
    }
  },
}
