import { createHash, timingSafeEqual } from 'node:crypto'

import type { Context, MiddlewareHandler } from 'hono'

const KEY_PREFIX = '/k/'
/** `<scheme> <credentials>`, any run of spaces between them. */
const AUTHORIZATION = /^\s*(\S+)\s+(\S.*?)\s*$/

/**
 * The route path of a request, without a leading `/k/<key>` segment: HelpSpot appends its own
 * `?` to AJAX field URLs, so a key there can only travel in the path.
 */
export function pathOf(request: Request): string {
  const path = rawPath(request.url)
  if (!path.startsWith(KEY_PREFIX)) return path
  const end = path.indexOf('/', KEY_PREFIX.length)
  return end < 0 ? '/' : path.slice(end)
}

function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3)
  if (start < 0) return '/'
  const query = url.indexOf('?', start)
  return query < 0 ? url.slice(start) : url.slice(start, query)
}

/** Every place a caller may put its key, in the order they are looked at. */
export function presentedKeys(request: Request): string[] {
  const found: string[] = []
  const path = rawPath(request.url)
  if (path.startsWith(KEY_PREFIX)) {
    const end = path.indexOf('/', KEY_PREFIX.length)
    found.push(safeDecode(path.slice(KEY_PREFIX.length, end < 0 ? undefined : end)))
  }

  const query = new URL(request.url).searchParams.get('key')
  if (query) found.push(query)

  const authorization = AUTHORIZATION.exec(request.headers.get('authorization') ?? '')
  const [, scheme = '', credentials = ''] = authorization ?? []
  if (/^bearer$/i.test(scheme)) found.push(credentials)
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon >= 0) found.push(decoded.slice(colon + 1))
  }
  return found
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/**
 * True when `presented` equals one of `keys`. Comparing fixed-length digests with
 * timingSafeEqual, and always against every key, keeps the time independent of how much of a
 * key was right and of which key matched.
 */
export function keyMatches(presented: string, keys: readonly string[]): boolean {
  const candidate = digest(presented)
  let matched = false
  for (const key of keys) matched = timingSafeEqual(candidate, digest(key)) || matched
  return matched
}

/** Told of each refused call, with the reason but never the key. */
export type RefusalListener = (c: Context, status: 401 | 403, reason: string) => void

/**
 * Refuses a call without a configured key (401) or with a wrong one (403). With no keys
 * configured only callers on this machine are served (`local` tells), whatever address the
 * server listens on: a reload that removes the last key must not open the gateway to the
 * network it was listening on while it had keys.
 */
export function requireKey(
  keys: () => readonly string[],
  refused: RefusalListener = () => {},
  local: (c: Context) => boolean = () => true,
): MiddlewareHandler {
  return async (c, next) => {
    const accepted = keys()
    if (accepted.length === 0) {
      if (local(c)) return next()
      refused(c, 403, 'no keys configured')
      return c.text('no server.keys are configured: only this machine may call', 403)
    }

    const presented = presentedKeys(c.req.raw)
    if (presented.length === 0) {
      refused(c, 401, 'no key')
      c.header('www-authenticate', 'Bearer realm="livelookup"')
      return c.text('a key is required', 401)
    }
    if (!presented.some((key) => keyMatches(key, accepted))) {
      refused(c, 403, 'wrong key')
      return c.text('the key is not valid', 403)
    }
    return next()
  }
}
