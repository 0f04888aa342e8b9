import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import { PassThrough, type Duplex } from 'node:stream'
import tls from 'node:tls'

/** A request as jsforce hands it to its transport. */
export interface TransportRequest {
  readonly url: string
  readonly method: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
}

/** An answer as jsforce expects it back from its transport. */
export interface TransportResponse {
  readonly statusCode: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** The keep-alive sockets of one connector, destroyed when it closes. */
export interface SocketPools {
  readonly http: http.Agent
  readonly https: https.Agent
}

/** How often a failed GET is tried again, and how long to wait before the first retry. */
export interface RetryPolicy {
  readonly retries: number
  readonly backoffMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, backoffMs: 100 }

const RETRY_STATUS = new Set([500, 502, 503, 504])
const RETRY_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN'])
const MAX_BODY_BYTES = 16 * 1024 * 1024

/** How a connector reaches Salesforce: the CA to trust, and the proxy to tunnel through. */
export interface Route {
  /** PEM certificate authorities trusted besides the system's. */
  readonly ca?: Buffer
  /** An `http://` proxy; its userinfo, if any, is sent as Basic proxy credentials. */
  readonly proxy?: URL
}

const POOL = { keepAlive: true, maxSockets: 16 }
/** How long a proxy may take to open a tunnel. */
const TUNNEL_TIMEOUT_MS = 10_000

/** Opens the socket pools of one connector. */
export function openSocketPools(route: Route = {}): SocketPools {
  const ca = route.ca ? [...tls.rootCertificates, route.ca.toString('utf8')] : undefined
  if (!route.proxy) return { http: new http.Agent(POOL), https: new https.Agent({ ...POOL, ca }) }
  return {
    http: new HttpTunnelAgent(route.proxy, POOL),
    https: new HttpsTunnelAgent(route.proxy, { ...POOL, ca }),
  }
}

/** A proxy that answered CONNECT with anything but 200. */
export class ProxyRefusedError extends Error {
  override readonly name = 'ProxyRefusedError'

  constructor(
    readonly status: number,
    proxy: URL,
  ) {
    super(`the proxy ${proxy.host} refused the tunnel with HTTP ${status}`)
  }
}

type ConnectionOptions = http.ClientRequestArgs & tls.ConnectionOptions
type Created = (error: Error | null, socket?: Duplex) => void

/**
 * Opens a tunnel to the request's host through the proxy (HTTP CONNECT), then hands the socket
 * to `wrap`: plain for http://, TLS for https://. The agents keep tunnelled sockets alive and
 * reuse them like any other.
 */
function openTunnel(
  proxy: URL,
  options: ConnectionOptions,
  wrap: (socket: Socket) => Duplex,
  created: Created,
): http.ClientRequest {
  const host = options.host ?? 'localhost'
  const target = `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 443}`
  const headers: Record<string, string> = { host: target }
  if (proxy.username || proxy.password) {
    const login = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
    headers['proxy-authorization'] = `Basic ${Buffer.from(login).toString('base64')}`
  }
  const connect = http.request({
    host: proxy.hostname.replace(/^\[|\]$/g, ''),
    port: proxy.port || 80,
    method: 'CONNECT',
    path: target,
    headers,
    agent: false,
  })
  connect.once('connect', (response, socket) => {
    if (response.statusCode !== 200) {
      socket.destroy()
      created(new ProxyRefusedError(response.statusCode ?? 0, proxy))
      return
    }
    created(null, wrap(socket))
  })
  connect.once('error', (error) => created(error))
  connect.setTimeout(TUNNEL_TIMEOUT_MS, () =>
    connect.destroy(
      Object.assign(new Error('the proxy did not open a tunnel'), { code: 'ETIMEDOUT' }),
    ),
  )
  connect.end()
  return connect
}

/**
 * The CONNECT requests of an agent still waiting for their proxy, so that destroying the agent
 * (closing the connector) also drops a tunnel a silent proxy never answers.
 */
class PendingTunnels {
  private readonly pending = new Set<http.ClientRequest>()

  open(proxy: URL, options: ConnectionOptions, wrap: (socket: Socket) => Duplex, created: Created) {
    const connect = openTunnel(proxy, options, wrap, (error, socket) => {
      this.pending.delete(connect)
      created(error, socket)
    })
    this.pending.add(connect)
  }

