import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { recordAnswer, recordOutput } from '../harness/secrets.js'
import { customersOf } from '../harness/xml.js'
import { freePort } from '../servers/ports.js'
import { startRedis, type TestRedis } from '../servers/redis.js'

/** Every secret the config holds or a caller sends; none may appear in a log line or a response. */
const SECRETS = {
  GATEWAY_KEY: 'gw-key-Zr4T9wq1',
  REDIS_PASSWORD: 'redis-pw-Hk27Lmx',
  LDAP_PASSWORD: 'ldap-pw-Bv83Qsd',
  SQL_PASSWORD: 'sql-pw-Xe55Npa',
}
const WRONG_KEY = 'near-miss-key-Pd61'

const config = (redisPort: number, closedPort: number, extra = '') => `
server:
  keys: ["\${GATEWAY_KEY}"]
  deadline: 8s
  shutdownGrace: 10s
log: { level: debug }
cache: { ttl: 1h, store: "redis://:\${REDIS_PASSWORD}@127.0.0.1:${redisPort}/0" }
connectors:
  slow:
    type: memory
    delay: 1500ms
    records: [{ id: "1", email: ann@example.com }]
    rules: [{ when: [email], match: { email: "{email}" } }]
    map: { customer_id: id, email: email }
  directory:
    type: ldap
    url: ldap://127.0.0.1:${closedPort}
    bindDN: cn=helpspot,dc=example,dc=com
    password: \${LDAP_PASSWORD}
    baseDN: dc=example,dc=com
    timeout: 1s
    rules: [{ when: [email], filter: "(mail={email})" }]
    map: { customer_id: uid, email: mail }
  crm:
    type: sql
    dialect: postgres
    url: postgres://helpspot:\${SQL_PASSWORD}@127.0.0.1:${closedPort}/crm
    timeout: 1s
    rules: [{ when: [email], query: "SELECT id, email FROM customers WHERE email = {email}" }]
    map: { customer_id: id, email: email }
sources:
  customers: { connectors: [slow] }
  backends: { connectors: [directory, crm] }
${extra}
`

