import ipaddr from 'ipaddr.js'
import { z } from 'zod'

import { count, duration } from './fields.js'

/** The lookup deadline when `server.deadline` is not set. */
export const DEFAULT_DEADLINE_MS = 5_000

/** HelpSpot's element names: letters, digits and `_`, starting with a letter. */
export const ELEMENT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/

export const elementName = z
  .string()
  .regex(ELEMENT_NAME, 'expected a HelpSpot field name such as email or Custom3')

/** What a connector without `map` asks its backend for: HelpSpot's own names. */
export const UNMAPPED_ATTRIBUTES: readonly string[] = [
  'customer_id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'organization',
  'title',
  'description',
  'highlight',
]

/** An IPv4 or IPv6 address, or a CIDR range such as `10.0.0.0/8` or `fd00::/8`. */
export const cidr = z
  .string()
  .refine(
    (text) => ipaddr.isValid(text) || ipaddr.isValidCIDR(text),
    'expected an IP address or a CIDR range such as 10.0.0.0/8',
  )

/** The five fields HelpSpot sends positionally on the command line, in its own order. */
export const DEFAULT_POSITIONAL = ['customer_id', 'first_name', 'last_name', 'email', 'phone']

export const breakerSchema = z
  .object({
    /** Consecutive failures that open a connector's breaker; 0 turns breakers off. */
    failures: count.default(5),
    /** How long an open breaker skips the connector before it lets one probe through. */
    coolDown: duration.default(30_000),
  })
  .strict()

export const serverSchema = z
  .object({
    /** Port to listen on; LIVELOOKUP_PORT overrides. */
    port: count.default(8080),
    /** Address to listen on. Defaults to all interfaces with keys, loopback without. */
    host: z.string().min(1).optional(),
    /** Accepted caller keys: `?key=`, Bearer token, Basic password or `/k/<key>/` prefix. */
    keys: z.array(z.string().min(8, 'keys must be at least 8 characters')).default([]),
    /** Client CIDR allow-list. */
    allow: z.array(cidr).default([]),
    /** Proxies whose X-Forwarded-For is believed. */
    trustProxies: z.array(cidr).default([]),
    /** Overall time for one lookup, fan-out included. */
    deadline: duration.default(DEFAULT_DEADLINE_MS),
    /** Per-client requests per second (token bucket); 0 turns rate limiting off. */
    rateLimit: z
      .object({ perSecond: count.default(50), burst: count.default(100) })
      .strict()
      .optional(),
    /** Processes serving the port together, to use more than one core. */
    workers: count.pipe(z.number().min(1).max(64)).default(1),
    /** Time in-flight lookups get to finish at shutdown. */
    shutdownGrace: duration.default(10_000),
    /** Each connector's circuit breaker. */
    breaker: breakerSchema.default(breakerSchema.parse({})),
  })
  .strict()

export const cacheSchema = z
  .object({
    /** How long an answer is reused; 0 turns the cache off. */
    ttl: duration.default(60_000),
    /** How long an empty answer is reused. */
    emptyTtl: duration.optional(),
    /** How long past its ttl a stale answer may be served while it is refreshed. */
    staleTtl: duration.default(300_000),
    /** `memory`, or a `redis://` URL shared by every replica. */
    store: z
      .string()
      .regex(/^(memory|rediss?:\/\/.+)$/, 'expected memory or a redis:// URL')
      .refine((store) => store === 'memory' || URL.canParse(store), 'is not a valid URL')
      .default('memory'),
    /** Most answers kept by the memory store. */
    maxEntries: count.default(10_000),
  })
  .strict()

export const cliSchema = z
  .object({
    positional: z.array(elementName).default(DEFAULT_POSITIONAL),
    customFields: z.array(count).default([]),
  })
  .strict()

export const logSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict()

export const sourceSchema = z
  .object({
    connectors: z.array(z.string().min(1)).min(1),
    columns: z.array(elementName).optional(),
    limit: count.pipe(z.number().min(1).max(1000)).default(25),
    mergeBy: z.enum(['email', 'customer_id', 'none']).default('email'),
    labels: z.record(elementName, z.string()).default({}),
  })
  .strict()

export const fieldSchema = z
  .object({
    connector: z.string().min(1),
    rules: z.array(z.record(z.string(), z.unknown())).min(1),
    value: z.string().min(1),
    description: z.string().min(1),
    limit: count.pipe(z.number().min(1).max(1000)).default(50),
    encoding: z.enum(['utf-8', 'iso-8859-1']).default('utf-8'),
  })
  .strict()

/** The keys every connector has, whatever its type. */
export const connectorCommonShape = {
  type: z.string(),
  rules: z.array(z.record(z.string(), z.unknown())).default([]),
  map: z.record(elementName, z.string().min(1)).optional(),
  html: z.record(elementName, z.string()).default({}),
  timeout: duration.optional(),
}

export const ruleWhen = z.object({
  when: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected input names')).min(1),
})

export const topSchema = z
  .object({
    server: serverSchema.default(serverSchema.parse({})),
    cache: cacheSchema.default(cacheSchema.parse({})),
    cli: cliSchema.default(cliSchema.parse({})),
    log: logSchema.default(logSchema.parse({})),
    connectors: z.record(
      z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a name of letters, digits, - or _'),
      z.record(z.string(), z.unknown()),
    ),
    sources: z
      .record(
        z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a name of letters, digits, - or _'),
        sourceSchema,
      )
      .default({}),
    fields: z
      .record(
        z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a name of letters, digits, - or _'),
        fieldSchema,
      )
      .default({}),
  })
  .strict()

export type TopConfig = z.output<typeof topSchema>
export type SourceConfig = z.output<typeof sourceSchema>
export type FieldConfig = z.output<typeof fieldSchema>
export type ServerConfig = z.output<typeof serverSchema>
export type CacheConfig = z.output<typeof cacheSchema>
export type BreakerConfig = z.output<typeof breakerSchema>
