import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { ConfigError } from '../errors.js'
import { parseConfig } from './load.js'

const FILE = '/etc/livelookup/gateway.yaml'

function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseConfig(yaml, FILE, { env })
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected the config to be refused')
}

const BOOK = `
connectors:
  book:
    type: memory
    records: [{ id: "1", email: a@example.com }]
    rules:
      - when: [email]
        match: { email: "{email}" }
sources:
  contacts:
    connectors: [book]
`

describe('config loading', () => {
  it('accepts a minimal config and fills in the documented defaults', () => {
    const config = parseConfig(BOOK, FILE, { env: {} })

    expect(config.server).toMatchObject({ port: 8080, keys: [], deadline: 5000 })
    expect(config.cache).toMatchObject({ ttl: 60_000, store: 'memory' })
    expect(config.cli.positional).toEqual([
      'customer_id',
      'first_name',
      'last_name',
      'email',
      'phone',
    ])
    expect(config.sources.get('contacts')).toMatchObject({ limit: 25, mergeBy: 'email' })
    expect(config.connectors.get('book')?.timeoutMs).toBe(5000)
  })

  it('names the file, line and key path of a wrong value', () => {
    const yaml = BOOK.replace('sources:', 'server:\n  port: eighty\nsources:')
    expect(problemsOf(yaml)).toEqual([`${FILE}:10: server.port: expected a whole number`])
  })

  it('tells a value of the wrong kind from a missing one', () => {
    const yaml = BOOK.replace(
      'sources:',
      'server:\n  keys: secret-key\n  deadline: true\n  rateLimit: {}\nsources:',
    ).replace('connectors: [book]', 'connectors: book')
    expect(problemsOf(yaml)).toEqual([
      `${FILE}:10: server.keys: expected a list, got text`,
      `${FILE}:11: server.deadline: expected a duration such as 500ms, 2s or 1m`,
      `${FILE}:15: sources.contacts.connectors: expected a list, got text`,
    ])
    expect(problemsOf(BOOK.replace('connectors: [book]', 'limit: 5'))).toEqual([
      `${FILE}:11: sources.contacts.connectors: is required`,
    ])
  })

  it("reports a connector's problems along with those of the rest of the file", () => {
    const yaml = BOOK.replace('sources:', 'server:\n  deadlin: 2s\nsources:').replace(
      '    type: memory\n',
      '    type: memory\n    timout: 1s\n',
    )
    expect(problemsOf(yaml)).toEqual([
      `${FILE}:11: server.deadlin: unknown key`,
      `${FILE}:5: connectors.book.timout: unknown key`,
    ])
  })

  it('names an unknown connector type and lists the known ones', () => {
    const [problem] = problemsOf(BOOK.replace('type: memory', 'type: ldapp'))
    expect(problem).toMatch(
      new RegExp(`^${FILE}:4: connectors.book.type: expected one of: .*memory`),
    )
  })

  it('names an unknown key of a connector', () => {
    const yaml = BOOK.replace('    type: memory', '    type: memory\n    pasword: x')
    expect(problemsOf(yaml)).toEqual([`${FILE}:5: connectors.book.pasword: unknown key`])
  })

  it('reports a rule whose placeholder is not among its inputs at the rule key', () => {
    const yaml = BOOK.replace('match: { email: "{email}" }', 'match: { email: "{mail}" }')
    expect(problemsOf(yaml)).toEqual([
      `${FILE}:8: connectors.book.rules.0.match.email: ` +
        "placeholder {mail} is not listed in the rule's when",
    ])
  })

  it('reports a source naming a connector that does not exist', () => {
    const yaml = BOOK.replace('connectors: [book]', 'connectors: [book, crm]')
    expect(problemsOf(yaml)).toEqual([
      `${FILE}:11: sources.contacts.connectors.1: no connector is named crm`,
    ])
  })

  it('reports every problem at once', () => {
    const yaml = BOOK.replace('connectors: [book]', 'connectors: [crm]').replace(
      'type: memory',
      'type: nope',
    )
    expect(problemsOf(yaml)).toEqual([
      expect.stringContaining('connectors.book.type: expected one of'),
      expect.stringContaining('sources.contacts.connectors.0: no connector is named crm'),
    ])
  })

  it('reports broken YAML with its line', () => {
    const [problem] = problemsOf('server:\n  port: [8080\nconnectors: {}\n')
    expect(problem).toMatch(new RegExp(`^${FILE}:\\d+: `))
  })

  it('reads ${NAME} from the environment and names a missing variable', () => {
    const yaml = BOOK.replace('sources:', 'server:\n  port: ${PORT}\n  keys: ["${KEY}"]\nsources:')

    expect(
      parseConfig(yaml, FILE, { env: { PORT: '9090', KEY: 'k-123456789' } }).server,
    ).toMatchObject({
      port: 9090,
      keys: ['k-123456789'],
    })
    expect(problemsOf(yaml, { PORT: '9090' })).toEqual([
      `${FILE}:11: server.keys.0: environment variable KEY is not set`,
    ])
  })

  it('reads a secret from the file named by NAME_FILE', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'livelookup-secret-'))
    await writeFile(join(dir, 'key'), 'from-a-file-123\n')
    const yaml = BOOK.replace('sources:', 'server:\n  keys: ["${KEY}"]\nsources:')

    const config = parseConfig(yaml, FILE, { env: { KEY_FILE: join(dir, 'key') } })
    expect(config.server.keys).toEqual(['from-a-file-123'])
  })

  it('percent-encodes a variable inside a URL userinfo, and only there', () => {
    const yaml = BOOK.replace(
      '    records:',
      '    records: [{ id: "1", url: "redis://u:${PW}@host:6379/${DB}" }]\n    unused:',
    ).replace('    unused: [{ id: "1", email: a@example.com }]\n', '')
    const config = parseConfig(yaml, FILE, { env: { PW: 'p@ss/w:rd', DB: 'a/b' } })
    const records = config.connectors.get('book')?.options.records as { url: string }[]
    expect(records[0]!.url).toBe('redis://u:p%40ss%2Fw%3Ard@host:6379/a/b')
  })

  it('accepts durations with units or as milliseconds', () => {
    const yaml = BOOK.replace('sources:', 'server:\n  deadline: 1.5s\ncache:\n  ttl: 0\nsources:')
    const config = parseConfig(yaml, FILE, { env: {} })
    expect(config.server.deadline).toBe(1500)
    expect(config.cache.ttl).toBe(0)
    expect(problemsOf(yaml.replace('1.5s', 'soon'))[0]).toContain(
      'server.deadline: expected a duration',
    )
  })

  it('caps a connector timeout at the deadline', () => {
    const yaml = BOOK.replace('    type: memory', '    type: memory\n    timeout: 9s').replace(
      'sources:',
      'server:\n  deadline: 2s\nsources:',
    )
    expect(parseConfig(yaml, FILE, { env: {} }).connectors.get('book')?.timeoutMs).toBe(2000)
  })
})
