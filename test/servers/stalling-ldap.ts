import { createServer, type Server, type Socket } from 'node:net'

import { freePort } from './ports.js'

/** An LDAP server that says yes to StartTLS and then never begins the TLS handshake. */
export interface StallingLdap {
  readonly url: string
  close(): Promise<void>
}

// BER tags of the two messages involved: an ExtendedRequest and its ExtendedResponse.
const EXTENDED_REQUEST = 0x77
const EXTENDED_RESPONSE = 0x78

/** Reads a BER length at `at`: its value and where the content starts, or undefined. */
function lengthAt(bytes: Buffer, at: number): [number, number] | undefined {
  const first = bytes[at]
  if (first === undefined) return undefined
  if (first < 0x80) return [first, at + 1]
  const size = first & 0x7f
  if (at + 1 + size > bytes.length) return undefined
  let length = 0
  for (let i = 0; i < size; i++) length = length * 256 + bytes[at + 1 + i]!
  return [length, at + 1 + size]
}

/** `LDAPMessage { messageID, extendedResp { resultCode success, "", "" } }` */
function extendedSuccess(id: Buffer): Buffer {
  const result = Buffer.from([0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00])
  const operation = Buffer.concat([Buffer.from([EXTENDED_RESPONSE, result.length]), result])
  const body = Buffer.concat([id, operation])
  return Buffer.concat([Buffer.from([0x30, body.length]), body])
}

/** Starts the server on a free loopback port. */
export async function startStallingLdap(): Promise<StallingLdap> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      const outer = pending[0] === 0x30 ? lengthAt(pending, 1) : undefined
      if (!outer || pending.length < outer[1] + outer[0]) return
      const message = pending.subarray(outer[1], outer[1] + outer[0])
      pending = pending.subarray(outer[1] + outer[0])
      const id = message.subarray(0, 2 + message[1]!)
      // Answer StartTLS; everything after it, the TLS handshake included, goes unanswered.
      if (message[id.length] === EXTENDED_REQUEST) socket.write(extendedSuccess(id))
    })
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `ldap://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
