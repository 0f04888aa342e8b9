import { pino, type Logger, type LevelWithSilent } from 'pino'

/** Fields that may hold a secret wherever they appear in a log event. */
const REDACTED = [
  'password',
  'key',
  'keys',
  'token',
  'secret',
  'clientSecret',
  'authorization',
  'url',
  '*.password',
  '*.key',
  '*.keys',
  '*.token',
  '*.secret',
  '*.clientSecret',
  '*.authorization',
  '*.url',
  'headers.authorization',
  'req.headers.authorization',
]

export interface LogOptions {
  readonly level?: LevelWithSilent
  /** 1 for stdout (the server), 2 for stderr (the CLI, whose stdout is XML). */
  readonly fd?: 1 | 2
  /** Write synchronously: for short-lived commands whose output must not be lost. */
  readonly sync?: boolean
}

/**
 * The gateway's logger: JSON lines, secrets redacted, written asynchronously in batches so a
 * slow terminal or pipe never holds up a lookup.
 */
export function createLogger(options: LogOptions = {}): Logger {
  const level =
    options.level ?? (process.env.LIVELOOKUP_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info'
  const sync = options.sync ?? false
  const destination = pino.destination({ dest: options.fd ?? 1, sync, minLength: sync ? 0 : 4096 })

  const shape = {
    level,
    base: { pid: process.pid },
    timestamp: isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  }
  const logger = pino({ ...shape, redact: { paths: REDACTED, censor: '[redacted]' } }, destination)
  plainSiblings.set(logger, pino(shape, destination))
  return logger
}

const plainSiblings = new WeakMap<Logger, Logger>()

let lastMs = 0
let lastTime = ''

/**
 * The `time` field as an ISO 8601 string, formatted once per millisecond: at thousands of
 * lookups a second most lines share their millisecond with the line before.
 */
function isoTime(): string {
  const now = Date.now()
  if (now !== lastMs) {
    lastMs = now
    lastTime = `,"time":"${new Date(now).toISOString()}"`
  }
  return lastTime
}

/**
 * A logger writing to the same place as `logger` but without redaction, for the one line per
 * lookup: the gateway builds that line itself from fields that never hold a secret (the caller's
 * key is not an input, connector messages are written to be shown), and redaction would cost
 * more than the rest of the line.
 */
export function lookupLogger(logger: Logger): Logger {
  return plainSiblings.get(logger) ?? logger
}
