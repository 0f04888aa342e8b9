import type { Context, MiddlewareHandler } from 'hono'
import ipaddr from 'ipaddr.js'
import type { Logger } from 'pino'

import type { ServerConfig } from '../config/schema.js'
import { pathOf } from './keys.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6
type Range = [Address, number]

/** The allow-list and trusted proxies of one config, parsed once. */
interface AccessRules {
  readonly allow: readonly Range[]
  readonly trusted: readonly Range[]
}

const compiled = new WeakMap<ServerConfig, AccessRules>()
const SERVER_DEFAULTS = { allow: [], trustProxies: [] } as unknown as ServerConfig

function rulesOf(server: ServerConfig): AccessRules {
  let rules = compiled.get(server)
  if (!rules) {
    rules = { allow: server.allow.map(toRange), trusted: server.trustProxies.map(toRange) }
    compiled.set(server, rules)
  }
  return rules
}

function toRange(text: string): Range {
  if (text.includes('/')) {
    const [address, bits] = ipaddr.parseCIDR(text)
    return normalise(address, bits)
  }
  const address = ipaddr.process(text)
  return [address, address.kind() === 'ipv4' ? 32 : 128]
}

/** `::ffff:10.0.0.0/104` is the IPv4 range `10.0.0.0/8`: one way to write each range. */
function normalise(address: Address, bits: number): Range {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96]
  }
  return [address, bits]
}

/** Parsed addresses by their text: the same few callers and proxies call again and again. */
const parsed = new Map<string, Address | null>()
const MAX_PARSED = 10_000

function parseAddress(text: string | undefined): Address | undefined {
  if (!text) return undefined
  let address = parsed.get(text)
  if (address === undefined) {
    const bare = text.trim().replace(/^\[(.*)\](?::\d+)?$/, '$1')
    address = ipaddr.isValid(bare) ? ipaddr.process(bare) : null
    if (parsed.size >= MAX_PARSED) parsed.clear()
    parsed.set(text, address)
  }
  return address ?? undefined
}

function inRanges(address: Address, ranges: readonly Range[]): boolean {
  for (const range of ranges) {
    if (address.kind() === range[0].kind() && address.match(range)) return true
  }
  return false
}

/**
 * The caller's address. `X-Forwarded-For` is read only when the connection comes from a
 * trusted proxy, and then from the right: the first hop that is not itself a trusted proxy is
 * the client, so a caller cannot choose its address by writing the header itself. Undefined
 * when the address cannot be known (an unparseable hop).
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | undefined,
  server: ServerConfig,
): Address | undefined {
  const direct = parseAddress(peer)
  const { trusted } = rulesOf(server)
  if (!direct || !forwardedFor || trusted.length === 0 || !inRanges(direct, trusted)) return direct

  const hops = forwardedFor.split(',')
  let client: Address | undefined = direct
  for (let i = hops.length - 1; i >= 0; i--) {
    client = parseAddress(hops[i])
    if (!client || !inRanges(client, trusted)) return client
  }
  return client
}

/** True when the config has no allow-list or the address is in it. */
export function isAllowed(address: Address | undefined, server: ServerConfig): boolean {
  const { allow } = rulesOf(server)
  if (allow.length === 0) return true
  return address !== undefined && inRanges(address, allow)
}

/** Loopback as Node writes a peer's address: 127.0.0.0/8, `::1`, or 127/8 mapped into IPv6. */
const LOOPBACK_PEER = /^(?:127\.|::1$|::ffff:127\.)/i

/**
 * Whether the caller is on this machine: a loopback peer, or no socket at all (in-process).
 * Asked on every request of a gateway without keys, so it reads the address as text.
 */
export function isLocalCaller(c: Context): boolean {
  const peer = peerOf(c)
  return peer === undefined || LOOPBACK_PEER.test(peer)
}

/** The socket's remote address, when the request came through the Node server. */
function peerOf(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  return env?.incoming?.socket?.remoteAddress
}

/**
 * The caller's address as text (`unknown` when it cannot be known), worked out once per
 * request and only when something asks: the allow-list, the rate limit or a refusal log line.
 */
export function clientOf(c: Context): string {
  let client = c.get('client' as never) as string | undefined
  if (client === undefined) {
    const server = (c.get('server' as never) as ServerConfig | undefined) ?? SERVER_DEFAULTS
    client =
      clientAddress(peerOf(c), c.req.header('x-forwarded-for'), server)?.toString() ?? 'unknown'
    c.set('client' as never, client as never)
  }
  return client
}

/** Logs a refused call: where from and which route, never the key or the query string. */
export function logRefused(logger: Logger, c: Context, status: number, reason: string): void {
  const requestId = c.get('requestId' as never) as string | undefined
  const client = clientOf(c)
  logger.warn({ requestId, client, path: pathOf(c.req.raw), status, reason }, 'refused')
}

/**
 * Refuses, with 403, a caller outside `server.allow`. Keeps the request's server settings on
 * the context, so later steps read the config of the same moment.
 */
export function guardAddress(server: () => ServerConfig, logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const settings = server()
    c.set('server' as never, settings as never)
    if (rulesOf(settings).allow.length === 0) return next()

    const address = clientAddress(peerOf(c), c.req.header('x-forwarded-for'), settings)
    c.set('client' as never, (address?.toString() ?? 'unknown') as never)
    if (!isAllowed(address, settings)) {
      logRefused(logger, c, 403, 'address not allowed')
      return c.text('this address is not allowed', 403)
    }
    return next()
  }
}
