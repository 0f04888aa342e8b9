import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'

import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

import { ConnectorError } from '../../src/errors.js'
import type { Connector } from '../contract.js'
import { staticConnector } from './index.js'

let folder: string
const open: Connector[] = []

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'static-book-'))
})

afterEach(async () => {
  await Promise.all(open.splice(0).map((connector) => connector.close()))
})

afterAll(async () => {
  await rm(folder, { recursive: true, force: true })
})

const byLast = staticConnector.compile(
  { when: ['last_name'], match: { last: '{last_name}*' } },
  {
    file: 'x.csv',
    watch: true,
    delimiter: ',',
  },
)

/** A connector on `file` (relative to the temp folder) and the log events it writes. */
function connect(file: string, options: Record<string, unknown> = {}) {
  const events: Record<string, unknown>[] = []
  const sink = new Writable({
    write(line: Buffer, _encoding, done) {
      events.push(JSON.parse(line.toString()) as Record<string, unknown>)
      done()
    },
  })
  const logger = pino({ level: 'info' }, sink)
  const connector = staticConnector.create(staticConnector.options.parse({ file, ...options }), {
    name: 'book',
    logger,
    configDir: folder,
    timeoutMs: 5_000,
  })
  open.push(connector)
  return { connector, events }
}

async function lastNames(connector: Connector, prefix = ''): Promise<string[]> {
  const records = await connector.search({
    rule: byLast,
    input: { last_name: prefix || 'a' },
    attributes: ['last'],
    limit: 50,
    signal: AbortSignal.timeout(5_000),
  })
  return records.map((record) => record.last ?? '')
}

function csv(...names: string[]): string {
  return `id,last\n${names.map((name, at) => `c${at},${name}`).join('\n')}\n`
}

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(ConnectorError)
  return error as ConnectorError
}

