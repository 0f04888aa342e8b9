import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { stringify } from 'yaml'

import { generatedPeople, type DirectoryPerson } from '../../test/servers/ldap-fixtures/people.js'
import { freePort, waitForPort } from '../../test/servers/ports.js'
import { startRedis } from '../../test/servers/redis.js'
import { startSlapd, type SlapdServer } from '../../test/servers/slapd.js'
import { loadHttp, startGateway, type LoadResult } from '../load.js'
import { percent, type BenchCase, type BenchReport } from '../report.js'

const BARE_SERVER = fileURLToPath(new URL('../bare-server.js', import.meta.url))
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

/** Runs the built gateway on `yaml`, asks every path once (filling the cache), then loads it. */
async function loadGateway(
  folder: string,
  name: string,
  yaml: string,
  paths: string[],
  workers = 1,
): Promise<LoadResult> {
  const file = join(folder, `${name.replace(/\W+/g, '-')}.yaml`)
  await writeFile(file, yaml)
  const env = { LIVELOOKUP_WORKERS: String(workers) }
  const gateway = await startGateway(file, await freePort(), env)
  try {
    await warmUp(gateway.url, paths)
    return await loadHttp({ name, url: gateway.url, paths })
  } finally {
    await gateway.stop()
  }
}

async function warmUp(url: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const answer = await fetch(url + path)
    const body = await answer.text()
    if (!answer.ok) throw new Error(`${path} answered ${answer.status}: ${body.slice(0, 200)}`)
  }
}

async function loadBare(paths: string[]): Promise<LoadResult> {
  const port = await freePort()
  const child = spawn(process.execPath, [BARE_SERVER, String(port)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  try {
    await waitForPort(port)
    return await loadHttp({
      name: 'bare Hono route (ceiling)',
      url: `http://127.0.0.1:${port}`,
      paths,
    })
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  }
}

/** Cache hits from memory and from Redis against the bare route. */
async function hitLoads(folder: string): Promise<LoadResult[]> {
  const paths = Array.from({ length: CUSTOMERS }, (_, i) =>
    lookupPath('customers', `bob${i}@example.com`),
  )
  const memory = await loadGateway(
    folder,
    'cache hits, memory store',
    cachedConfig('memory'),
    paths,
  )
  const redis = await startRedis()
  try {
    const shared = await loadGateway(
      folder,
      'cache hits, Redis store',
      cachedConfig(redis.url),
      paths,
    )
    const workers = await loadGateway(
      folder,
      'cache hits, memory store, 2 workers',
      cachedConfig('memory'),
      paths,
      2,
    )
    return [memory, shared, await loadBare(paths), workers]
  } finally {
    await redis.close()
  }
}

/** The same LDAP lookups with the cache off (every one reaches slapd) and warm. */
async function ldapLoads(folder: string): Promise<LoadResult[]> {
  const people = generatedPeople(PEOPLE)
  const slapd = await startSlapd({ people })
  try {
    const paths = people
      .filter((_, i) => i % 10 === 0)
      .map((person: DirectoryPerson) => lookupPath('people', String(person.mail)))
    const cold = await loadGateway(folder, 'LDAP, cache off', ldapConfig(slapd, '0'), paths)
    const warm = await loadGateway(folder, 'LDAP, cache warm', ldapConfig(slapd, '1h'), paths)
    return [cold, warm]
  } finally {
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
