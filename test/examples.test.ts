import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import { loadConfig } from '../src/config/load.js'

const EXAMPLES = fileURLToPath(new URL('../config/examples/', import.meta.url))
const DEMO = fileURLToPath(new URL('../config/default.yaml', import.meta.url))

const ENV = {
  LIVELOOKUP_KEY: 'example-key-0123456789',
  AD_PASSWORD: 'example-password',
  CRM_PASSWORD: 'example-password',
  SF_CLIENT_ID: 'example-client',
  SF_CLIENT_SECRET: 'example-secret',
}

describe('shipped configs', () => {
  it('loads the built-in demo', async () => {
    const config = await loadConfig(DEMO, { env: {} })
    expect([...config.sources.keys()]).toEqual(['contacts'])
  })

  it('loads every example once its variables are set', async () => {
    const files = (await readdir(EXAMPLES)).filter((name) => name.endsWith('.yaml'))
    expect(files.length).toBeGreaterThanOrEqual(4)
    for (const file of files) {
      const config = await loadConfig(join(EXAMPLES, file), { env: ENV })
      expect(config.sources.size, file).toBeGreaterThan(0)
    }
  })
})