describe('static address book', () => {
  it('loads the file relative to the config folder on first use', async () => {
    await writeFile(join(folder, 'first.csv'), csv('Adams', 'Allen', 'Baker'))
    const { connector, events } = connect('first.csv')

    expect(events).toEqual([])
    expect(await lastNames(connector, 'a')).toEqual(['Adams', 'Allen'])
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'address_book_loaded', file: 'first.csv', contacts: 3 }),
    )
  })

  it('reloads when the file is rewritten', async () => {
    await writeFile(join(folder, 'rewrite.csv'), csv('Adams'))
    const { connector, events } = connect('rewrite.csv')
    expect(await lastNames(connector)).toEqual(['Adams'])

    await writeFile(join(folder, 'rewrite.csv'), csv('Adams', 'Avery'))
    await vi.waitFor(async () => expect(await lastNames(connector)).toEqual(['Adams', 'Avery']), {
      timeout: 5_000,
    })
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'address_book_reloaded', contacts: 2 }),
    )
  })

  it('reloads when a new file is renamed over the old one', async () => {
    await writeFile(join(folder, 'atomic.csv'), csv('Adams'))
    const { connector } = connect('atomic.csv')
    expect(await lastNames(connector)).toEqual(['Adams'])

    await writeFile(join(folder, 'atomic.csv.tmp'), csv('Abbott'))
    await rename(join(folder, 'atomic.csv.tmp'), join(folder, 'atomic.csv'))
    await vi.waitFor(async () => expect(await lastNames(connector)).toEqual(['Abbott']), {
      timeout: 5_000,
    })
  })

  it('reloads after a Kubernetes ConfigMap update, which swaps a link beside it', async () => {
    const mounted = join(folder, 'configmap')
    const version = async (name: string, content: string) => {
      await mkdir(join(mounted, name), { recursive: true })
      await writeFile(join(mounted, name, 'book.csv'), content)
      await symlink(name, join(mounted, '..data_tmp'))
      await rename(join(mounted, '..data_tmp'), join(mounted, '..data'))
    }
    await version('..v1', csv('Adams'))
    await symlink(join('..data', 'book.csv'), join(mounted, 'book.csv'))
    const { connector } = connect('configmap/book.csv')
    expect(await lastNames(connector)).toEqual(['Adams'])

    await version('..v2', csv('Abbott', 'Avery'))
    await vi.waitFor(async () => expect(await lastNames(connector)).toEqual(['Abbott', 'Avery']), {
      timeout: 5_000,
    })
  })

  it('reloads a linked file edited in its own folder', async () => {
    await mkdir(join(folder, 'real'))
    await mkdir(join(folder, 'linked'))
    await writeFile(join(folder, 'real', 'book.csv'), csv('Adams'))
    await symlink(join('..', 'real', 'book.csv'), join(folder, 'linked', 'book.csv'))
    const { connector } = connect('linked/book.csv')
    expect(await lastNames(connector)).toEqual(['Adams'])

    await writeFile(join(folder, 'real', 'book.csv'), csv('Allen'))
    await vi.waitFor(async () => expect(await lastNames(connector)).toEqual(['Allen']), {
      timeout: 5_000,
    })
  })

  it('keeps the old contacts when the new file is broken, and says why', async () => {
    await writeFile(join(folder, 'broken.csv'), csv('Adams'))
    const { connector, events } = connect('broken.csv')
    expect(await lastNames(connector)).toEqual(['Adams'])

    await writeFile(join(folder, 'broken.csv'), 'id,last\nc1,"Avery\n')
    await vi.waitFor(
      () =>
        expect(events).toContainEqual(
          expect.objectContaining({ event: 'address_book_reload_failed', kept: 1 }),
        ),
      {
        timeout: 5_000,
      },
    )
    expect(await lastNames(connector)).toEqual(['Adams'])
    const failed = events.find((event) => event.event === 'address_book_reload_failed')
    expect(failed?.reason).toMatch(/broken\.csv cannot be read: .*line 2/i)

    await writeFile(join(folder, 'broken.csv'), csv('Avery'))
    await vi.waitFor(async () => expect(await lastNames(connector)).toEqual(['Avery']), {
      timeout: 5_000,
    })
  })

  it('keeps the old contacts while the file is briefly gone', async () => {
    await writeFile(join(folder, 'gone.csv'), csv('Adams'))
    const { connector, events } = connect('gone.csv')
    expect(await lastNames(connector)).toEqual(['Adams'])

    await rm(join(folder, 'gone.csv'))
    await vi.waitFor(
      () => expect(events.map((event) => event.event)).toContain('address_book_reload_failed'),
      { timeout: 5_000 },
    )
    expect(await lastNames(connector)).toEqual(['Adams'])
  })

  it('rejects as unreachable while the file is missing, then loads it once there', async () => {
    const { connector } = connect('later.csv')
    const missing = await rejection(connector.check(AbortSignal.timeout(5_000)))
    expect(missing.kind).toBe('unreachable')
    expect(missing.message).toBe('address book later.csv does not exist')
    expect((await rejection(lastNames(connector))).kind).toBe('unreachable')

    await writeFile(join(folder, 'later.csv'), csv('Adams'))
    await vi.waitFor(async () => expect(await lastNames(connector)).toEqual(['Adams']), {
      timeout: 5_000,
    })
  })

  it('rejects with a query error while the file cannot be parsed', async () => {
    await writeFile(join(folder, 'bad.json'), '{"not": "a list"}')
    const { connector } = connect('bad.json')
    const error = await rejection(connector.check(AbortSignal.timeout(5_000)))
    expect(error.kind).toBe('query')
    expect(error.message).toContain('bad.json')
    expect((await rejection(lastNames(connector))).message).toBe(error.message)
  })

  it('does not reload when watching is off', async () => {
    await writeFile(join(folder, 'still.csv'), csv('Adams'))
    const { connector } = connect('still.csv', { watch: 'false' })
    expect(await lastNames(connector)).toEqual(['Adams'])

    await writeFile(join(folder, 'still.csv'), csv('Avery'))
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await lastNames(connector)).toEqual(['Adams'])
  })

  it('stops reloading once closed', async () => {
    await writeFile(join(folder, 'closed.csv'), csv('Adams'))
    const { connector, events } = connect('closed.csv')
    expect(await lastNames(connector)).toEqual(['Adams'])

    await connector.close()
    await writeFile(join(folder, 'closed.csv'), csv('Avery'))
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(events.map((event) => event.event)).not.toContain('address_book_reloaded')
  })

  it('rejects with a timeout when the lookup is already aborted', async () => {
    await writeFile(join(folder, 'abort.csv'), csv('Adams'))
    const { connector } = connect('abort.csv')
    const search = connector.search({
      rule: byLast,
      input: { last_name: 'a' },
      attributes: ['last'],
      limit: 5,
      signal: AbortSignal.abort(),
    })
    expect((await rejection(search)).kind).toBe('timeout')
    expect((await rejection(connector.check(AbortSignal.abort()))).kind).toBe('timeout')
  })

  it('stops waiting for the first load when the lookup aborts, and keeps loading', async () => {
    await writeFile(join(folder, 'slow.csv'), csv('Adams'))
    const { connector } = connect('slow.csv')
    const controller = new AbortController()
    const search = connector.search({
      rule: byLast,
      input: { last_name: 'a' },
      attributes: ['last'],
      limit: 5,
      signal: controller.signal,
    })
    controller.abort()

    expect((await rejection(search)).kind).toBe('timeout')
    expect(await lastNames(connector)).toEqual(['Adams'])
  })

  it('refuses a file type it cannot read when the config loads', () => {
    const parsed = staticConnector.options.safeParse({ file: 'contacts.xlsx' })
    expect(parsed.success).toBe(false)
    expect(staticConnector.options.safeParse({ file: 'book.csv', delimiter: '"' }).success).toBe(
      false,
    )
    expect(staticConnector.options.parse({ file: 'Book.YML' })).toEqual({
      file: 'Book.YML',
      watch: true,
      delimiter: ',',
    })
  })
})
