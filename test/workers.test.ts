import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { get } from 'node:http'
import { createServer } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { customersOf } from './harness/xml.js'
import { freePort } from './servers/ports.js'

const CLI = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url))

const CONFIG = `
server: { workers: 2 }
cache: { ttl: 0 }
connectors:
  book:
    type: memory
    records: [{ id: "7", first: Ada, last: Lovelace, email: ada@example.com }]
    rules: [{ when: [last_name], match: { last: "{last_name}*" } }]
    map: { customer_id: id, first_name: first, last_name: last, email: email }
sources:
  people: { connectors: [book] }
`

/** One request on a connection of its own, so the workers share the calls between them. */
function fetchOnce(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, timeout: 5_000 }, (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url}`)))
    request.on('error', reject)
  })
}

describe('serve with several workers', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livelookup-workers-'))
    await writeFile(join(dir, 'gateway.yaml'), CONFIG)
  })
  let child: ChildProcess | undefined
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })

  /** `livelookup serve` on `port` with the two-worker config; killed after the tests. */
  function serve(port: number): ChildProcessWithoutNullStreams {
    const server = spawn(process.execPath, [
      CLI,
      'serve',
      '--config',
      join(dir, 'gateway.yaml'),
      '--port',
      String(port),
    ])
    child = server
    return server
  }

  it('answers from every worker on one port and stops them all on SIGTERM', async () => {
    const port = await freePort()
    const server = serve(port)
    let logs = ''
    let errors = ''
    server.stdout.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')))
    server.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')))
    const events = () =>
      logs
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg: string; pid: number })
    const url = `http://127.0.0.1:${port}/livelookup/people?customer_id=&last_name=Love`

    // Both workers log `listening` once they accept connections (logs are flushed each second).
    const until = Date.now() + 20_000
    while (events().filter((event) => event.msg === 'listening').length < 2) {
      expect(Date.now() < until, `workers did not start: ${errors}`).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const answers = await Promise.all(Array.from({ length: 40 }, () => fetchOnce(url)))
    for (const answer of answers) {
      expect(customersOf(answer.body).map((c) => c.customer_id)).toEqual(['7'])
    }

    server.kill('SIGTERM')
    const [code] = await once(server, 'exit')
    expect(code).toBe(0)

    const lookups = events().filter((event) => event.msg === 'lookup')
    expect(lookups).toHaveLength(40)
    expect(new Set(lookups.map((line) => line.pid)).size).toBe(2)
  })

  it('gives up and exits 1 when workers keep dying as they start', async () => {
    const port = await freePort()
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve))
    try {
      const server = serve(port)
      let logs = ''
      server.stdout.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')))
      server.stderr.resume()
      const [code] = (await once(server, 'exit')) as [number]
      expect(code).toBe(1)
      const restarts = logs.split('\n').filter((line) => line.includes('starting another'))
      expect(restarts.length).toBeGreaterThan(0)
      expect(logs).toContain('"msg":"workers keep failing, giving up"')
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })
})
