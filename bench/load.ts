import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

import autocannon from 'autocannon'

import { deadlineAfter } from '../src/engine/deadline.js'
import { freePort } from '../test/servers/ports.js'

/** One measured load: throughput and latency percentiles in milliseconds. */
export interface LoadResult {
  readonly name: string
  readonly requests: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly errors: number
}

export interface HttpLoad {
  readonly name: string
  /** Base URL such as http://127.0.0.1:8080 */
  readonly url: string
  /** Paths with query strings, requested round-robin: a fixed, deterministic mix. */
  readonly paths: readonly string[]
  readonly connections?: number
  readonly seconds?: number
}

const WARM_UP_SECONDS = 2
const SECONDS = 10
const ROUNDS = 5

/** Drives HTTP load with autocannon and reports throughput and latency. */
export async function loadHttp(load: HttpLoad): Promise<LoadResult> {
  return httpMeasure(load).run(load.seconds ?? SECONDS)
}

/** One load of a comparison: `run(seconds)` measures it once, for that long. */
export interface Measure {
  readonly name: string
  run(seconds: number): Promise<LoadResult>
}

/** An HTTP load; its first run is preceded by an unmeasured warm-up. */
export function httpMeasure(load: HttpLoad): Measure {
  const options = {
    url: load.url,
    connections: load.connections ?? 32,
    requests: load.paths.map((path) => ({ method: 'GET' as const, path })),
  }
  let warm = false
  return {
    name: load.name,
    async run(seconds) {
      // Unmeasured first: the server's first wave of requests pays for compiling its code.
      if (!warm) await autocannon({ ...options, duration: WARM_UP_SECONDS })
      warm = true
      const result = await autocannon({ ...options, duration: seconds })
      return {
        name: load.name,
        requests: result.requests.total,
        rps: Math.round(result.requests.average),
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.non2xx + result.timeouts,
      }
    },
  }
}

/** `loadDirect` as one load of a comparison. */
export function directMeasure(
  name: string,
  operation: (i: number) => Promise<unknown>,
  concurrency = 32,
): Measure {
  return { name, run: (seconds) => loadDirect(name, operation, concurrency, seconds) }
}

/**
 * Measures loads that are compared with each other in turns: `ROUNDS` rounds, each running
 * every load for an equal share of `seconds`, in the same order. This machine's speed drifts by
 * a tenth or more within a minute, and measured one after the other, a ratio would mostly say
 * which load ran in the faster minute. Throughput is the mean over the rounds, latencies and
 * the request count are the median and the sum.
 */
export async function inTurns(
  measures: readonly Measure[],
  seconds = SECONDS,
): Promise<LoadResult[]> {
  const rounds: LoadResult[][] = measures.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (const [at, measure] of measures.entries()) {
      rounds[at]!.push(await measure.run(seconds / ROUNDS))
    }
  }
  return measures.map((measure, at) => {
    const results = rounds[at]!
    const sum = (of: (result: LoadResult) => number) =>
      results.reduce((total, result) => total + of(result), 0)
    return {
      name: measure.name,
      requests: sum((result) => result.requests),
      rps: Math.round(sum((result) => result.rps) / results.length),
      p50: median(results.map((result) => result.p50)),
      p99: median(results.map((result) => result.p99)),
      errors: sum((result) => result.errors),
    }
  })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]!
}

/**
 * Runs `operation` from `concurrency` loops for `seconds`, as a ceiling measured without HTTP.
 * `operation(i)` gets a running counter so callers can cycle through a fixed mix.
 */
export async function loadDirect(
  name: string,
  operation: (i: number) => Promise<unknown>,
  concurrency = 32,
  seconds = SECONDS,
): Promise<LoadResult> {
  const latencies: number[] = []
  const until = performance.now() + seconds * 1000
  let counter = 0
  let errors = 0

  async function loop(): Promise<void> {
    while (performance.now() < until) {
      const start = performance.now()
      try {
        await operation(counter++)
      } catch {
        errors++
      }
      latencies.push(performance.now() - start)
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, loop))
  const elapsed = (performance.now() - started) / 1000

  latencies.sort((a, b) => a - b)
  const at = (q: number): number => round(latencies[Math.floor(q * (latencies.length - 1))] ?? 0)
  return {
    name,
    requests: latencies.length,
    rps: Math.round(latencies.length / elapsed),
    p50: at(0.5),
    p99: at(0.99),
    errors,
  }
}

/**
 * Runs `search` under a lookup deadline made the way the engine makes it, so a connector
 * measured on its own pays what it pays in the gateway: `AbortSignal.timeout` per call would
 * cost it more than the engine ever does.
 */
export async function underDeadline<T>(
  ms: number,
  search: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = deadlineAfter(ms)
  try {
    return await search(deadline.signal)
  } finally {
    deadline.release()
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100
}

/** A server of the benchmark in its own process, answering on loopback. */
export interface RunningServer {
  readonly url: string
  stop(): Promise<void>
}

/**
 * Asks for every path once, as a warm-up that also checks the mix: caches fill and indexes are
 * built before anything is measured, and a path the server cannot answer stops the case.
 */
export async function askEach(url: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const answer = await fetch(url + path)
    const body = await answer.text()
    if (!answer.ok) throw new Error(`${path} answered ${answer.status}: ${body.slice(0, 200)}`)
  }
}

/**
 * What one case starts (servers, pools, clients), closed together in reverse order however the
 * case ends.
 */
export class Resources {
  readonly #closers: (() => Promise<unknown>)[] = []

  /** Waits for a server to start, and stops it with the rest. */
  async add(starting: Promise<RunningServer>): Promise<RunningServer> {
    const server = await starting
    this.defer(() => server.stop())
    return server
  }

  defer(close: () => Promise<unknown>): void {
    this.#closers.push(close)
  }

  async close(): Promise<void> {
    for (const close of this.#closers.splice(0).reverse()) await close()
  }
}

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url))
const BARE_SERVER = fileURLToPath(new URL('./bare-server.js', import.meta.url))

/**
 * Starts the built gateway (`dist/src/cli.js serve`) in its own process, so the load generator
 * and the server do not share an event loop, and waits until `/healthz` answers. It logs as it
 * does by default, one line per lookup, into a discarded stdout.
 */
export function startGateway(
  configPath: string,
  port: number,
  env: NodeJS.ProcessEnv = {},
): Promise<RunningServer> {
  return startServer([CLI, 'serve', '--config', configPath, '--port', String(port)], port, env)
}

/**
 * Starts the bare Hono route of `bare-server.ts`, the ceiling: `options` are its busy time in
 * microseconds and `batched`, as that file describes.
 */
export async function startBare(...options: string[]): Promise<RunningServer> {
  const port = await freePort()
  return startServer([BARE_SERVER, String(port), ...options], port)
}

async function startServer(
  args: string[],
  port: number,
  env: NodeJS.ProcessEnv = {},
): Promise<RunningServer> {
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return
    child.kill('SIGTERM')
    await once(child, 'exit')
  }

  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) return { url, stop }
    if (attempt === 100) {
      await stop()
      throw new Error(`server did not answer on ${url}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
