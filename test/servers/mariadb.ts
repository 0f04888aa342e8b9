import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import mysql from 'mysql2/promise'

import { freePort } from './ports.js'

/** A throwaway MariaDB server on 127.0.0.1, in its own temp folder. */
export interface MariadbServer {
  readonly port: number
  /** Runs one statement as root (over the server's socket) in `database`, if given. */
  sql(text: string, values?: unknown[], database?: string): Promise<unknown>
  /** Shuts the server down; the data folder stays, so `start` brings back the same server. */
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops the server and removes its folder. */
  destroy(): Promise<void>
}

/** Installs a fresh data folder with mariadb-install-db and starts mariadbd on a free port. */
export async function startMariadb(): Promise<MariadbServer> {
  const dir = mkdtempSync(join(tmpdir(), 'livelookup-mariadb-'))
  const data = join(dir, 'data')
  const socket = join(dir, 'mysqld.sock')
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : []

  const install = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${data}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...asRoot,
    ],
    { encoding: 'utf8' },
  )
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr}`)

  const port = await freePort()
  let child: ChildProcess | undefined

  async function start(): Promise<void> {
    const args = [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=64M',
      '--innodb-flush-log-at-trx-commit=0',
      '--max-connections=300',
      ...asRoot,
    ]
    child = spawn(mariadbd(), args, { stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr?.resume()
    await waitUntilReady(socket, child)
  }

  async function stop(): Promise<void> {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null) return
    const exited = once(running, 'exit')
    running.kill('SIGTERM')
    await exited
  }

  await start()
  return {
    port,
    async sql(text, values, database) {
      const connection = await mysql.createConnection({
        socketPath: socket,
        user: 'root',
        database,
      })
      try {
        const [result] = await connection.query(text, values)
        return result
      } finally {
        await connection.end()
      }
    },
    stop,
    start,
    async destroy() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function mariadbd(): string {
  for (const candidate of ['/usr/sbin/mariadbd', '/usr/sbin/mysqld']) {
    if (spawnSync('test', ['-x', candidate]).status === 0) return candidate
  }
  return 'mariadbd'
}

async function waitUntilReady(socket: string, child: ChildProcess): Promise<void> {
  const until = Date.now() + 60_000
  let last: unknown
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}`)
    try {
      const connection = await mysql.createConnection({ socketPath: socket, user: 'root' })
      await connection.end()
      return
    } catch (error) {
      last = error
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
  }
  throw new Error(`MariaDB did not start: ${String(last)}`)
}
