import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { recordOutput } from './harness/secrets.js'
import { freePort } from './servers/ports.js'
import { customersOf, optionsOf } from './harness/xml.js'
import { PROTOCOL_CONFIG } from './fixtures.js'

const CLI = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url))

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the built `livelookup` command as HelpSpot does: arguments, optional stdin, no TTY. */
function livelookup(
  args: readonly string[],
  stdin = '',
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => {
      // `urls` prints the keys on purpose: that is what it is for.
      if (args[0] !== 'urls') recordOutput('command output', stdout + stderr)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(stdin)
  })
}

/** Writes `yaml` into a new temp folder as `name`; returns the file's path. */
async function configFile(yaml: string, name = 'gateway.yaml'): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'livelookup-cli-')), name)
  await writeFile(file, yaml)
  return file
}

describe('livelookup command line', () => {
  let config: string
  beforeAll(async () => {
    config = await configFile(
      PROTOCOL_CONFIG.replace('sources:', 'cli:\n  customFields: [4, 1]\nsources:'),
    )
  })

  it('takes HelpSpot 5.2 positional arguments, empty ones passed as empty strings', async () => {
    const run = await livelookup([
      'lookup',
      '--config',
      config,
      '',
      '',
      '',
      'bjones@sampleinc.com',
      '',
      'x',
      'y',
    ])

    expect(run.code).toBe(0)
    expect(customersOf(run.stdout).map((c) => c.customer_id)).toEqual(['12334'])
  })

  it('maps custom field values in ascending id order after the core fields', async () => {
    const cityOnly = PROTOCOL_CONFIG.replace(
      '      - when: [customer_id]',
      '      - when: [Custom1]\n        match: { city: "{Custom1}" }\n      - when: [customer_id]',
    )
    const file = await configFile(
      cityOnly.replace('sources:', 'cli:\n  customFields: [4, 1]\nsources:'),
    )

    const run = await livelookup([
      'lookup',
      '--config',
      file,
      '',
      '',
      '',
      '',
      '',
      'Boston',
      'ignored',
    ])
    expect(run.code, run.stderr).toBe(0)
    expect(customersOf(run.stdout).map((c) => c.customer_id)).toEqual(['12335'])
  })

  it('reads positional values in the order cli.positional gives', async () => {
    const reordered = 'cli:\n  positional: [email, customer_id]\nsources:'
    const file = await configFile(PROTOCOL_CONFIG.replace('sources:', reordered))

    const run = await livelookup(['lookup', '--config', file, 'bill@sampleinc.com', ''])
    expect(run.code, run.stderr).toBe(0)
    expect(customersOf(run.stdout).map((c) => c.customer_id)).toEqual(['12335'])
  })

  it('takes HelpSpot 5.3 named options, bare flags as empty, unknown ones ignored', async () => {
    const run = await livelookup([
      'lookup',
      `--config=${config}`,
      '--customer_id=12335',
      '--first_name=Bill',
      '--last_name=Jones',
      '--email',
      '--phone',
      '--source_id=0',
      '--xPersonAssignedTo=7',
      '--somethingNew=1',
    ])

    expect(run.code).toBe(0)
    expect(customersOf(run.stdout).map((c) => c.customer_id)).toEqual(['12335'])
  })

  it('reads a positional value that looks like an option as a value; -- ends options', async () => {
    const lookalikes = await livelookup([
      'lookup',
      '--config',
      config,
      '',
      '--source=nope',
      'Jon',
      '',
      '--config=/nonexistent.yaml',
    ])
    expect(lookalikes.code, lookalikes.stderr).toBe(0)
    const found = customersOf(lookalikes.stdout).map((c) => c.customer_id)
    expect(found).toEqual(['12334', '12335', '12336'])

    const marked = await livelookup(['lookup', '--config', config, '--', '', '', 'Jon'])
    expect(customersOf(marked.stdout).map((c) => c.customer_id)).toEqual(found)
  })

  it('prints an empty answer on stdout and the reason on stderr whatever goes wrong', async () => {
    const runs = await Promise.all([
      livelookup(['lookup', '--config', config, '--customer_id', `--last_name=${'a'.repeat(300)}`]),
      livelookup(['lookup', '--config', config], '{"customer_id":'),
      livelookup(['lookup', '--config', config, '--source', 'nope', '--email=a@b.c']),
      livelookup(['lookup', '--config', '/nonexistent/gateway.yaml', '--email=a@b.c']),
      livelookup(['ajax', '--config', config, '--field', 'nope', '--term=a']),
    ])
    const reasons = runs.map((run) => run.stderr)
    expect(reasons[0]).toContain('last_name is longer than 256 characters')
    expect(reasons[1]).toContain('stdin starts with { but is not a JSON object')
    expect(reasons[2]).toContain('no source is named nope')
    expect(reasons[3]).toContain('cannot read the config file')
    expect(reasons[4]).toContain('no AJAX field is named nope')
    for (const run of runs.slice(0, 4)) {
      expect(run.code).toBe(2)
      expect(customersOf(run.stdout)).toEqual([])
    }
    expect(runs[4]!.code).toBe(2)
    expect(optionsOf(runs[4]!.stdout)).toEqual([])
  })

  it('reads a query string or a JSON object on stdin', async () => {
    const query = await livelookup(
      ['lookup', '--config', config, '--source', 'customers'],
      'customer_id=&email=bill%40sampleinc.com',
    )
    expect(customersOf(query.stdout).map((c) => c.customer_id)).toEqual(['12335'])

    const json = await livelookup(
      ['lookup', '--config', config],
      '{"customer_id": "", "last_name": "Jon"}',
    )
    expect(customersOf(json.stdout).map((c) => c.customer_id)).toEqual(['12334', '12335', '12336'])
  })

  it('uses LIVELOOKUP_CONFIG when HelpSpot cannot pass --config', async () => {
    const run = await livelookup(['lookup', '--customer_id=12334'], '', {
      LIVELOOKUP_CONFIG: config,
    })
    expect(customersOf(run.stdout).map((c) => c.first_name)).toEqual(['Bob'])
  })

  it('answers an AJAX field with the calling field as the term', async () => {
    const run = await livelookup([
      'ajax',
      '--config',
      config,
      '--field',
      'support_level',
      '--callingField=Custom12',
      '--Custom12=Emerg',
    ])
    expect(optionsOf(run.stdout)).toEqual([{ value: '#9978', description: 'Emergency Support' }])
  })

  it('prints well-formed XML and the problem on stderr when every connector fails', async () => {
    const file = await configFile(
      PROTOCOL_CONFIG.replace(
        '  people:\n    type: memory',
        '  people:\n    type: memory\n    fail: unreachable',
      ),
    )

    const run = await livelookup(['lookup', '--config', file, '--customer_id=12334'])
    expect(run.code).toBe(1)
    expect(customersOf(run.stdout)).toEqual([])
    expect(run.stderr).toContain('customers unavailable: people: unreachable')
  })

  it('prints config problems with file, line and path, and exits 2', async () => {
    const file = await configFile('server:\n  port: high\nconnectors: {}\n', 'broken.yaml')

    const run = await livelookup(['check', '--config', file])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`${file}:2: server.port: expected a whole number`)
  })

  it('checks every connector and exits non-zero when one fails', async () => {
    const file = await configFile(
      PROTOCOL_CONFIG.replace(
        '  codes:\n    type: memory',
        '  codes:\n    type: memory\n    fail: auth',
      ),
    )

    const run = await livelookup(['check', '--config', file])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/people\s+memory\s+ok\s+\d+ ms/)
    expect(run.stdout).toMatch(
      /codes\s+memory\s+failed\s+\d+ ms\s+login failed: configured to fail with auth/,
    )
  })

  it('refuses a port or a worker count that is not a whole number in range', async () => {
    const runs = await Promise.all([
      livelookup(['serve', '--config', config, '--port', 'abc']),
      livelookup(['serve', '--config', config], '', { LIVELOOKUP_PORT: '70000' }),
      livelookup(['serve', '--config', config], '', { LIVELOOKUP_WORKERS: 'many' }),
    ])
    expect(runs.map((run) => run.code)).toEqual([2, 2, 2])
    expect(runs[0]!.stderr).toBe('livelookup: --port must be a whole number from 0 to 65535\n')
    expect(runs[1]!.stderr).toBe('livelookup: --port must be a whole number from 0 to 65535\n')
    expect(runs[2]!.stderr).toBe(
      'livelookup: LIVELOOKUP_WORKERS must be a whole number from 1 to 64\n',
    )
  })

  it('prints the URLs to paste into HelpSpot, keys included', async () => {
    const run = await livelookup(['urls', '--config', config, '--base', 'https://gw.example.com'])
    expect(run.stdout).toContain(
      'customers: https://gw.example.com/livelookup/customers?key=right-key-123',
    )
    expect(run.stdout).toContain(
      'support_level: https://gw.example.com/k/right-key-123/ajax/support_level',
    )
  })

  it('drops a lookup still running when the shutdown grace period ends, and exits 0', async () => {
    const file = await configFile(`
server: { keys: ["grace-key-123"], deadline: 20s, shutdownGrace: 300ms }
connectors:
  slow:
    type: memory
    delay: 15s
    records: [{ id: "1", email: ann@example.com }]
    rules: [{ when: [email], match: { email: "{email}" } }]
    map: { customer_id: id, email: email }
sources:
  customers: { connectors: [slow] }
`)
    const port = await freePort()
    const child = spawn(process.execPath, [CLI, 'serve', '--config', file, '--port', `${port}`])
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.resume()
    const base = `http://127.0.0.1:${port}`
    const inFlight = async (): Promise<string> => {
      const metrics = await fetch(`${base}/metrics?key=grace-key-123`).then(
        (answer) => answer.text(),
        () => '',
      )
      return /livelookup_lookups_in_flight\{source="customers"\} (\d+)/.exec(metrics)?.[1] ?? ''
    }
    try {
      while (
        !(await fetch(`${base}/healthz`).then(
          (answer) => answer.ok,
          () => false,
        ))
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const slow = fetch(`${base}/livelookup/customers?email=ann%40example.com&key=grace-key-123`)
      const dropped = slow.then(
        () => 'answered',
        () => 'dropped',
      )
      while ((await inFlight()) !== '1') await new Promise((resolve) => setTimeout(resolve, 50))

      child.kill('SIGTERM')
      const [code] = (await once(child, 'exit')) as [number]
      expect(code).toBe(0)
      expect(await dropped).toBe('dropped')
      expect(stdout).toContain('"msg":"grace period over: dropping requests"')
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('serves on loopback only, and says so, when no key is configured', async () => {
    const file = await configFile(
      PROTOCOL_CONFIG.replace('keys: ["right-key-123"]', 'host: 0.0.0.0'),
      'open.yaml',
    )
    const child = spawn(process.execPath, [CLI, 'serve', '--config', file, '--port', '0'])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    try {
      while (!stderr.includes('HelpSpot on another host') && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(stderr).toMatch(/^livelookup-gateway is listening on http:\/\/127\.0\.0\.1:\d+\n/)
      expect(stderr).toContain('No server.keys are configured, so only this machine can connect.')
    } finally {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'no server.keys configured: listening on loopback only' }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'listening',
        loopbackOnly: true,
        address: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) as unknown,
      }),
    )
  })

  it('serves the built-in demo address book when no config is given', async () => {
    const run = await livelookup(['lookup', '--customer_id=', '--last_name=Garc'], '', {
      LIVELOOKUP_CONFIG: '',
    })
    expect(run.code).toBe(0)
    expect(customersOf(run.stdout).length).toBeGreaterThan(1)
  })
})
