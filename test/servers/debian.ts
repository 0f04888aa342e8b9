import { execFileSync, spawnSync } from 'node:child_process'

/**
 * Debian packages the test servers need, with a command each one provides. The global setup
 * installs the missing ones once, before any test file runs, so test files never race on apt.
 */
export const TEST_PACKAGES: readonly { readonly name: string; readonly provides: string }[] = [
  { name: 'postgresql', provides: 'pg_ctlcluster' },
  { name: 'mariadb-server', provides: 'mariadb-install-db' },
  { name: 'redis-server', provides: 'redis-server' },
  { name: 'slapd', provides: 'slapd' },
  { name: 'ldap-utils', provides: 'ldapsearch' },
  { name: 'samba-ad-dc', provides: 'winbindd' },
  { name: 'samba-ad-provision', provides: '/usr/share/samba/setup/provision.ldif' },
]

function has(command: string): boolean {
  const paths = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin', '/usr/local/sbin']
  return (
    spawnSync('sh', ['-c', `command -v ${command}`], {
      env: { ...process.env, PATH: `${process.env.PATH ?? ''}:${paths.join(':')}` },
    }).status === 0
  )
}

/** Installs every missing test package with apt-get (update once, then install -y). */
export function ensureTestPackages(): void {
  const missing = TEST_PACKAGES.filter((pkg) => !has(pkg.provides)).map((pkg) => pkg.name)
  if (missing.length === 0) return

  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  console.error(`installing test packages: ${missing.join(' ')}`)
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env,
  })
}
