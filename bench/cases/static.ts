import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { pino } from 'pino'
import { stringify } from 'yaml'

import { contactsCsv, generateContacts, type DemoContact } from '../../config/generate-demo.js'
import { staticConnector } from '../../connectors/static/index.js'
import { freePort } from '../../test/servers/ports.js'
import {
  askEach,
  httpMeasure,
  inTurns,
  startBare,
  startGateway,
  Resources,
  type LoadResult,
} from '../load.js'
import { percent, type BenchCase, type BenchReport } from '../report.js'

const CONTACTS = 100_000
const SELF = fileURLToPath(import.meta.url)

/** The address book rules under test, as an administrator would write them. */
const RULES: readonly { when: string[]; match: Record<string, string> }[] = [
  { when: ['customer_id'], match: { id: '{customer_id}' } },
  { when: ['email'], match: { email: '{email}' } },
  { when: ['last_name', 'first_name'], match: { last: '{last_name}*', first: '{first_name}*' } },
  { when: ['last_name'], match: { last: '{last_name}*' } },
]

const MAP = {
  customer_id: 'id',
  first_name: 'first',
  last_name: 'last',
  email: 'email',
  phone: 'phone',
  organization: 'company',
  title: 'title',
  description: 'notes',
  highlight: 'vip',
}

/** What the child process measures: loading the file, then indexing the columns rules use. */
interface LoadFigures {
  readonly loadMs: number
  readonly indexMs: number
  readonly rssMb: number
  readonly heapMb: number
}

/**
 * The static connector at 100,000 contacts: load time and memory in a fresh process, then
 * HTTP throughput of the gateway against a bare Hono route answering a constant body.
 */
export const staticBench: BenchCase = {
  name: 'static',
  async run(): Promise<BenchReport> {
    const folder = await mkdtemp(join(tmpdir(), 'bench-static-'))
    try {
      const contacts = generateContacts(CONTACTS)
      const csv = join(folder, 'contacts.csv')
      await writeFile(csv, contactsCsv(contacts))
      await writeFile(join(folder, 'gateway.yaml'), gatewayConfig())

      const load = await measureLoadInChild(csv)
      const paths = queryMix(contacts)
      const config = join(folder, 'gateway.yaml')
      const resources = new Resources()
      try {
        const gateway = async (workers: number) =>
          resources.add(
            startGateway(config, await freePort(), { LIVELOOKUP_WORKERS: String(workers) }),
          )
        const single = await gateway(1)
        const workers = await gateway(2)
        const bare = await resources.add(startBare())
        for (const server of [single, workers, bare]) await askEach(server.url, paths)
        const results = await inTurns([
          httpMeasure({ name: 'gateway, static 100k', url: single.url, paths }),
          httpMeasure({ name: 'gateway, static 100k, 2 workers', url: workers.url, paths }),
          httpMeasure({ name: 'bare Hono route (ceiling)', url: bare.url, paths }),
        ])
        return report(load, results)
      } finally {
        await resources.close()
      }
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  },
}

function report(load: LoadFigures, [gateway, workers, ceiling]: LoadResult[]): BenchReport {
  const total = load.loadMs + load.indexMs
  const ratio = percent(gateway!.rps, ceiling!.rps)
  const workersRatio = percent(workers!.rps, ceiling!.rps)
  return {
    title: `Static address book, ${CONTACTS.toLocaleString('en')} contacts`,
    results: [gateway!, workers!, ceiling!],
    verdicts: [
      `load: ${load.loadMs} ms to read and parse, ${load.indexMs} ms to index the rule columns, ` +
        `${total} ms in all (target < 2000 ms)${total < 2000 ? '' : ' MISSED'}`,
      `RSS after load and indexing: ${load.rssMb} MB, heap ${load.heapMb} MB ` +
        `(target < 250 MB)${load.rssMb < 250 ? '' : ' MISSED'}`,
      `static / ceiling: ${ratio}% (target >= 50%)${ratio >= 50 ? '' : ' MISSED'}`,
      `static with 2 workers / ceiling: ${workersRatio}%${workersRatio >= 50 ? '' : ' MISSED'}`,
      ...(gateway!.errors ? [`gateway answered ${gateway!.errors} requests with errors`] : []),
    ],
  }
}

function gatewayConfig(): string {
  return stringify({
    cache: { ttl: 0 },
    connectors: {
      book: { type: 'static', file: './contacts.csv', watch: false, rules: RULES, map: MAP },
    },
    sources: {
      contacts: {
        connectors: ['book'],
        columns: ['first_name', 'last_name', 'email', 'organization'],
      },
    },
  })
}

/**
 * A fixed mix of what HelpSpot sends: Live Lookup tab calls by last-name prefix, exact email and
 * customer id, and address book calls with only first and last name prefixes.
 */
export function queryMix(contacts: readonly DemoContact[]): string[] {
  const live = (fields: Record<string, string>): string => {
    const query = {
      source_id: '0',
      customer_id: '',
      first_name: '',
      last_name: '',
      email: '',
      phone: '',
      ...fields,
    }
    return `/livelookup/contacts?${new URLSearchParams(query).toString()}`
  }
  const book = (first: string, last: string): string =>
    `/livelookup/contacts?${new URLSearchParams({
      source_id: '0',
      first_name: first,
      last_name: last,
      acting_person_xperson: '7',
      acting_person_fusertype: '2',
      acting_person_fname: 'Pat',
      acting_person_lname: 'Staff',
      acting_person_email: 'pat.staff@example.com',
    }).toString()}`

  const paths: string[] = []
  for (let at = 0; at < 50; at++) {
    const contact = contacts[(at * 7_919) % contacts.length]!
    paths.push(live({ last_name: contact.last.slice(0, 3) }))
    paths.push(book(contact.first.slice(0, 2), contact.last.slice(0, 3)))
    paths.push(live({ email: contact.email || `${contact.id}@example.com` }))
    paths.push(live({ customer_id: contact.id }))
  }
  return paths
}

async function measureLoadInChild(file: string): Promise<LoadFigures> {
  const child = spawn(process.execPath, [SELF, 'measure-load', file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`the load measurement exited with ${code}`)
  return JSON.parse(output) as LoadFigures
}

/** Runs in the child: a fresh process holding nothing but the connector and its data. */
async function measureLoad(file: string): Promise<LoadFigures> {
  const connector = staticConnector.create(staticConnector.options.parse({ file, watch: false }), {
    name: 'book',
    logger: pino({ level: 'silent' }),
    configDir: dirname(file),
    timeoutMs: 60_000,
  })
  const started = performance.now()
  await connector.check(AbortSignal.timeout(60_000))
  const loaded = performance.now()

  for (const rule of RULES) {
    const input = Object.fromEntries(rule.when.map((name) => [name, 'x']))
    const compiled = staticConnector.compile(
      { ...rule, when: rule.when },
      staticConnector.options.parse({ file }),
    )
    await connector.search({
      rule: compiled,
      input,
      attributes: ['id'],
      limit: 1,
      signal: AbortSignal.timeout(60_000),
    })
  }
  const indexed = performance.now()
  const memory = process.memoryUsage()
  await connector.close()

  return {
    loadMs: Math.round(loaded - started),
    indexMs: Math.round(indexed - loaded),
    rssMb: Math.round(memory.rss / 2 ** 20),
    heapMb: Math.round(memory.heapUsed / 2 ** 20),
  }
}

if (
  process.argv[2] === 'measure-load' &&
  process.argv[1] &&
  pathToFileURL(process.argv[1]).href === import.meta.url
) {
  process.stdout.write(JSON.stringify(await measureLoad(process.argv[3] ?? '')))
}
