import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { Hono } from 'hono'
import { z } from 'zod'

import { defineConnector, type ConnectorDefinition } from '../../connectors/contract.js'
import { ConnectorError, FAILURE_KINDS, type FailureKind } from '../../src/errors.js'
import { createApp } from '../../src/http/app.js'
import { Service } from '../../src/service.js'
import { memoryLogger } from '../harness/gateway.js'
import { recordAnswer } from '../harness/secrets.js'

/** What a test can change while a `controlled` connector serves: it reads this on every call. */
export interface Control {
  /** Searches started. */
  calls: number
  delayMs: number
  /** Fail every search with this kind. */
  fail: FailureKind | undefined
  /** Never answer, and ignore the signal, like a backend that stopped responding. */
  hang: boolean
}

export function control(): Control {
  return { calls: 0, delayMs: 0, fail: undefined, hang: false }
}

const PEOPLE = [
  { id: '1', email: 'ann@example.com', name: 'Ann' },
  { id: '2', email: 'bob@example.com', name: 'Bob' },
]

/**
 * A connector type `type` whose behaviour the test steers through `controls[name]` (falling
 * back to `controls.default`), counting its searches. Each rule matches `column` exactly
 * against the rule's first input.
 */
export function controlledConnector(
  type: string,
  controls: Record<string, Control>,
): ConnectorDefinition {
  return defineConnector({
    type,
    options: z.object({ secret: z.string().optional() }),
    rule: z.object({ column: z.enum(['id', 'email', 'name']) }),
    compile: (rule) => ({ column: rule.column, input: rule.when[0]! }),
    create(_options, context) {
      const steer = (): Control => controls[context.name] ?? controls.default!
      return {
        async search({ rule, input, signal }) {
          const state = steer()
          state.calls++
          if (state.hang) return new Promise(() => {})
          if (state.delayMs > 0) await pause(state.delayMs, signal)
          if (state.fail) throw new ConnectorError(state.fail, `steered to fail with ${state.fail}`)
          const { column, input: name } = rule as { column: 'id' | 'email' | 'name'; input: string }
          return PEOPLE.filter(
            (person) => person[column].toLowerCase() === input[name]?.toLowerCase(),
          )
        },
        async check() {
          const state = steer()
          if (state.hang) return new Promise(() => {})
          if (state.fail) throw new ConnectorError(state.fail, `steered to fail with ${state.fail}`)
        },
        async close() {},
      }
    },
  }) as unknown as ConnectorDefinition
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(new ConnectorError('timeout', 'the lookup deadline passed'))
    })
  })
}

export interface OpsGateway {
  readonly app: Hono
  readonly service: Service
  readonly dir: string
  readonly file: string
  readonly logs: Record<string, unknown>[]
  /** A request as if from `peer` (default 127.0.0.1); `path` may carry a query string. */
  request(path: string, init?: RequestInit, peer?: string): Promise<Response>
  close(): Promise<void>
}

/** Serves `yaml` in-process with the production parts (cache, metrics, limits) switched on. */
export async function opsGateway(
  yaml: string,
  definitions: readonly ConnectorDefinition[] = [],
  options: { dir?: string; watch?: boolean } = {},
): Promise<OpsGateway> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'livelookup-ops-')))
  const file = join(dir, 'config.yaml')
  await writeFile(file, yaml)

  const { logger, logs } = memoryLogger('info')
  const service = await Service.start(file, logger, definitions)
  if (options.watch) service.watch()
  const app = createApp({ gateway: () => service.current, logger, ops: service.ops })

  return {
    app,
    service,
    dir,
    file,
    logs,
    request: async (path, init, peer = '127.0.0.1') => {
      const headers = Object.fromEntries(new Headers(init?.headers).entries())
      const incoming = { socket: { remoteAddress: peer }, headers }
      return recordAnswer(await app.request(`http://gateway.test${path}`, init, { incoming }))
    },
    async close() {
      await service.close()
      if (!options.dir) await rm(dir, { recursive: true, force: true })
    },
  }
}

/** The failure kinds, for tests that go through all of them. */
export const KINDS = FAILURE_KINDS
