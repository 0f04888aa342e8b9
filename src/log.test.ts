import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

const LOG = fileURLToPath(new URL('../dist/src/log.js', import.meta.url))

/** Runs `body` in a fresh Node process with `createLogger` imported; returns its stdout. */
async function stdoutOf(body: string): Promise<string> {
  const script = `import { createLogger } from ${JSON.stringify(LOG)}\n${body}`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
  const [code] = (await once(child, 'close')) as [number]
  expect(code).toBe(0)
  return out
}

describe('createLogger', () => {
  it('writes every line in order, even when the process exits in the same turn', async () => {
    const out = await stdoutOf(`
      const logger = createLogger({ level: 'info' })
      for (let at = 0; at < 2000; at++) logger.info({ at }, 'line')
      process.exit(0)
    `)
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { at: number })
    expect(lines.map((line) => line.at)).toEqual(Array.from({ length: 2000 }, (_, at) => at))
  })

  it('writes lines logged over several turns, and redacts secrets in them', async () => {
    const out = await stdoutOf(`
      const logger = createLogger({ level: 'info' })
      logger.info({ password: 'hunter2' }, 'first')
      await new Promise((resolve) => setTimeout(resolve, 20))
      logger.warn('second')
      await new Promise((resolve) => setTimeout(resolve, 20))
    `)
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines).toMatchObject([
      { level: 'info', msg: 'first', password: '[redacted]' },
      { level: 'warn', msg: 'second' },
    ])
    expect(out).not.toContain('hunter2')
  })

  it('logs an error by its kind and message, without its stack or causes', async () => {
    const out = await stdoutOf(`
      const cause = new Error('connect ECONNREFUSED 127.0.0.1:9')
      const error = Object.assign(new Error('directory unreachable', { cause }), { kind: 'x' })
      createLogger({ level: 'info' }).warn({ err: error }, 'failed')
    `)
    const line = JSON.parse(out) as Record<string, unknown>
    expect(line.err).toEqual({ type: 'Error', message: 'directory unreachable', kind: 'x' })
    expect(out).not.toMatch(/ECONNREFUSED|\bat |file:/)
  })
})
