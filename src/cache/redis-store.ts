import { createHash, randomUUID } from 'node:crypto'

import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'

import type { CacheStore, CachedAnswer } from './store.js'

const PREFIX = 'livelookup:'
const POLL_MS = 15

/** Deletes the lock only if this process still holds it, so a late unlock never frees another's. */
const UNLOCK =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end " +
  'return 0'

const OPTIONS: RedisOptions = {
  // A down Redis must cost a lookup nothing: commands fail at once instead of queueing.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 250,
  connectTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
}

/** How long a Redis that let a command time out is passed over before it is asked again. */
const STALL_PAUSE_MS = 5_000

/** `host:port` of a Redis URL, for logs: never its password. */
export function redisTarget(url: string): string {
  const parsed = new URL(url)
  return `${parsed.hostname}:${parsed.port || '6379'}`
}

/**
 * Answers kept in Redis and shared by every replica. Keys are hashes of the lookup key, so no
 * searched value appears in a key name; a value is a JSON header line followed by the body's
 * bytes. A lock (`SET NX PX`) lets one replica fill a key while the others wait for it.
 */
export class RedisStore implements CacheStore {
  readonly shared = true
  private readonly redis: Redis
  private readonly target: string
  /** Whether the outage now going on has been logged; cleared when Redis is back. */
  private warned = false
  private closing = false
  /** Until when a Redis whose connection is up but which stopped answering is passed over. */
  private stalledUntil = 0

  constructor(
    url: string,
    private readonly logger: Logger,
    connect: (url: string, options: RedisOptions) => Redis = (u, o) => new Redis(u, o),
  ) {
    this.target = redisTarget(url)
    this.redis = connect(url, OPTIONS)
    this.redis.on('ready', () => {
      this.warned = false
      logger.info({ store: 'redis', target: this.target }, 'cache store connected')
    })
    this.redis.on('error', (error: Error) => this.lost(error.message))
    this.redis.on('close', () => this.lost('connection closed'))
  }

  /** Logs an outage once, however many reconnect attempts fail during it. */
  private lost(reason: string): void {
    if (this.warned || this.closing) return
    this.warned = true
    const safe = reason.replace(/\/\/[^@/\s]*@/g, '//')
    this.logger.warn(
      { store: 'redis', target: this.target, reason: safe },
      'cache store unavailable',
    )
  }

  /**
   * False while Redis cannot be reached, and for a few seconds after it let a command time
   * out: the cache then answers from the connectors without waiting on Redis at all.
   */
  get ready(): boolean {
    return this.redis.status === 'ready' && Date.now() >= this.stalledUntil
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    if (!this.ready) return undefined
    return decode(await this.answered(this.redis.getBuffer(PREFIX + hash(key))))
  }

  async set(key: string, answer: CachedAnswer, lifetimeMs: number): Promise<void> {
    if (!this.ready) return
    const value = encode(answer)
    await this.answered(this.redis.set(PREFIX + hash(key), value, 'PX', Math.max(1, lifetimeMs)))
  }

  async lock(key: string, ms: number): Promise<string | undefined> {
    if (!this.ready) return 'offline'
    const token = randomUUID()
    const lock = `${PREFIX}lock:${hash(key)}`
    const taken = await this.answered(this.redis.set(lock, token, 'PX', ms, 'NX'))
    return taken === 'OK' ? token : undefined
  }

  async unlock(key: string, token: string): Promise<void> {
    if (!this.ready || token === 'offline') return
    await this.answered(this.redis.eval(UNLOCK, 1, `${PREFIX}lock:${hash(key)}`, token))
  }

  /** A command's reply; a timeout passes Redis over for a while, and the next reply ends that. */
  private async answered<T>(command: Promise<T>): Promise<T> {
    try {
      const reply = await command
      if (this.stalledUntil !== 0) {
        this.stalledUntil = 0
        this.warned = false
        this.logger.info({ store: 'redis', target: this.target }, 'cache store connected')
      }
      return reply
    } catch (error) {
      if (error instanceof Error && /timed out/i.test(error.message)) {
        this.stalledUntil = Date.now() + STALL_PAUSE_MS
        this.lost('a command timed out')
      }
      throw error
    }
  }

  async waitFor(key: string, ms: number): Promise<CachedAnswer | undefined> {
    const id = hash(key)
    const until = Date.now() + ms
    while (Date.now() < until && this.ready) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      const results = await this.redis
        .pipeline()
        .getBuffer(PREFIX + id)
        .exists(`${PREFIX}lock:${id}`)
        .exec()
      const answer = decode((results?.[0]?.[1] as Buffer | null | undefined) ?? null)
      if (answer && answer.freshUntil > Date.now()) return answer
      if (results?.[1]?.[1] === 0) return undefined
    }
    return undefined
  }

  async close(): Promise<void> {
    this.closing = true
    await this.redis.quit().catch(() => this.redis.disconnect())
  }
}

function hash(key: string): string {
  return createHash('sha256').update(key).digest('base64url')
}

function encode(answer: CachedAnswer): Buffer {
  const header = JSON.stringify({ t: answer.contentType, f: answer.freshUntil, m: answer.matches })
  return Buffer.concat([Buffer.from(`${header}\n`), answer.body])
}

function decode(value: Buffer | null): CachedAnswer | undefined {
  if (!value) return undefined
  const end = value.indexOf(10)
  if (end < 0) return undefined
  try {
    const header = JSON.parse(value.subarray(0, end).toString()) as {
      t: string
      f: number
      m: number
    }
    const body = value.subarray(end + 1)
    return { contentType: header.t, freshUntil: header.f, matches: header.m, body }
  } catch {
    return undefined
  }
}
