import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { makeTestCertificates } from './certificates.js'
import { ldifRecord, personLdif } from './ldap-fixtures/ldif.js'
import type { DirectoryPerson } from './ldap-fixtures/people.js'
import { freePort, waitForPort } from './ports.js'

const SLAPD = '/usr/sbin/slapd'
const SLAPADD = '/usr/sbin/slapadd'
const SCHEMAS = ['core', 'cosine', 'inetorgperson', 'nis']

/** A running throwaway OpenLDAP server. */
export interface SlapdServer {
  /** `ldap://127.0.0.1:port` (plain, StartTLS-capable). */
  readonly url: string
  /** `ldaps://127.0.0.1:port`. */
  readonly ldapsUrl: string
  readonly caFile: string
  readonly baseDN: string
  /** A read-only service account and its password. */
  readonly bindDN: string
  readonly password: string
  /** Kills the server at once, as a crash would. */
  kill(): Promise<void>
  /** Starts it again on the same ports with the same data. */
  restart(): Promise<void>
  /**
   * Freezes the process (SIGSTOP) and waits until every thread has stopped: connections stay
   * open and the kernel still accepts new ones, but nothing is answered, as with a hung server.
   * `resume` thaws it; `stop` does too.
   */
  pause(): Promise<void>
  resume(): void
  /** Stops the server and removes its folder. */
  stop(): Promise<void>
}

export interface SlapdOptions {
  readonly people: readonly DirectoryPerson[]
  readonly baseDN?: string
}

const PASSWORD = 'reader-Secret-42'

function configLdif(
  dir: string,
  baseDN: string,
  tls: ReturnType<typeof makeTestCertificates>,
): string {
  const global = [
    'dn: cn=config',
    'objectClass: olcGlobal',
    'cn: config',
    `olcPidFile: ${join(dir, 'slapd.pid')}`,
    `olcArgsFile: ${join(dir, 'slapd.args')}`,
    `olcTLSCACertificateFile: ${tls.caFile}`,
    `olcTLSCertificateFile: ${tls.certFile}`,
    `olcTLSCertificateKeyFile: ${tls.keyFile}`,
    'olcLogLevel: none',
  ].join('\n')
  const modules = [
    'dn: cn=module{0},cn=config',
    'objectClass: olcModuleList',
    'cn: module{0}',
    'olcModulePath: /usr/lib/ldap',
    'olcModuleLoad: back_mdb',
  ].join('\n')
  const schema = ['dn: cn=schema,cn=config', 'objectClass: olcSchemaConfig', 'cn: schema'].join(
    '\n',
  )
  const includes = SCHEMAS.map((name) => `include: file:///etc/ldap/schema/${name}.ldif`).join(
    '\n\n',
  )
  const frontend = [
    'dn: olcDatabase={-1}frontend,cn=config',
    'objectClass: olcDatabaseConfig',
    'objectClass: olcFrontendConfig',
    'olcDatabase: {-1}frontend',
    'olcSizeLimit: 1000',
  ].join('\n')
  const config = [
    'dn: olcDatabase={0}config,cn=config',
    'objectClass: olcDatabaseConfig',
    'olcDatabase: {0}config',
    'olcAccess: {0}to * by * none',
  ].join('\n')
  const mdb = [
    'dn: olcDatabase={1}mdb,cn=config',
    'objectClass: olcDatabaseConfig',
    'objectClass: olcMdbConfig',
    'olcDatabase: {1}mdb',
    `olcSuffix: ${baseDN}`,
    `olcDbDirectory: ${join(dir, 'data')}`,
    `olcRootDN: cn=admin,${baseDN}`,
    'olcRootPW: admin-Secret-42',
    'olcDbMaxSize: 268435456',
    'olcDbNoSync: TRUE',
    'olcDbIndex: objectClass eq',
    'olcDbIndex: uid,mail eq',
    'olcDbIndex: sn,cn,givenName eq,sub',
    'olcAccess: {0}to attrs=userPassword by anonymous auth by * none',
    'olcAccess: {1}to * by * read',
  ].join('\n')
  return [global, modules, schema, includes, frontend, config, mdb].join('\n\n') + '\n'
}

function dataLdif(baseDN: string, people: readonly DirectoryPerson[]): string {
  const dc = /^dc=([^,]+)/i.exec(baseDN)?.[1] ?? 'example'
  const records = [
    ldifRecord(baseDN, [
      ['objectClass', 'dcObject'],
      ['objectClass', 'organization'],
      ['dc', dc],
      ['o', 'Test directory'],
    ]),
    ldifRecord(`ou=people,${baseDN}`, [
      ['objectClass', 'organizationalUnit'],
      ['ou', 'people'],
    ]),
    ldifRecord(`cn=reader,${baseDN}`, [
      ['objectClass', 'organizationalRole'],
      ['objectClass', 'simpleSecurityObject'],
      ['cn', 'reader'],
      ['userPassword', PASSWORD],
    ]),
    ...people.map((person) => personLdif(person, baseDN)),
  ]
  return records.join('\n\n') + '\n'
}

/**
 * Starts OpenLDAP on two free loopback ports (ldap:// with StartTLS, and ldaps://) from a
 * generated cn=config and a DIT loaded with slapadd, all in a temp folder.
 */
export async function startSlapd(options: SlapdOptions): Promise<SlapdServer> {
  const baseDN = options.baseDN ?? 'dc=example,dc=com'
  const dir = mkdtempSync(join(tmpdir(), 'livelookup-slapd-'))
  const confDir = join(dir, 'slapd.d')
  mkdirSync(confDir)
  mkdirSync(join(dir, 'data'))
  const tls = makeTestCertificates(dir)

  writeFileSync(join(dir, 'config.ldif'), configLdif(dir, baseDN, tls))
  writeFileSync(join(dir, 'data.ldif'), dataLdif(baseDN, options.people))
  execFileSync(SLAPADD, ['-F', confDir, '-n', '0', '-l', join(dir, 'config.ldif')], {
    stdio: 'pipe',
  })
  execFileSync(SLAPADD, ['-F', confDir, '-b', baseDN, '-q', '-l', join(dir, 'data.ldif')], {
    stdio: 'pipe',
  })

  const [port, tlsPort] = [await freePort(), await freePort()]
  const urls = `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`
  let child: ChildProcess | undefined

  async function start(): Promise<void> {
    child = spawn(SLAPD, ['-F', confDir, '-h', urls, '-d', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let errors = ''
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()))
    try {
      await waitForPort(port, 15_000)
      await waitForPort(tlsPort, 15_000)
    } catch (error) {
      throw new Error(`slapd did not start: ${errors}`, { cause: error })
    }
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    running.kill(signal)
    await once(running, 'exit')
  }

  await start()
  return {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
    caFile: tls.caFile,
    baseDN,
    bindDN: `cn=reader,${baseDN}`,
    password: PASSWORD,
    kill: () => halt('SIGKILL'),
    restart: start,
    async pause() {
      const pid = child?.pid
      if (!pid || !child?.kill('SIGSTOP')) throw new Error('slapd is not running')
      // The signal is only pending until each thread next leaves the kernel, which on a busy
      // machine can be after slapd has answered one more request.
      while (!allThreadsStopped(pid)) await new Promise((resolve) => setTimeout(resolve, 5))
    },
    resume: () => void child?.kill('SIGCONT'),
    async stop() {
      child?.kill('SIGCONT')
      await halt('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Whether every thread of the process is in the stopped state (`T` in /proc). */
function allThreadsStopped(pid: number): boolean {
  const tasks = readdirSync(`/proc/${pid}/task`)
  return tasks.every((task) => {
    const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')
  })
}
