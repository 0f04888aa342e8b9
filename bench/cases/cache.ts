import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { stringify } from 'yaml'

import { generatedPeople, type DirectoryPerson } from '../../test/servers/ldap-fixtures/people.js'
import { freePort } from '../../test/servers/ports.js'
import { startRedis } from '../../test/servers/redis.js'
import { startSlapd, type SlapdServer } from '../../test/servers/slapd.js'
import {
  askEach,
  httpMeasure,
  inTurns,
  startBare,
  startGateway,
  Resources,
  type LoadResult,
  type Measure,
} from '../load.js'
import { percent, type BenchCase, type BenchReport } from '../report.js'

const CUSTOMERS = 200
const PEOPLE = 2_000

/** HelpSpot's Live Lookup query for one email, every core field present as it sends them. */
function lookupPath(source: string, email: string): string {
  const query = { source_id: '0', customer_id: '', first_name: '', last_name: '', email, phone: '' }
  return `/livelookup/${source}?${new URLSearchParams(query).toString()}`
}

/** A source whose answers all come from the cache once warmed: the connector is never reached. */
function cachedConfig(store: string): string {
  const records = Array.from({ length: CUSTOMERS }, (_, i) => ({
    id: `c${1000 + i}`,
    first: 'Bob',
    last: `Smith${i}`,
    email: `bob${i}@example.com`,
  }))
  return stringify({
    cache: { ttl: '1h', store },
    connectors: {
      book: {
        type: 'memory',
        records,
        rules: [{ when: ['email'], match: { email: '{email}' } }],
        map: { customer_id: 'id', first_name: 'first', last_name: 'last', email: 'email' },
      },
    },
    sources: { customers: { connectors: ['book'], columns: ['first_name', 'last_name', 'email'] } },
  })
}

function ldapConfig(slapd: SlapdServer, ttl: string): string {
  return stringify({
    cache: { ttl },
    connectors: {
      directory: {
        type: 'ldap',
        url: slapd.ldapsUrl,
        ca: slapd.caFile,
        bindDN: slapd.bindDN,
        password: slapd.password,
        baseDN: slapd.baseDN,
        rules: [{ when: ['email'], filter: '(mail={email})' }],
        map: { customer_id: 'uid', first_name: 'givenName', last_name: 'sn', email: 'mail' },
      },
    },
    sources: { people: { connectors: ['directory'] } },
  })
}

/**
 * Starts the built gateway on `yaml` among `resources` and asks every path once, filling the
 * cache when it is on; the measure loads it with the same paths.
 */
async function gatewayMeasure(
  resources: Resources,
  folder: string,
  name: string,
  yaml: string,
  paths: string[],
  workers = 1,
): Promise<Measure> {
  const file = join(folder, `${name.replace(/\W+/g, '-')}.yaml`)
  await writeFile(file, yaml)
  const env = { LIVELOOKUP_WORKERS: String(workers) }
  const gateway = await resources.add(startGateway(file, await freePort(), env))
  await askEach(gateway.url, paths)
  return httpMeasure({ name, url: gateway.url, paths })
}

/** Cache hits from memory and from Redis against the bare route. */
async function hitLoads(folder: string): Promise<LoadResult[]> {
  const paths = Array.from({ length: CUSTOMERS }, (_, i) =>
    lookupPath('customers', `bob${i}@example.com`),
  )
  const redis = await startRedis()
  const resources = new Resources()
  try {
    const gateway = (name: string, yaml: string, workers?: number) =>
      gatewayMeasure(resources, folder, name, yaml, paths, workers)
    const memory = await gateway('cache hits, memory store', cachedConfig('memory'))
    const shared = await gateway('cache hits, Redis store', cachedConfig(redis.url))
    const workers = await gateway('cache hits, memory store, 2 workers', cachedConfig('memory'), 2)
    const bare = await resources.add(startBare())
    const ceiling = httpMeasure({ name: 'bare Hono route (ceiling)', url: bare.url, paths })
    return await inTurns([memory, shared, ceiling, workers])
  } finally {
    await resources.close()
    await redis.close()
  }
}

/** The same LDAP lookups with the cache off (every one reaches slapd) and warm. */
async function ldapLoads(folder: string): Promise<LoadResult[]> {
  const people = generatedPeople(PEOPLE)
  const slapd = await startSlapd({ people })
  const resources = new Resources()
  try {
    const paths = people
      .filter((_, i) => i % 10 === 0)
      .map((person: DirectoryPerson) => lookupPath('people', String(person.mail)))
    const gateway = (name: string, ttl: string) =>
      gatewayMeasure(resources, folder, name, ldapConfig(slapd, ttl), paths)
    return await inTurns([
      await gateway('LDAP, cache off', '0'),
      await gateway('LDAP, cache warm', '1h'),
    ])
  } finally {
    await resources.close()
    await slapd.stop()
  }
}

function report(
  [memory, redis, bare, workers]: LoadResult[],
  [cold, warm]: LoadResult[],
): BenchReport {
  const memoryRatio = percent(memory!.rps, bare!.rps)
  const workersRatio = percent(workers!.rps, bare!.rps)
  const errors = [memory!, redis!, cold!, warm!].filter((load) => load.errors > 0)
  return {
    title: 'Answer cache: hits against the bare route, and LDAP cold against warm',
    results: [memory!, workers!, redis!, bare!, cold!, warm!],
    verdicts: [
      `memory cache hits / ceiling: ${memoryRatio}% (target >= 70%)` +
        (memoryRatio >= 70 ? '' : ' MISSED'),
      `memory cache hits with 2 workers / ceiling: ${workersRatio}%` +
        (workersRatio >= 70 ? '' : ' MISSED'),
      `Redis cache hits / ceiling: ${percent(redis!.rps, bare!.rps)}%`,
      `LDAP warm / cold: ${(warm!.rps / Math.max(1, cold!.rps)).toFixed(1)}x the throughput, ` +
        `p99 ${warm!.p99} ms against ${cold!.p99} ms`,
      ...errors.map((load) => `${load.name}: ${load.errors} requests answered with errors`),
    ],
  }
}

/**
 * The cache: a warmed gateway answering every lookup from memory and from Redis, against a
 * bare Hono route that answers a constant body (the ceiling of any gateway on this stack);
 * then 200 LDAP lookups against slapd at 2,000 people over ldaps://, cache off and warm.
 */
export const cacheBench: BenchCase = {
  name: 'cache',
  async run(): Promise<BenchReport> {
    const folder = await mkdtemp(join(tmpdir(), 'bench-cache-'))
    try {
      return report(await hitLoads(folder), await ldapLoads(folder))
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  },
}
