import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

import autocannon from 'autocannon'

import { deadlineAfter } from '../src/engine/deadline.js'

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

/** Drives HTTP load with autocannon and reports throughput and latency. */
export async function loadHttp(load: HttpLoad): Promise<LoadResult> {
  const options = {
    url: load.url,
    connections: load.connections ?? 32,
    requests: load.paths.map((path) => ({ method: 'GET' as const, path })),
  }
  // Unmeasured first: the server's first wave of requests pays for compiling its code.
  await autocannon({ ...options, duration: WARM_UP_SECONDS })
  const result = await autocannon({ ...options, duration: load.seconds ?? 10 })

  return {
    name: load.name,
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  }
}

/**
 * Runs `operation` from `concurrency` loops for `seconds`, as a ceiling measured without HTTP.
 * `operation(i)` gets a running counter so callers can cycle through a fixed mix.
 */
export async function loadDirect(
  name: string,
  operation: (i: number) => Promise<unknown>,
  concurrency = 32,
  seconds = 10,
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

export interface RunningGateway {
  readonly url: string
  stop(): Promise<void>
}

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url))

/**
 * Starts the built gateway (`dist/src/cli.js serve`) in its own process, so the load generator
 * and the server do not share an event loop, and waits until `/healthz` answers. It logs as it
 * does by default, one line per lookup, into a discarded stdout.
 */
export async function startGateway(
  configPath: string,
  port: number,
  env: NodeJS.ProcessEnv = {},
): Promise<RunningGateway> {
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'serve', '--config', configPath, '--port', String(port)],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  const url = `http://127.0.0.1:${port}`

  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`)
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }

  return {
    url,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}
