import { pino, type Logger, type LevelWithSilent } from 'pino'

import { endOfTurn } from './end-of-turn.js'

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
  'proxy',
  '*.password',
  '*.key',
  '*.keys',
  '*.token',
  '*.secret',
  '*.clientSecret',
  '*.authorization',
  '*.url',
  '*.proxy',
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
  const stream = pino.destination({ dest: options.fd ?? 1, sync, minLength: sync ? 0 : 4096 })
  const destination = sync ? stream : new LineBatch(stream)

  const shape = lineShape(level)
  const logger = pino({ ...shape, redact: REDACTION }, destination)
  plainSiblings.set(logger, pino(shape, destination))
  return logger
}

/** How the gateway's log lines are shaped, whatever they are written to. */
export function lineShape(level: LevelWithSilent) {
  return {
    level,
    base: { pid: process.pid },
    timestamp: isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: { err: errorFields },
  }
}

/** The redaction every gateway logger applies, but for the lookup line of `lookupLogger`. */
export const REDACTION = { paths: REDACTED, censor: '[redacted]' }

const plainSiblings = new WeakMap<Logger, Logger>()

/**
 * An error as a log line shows it: its kind and message, never its stack or its causes, which
 * name files of the installation and can carry a driver's view of a connection string.
 */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) }
  const { kind, code } = error as Error & { kind?: unknown; code?: unknown }
  return { type: error.name, message: error.message, kind, code }
}

/** What pino's own destination offers that a batch passes on. */
interface Destination {
  write(text: string): boolean
  flush(callback?: (error?: Error) => void): void
  flushSync(): void
}

/**
 * Gathers the lines logged during one turn of the event loop and hands them to the destination
 * as one write at its end. pino's destination does its bookkeeping per write, and at thousands
 * of lookups a second that cost more than building the lines; the destination still does the
 * writing, asynchronously, with its handling of slow pipes and its flush at exit.
 */
class LineBatch implements Destination {
  #lines: string[] = []
  #scheduled = false

  constructor(private readonly out: Destination) {
    // Lines still gathered when the process exits are written before it goes.
    process.once('exit', () => this.flushSync())
  }

  write(line: string): boolean {
    this.#lines.push(line)
    if (!this.#scheduled) {
      this.#scheduled = true
      void endOfTurn().then(this.#forward)
    }
    return true
  }

  flush(callback?: (error?: Error) => void): void {
    this.#forward()
    this.out.flush(callback)
  }

  flushSync(): void {
    this.#forward()
    this.out.flushSync()
  }

  readonly #forward = (): void => {
    this.#scheduled = false
    if (this.#lines.length === 0) return
    const text = this.#lines.join('')
    this.#lines = []
    this.out.write(text)
  }
}

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
