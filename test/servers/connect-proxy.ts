import { createServer, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'

/** One CONNECT request as the proxy received it. */
export interface TunnelRequest {
  /** `host:port` the client asked for. */
  readonly target: string
  /** The Proxy-Authorization header, if one was sent. */
  readonly authorization: string | undefined
}

/** A forward proxy on 127.0.0.1 that opens CONNECT tunnels, to loopback targets only. */
export interface ConnectProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly tunnels: TunnelRequest[]
  close(): Promise<void>
}

/**
 * Starts a CONNECT proxy. With `login` (`user:password`), a tunnel needs that Basic login and
 * is refused with 407 otherwise. Only 127.0.0.1 targets are tunnelled; others get 403.
 */
export async function startConnectProxy(login?: string): Promise<ConnectProxy> {
  const tunnels: TunnelRequest[] = []
  const sockets = new Set<Socket>()
  const expected = login && `Basic ${Buffer.from(login).toString('base64')}`

  const server = createServer((_request, response) => response.writeHead(405).end())
  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client)
    client.once('close', () => sockets.delete(client))
    const target = request.url ?? ''
    const authorization = request.headers['proxy-authorization']
    tunnels.push({ target, authorization })

    const [host, port] = [target.slice(0, target.lastIndexOf(':')), target.split(':').pop()]
    if (expected && authorization !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n')
      return
    }
    if (host !== '127.0.0.1') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client).pipe(upstream)
    })
    sockets.add(upstream)
    upstream.once('close', () => sockets.delete(upstream))
    const drop = (): void => {
      upstream.destroy()
      client.destroy()
    }
    upstream.once('error', drop)
    client.once('error', drop)
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