  destroy(): void {
    for (const connect of this.pending) connect.destroy()
    this.pending.clear()
  }
}

// NOTE: an agent's createConnection may answer through its callback instead of returning a
// socket; Node's agents wait for it. That is what lets a tunnel be set up asynchronously.

class HttpTunnelAgent extends http.Agent {
  private readonly tunnels = new PendingTunnels()

  constructor(
    private readonly proxy: URL,
    options: http.AgentOptions,
  ) {
    super(options)
  }

  override createConnection(options: ConnectionOptions, created: Created): Duplex {
    this.tunnels.open(this.proxy, options, (socket) => socket, created)
    return undefined as unknown as Duplex
  }

  override destroy(): void {
    this.tunnels.destroy()
    super.destroy()
  }
}

class HttpsTunnelAgent extends https.Agent {
  private readonly tunnels = new PendingTunnels()

  constructor(
    private readonly proxy: URL,
    options: https.AgentOptions,
  ) {
    super(options)
  }

  override createConnection(options: ConnectionOptions, created: Created): Duplex {
    const wrap = (socket: Socket) => tls.connect({ ...options, socket })
    this.tunnels.open(this.proxy, options, wrap, created)
    return undefined as unknown as Duplex
  }

  override destroy(): void {
    this.tunnels.destroy()
    super.destroy()
  }
}

/**
 * The HTTP transport handed to jsforce for one lookup. jsforce's own transport cannot be
 * cancelled and retries with back-off for up to half a minute; this one sends every request
 * under the lookup's signal, so an abort destroys the socket at once, and retries a failed GET
 * only a few times, each wait cut short by the same signal.
 */
export class DeadlineTransport {
  /** The status of the last answer, so errors can be told apart by more than their text. */
  lastStatus: number | undefined

  constructor(
    private readonly pools: SocketPools,
    private readonly signal: AbortSignal,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** Called by jsforce: a promise that also offers the (unused) response stream. */
  httpRequest(request: TransportRequest): Promise<TransportResponse> & { stream(): PassThrough } {
    const promise = this.sendWithRetries(request)
    return Object.assign(promise, { stream: () => new PassThrough() })
  }

  private async sendWithRetries(request: TransportRequest): Promise<TransportResponse> {
    for (let attempt = 0; ; attempt += 1) {
      const retryable = request.method === 'GET' && attempt < this.retry.retries
      try {
        const response = await this.send(request)
        this.lastStatus = response.statusCode
        if (!retryable || !RETRY_STATUS.has(response.statusCode)) return response
      } catch (error) {
        if (!retryable || !RETRY_CODES.has((error as NodeJS.ErrnoException).code ?? '')) throw error
      }
      await pause(this.retry.backoffMs * 2 ** attempt, this.signal)
    }
  }

  private send(request: TransportRequest): Promise<TransportResponse> {
    const signal = this.signal
    signal.throwIfAborted()
    const url = new URL(request.url)
    const secure = url.protocol === 'https:'
    const client = secure ? https : http
    const agent = secure ? this.pools.https : this.pools.http

    const body =
      typeof request.body === 'string' || Buffer.isBuffer(request.body) ? request.body : undefined
    const headers = withLength(request.headers ?? {}, body)

    return new Promise((resolve, reject) => {
      const outgoing = client.request(url, { method: request.method, headers, agent })
      const abort = (): void => {
        outgoing.destroy()
        reject(signal.reason)
      }
      signal.addEventListener('abort', abort, { once: true })
      const settle =
        <T>(done: (value: T) => void) =>
        (value: T) => {
          signal.removeEventListener('abort', abort)
          done(value)
        }

      outgoing.once('error', settle(reject))
      outgoing.once('response', (incoming) =>
        readResponse(incoming).then(settle(resolve), settle(reject)),
      )
      outgoing.end(body)
    })
  }
}

function withLength(
  headers: Readonly<Record<string, string>>,
  body: string | Buffer | undefined,
): Record<string, string> {
  const sized = Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')
  if (body === undefined || sized) return { ...headers }
  return { ...headers, 'content-length': String(Buffer.byteLength(body)) }
}

async function readResponse(incoming: http.IncomingMessage): Promise<TransportResponse> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of incoming) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) {
      incoming.destroy()
      throw new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`)
    }
    chunks.push(chunk as Buffer)
  }

  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return {
    statusCode: incoming.statusCode ?? 0,
    headers,
    body: Buffer.concat(chunks).toString('utf8'),
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted()
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop)
      resolve()
    }, ms)
    const stop = (): void => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', stop, { once: true })
  })
}
