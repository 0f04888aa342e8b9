import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { freePort, waitForPort } from './ports.js'

/** A Redis server of the test's own, on a free loopback port, with nothing written to disk. */
export interface TestRedis {
  readonly port: number
  /** `redis://` URL, with the password when one was asked for. */
  readonly url: string
  /** Stops the server (it can be started again on the same port). */
  stop(): Promise<void>
  /** Freezes the server: connections stay open, nothing is answered, until `resume`. */
  pause(): void
  resume(): void
  start(): Promise<void>
  /** Stops it for good and removes its folder. */
  close(): Promise<void>
}

/** Starts `redis-server` in a temp folder; never touches a Redis the machine may already run. */
export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'livelookup-redis-'))
  const port = await freePort()
  let child: ChildProcess | undefined

  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  args.push('--dir', dir, '--protected-mode', 'yes', '--loglevel', 'warning')
  if (options.password) args.push('--requirepass', options.password)

  async function start(): Promise<void> {
    child = spawn('redis-server', args, { stdio: 'ignore' })
    child.once('error', () => undefined)
    await waitForPort(port, 15_000)
  }

  async function stop(): Promise<void> {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null) return
    running.kill('SIGKILL')
    await once(running, 'exit')
  }

  await start()
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : ''
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}/0`,
    start,
    stop,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async close() {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
