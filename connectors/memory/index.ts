import { z } from 'zod'

import { duration, flag } from '../../src/config/fields.js'
import { ConnectorError, FAILURE_KINDS } from '../../src/errors.js'
import { defineConnector, RuleError, type BackendRecord } from '../contract.js'
import { compileTemplate, fillTemplate, type TemplatePart } from '../template.js'

interface MemoryRule {
  readonly patterns: readonly {
    readonly column: string
    readonly parts: readonly TemplatePart[]
    readonly prefix: boolean
  }[]
}

/**
 * The `memory` connector: a handful of records written in the config itself, optionally slow or
 * failing on purpose. It lets an administrator see how HelpSpot shows a slow or broken
 * directory before pointing the gateway at a real one, and it is what the gateway's own tests
 * and benchmarks use as a connector with a known latency.
 *
 * @example
 * ```yaml
 * slow-book:
 *   type: memory
 *   delay: 2s
 *   records: [{ id: "1", email: bob@example.com }]
 *   rules: [{ when: [email], match: { email: "{email}" } }]
 * ```
 */
export const memoryConnector = defineConnector({
  type: 'memory',
  options: z.object({
    records: z
      .array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])))
      .default([]),
    /** Answer only after this long. */
    delay: duration.default(0),
    /** Always fail with this kind of error. */
    fail: z.enum(FAILURE_KINDS).optional(),
    /** Keep working after the lookup's signal aborts, like a client that cannot be cancelled. */
    ignoreAbort: flag.default(false),
  }),
  rule: z.object({ match: z.record(z.string(), z.string()) }),

  compile(rule): MemoryRule {
    const entries = Object.entries(rule.match)
    if (entries.length === 0) throw new RuleError('needs at least one column', 'match')
    const patterns = entries.map(([column, template]) => {
      const prefix = template.endsWith('*')
      const parts = compileTemplate(
        prefix ? template.slice(0, -1) : template,
        rule.when,
        `match.${column}`,
      )
      return { column, parts, prefix }
    })
    return { patterns }
  },

  create(options) {
    const records: BackendRecord[] = options.records.map((record) =>
      Object.fromEntries(Object.entries(record).map(([key, value]) => [key, String(value)])),
    )

    return {
      async search({ rule, input, limit, signal }) {
        const compiled = rule as MemoryRule
        await pause(options.delay, options.ignoreAbort ? undefined : signal)
        if (options.fail)
          throw new ConnectorError(options.fail, `configured to fail with ${options.fail}`)

        const needles = compiled.patterns.map((p) => ({
          ...p,
          needle: fillTemplate(p.parts, (name) => input[name] ?? '').toLowerCase(),
        }))
        const found = records.filter((record) =>
          needles.every(({ column, needle, prefix }) => {
            const value = (record[column] ?? '').toLowerCase()
            return prefix ? value.startsWith(needle) : value === needle
          }),
        )
        return found.slice(0, limit)
      },
      async check(signal) {
        await pause(options.delay, signal)
        if (options.fail)
          throw new ConnectorError(options.fail, `configured to fail with ${options.fail}`)
      },
      async close() {},
    }
  },
})

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted)
    return Promise.reject(new ConnectorError('timeout', 'the lookup deadline passed'))
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(new ConnectorError('timeout', 'the lookup deadline passed'))
      },
      { once: true },
    )
  })
}
