import type { IncomingMessage } from 'node:http'

import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Logger } from 'pino'

import { fieldKey, sourceKey } from '../cache/key.js'
import { endOfTurn } from '../end-of-turn.js'
import type { Gateway } from '../engine/gateway.js'
import { LookupFailedError, RequestError } from '../errors.js'
import {
  MAX_PARAMS_BYTES,
  isAddressBookCall,
  parseQueryString,
  toLookupInput,
  withSearchTerm,
  type RawParams,
} from '../params.js'
import { renderAjax, renderLiveLookup } from '../render/xml.js'
import { guardAddress, isLocalCaller, logRefused } from './access.js'
import { answerLookup } from './answer.js'
import { pathOf, requireKey } from './keys.js'
import { metricsRoute, readyRoute, type Operations } from './ops.js'
import { rateLimit } from './rate-limit.js'

/** What the HTTP app needs from the running service; `gateway()` changes on reload. */
export interface AppState {
  gateway(): Gateway
  readonly logger: Logger
  /** Cache, metrics and rate limit; without them lookups go straight through. */
  readonly ops?: Operations
}

const XML_UTF8 = 'text/xml; charset=utf-8'

/**
 * The HTTP face of the gateway: HelpSpot's Live Lookup, address book and AJAX field calls.
 * `/healthz` is open to all; `/readyz` only checks the caller's address; every other route
 * also needs a key (when keys are configured) and counts against the caller's rate limit.
 */
export function createApp(state: AppState): Hono {
  const app = new Hono({ getPath: pathOf })
  const { logger, ops } = state
  const server = () => state.gateway().config.server
  let sequence = 0
  const boot = Date.now().toString(36)

  app.use(async (c, next) => {
    // NOTE: the id goes into each answer's own headers, never through c.header(): a header set
    // early makes @hono/node-server build a full Response and stream its body, which costs
    // more than the whole lookup.
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
    const given = incoming ? incoming.headers['x-request-id'] : c.req.header('x-request-id')
    const id =
      typeof given === 'string' && given
        ? given.slice(0, 64)
        : `${boot}-${(++sequence).toString(36)}`
    c.set('requestId' as never, id as never)
    await next()
  })
  app.get('/healthz', (c) => c.text('ok'))
  app.use(guardAddress(server, logger))
  app.get('/readyz', readyRoute(state.gateway))
  if (ops) app.use(rateLimit(server, ops.limiter, logger))
  app.use(
    requireKey(
      () => server().keys,
      (c, status, reason) => logRefused(logger, c, status, reason),
      isLocalCaller,
    ),
  )
  if (ops) app.get('/metrics', metricsRoute(ops.metrics))
  const limitBody = bodyLimit({
    maxSize: MAX_PARAMS_BYTES,
    onError: (c) => c.text('the request body is larger than 64 KiB', 413),
  })
  // Only a POST body is read; asking a GET for its body would build a full Request for nothing.
  app.use(async (c, next) => {
    if (c.req.method !== 'POST') return next()
    // A chunked body is read here, before the route runs: a read that fails is the caller's.
    let routed = false
    const route = () => {
      routed = true
      return next()
    }
    try {
      return await limitBody(c, route)
    } catch (error) {
      if (routed) throw error
      throw incompleteBody()
    }
  })

  app.on(['GET', 'POST'], ['/livelookup', '/livelookup/:source'], async (c) => {
    const gateway = state.gateway()
    const source = gateway.source(c.req.param('source'))
    const params = await readParams(c)
    const input = toLookupInput(params)
    const addressBook = isAddressBookCall(params)
    const key = () => sourceKey(gateway, source, input, addressBook)

    const answer = await answerLookup(
      c,
      logger,
      ops,
      { target: source.name, input, key },
      async (signal) => {
        const found = await gateway.lookup(source, input, addressBook, signal)
        const customers = found.items
        const xml = renderLiveLookup(customers, {
          columns: source.columns,
          labels: source.labels,
          addressBook,
        })
        return { body: xml, contentType: XML_UTF8, matches: customers.length, runs: found.runs }
      },
    )
    return answerWith(c, answer)
  })

  app.on(['GET', 'POST'], '/ajax/:field', async (c) => {
    const gateway = state.gateway()
    const field = gateway.field(c.req.param('field'))
    const input = withSearchTerm(toLookupInput(await readParams(c)))
    const key = () => fieldKey(gateway, field, input)

    const answer = await answerLookup(
      c,
      logger,
      ops,
      { target: `field:${field.name}`, input, key },
      async (signal) => {
        const found = await gateway.ajax(field, input, signal)
        const body = renderAjax(found.items, field.encoding)
        const contentType = `text/xml; charset=${field.encoding}`
        return { body, contentType, matches: found.items.length, runs: found.runs }
      },
    )
    return answerWith(c, answer)
  })

  const lookupRoutes = ['/livelookup', '/livelookup/:source', '/ajax/:field']
  app.on(['PUT', 'PATCH', 'DELETE', 'OPTIONS'], lookupRoutes, (c) =>
    c.text('only GET and POST are answered here', 405, { allow: 'GET, HEAD, POST' }),
  )
  app.notFound((c) => c.text('not found', 404))
  app.onError((error, c) => answerError(error, c, logger))
  return app
}

/**
 * A lookup's XML, with its content type and the request id, once the event loop's turn ends,
 * so the answers of one turn are written together. Built as a Response with plain headers:
 * @hono/node-server writes those straight out, where `c.body()` would build a Headers object
 * first, only for it to be turned back into a plain one.
 */
async function answerWith(
  c: Context,
  answer: { body: Uint8Array; contentType: string },
): Promise<Response> {
  await endOfTurn()
  return new Response(answer.body as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers: {
      'content-type': answer.contentType,
      'x-request-id': c.get('requestId' as never) as string,
    },
  })
}

/** GET query and POST form merged; the query wins on a clash, as HelpSpot's own URL does. */
async function readParams(c: Context): Promise<RawParams> {
  const params: RawParams = new Map()
  if (c.req.method === 'POST') parseQueryString(await bodyOf(c), params)

  const url = c.req.url
  const query = url.indexOf('?')
  if (query >= 0) parseQueryString(url.slice(query + 1), params)
  return params
}

/** Body types read as a form: the form type itself, and plain text holding the same string. */
const FORM = /^(?:application\/x-www-form-urlencoded|text\/plain)\s*(?:;|$)/i

/**
 * The form body. A body of another type (JSON, multipart, XML) is refused rather than misread
 * as a form, and a caller that hangs up halfway has made a mistake, not the gateway.
 */
async function bodyOf(c: Context): Promise<string> {
  const type = c.req.header('content-type')
  if (type && !FORM.test(type)) {
    throw new RequestError(
      415,
      'not_a_form',
      'send POST parameters as application/x-www-form-urlencoded, as HelpSpot does',
    )
  }
  try {
    return await c.req.text()
  } catch {
    throw incompleteBody()
  }
}

function incompleteBody(): RequestError {
  return new RequestError(400, 'body_incomplete', 'the request body did not arrive whole')
}

function answerError(error: Error, c: Context, logger: Logger): Response {
  const headers = { 'x-request-id': c.get('requestId' as never) as string }
  if (error instanceof RequestError) return c.text(error.message, error.status, headers)
  if (error instanceof LookupFailedError) return c.text(error.message, 503, headers)
  logger.error({ err: error, requestId: c.get('requestId' as never) }, 'request failed')
  return c.text('internal error', 500)
}
