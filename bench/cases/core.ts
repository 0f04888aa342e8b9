import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { freePort, waitForPort } from '../../test/servers/ports.js'
import { loadHttp, startGateway } from '../load.js'
import { percent, type BenchCase, type BenchReport } from '../report.js'

const BARE_SERVER = fileURLToPath(new URL('../bare-server.js', import.meta.url))
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

    const barePort = await freePort()
    const bare = spawn(process.execPath, [BARE_SERVER, String(barePort)], { stdio: 'ignore' })
    const busyPort = await freePort()
    const busyArgs = [BARE_SERVER, String(busyPort), String(BUSY_US)]
    const busy = spawn(process.execPath, busyArgs, { stdio: 'ignore' })
    const batchedPort = await freePort()
    const batchedArgs = [BARE_SERVER, String(batchedPort), String(BUSY_US), 'batched']
    const batched = spawn(process.execPath, batchedArgs, { stdio: 'ignore' })
    const gateway = await startGateway(file, await freePort())
    try {
      await waitForPort(barePort)
      await waitForPort(busyPort)
      await waitForPort(batchedPort)
      const ceiling = await loadHttp({
        name: 'bare Hono route (ceiling)',
        url: `http://127.0.0.1:${barePort}`,
        paths: ['/livelookup'],
      })
      const slowed = await loadHttp({
        name: `bare Hono route spinning ${BUSY_US} µs per request`,
        url: `http://127.0.0.1:${busyPort}`,
        paths: ['/livelookup'],
      })
      const slowedBatched = await loadHttp({
        name: `bare Hono route spinning ${BUSY_US} µs, answers written once per turn`,
        url: `http://127.0.0.1:${batchedPort}`,
        paths: ['/livelookup'],
      })
      const fanOut = await loadHttp({
        name: 'fan-out 20/50/100 ms',
        url: gateway.url,
        paths: PATHS,
        connections: 32,
      })

      const slowest = Math.max(...LATENCIES)
      return {
        title: 'Fan-out over three connectors, and the bare-route ceiling',
        results: [ceiling, slowed, slowedBatched, fanOut],
        verdicts: [
          `bare route spinning ${BUSY_US} µs per request / ceiling: ` +
            `${percent(slowed.rps, ceiling.rps)}% ` +
            `(${Math.round(1e6 / slowed.rps)} µs per answer against ` +
            `${Math.round(1e6 / ceiling.rps)} µs)`,
          `the same, answers written once per turn / ceiling: ` +
            `${percent(slowedBatched.rps, ceiling.rps)}% ` +
            `(${Math.round(1e6 / slowedBatched.rps)} µs per answer)`,
          `fan-out p99 ${fanOut.p99} ms against the slowest connector's ${slowest} ms: ` +
            `${Math.round((fanOut.p99 - slowest) * 10) / 10} ms over ` +
            `(target: within 15 ms; the sum would be ${LATENCIES.reduce((a, b) => a + b)} ms)`,
        ],
      }
    } finally {
      await gateway.stop()
      for (const server of [bare, busy, batched]) {
        server.kill('SIGTERM')
        await once(server, 'exit')
      }
      await rm(folder, { recursive: true, force: true })
    }
  },
}
