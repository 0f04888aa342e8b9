import { mkdir, rename, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { customersOf } from '../harness/xml.js'
import { control, controlledConnector, opsGateway, type OpsGateway } from './harness.js'

const config = (bookEmail: string, extraSource = '', bookDelay = '0ms') => `
server: { deadline: 1s }
connectors:
  people:
    type: controlled
    rules: [{ when: [email], column: email }]
    map: { customer_id: id, email: email }
  book:
    type: memory
    delay: ${bookDelay}
    records: [{ id: "9", email: "${bookEmail}" }]
    rules: [{ when: [email], match: { email: "{email}" } }]
    map: { customer_id: id, email: email }
sources:
  customers: { connectors: [people, book] }
${extraSource}
`

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++)
    await new Promise((resolve) => setTimeout(resolve, 25))
  if (!condition()) throw new Error(`gave up waiting for ${what}`)
}

describe('reloading on a config file change', () => {
  let gateway: OpsGateway
  const count = (message: string) => gateway.logs.filter((line) => line.msg === message).length
  beforeAll(async () => {
    gateway = await opsGateway(
      config('zed@example.com'),
      [controlledConnector('controlled', { default: control() })],
      {
        watch: true,
      },
    )
  })
  afterAll(() => gateway.close())

  it('keeps unchanged connectors, replaces changed ones and serves the new sources', async () => {
    const people = gateway.service.connectors.get('people')!.connector
    const book = gateway.service.connectors.get('book')!.connector

    await writeFile(gateway.file, config('ann@example.com', '  book-only: { connectors: [book] }'))
    await until(() => count('config reloaded') === 1, 'the reload')

    expect(gateway.service.connectors.get('people')!.connector).toBe(people)
    expect(gateway.service.connectors.get('book')!.connector).not.toBe(book)
    expect(gateway.logs.find((line) => line.msg === 'config reloaded')).toMatchObject({
      replaced: ['book'],
    })
    const answer = await gateway.request('/livelookup/book-only?email=ann%40example.com')
    expect(customersOf(await answer.text()).map((c) => c.customer_id)).toEqual(['9'])
  })

  it('follows an editor that saves by renaming a new file over the old one', async () => {
    const temp = join(gateway.dir, '.config.yaml.swp')
    await writeFile(temp, config('ann@example.com', '  renamed: { connectors: [book] }'))
    await rename(temp, gateway.file)
    await until(() => count('config reloaded') === 2, 'the reload')
    expect((await gateway.request('/livelookup/renamed?email=ann%40example.com')).status).toBe(200)
  })

  it('lets a lookup started before a reload finish on the connector it replaced', async () => {
    const slowBook = config('bea@example.com', '  renamed: { connectors: [book] }', '700ms')
    await writeFile(gateway.file, slowBook)
    await until(() => count('config reloaded') === 3, 'the first reload')

    let answered = false
    const pending = gateway.request('/livelookup/renamed?email=bea%40example.com')
    void pending.then(() => (answered = true))
    await writeFile(gateway.file, config('cy@example.com', '  renamed: { connectors: [book] }'))
    await until(() => count('config reloaded') === 4, 'the second reload')
    expect(answered).toBe(false)

    const answer = await pending
    expect(answer.status).toBe(200)
    expect(customersOf(await answer.text()).map((c) => c.customer_id)).toEqual(['9'])
  })

  it('refuses a cache store URL that cannot be used, and keeps serving', async () => {
    const refusals = count('config reload refused')
    await writeFile(
      gateway.file,
      `${config('ann@example.com', '  renamed: { connectors: [book] }')}` +
        'cache: { store: "redis://127.0.0.1:99999/0" }\n',
    )
    await until(() => count('config reload refused') === refusals + 1, 'the refusal')
    const refusal = gateway.logs.findLast((line) => line.msg === 'config reload refused') as {
      problems: string[]
    }
    expect(refusal.problems).toEqual([expect.stringMatching(/cache\.store: is not a valid URL$/)])
    expect((await gateway.request('/livelookup/renamed?email=ann%40example.com')).status).toBe(200)
  })

  it('refuses an invalid file with its errors and keeps serving the old config', async () => {
    const people = gateway.service.connectors.get('people')!.connector
    const refusals = count('config reload refused')
    await writeFile(
      gateway.file,
      config('ann@example.com').replace('deadline: 1s', 'deadline: soon'),
    )
    await until(() => count('config reload refused') === refusals + 1, 'the refusal')

    const refusal = gateway.logs.findLast((line) => line.msg === 'config reload refused') as {
      problems: string[]
    }
    expect(refusal.problems).toEqual([
      `${gateway.file}:2: server.deadline: expected a duration such as 500ms, 2s or 1m`,
    ])
    expect((await gateway.request('/livelookup/renamed?email=ann%40example.com')).status).toBe(200)
    expect(gateway.service.connectors.get('people')!.connector).toBe(people)
  })

  // Last: from here on the config file is a link into a folder the watch does not see.
  it('follows a Kubernetes ConfigMap update, which swaps a link beside the file', async () => {
    const mounted = async (version: string, text: string) => {
      await mkdir(join(gateway.dir, version))
      await writeFile(join(gateway.dir, version, 'config.yaml'), text)
      await symlink(version, join(gateway.dir, '..data_tmp'))
      await rename(join(gateway.dir, '..data_tmp'), join(gateway.dir, '..data'))
    }
    const reloads = count('config reloaded')
    await mounted('..v1', config('ann@example.com', '  renamed: { connectors: [book] }'))
    await symlink(join('..data', 'config.yaml'), join(gateway.dir, 'config.link'))
    await rename(join(gateway.dir, 'config.link'), gateway.file)
    await until(() => count('config reloaded') === reloads + 1, 'the move to the mounted file')

    await mounted('..v2', config('ann@example.com', '  mounted: { connectors: [book] }'))
    await until(() => count('config reloaded') === reloads + 2, 'the ConfigMap update')
    expect((await gateway.request('/livelookup/mounted?email=ann%40example.com')).status).toBe(200)
  })
})
