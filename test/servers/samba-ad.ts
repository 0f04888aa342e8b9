import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { makeTestCertificates } from './certificates.js'
import { waitForPort } from './ports.js'

const run = promisify(execFile)

/** Samba's AD LDAP service listens on the standard ports; they cannot be moved. */
const LDAP_PORT = 389
const LDAPS_PORT = 636

/** A user created with samba-tool. */
export interface AdUser {
  readonly name: string
  readonly password: string
  readonly given: string
  readonly surname: string
  readonly mail: string
  readonly disabled?: boolean
}

/** A running throwaway Samba Active Directory domain controller on 127.0.0.1. */
export interface SambaAd {
  readonly url: string
  readonly ldapsUrl: string
  readonly caFile: string
  readonly realm: string
  readonly domain: string
  readonly baseDN: string
  readonly adminDN: string
  readonly adminPassword: string
  /** Runs samba-tool against the domain's own files and configuration. */
  tool(...args: string[]): Promise<string>
  /** Restarts Samba with `ldap server require strong auth` on or off. */
  requireStrongAuth(on: boolean): Promise<void>
  stop(): Promise<void>
}

const REALM = 'LLTEST.EXAMPLE.COM'
const DOMAIN = 'LLTEST'
const ADMIN_PASSWORD = 'Adm1n-Test-Passw0rd'

async function ensurePortFree(port: number): Promise<void> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `Samba AD needs 127.0.0.1:${port}, which is taken (${error.code}); ` +
            'stop whatever listens there',
        ),
      ),
    )
    server.listen(port, '127.0.0.1', resolve)
  })
  await new Promise((resolve) => server.close(resolve))
}

/** Writes `key = value` lines into [global], replacing what provisioning wrote or left out. */
function setGlobals(conf: string, options: readonly string[]): void {
  const keys = new Set(options.map((option) => option.split('=')[0]!.trim().toLowerCase()))
  const kept = readFileSync(conf, 'utf8')
    .split('\n')
    .filter((line) => !keys.has(line.split('=')[0]!.trim().toLowerCase()))
  const global = kept.findIndex((line) => line.trim() === '[global]')
  kept.splice(global + 1, 0, ...options.map((option) => `\t${option}`))
  writeFileSync(conf, kept.join('\n'))
}

/**
 * Provisions a domain into a temp folder with `samba-tool domain provision`, creates `users`,
 * and starts `samba` in the foreground with only its LDAP service, bound to loopback. Kerberos
 * reads an empty configuration: the generated krb5.conf would send DNS lookups off the machine.
 */
export async function startSambaAd(users: readonly AdUser[]): Promise<SambaAd> {
  await Promise.all([ensurePortFree(LDAP_PORT), ensurePortFree(LDAPS_PORT)])
  const dir = mkdtempSync(join(tmpdir(), 'livelookup-samba-'))
  const tls = makeTestCertificates(dir)
  chmodSync(tls.keyFile, 0o600)
  const krb5 = join(dir, 'krb5.conf')
  writeFileSync(krb5, '[libdefaults]\n  dns_lookup_kdc = false\n  dns_lookup_realm = false\n')
  const env = { ...process.env, KRB5_CONFIG: krb5 }
  const conf = join(dir, 'etc', 'smb.conf')

  const options = [
    'interfaces = lo',
    'bind interfaces only = yes',
    'server services = ldap',
    'netbios name = LLDC',
    'ldap server require strong auth = no',
    `log file = ${join(dir, 'log.%m')}`,
    'log level = 1',
    `tls keyfile = ${tls.keyFile}`,
    `tls certfile = ${tls.certFile}`,
    `tls cafile = ${tls.caFile}`,
  ]
  await run(
    'samba-tool',
    [
      'domain',
      'provision',
      '--use-rfc2307',
      `--realm=${REALM}`,
      `--domain=${DOMAIN}`,
      '--server-role=dc',
      '--dns-backend=NONE',
      `--adminpass=${ADMIN_PASSWORD}`,
      `--targetdir=${dir}`,
      '--host-ip=127.0.0.1',
      ...options.map((option) => `--option=${option}`),
    ],
    { env },
  )
  setGlobals(conf, options)

  const tool = async (...args: string[]): Promise<string> =>
    (await run('samba-tool', [...args, '-s', conf], { env })).stdout
  for (const user of users) {
    await tool(
      'user',
      'add',
      user.name,
      user.password,
      `--given-name=${user.given}`,
      `--surname=${user.surname}`,
      `--mail-address=${user.mail}`,
    )
    if (user.disabled) await tool('user', 'disable', user.name)
  }

  let child: ChildProcess | undefined
  async function start(): Promise<void> {
    child = spawn('samba', ['-i', '-M', 'single', '-s', conf], {
      env,
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    let errors = ''
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()))
    try {
      await waitForPort(LDAP_PORT, 30_000)
      await waitForPort(LDAPS_PORT, 30_000)
    } catch (error) {
      throw new Error(`samba did not start: ${errors}`, { cause: error })
    }
  }
  async function halt(): Promise<void> {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    running.kill('SIGTERM')
    await once(running, 'exit')
  }

  await start()
  const baseDN = REALM.split('.')
    .map((part) => `DC=${part.toLowerCase()}`)
    .join(',')
  return {
    url: `ldap://127.0.0.1:${LDAP_PORT}`,
    ldapsUrl: `ldaps://127.0.0.1:${LDAPS_PORT}`,
    caFile: tls.caFile,
    realm: REALM,
    domain: DOMAIN,
    baseDN,
    adminDN: `CN=Administrator,CN=Users,${baseDN}`,
    adminPassword: ADMIN_PASSWORD,
    tool,
    async requireStrongAuth(on) {
      await halt()
      setGlobals(conf, [`ldap server require strong auth = ${on ? 'yes' : 'no'}`])
      await start()
    },
    async stop() {
      await halt()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
