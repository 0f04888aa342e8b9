import { z } from 'zod'

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

/** Parses `500ms`, `2s`, `1m`, `1h` or a number of milliseconds; undefined when malformed. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  const found = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value)
  if (!found) return undefined
  return Math.round(Number(found[1]) * (UNITS[found[2] ?? 'ms'] ?? 1))
}

/** A duration in milliseconds, written `500ms`, `2s`, `1m` or as a number of milliseconds. */
const DURATION_EXPECTED = 'expected a duration such as 500ms, 2s or 1m'

export const duration = z
  .union([z.number(), z.string()], { error: DURATION_EXPECTED })
  .transform((value, ctx) => {
    const ms = parseDuration(value)
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: DURATION_EXPECTED })
      return z.NEVER
    }
    return ms
  })

/** A whole number, also accepted as a string so `${NAME}` values work for ports and limits. */
export const count = z
  .union([z.number(), z.string().regex(/^\s*\d+\s*$/, 'expected a whole number')], {
    error: 'expected a whole number',
  })
  .transform(Number)
  .pipe(z.number().int().nonnegative())

/** A boolean, also accepted as `true`/`false`/`yes`/`no`/`1`/`0` strings from `${NAME}`. */
export const flag = z.union(
  [
    z.boolean(),
    z
      .string()
      .regex(/^(true|false|yes|no|1|0)$/i, 'expected true or false')
      .transform((value) => /^(true|yes|1)$/i.test(value)),
  ],
  { error: 'expected true or false' },
)

/** One string or a list of them; always a list after parsing. */
export const stringList = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
    error: 'expected a name or a list of names',
  })
  .transform((value) => (Array.isArray(value) ? value : [value]))

/** A URL (or list of them) whose scheme is one of `schemes`, such as `['ldap:', 'ldaps:']`. */
export function urlList(schemes: readonly string[]) {
  const expected = `expected a ${schemes.map((s) => `${s}//`).join(' or ')} URL`
  return stringList.superRefine((urls, ctx) => {
    for (const url of urls) {
      let scheme = ''
      try {
        scheme = new URL(url).protocol
      } catch {
        scheme = ''
      }
      if (!schemes.includes(scheme)) ctx.addIssue({ code: 'custom', message: expected })
    }
  })
}
