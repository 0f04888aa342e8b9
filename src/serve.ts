import type { Duplex } from 'node:stream'
import type { AddressInfo } from 'node:net'

import { serve, type ServerType } from '@hono/node-server'
import type { Logger } from 'pino'

import type { ConnectorDefinition } from '../connectors/contract.js'
import { createApp } from './http/app.js'
import { MAX_PARAMS_BYTES } from './params.js'
import { Service } from './service.js'

export interface ServeOptions {
  readonly configFile: string
  /** Overrides `server.port`; the command line passes `--port` or `LIVELOOKUP_PORT` here. */
  readonly port?: number
  readonly logger: Logger
  readonly definitions?: readonly ConnectorDefinition[]
  /** Reload when the config file changes (default true). */
  readonly watch?: boolean
}

export interface RunningServer {
  readonly service: Service
  readonly server: ServerType
  readonly url: string
  /** Stops accepting, lets in-flight lookups finish within the grace period, closes pools. */
  stop(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])
const LOG_FLUSH_MS = 1_000
/** Room for the request line and headers: a full 64 KiB query string and ordinary headers. */
const MAX_HEADER_BYTES = MAX_PARAMS_BYTES + 16 * 1024

/**
 * Starts the HTTP server. Without keys it listens on loopback only, whatever `server.host`
 * says, because HelpSpot sends no credentials of its own and the directory must stay private.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { logger } = options
  const service = await Service.start(options.configFile, logger, options.definitions)
  const { server: settings } = service.current.config
  const port = options.port ?? settings.port

  const open = settings.keys.length > 0
  let hostname = settings.host ?? (open ? '0.0.0.0' : '127.0.0.1')
  if (!open && !LOOPBACK.has(hostname)) {
    logger.warn({ host: hostname }, 'no server.keys configured: listening on loopback only')
    hostname = '127.0.0.1'
  }

  const app = createApp({ gateway: () => service.current, logger, ops: service.ops })
  const server = await new Promise<ServerType>((resolve, reject) => {
    const serverOptions = { maxHeaderSize: MAX_HEADER_BYTES }
    const started = serve({ fetch: app.fetch, port, hostname, serverOptions }, () =>
      resolve(started),
    )
    started.once('error', reject)
  })
  server.on('clientError', answerClientError)

  service.ops.requests.watch(server)
  const address = server.address() as AddressInfo
  const shownHost = hostname === '0.0.0.0' ? '127.0.0.1' : hostname
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`
  logger.info({ address: url, keyCount: settings.keys.length, loopbackOnly: !open }, 'listening')
  if (options.watch ?? true) service.watch()
  // The logger batches lines; a quiet gateway must still show them within a second.
  const flushing = setInterval(() => logger.flush(), LOG_FLUSH_MS).unref()

  return {
    service,
    server,
    url,
    stop: async () => {
      await stopServer(server, service, logger)
      clearInterval(flushing)
    },
  }
}

/**
 * Stops accepting connections, gives in-flight requests the configured grace period (read at
 * stop time, so a reload can change it), then drops what is left and closes every pool.
 */
async function stopServer(server: ServerType, service: Service, logger: Logger): Promise<void> {
  const { requests } = service.ops
  const graceMs = service.current.config.server.shutdownGrace
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  if ('closeIdleConnections' in server) server.closeIdleConnections()
  logger.info({ inFlight: requests.count, graceMs }, 'stopping')

  let timer: NodeJS.Timeout | undefined
  const grace = new Promise<'grace'>(
    (resolve) => (timer = setTimeout(() => resolve('grace'), graceMs)),
  )
  const finished = await Promise.race([requests.idle().then(() => 'done' as const), grace])
  clearTimeout(timer)
  if (finished === 'grace')
    logger.warn({ inFlight: requests.count }, 'grace period over: dropping requests')

  if ('closeAllConnections' in server) server.closeAllConnections()
  await closed
  await service.close()
}

const TOO_LARGE = 'the query is larger than 64 KiB'

/**
 * Answers a request Node could not parse. A request line and headers over the limit mean a
 * query string far over 64 KiB, the same 413 the app gives a query just over it; anything
 * else malformed is a plain 400.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A response already under way on this connection cannot be followed by another.
  const current = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (!socket.writable || error.code === 'ECONNRESET' || current?.headersSent) {
    socket.destroy()
    return
  }
  const [status, body] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['413 Payload Too Large', TOO_LARGE]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['408 Request Timeout', 'the request did not arrive in time']
        : ['400 Bad Request', 'the request is not valid HTTP']
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  )
}
