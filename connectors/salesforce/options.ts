import { z } from 'zod'

/** The API version used when the config names none: Winter '25, supported for years to come. */
export const DEFAULT_API_VERSION = '62.0'

/** The OAuth 2.0 flows the connector can log in with. */
export const AUTH_FLOWS = ['clientCredentials', 'password', 'jwt'] as const

export type AuthFlow = (typeof AUTH_FLOWS)[number]

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost'])

const loginUrl = z
  .string()
  .default('https://login.salesforce.com')
  .superRefine((value, ctx) => {
    let url: URL | undefined
    try {
      url = new URL(value)
    } catch {
      url = undefined
    }
    const secure = url?.protocol === 'https:'
    const loopback = url?.protocol === 'http:' && LOOPBACK.has(url.hostname)
    if (!secure && !loopback) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected an https:// URL such as https://login.salesforce.com',
      })
    }
  })
  .transform((value) => value.replace(/\/+$/, ''))

/**
 * `62.0`, `v62.0`, `62` or `v62`, as a YAML number or a string; always `62.0` after parsing,
 * the form that goes into `/services/data/v62.0/`.
 */
const apiVersion = z
  .union([z.string(), z.number()])
  .default(DEFAULT_API_VERSION)
  .transform((value) => String(value).trim())
  .pipe(z.string().regex(/^v?\d{2,3}(\.0)?$/i, 'expected an API version such as 62.0'))
  .transform((value) => `${value.replace(/^v/i, '').replace(/\.0$/, '')}.0`)

const text = z.string().min(1)

/** An HTTP proxy that tunnels calls with CONNECT; its userinfo, if any, is the proxy login. */
const proxy = z
  .string()
  .refine(
    (value) => {
      try {
        const url = new URL(value)
        return url.protocol === 'http:' && url.hostname !== '' && url.pathname === '/'
      } catch {
        return false
      }
    },
    { message: 'expected an http:// proxy URL such as http://proxy.example.com:3128' },
  )
  .refine(
    (value) => {
      try {
        const url = new URL(value)
        decodeURIComponent(url.username)
        decodeURIComponent(url.password)
        return true
      } catch {
        return false
      }
    },
    { message: 'the proxy login is not valid percent-encoding (write % as %25)' },
  )

/** Keys each flow needs; a missing one is a config error naming the key. */
const REQUIRED: Readonly<Record<AuthFlow, readonly string[]>> = {
  clientCredentials: ['clientId', 'clientSecret'],
  password: ['username', 'password'],
  jwt: ['clientId', 'username', 'privateKey'],
}

/**
 * The options of a `type: salesforce` connector. Credentials are flat keys; `auth` names the
 * flow and is inferred when left out: `privateKey` means JWT bearer, `password` means
 * username-password, otherwise client credentials.
 */
export const salesforceOptions = z
  .object({
    /** Where to log in: production, `https://test.salesforce.com` or a My Domain URL. */
    loginUrl,
    /** The OAuth 2.0 flow: `clientCredentials`, `password` or `jwt`. */
    auth: z.enum(AUTH_FLOWS).optional(),
    /** The connected app's consumer key. */
    clientId: text.optional(),
    /** The connected app's consumer secret. */
    clientSecret: text.optional(),
    /** The integration user (username-password and JWT bearer flows). */
    username: text.optional(),
    /** The integration user's password (username-password flow). */
    password: text.optional(),
    /** Appended to the password when the org requires a security token. */
    securityToken: text.optional(),
    /** PEM file of the RSA private key that signs JWT bearer assertions, relative to the config. */
    privateKey: text.optional(),
    /** The JWT `aud` claim; defaults to `loginUrl`. */
    audience: text.optional(),
    /** The REST API version every call is pinned to, such as `62.0`. */
    apiVersion,
    /** PEM file of a certificate authority trusted besides the system's; relative to the config. */
    ca: text.optional(),
    /** An HTTP proxy every call goes through: `http://[user:password@]host:port`. */
    proxy: proxy.optional(),
  })
  .superRefine((options, ctx) => {
    const flow = authFlowOf(options)
    for (const key of REQUIRED[flow]) {
      if (options[key as keyof typeof options] === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `is required for auth: ${flow}` })
      }
    }
    if (
      flow === 'password' &&
      (options.clientId === undefined) !== (options.clientSecret === undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: [options.clientId === undefined ? 'clientId' : 'clientSecret'],
        message: 'clientId and clientSecret go together',
      })
    }
  })

export type SalesforceOptions = z.output<typeof salesforceOptions>

/** The flow the options ask for, written or inferred. */
export function authFlowOf(options: {
  readonly auth?: AuthFlow | undefined
  readonly privateKey?: string | undefined
  readonly password?: string | undefined
}): AuthFlow {
  if (options.auth) return options.auth
  if (options.privateKey !== undefined) return 'jwt'
  if (options.password !== undefined) return 'password'
  return 'clientCredentials'
}
