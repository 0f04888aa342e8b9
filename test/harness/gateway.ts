import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { Hono } from 'hono'
import type { Logger } from 'pino'

import { createApp } from '../../src/http/app.js'
import { Service } from '../../src/service.js'
import { recordAnswer, testLogger } from './secrets.js'

export interface TestGateway {
  readonly app: Hono
  readonly service: Service
  readonly dir: string
  readonly logs: Record<string, unknown>[]
  /** Sends a request to the in-process app; `path` may include a query string. */
  request(path: string, init?: RequestInit): Promise<Response>
  close(): Promise<void>
}

/** A logger that keeps every event in memory, so tests can read what was logged. */
export function memoryLogger(level = 'info'): { logger: Logger; logs: Record<string, unknown>[] } {
  return testLogger(level)
}

/** Writes `yaml` (and any extra files) into a temp folder and serves it in-process. */
export async function testGateway(
  yaml: string,
  files: Record<string, string> = {},
  level = 'info',
): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'livelookup-test-'))
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  await writeFile(join(dir, 'config.yaml'), yaml)

  const { logger, logs } = memoryLogger(level)
  const service = await Service.start(join(dir, 'config.yaml'), logger)
  const app = createApp({ gateway: () => service.current, logger })

  return {
    app,
    service,
    dir,
    logs,
    request: async (path, init) => recordAnswer(await app.request(`http://127.0.0.1${path}`, init)),
    async close() {
      await service.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
