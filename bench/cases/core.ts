import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { freePort } from '../../test/servers/ports.js'
import {
  httpMeasure,
  inTurns,
  loadHttp,
  startBare,
  startGateway,
  Resources,
  type RunningServer,
} from '../load.js'
import { percent, type BenchCase, type BenchReport } from '../report.js'

const LATENCIES = [20, 50, 100]
/** The busy time per request of the slowed bare route. */
const BUSY_US = 25

/** Three in-memory connectors answering after fixed delays, as one source. */
function fanOutConfig(): string {
  const connector = (ms: number): string => `
  after${ms}ms:
    type: memory
    delay: ${ms}ms
    records:
      - { id: "${ms}-1", first: Bob, last: Jones, email: bob${ms}@example.com }
      - { id: "${ms}-2", first: Ann, last: Jonas, email: ann${ms}@example.com }
    rules:
      - when: [last_name]
        match: { last: "{last_name}*" }
    map: { customer_id: id, first_name: first, last_name: last, email: email }`

  return `
cache: { ttl: 0 }
server: { deadline: 2s }
connectors:${LATENCIES.map(connector).join('')}
sources:
  customers:
    connectors: [${LATENCIES.map((ms) => `after${ms}ms`).join(', ')}]
`
}

const PATHS = ['Jones', 'Jon', 'Jonas', 'J'].map(
  (last) =>
    `/livelookup/customers?source_id=0&customer_id=&first_name=&last_name=${last}&email=&phone=`,
)

/**
 * The fan-out: a lookup over three connectors taking 20, 50 and 100 ms should take about as long
 * as the slowest (100 ms), not their sum (170 ms). The bare route shows what the machine's HTTP
 * stack does with no lookup at all, and the same route spinning 25 µs per request what merely
 * being slower costs on this machine, whatever the work; a third time with its answers held to
 * the end of each turn of the event loop, as the gateway holds its own.
 */
export const coreBench: BenchCase = {
  name: 'core',
  async run(): Promise<BenchReport> {
    const folder = await mkdtemp(join(tmpdir(), 'bench-core-'))
    const file = join(folder, 'gateway.yaml')
    await writeFile(file, fanOutConfig())

    const resources = new Resources()
    try {
      const bare = await resources.add(startBare())
      const busy = await resources.add(startBare(String(BUSY_US)))
      const batched = await resources.add(startBare(String(BUSY_US), 'batched'))
      const gateway = await resources.add(startGateway(file, await freePort()))
      const bareRoute = (name: string, server: RunningServer) =>
        httpMeasure({ name, url: server.url, paths: ['/livelookup'] })
      const [ceiling, slowed, slowedBatched] = await inTurns([
        bareRoute('bare Hono route (ceiling)', bare),
        bareRoute(`bare Hono route spinning ${BUSY_US} µs per request`, busy),
        bareRoute(`bare Hono route spinning ${BUSY_US} µs, answers written once per turn`, batched),
      ])
      const fanOut = await loadHttp({
        name: 'fan-out 20/50/100 ms',
        url: gateway.url,
        paths: PATHS,
        connections: 32,
      })

      const slowest = Math.max(...LATENCIES)
      return {
        title: 'Fan-out over three connectors, and the bare-route ceiling',
        results: [ceiling!, slowed!, slowedBatched!, fanOut],
        verdicts: [
          `bare route spinning ${BUSY_US} µs per request / ceiling: ` +
            `${percent(slowed!.rps, ceiling!.rps)}% ` +
            `(${Math.round(1e6 / slowed!.rps)} µs per answer against ` +
            `${Math.round(1e6 / ceiling!.rps)} µs)`,
          `the same, answers written once per turn / ceiling: ` +
            `${percent(slowedBatched!.rps, ceiling!.rps)}% ` +
            `(${Math.round(1e6 / slowedBatched!.rps)} µs per answer)`,
          `fan-out p99 ${fanOut.p99} ms against the slowest connector's ${slowest} ms: ` +
            `${Math.round((fanOut.p99 - slowest) * 10) / 10} ms over ` +
            `(target: within 15 ms; the sum would be ${LATENCIES.reduce((a, b) => a + b)} ms)`,
        ],
      }
    } finally {
      await resources.close()
      await rm(folder, { recursive: true, force: true })
    }
  },
}
