import type { MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'

import type { ServerConfig } from '../config/schema.js'
import { clientOf, logRefused } from './access.js'

/** Most clients tracked at once; beyond it the longest-known one is forgotten (a full bucket). */
const MAX_CLIENTS = 50_000

interface Bucket {
  tokens: number
  at: number
}

/**
 * Per-client token buckets: each client may send `burst` calls at once and `perSecond` calls a
 * second after that. One instance lives as long as the server, across config reloads.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()

  /** 0 when the call may go ahead, else the seconds to wait before the next one. */
  take(client: string, perSecond: number, burst: number, now = Date.now()): number {
    let bucket = this.buckets.get(client)
    if (!bucket) {
      if (this.buckets.size >= MAX_CLIENTS) this.forgetOldest()
      bucket = { tokens: burst, at: now }
      this.buckets.set(client, bucket)
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond)
      bucket.at = now
    }

    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))
  }

  private forgetOldest(): void {
    const oldest = this.buckets.keys().next()
    if (!oldest.done) this.buckets.delete(oldest.value)
  }
}

/** Answers 429 with `Retry-After` when the caller has used up its `server.rateLimit`. */
export function rateLimit(
  server: () => ServerConfig,
  limiter: RateLimiter,
  logger: Logger,
): MiddlewareHandler {
  return async (c, next) => {
    const limit = server().rateLimit
    if (!limit || limit.perSecond === 0) return next()

    const wait = limiter.take(clientOf(c), limit.perSecond, Math.max(1, limit.burst))
    if (wait === 0) return next()

    logRefused(logger, c, 429, 'rate limit')
    c.header('retry-after', String(wait))
    return c.text('too many requests, slow down', 429)
  }
}
