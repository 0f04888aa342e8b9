import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Logger } from 'pino'

import type { LookupInput } from '../../connectors/contract.js'
import type { Gateway } from '../engine/gateway.js'
import type { SearchRun } from '../engine/fan-out.js'
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
import { pathOf, requireKey } from './keys.js'

/** What the HTTP app needs from the running service; `gateway()` changes on reload. */
export interface AppState {
  gateway(): Gateway
  readonly logger: Logger
}

const XML_UTF8 = 'text/xml; charset=utf-8'

/** The HTTP face of the gateway: HelpSpot's Live Lookup, address book and AJAX field calls. */
export function createApp(state: AppState): Hono {
  const app = new Hono({ getPath: pathOf })
  let sequence = 0
  const boot = Date.now().toString(36)

  app.use(async (c, next) => {
    const id = c.req.header('x-request-id')?.slice(0, 64) ?? `${boot}-${(++sequence).toString(36)}`
    c.header('x-request-id', id)
    c.set('requestId' as never, id as never)
    await next()
  })
  app.get('/healthz', (c) => c.text('ok'))
  app.use(requireKey(() => state.gateway().config.server.keys))
  app.use(
    bodyLimit({
      maxSize: MAX_PARAMS_BYTES,
      onError: (c) => c.text('the request body is larger than 64 KiB', 413),
    }),
  )

  app.on(['GET', 'POST'], ['/livelookup', '/livelookup/:source'], async (c) => {
    const gateway = state.gateway()
    const source = gateway.source(c.req.param('source'))
    const params = await readParams(c)
    const input = toLookupInput(params)
    const addressBook = isAddressBookCall(params)
    const started = performance.now()

    const answer = await logged(state.logger, c, source.name, input, started, () => gateway.lookup(source, input))
    const customers = addressBook ? answer.items.filter((customer) => customer.fields.email) : answer.items
    const xml = renderLiveLookup(customers, { columns: source.columns, labels: source.labels, addressBook })
    return c.body(xml, 200, { 'content-type': XML_UTF8 })
  })

  app.on(['GET', 'POST'], '/ajax/:field', async (c) => {
    const gateway = state.gateway()
    const field = gateway.field(c.req.param('field'))
    const input = withSearchTerm(toLookupInput(await readParams(c)))
    const started = performance.now()

    const answer = await logged(state.logger, c, field.name, input, started, () => gateway.ajax(field, input))
    const body = renderAjax(answer.items, field.encoding)
    return c.body(new Uint8Array(body), 200, { 'content-type': `text/xml; charset=${field.encoding}` })
  })

  app.notFound((c) => c.text('not found', 404))
  app.onError((error, c) => answerError(error, c, state.logger))
  return app
}

/** GET query and POST form merged; the query wins on a clash, as HelpSpot's own URL does. */
async function readParams(c: Context): Promise<RawParams> {
  const params: RawParams = new Map()
  if (c.req.method === 'POST') parseQueryString(await c.req.text(), params)

  const url = c.req.url
  const query = url.indexOf('?')
  if (query >= 0) parseQueryString(url.slice(query + 1), params)
  return params
}

async function logged<T extends { runs: readonly SearchRun[]; items: readonly unknown[] }>(
  logger: Logger,
  c: Context,
  target: string,
  input: LookupInput,
  started: number,
  lookup: () => Promise<T>,
): Promise<T> {
  const requestId = c.get('requestId' as never) as string
  try {
    const answer = await lookup()
    logLookup(logger, { requestId, target, input, started, runs: answer.runs, matches: answer.items.length })
    return answer
  } catch (error) {
    const runs = error instanceof LookupFailedError ? (error.runs as SearchRun[]) : []
    logLookup(logger, { requestId, target, input, started, runs, matches: 0 })
    throw error
  }
}

interface LookupEvent {
  readonly requestId: string
  readonly target: string
  readonly input: LookupInput
  readonly started: number
  readonly runs: readonly SearchRun[]
  readonly matches: number
}

/** One JSON line per lookup; the values searched for only at debug level. */
export function logLookup(logger: Logger, event: LookupEvent): void {
  if (!logger.isLevelEnabled('info')) return
  const connectors = event.runs.map((run) =>
    run.ok
      ? { connector: run.connector, durationMs: run.durationMs, matches: run.records.length }
      : { connector: run.connector, durationMs: run.durationMs, failed: run.error.kind, reason: run.error.message },
  )
  const durationMs = Math.round((performance.now() - event.started) * 100) / 100
  const line = { requestId: event.requestId, source: event.target, durationMs, matches: event.matches, connectors }
  if (logger.isLevelEnabled('debug')) logger.debug({ ...line, input: event.input }, 'lookup')
  else logger.info(line, 'lookup')
}

function answerError(error: Error, c: Context, logger: Logger): Response {
  if (error instanceof RequestError) return c.text(error.message, error.status)
  if (error instanceof LookupFailedError) return c.text(error.message, 503)
  logger.error({ err: error, requestId: c.get('requestId' as never) }, 'request failed')
  return c.text('internal error', 500)
}
