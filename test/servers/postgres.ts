import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import pg from 'pg'

import { freePort } from './ports.js'

/** A throwaway PostgreSQL server on 127.0.0.1, in its own temp folder. */
export interface PostgresServer {
  readonly port: number
  /** The superuser and its password (password logins over TCP only). */
  readonly admin: { readonly user: string; readonly password: string }
  /** Runs statements as the superuser in `database` (default `postgres`). */
  sql(text: string, values?: unknown[], database?: string): Promise<pg.QueryResult>
  /** Fast shutdown; the data folder stays, so `start` brings back the same server. */
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops the server and removes its folder. */
  destroy(): Promise<void>
}

function binDir(): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  const found = versions
    .map((v) => join(root, v, 'bin'))
    .find((dir) => existsSync(join(dir, 'postgres')))
  if (!found) throw new Error(`no PostgreSQL server binaries under ${root}`)
  return found
}

/** Root may not run postgres: then every command runs as the `postgres` system user. */
function runAs(): { uid: number; gid: number; wrap: (cmd: string[]) => string[] } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim())
  const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim())
  if (!uid) throw new Error('running as root needs a postgres system user')
  return { uid, gid, wrap: (cmd) => ['runuser', '-u', 'postgres', '--', ...cmd] }
}

/** Certificate and key PEM files for a server that also accepts TLS connections. */
export interface PostgresTls {
  readonly certFile: string
  readonly keyFile: string
}

/**
 * Creates a cluster with initdb in a temp folder and starts it on a free port; with `tls`, it
 * accepts TLS connections too, with that certificate.
 */
export async function startPostgres(tls?: PostgresTls): Promise<PostgresServer> {
  const bin = binDir()
  const user = runAs()
  const dir = mkdtempSync(join(tmpdir(), 'livelookup-pg-'))
  const data = join(dir, 'data')
  const admin = { user: 'admin', password: 'admin-secret' }
  if (user) chownSync(dir, user.uid, user.gid)
  chmodSync(dir, 0o700)
  writeFileSync(join(dir, 'pw'), admin.password)
  if (user) chownSync(join(dir, 'pw'), user.uid, user.gid)

  const initdb = [join(bin, 'initdb'), '-D', data, '-U', admin.user, `--pwfile=${join(dir, 'pw')}`]
  const init = (user?.wrap ?? ((c: string[]) => c))([
    ...initdb,
    '-A',
    'scram-sha-256',
    '-E',
    'UTF8',
    '--no-locale',
  ])
  const made = spawnSync(init[0]!, init.slice(1), { encoding: 'utf8' })
  if (made.status !== 0) throw new Error(`initdb failed: ${made.stderr}`)

  const port = await freePort()
  let child: ChildProcess | undefined

  /** The server reads its key only when the key belongs to it and no one else may read it. */
  function serverCertificate(files: PostgresTls): string[] {
    const cert = join(dir, 'server.crt')
    const key = join(dir, 'server.key')
    writeFileSync(cert, readFileSync(files.certFile))
    writeFileSync(key, readFileSync(files.keyFile), { mode: 0o600 })
    for (const file of [cert, key]) if (user) chownSync(file, user.uid, user.gid)
    return ['-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`]
  }

  async function start(): Promise<void> {
    const args = [
      join(bin, 'postgres'),
      '-D',
      data,
      '-k',
      dir,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
    ]
    const settings = ['-c', 'fsync=off', '-c', 'max_connections=200', '-c', 'shared_buffers=64MB']
    if (tls) settings.push('-c', 'ssl=on', ...serverCertificate(tls))
    const cmd = (user?.wrap ?? ((c: string[]) => c))([...args, ...settings])
    child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr?.resume()
    await waitUntilReady(port, admin)
  }

  async function stop(): Promise<void> {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null) return
    const exited = once(running, 'exit')
    // SIGINT to the postmaster itself (not runuser) is PostgreSQL's fast shutdown. A pid file
    // left by a postmaster that died may name a process that has nothing to do with it.
    const pid = postmasterPid(data)
    if (pid) process.kill(pid, 'SIGINT')
    else running.kill('SIGINT')
    await exited
  }

  await start()
  return {
    port,
    admin,
    async sql(text, values, database = 'postgres') {
      const client = new pg.Client({ host: '127.0.0.1', port, ...admin, database })
      await client.connect()
      try {
        return await client.query(text, values)
      } finally {
        await client.end()
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

async function waitUntilReady(
  port: number,
  admin: { user: string; password: string },
): Promise<void> {
  const until = Date.now() + 30_000
  let last: unknown
  while (Date.now() < until) {
    const client = new pg.Client({ host: '127.0.0.1', port, ...admin, database: 'postgres' })
    try {
      await client.connect()
      await client.end()
      return
    } catch (error) {
      last = error
      await client.end().catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
  }
  throw new Error(`PostgreSQL did not start on port ${port}: ${String(last)}`)
}

/** The running postmaster of a data folder, from its pid file, if that process is PostgreSQL. */
function postmasterPid(data: string): number | undefined {
  const pidFile = join(data, 'postmaster.pid')
  if (!existsSync(pidFile)) return undefined
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0])
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres') ? pid : undefined
  } catch {
    return undefined
  }
}