describe('the gateway as a process', () => {
  let dir: string
  let redis: TestRedis
  let child: ChildProcess
  let base: string
  let closedPort: number
  let output = ''
  const responses: string[] = []
  const file = () => join(dir, 'config.yaml')

  const request = async (path: string, init?: RequestInit): Promise<Response> => {
    const response = await fetch(`${base}${path}`, init)
    const text = await response.clone().text()
    responses.push(`${response.status} ${JSON.stringify([...response.headers])} ${text}`)
    return recordAnswer(response)
  }
  const logged = (message: string) =>
    output.split('\n').filter((line) => line.includes(`"msg":"${message}"`))
  async function until(condition: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 200 && !condition(); i++)
      await new Promise((resolve) => setTimeout(resolve, 50))
    if (!condition()) throw new Error(`gave up waiting for ${what}:\n${output}`)
  }

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build'], { stdio: 'pipe' })
    dir = await mkdtemp(join(tmpdir(), 'livelookup-process-'))
    redis = await startRedis({ password: SECRETS.REDIS_PASSWORD })
    closedPort = await freePort()
    await writeFile(file(), config(redis.port, closedPort))

    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    child = spawn(
      process.execPath,
      ['dist/src/cli.js', 'serve', '--config', file(), '--port', String(port)],
      {
        env: { ...process.env, ...SECRETS, LIVELOOKUP_LOG_LEVEL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    await until(() => logged('listening').length > 0, 'the gateway to listen')
  })
  afterAll(async () => {
    recordOutput('gateway output', output)
    if (child && child.exitCode === null) {
      child.kill('SIGKILL')
      await once(child, 'exit')
    }
    await redis?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const KEY = `key=${SECRETS.GATEWAY_KEY}`

  it('accepts the key in each form and refuses wrong ones', async () => {
    const bearer = { headers: { authorization: `Bearer ${SECRETS.GATEWAY_KEY}` } }
    const basic = {
      headers: {
        authorization: `Basic ${Buffer.from(`x:${SECRETS.GATEWAY_KEY}`).toString('base64')}`,
      },
    }
    expect((await request(`/livelookup/customers?email=nobody%40example.com&${KEY}`)).status).toBe(
      200,
    )
    expect((await request('/livelookup/customers?email=nobody%40example.com', bearer)).status).toBe(
      200,
    )
    expect((await request('/livelookup/customers?email=nobody%40example.com', basic)).status).toBe(
      200,
    )
    expect(
      (await request(`/k/${SECRETS.GATEWAY_KEY}/livelookup/customers?email=x%40example.com`))
        .status,
    ).toBe(200)
    expect(
      (await request(`/livelookup/customers?email=x%40example.com&key=${WRONG_KEY}`)).status,
    ).toBe(403)
    expect((await request(`/k/${WRONG_KEY}/livelookup/customers`)).status).toBe(403)
    expect(
      (
        await request('/livelookup/customers', {
          headers: { authorization: `Bearer ${WRONG_KEY}` },
        })
      ).status,
    ).toBe(403)
  })

  it('takes a query up to 64 KiB; a larger one or broken HTTP gets a plain error', async () => {
    const padded = (size: number) => `/livelookup/customers?pad=${'x'.repeat(size)}&${KEY}`
    expect((await request(padded(40_000))).status).toBe(200)
    for (const size of [70_000, 100_000]) {
      const refused = await request(padded(size))
      expect(refused.status, `${size}`).toBe(413)
      expect(await refused.text()).toBe('the query is larger than 64 KiB')
    }

    const socket = connect(Number(new URL(base).port), '127.0.0.1')
    socket.end('NOT HTTP AT ALL\r\n\r\n')
    let answer = ''
    for await (const chunk of socket) answer += String(chunk)
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(answer).toMatch(/\r\n\r\nthe request is not valid HTTP$/)
  })

  it('reports failing backends by kind without their credentials', async () => {
    const failed = await request(`/livelookup/backends?email=ann%40example.com&${KEY}`)
    expect(failed.status).toBe(503)
    expect(await failed.text()).toMatch(/^backends unavailable: directory: \w+, crm: \w+/)
    expect((await request('/readyz')).status).toBe(503)
    expect((await request(`/metrics?${KEY}`)).status).toBe(200)
  })

  it('reloads on SIGHUP, and on a change of the config file', async () => {
    await writeFile(file(), config(redis.port, closedPort, '  again: { connectors: [slow] }'))
    child.kill('SIGHUP')
    await until(() => logged('config reloaded').length >= 1, 'a reload')
    expect((await request(`/livelookup/again?email=nobody%40example.com&${KEY}`)).status).toBe(200)

    const reloads = logged('config reloaded').length
    await writeFile(file(), config(redis.port, closedPort, '  third: { connectors: [slow] }'))
    await until(() => logged('config reloaded').length > reloads, 'a reload on change')
    expect((await request(`/livelookup/third?email=nobody%40example.com&${KEY}`)).status).toBe(200)
  })

  it('refuses an invalid config with its errors and keeps serving the old one', async () => {
    const broken = config(redis.port, closedPort, '  third: { connectors: [slow] }').replace(
      '    delay: 1500ms',
      '    delay: 1500ms\n    password: ${LDAP_PASSWORD}',
    )
    await writeFile(file(), broken)
    await until(() => logged('config reload refused').length > 0, 'the refusal')
    expect(logged('config reload refused')[0]).toMatch(
      /config\.yaml:\d+: connectors\.slow\.password: unknown key/,
    )
    expect((await request(`/livelookup/third?email=nobody%40example.com&${KEY}`)).status).toBe(200)
  })

  it('finishes an in-flight lookup on SIGTERM, stops accepting, and exits 0', async () => {
    const slow = request(`/livelookup/customers?email=ann%40example.com&${KEY}`)
    await until(
      () => output.includes('"email":"ann@example.com"') || logged('lookup').length > 10,
      'the lookup to start',
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    child.kill('SIGTERM')
    await until(() => logged('stopping').length > 0, 'the shutdown to begin')

    await expect(fetch(`${base}/healthz`)).rejects.toThrow()
    const answer = await slow
    expect(answer.status).toBe(200)
    expect(customersOf(await answer.text()).map((c) => c.customer_id)).toEqual(['1'])
    const [code] = (await once(child, 'exit')) as [number]
    expect(code).toBe(0)
    expect(JSON.parse(logged('stopping')[0]!)).toMatchObject({ inFlight: 1 })
  })

  it('never wrote a secret into a log line or a response', () => {
    expect(output).toContain('"msg":"lookup"')
    expect(output).toContain('"msg":"refused"')
    for (const secret of [...Object.values(SECRETS), WRONG_KEY]) {
      expect(output).not.toContain(secret)
      expect(responses.join('\n')).not.toContain(secret)
    }
  })
})
