import { createServer, type Server, type Socket } from 'node:net'

import type { FixtureTable, Outcome } from './evaluate.js'
import { evaluate } from './evaluate.js'
import type { ParameterValue } from './requests.js'
import { parseBatch, parseLogin, parseRpc } from './requests.js'
import {
  batchDone,
  DONE_STATUS,
  errorToken,
  loginAccepted,
  procedureDone,
  resultSet,
} from './tokens.js'
import { MessageReader, PACKET, packets, Writer } from './wire.js'

/** One request the server received, as text and parameters: what tests assert on. */
export interface ReceivedStatement {
  readonly kind: 'batch' | 'rpc'
  readonly text: string
  readonly parameters: Readonly<Record<string, ParameterValue>>
  /** Declared type of each parameter (`nvarchar`, `nvarchar(max)`, `int`). */
  readonly types: Readonly<Record<string, string>>
}

export interface TdsServerOptions {
  readonly user: string
  readonly password: string
  readonly table: FixtureTable
}

/** A TDS 7.4 server speaking enough of the protocol for the `mssql`/`tedious` client. */
export interface TdsServer {
  readonly port: number
  /** Every batch and RPC, in arrival order (login traffic excluded). */
  readonly received: ReceivedStatement[]
  /** How many ATTENTION (cancel) packets arrived. */
  attentions(): number
  /** How many LOGIN7 packets arrived, accepted or not. */
  logins(): number
  /** Closes the listener and drops every connection; `start` listens again on the same port. */
  stop(): Promise<void>
  start(): Promise<void>
}

/** PRELOGIN reply: version, encryption not supported, no instance, thread id, no MARS. */
function preloginReply(): Buffer {
  const options = [
    { token: 0x00, data: Buffer.from([16, 0, 0x07, 0xd0, 0, 0]) },
    { token: 0x01, data: Buffer.from([0x02]) },
    { token: 0x02, data: Buffer.from([0x00]) },
    { token: 0x03, data: Buffer.alloc(4) },
    { token: 0x04, data: Buffer.from([0x00]) },
  ]
  const head = new Writer()
  let offset = options.length * 5 + 1
  for (const option of options) {
    head.u8(option.token).raw(Buffer.from([offset >> 8, offset & 0xff, 0, option.data.length]))
    offset += option.data.length
  }
  head.u8(0xff)
  return Buffer.concat([head.done(), ...options.map((option) => option.data)])
}

function reply(outcome: Outcome, procedure: boolean): Buffer {
  if (outcome.kind === 'error') {
    const error = errorToken(outcome.number, 16, outcome.message)
    const end = procedure ? procedureDone(DONE_STATUS.ERROR, 0, -6) : batchDone(DONE_STATUS.ERROR)
    return Buffer.concat([error, end])
  }
  if (outcome.kind === 'done') return procedure ? procedureDone(0, 0, 0) : batchDone(0)
  const rows = resultSet(outcome.columns, outcome.rows)
  const count = outcome.rows.length
  const end = procedure
    ? procedureDone(DONE_STATUS.COUNT, count, 0)
    : batchDone(DONE_STATUS.COUNT, count)
  return Buffer.concat([rows, end])
}

/** Starts the server on a free loopback port. */
export async function startTdsServer(options: TdsServerOptions): Promise<TdsServer> {
  const received: ReceivedStatement[] = []
  const sockets = new Set<Socket>()
  let attentions = 0
  let logins = 0
  let server: Server | undefined
  let port = 0

  function serve(socket: Socket): void {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    const reader = new MessageReader()
    let packetSize = 4096
    let loggedIn = false
    let pending: NodeJS.Timeout | undefined

    const send = (payload: Buffer): void =>
      void socket.write(packets(PACKET.REPLY, payload, packetSize))

    socket.on('data', (chunk: Buffer) => {
      for (const message of reader.push(chunk)) {
        if (message.type === PACKET.PRELOGIN) send(preloginReply())
        else if (message.type === PACKET.LOGIN7) {
          logins++
          const login = parseLogin(message.payload)
          loggedIn = login.user === options.user && login.password === options.password
          if (!loggedIn) {
            const text = `Login failed for user '${login.user}'.`
            send(Buffer.concat([errorToken(18456, 14, text), batchDone(DONE_STATUS.ERROR)]))
            socket.end()
            continue
          }
          packetSize = Math.min(Math.max(login.packetSize, 512), 32767)
          send(loginAccepted(login.database || 'master', packetSize))
        } else if (message.type === PACKET.ATTENTION) {
          attentions++
          clearTimeout(pending)
          pending = undefined
          send(batchDone(DONE_STATUS.ATTENTION))
        } else if (!loggedIn) socket.destroy()
        else answer(message.type, message.payload)
      }
    })

    function answer(type: number, payload: Buffer): void {
      const statement = type === PACKET.RPC ? rpcStatement(payload) : batchStatement(payload)
      received.push(statement)
      const outcome = evaluate(statement.text, statement.parameters, options.table)
      const bytes = reply(outcome, statement.kind === 'rpc')
      const waitMs = outcome.kind === 'error' ? 0 : outcome.waitMs
      if (waitMs === 0) return send(bytes)
      pending = setTimeout(() => {
        pending = undefined
        send(bytes)
      }, waitMs)
    }
  }

  async function start(): Promise<void> {
    const listening = createServer(serve)
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject)
      listening.listen(port, '127.0.0.1', () => resolve())
    })
    server = listening
    const address = listening.address()
    if (address && typeof address === 'object') port = address.port
  }

  await start()
  return {
    get port() {
      return port
    },
    received,
    attentions: () => attentions,
    logins: () => logins,
    async stop() {
      const closing = server
      server = undefined
      for (const socket of sockets) socket.destroy()
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()))
    },
    start,
  }
}

function batchStatement(payload: Buffer): ReceivedStatement {
  return { kind: 'batch', text: parseBatch(payload), parameters: {}, types: {} }
}

/** `sp_executesql`: the statement, the declarations, then the values by name. */
function rpcStatement(payload: Buffer): ReceivedStatement {
  const call = parseRpc(payload)
  const [statement, , ...values] = call.parameters
  if (call.procedure !== 'sp_executesql' || typeof statement?.value !== 'string') {
    return { kind: 'rpc', text: `EXEC ${call.procedure}`, parameters: {}, types: {} }
  }
  const parameters: Record<string, ParameterValue> = {}
  const types: Record<string, string> = {}
  for (const value of values) {
    parameters[value.name.replace(/^@/, '')] = value.value
    types[value.name.replace(/^@/, '')] = value.type
  }
  return { kind: 'rpc', text: statement.value, parameters, types }
}
