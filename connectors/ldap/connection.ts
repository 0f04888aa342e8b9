import { connect as netConnect, isIP, Socket as NetSocket, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'

import type { Client, ClientOptions } from 'ldapts'

import { endOfTurn } from '../../src/end-of-turn.js'
import { ConnectorError } from '../../src/errors.js'
import { ldapFailure, type LdapPhase } from './errors.js'

/** The client library, injected so tests can wrap or replace it. */
export interface LdapLibrary {
  readonly Client: new (options: ClientOptions) => Client
}

/** One server of the `url` list. */
export interface LdapServer {
  readonly url: string
  /** `host:port`, the only part of a server shown in messages and logs. */
  readonly label: string
  readonly host: string
  readonly secure: boolean
}

/** How every connection is opened and bound. */
export interface OpenSettings {
  readonly bindDN?: string | undefined
  readonly password?: string | undefined
  readonly startTLS: boolean
  readonly tls: () => ConnectionOptions
  /** Longest wait for one server's connection, TLS and bind together. */
  readonly connectTimeoutMs: number
  readonly operationTimeoutMs: number
}

/** A bound connection to one server, shared by the lookups that run on it. */
export interface LdapConnection {
  readonly client: Client
  /** Position of its server in the `url` list. */
  readonly server: number
  readonly label: string
  /** The server is Active Directory (its root DSE says so). */
  readonly activeDirectory: boolean
  /**
   * Holds this connection's writes until the current turn of the event loop ends, so the
   * searches of concurrent lookups leave in one system call instead of one each.
   */
  holdWrites(): void
  /** Closes the connection at once, without waiting on the server; pending searches fail. */
  destroy(): void
}

/** Corks a socket for the rest of the event loop turn; see `LdapConnection.holdWrites`. */
class WriteBatch {
  private socket: Socket | undefined
  private held = false

  watch(socket: Socket): Socket {
    this.socket = socket
    return socket
  }

  hold(): void {
    const socket = this.socket
    if (this.held || !socket) return
    this.held = true
    socket.cork()
    void endOfTurn().then(() => {
      this.held = false
      socket.uncork()
    })
  }
}

const AD_CAPABILITY = '1.2.840.113556.1.4.800'

/** Parses an `ldap://` or `ldaps://` URL into what connecting needs. */
export function describeServer(url: string): LdapServer {
  const parsed = new URL(url)
  const secure = parsed.protocol === 'ldaps:'
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  const port = parsed.port || (secure ? '636' : '389')
  return { url: `${parsed.protocol}//${parsed.host}`, label: `${host}:${port}`, host, secure }
}

/**
 * Opens one connection: TCP (or TLS for ldaps://), StartTLS when asked, then the bind. The
 * client may never reconnect by itself: a silent reconnect would run the next search unbound,
 * so a dropped connection fails and the pool replaces it.
 */
export async function openConnection(
  library: LdapLibrary,
  server: LdapServer,
  index: number,
  settings: OpenSettings,
  closing?: AbortSignal,
): Promise<LdapConnection> {
  if (settings.bindDN && !settings.password) {
    throw new ConnectorError(
      'auth',
      'bindDN is set but password is empty: an empty password is an unauthenticated bind',
    )
  }

  const tls = server.secure || settings.startTLS ? tlsFor(server, settings) : undefined
  const writes = new WriteBatch()
  const sockets = new Set<Socket>()
  const secureSocket = watched(writes, sockets, tlsConnect)
  const client = new library.Client({
    url: server.url,
    connectTimeout: settings.connectTimeoutMs,
    timeout: settings.operationTimeoutMs,
    ...(server.secure
      ? { tlsOptions: tls, createSecureConnection: onlyOnce(secureSocket) as typeof tlsConnect }
      : {
          createConnection: onlyOnce(watched(writes, sockets, netConnect)) as typeof netConnect,
          createSecureConnection: secureSocket as typeof tlsConnect,
        }),
  })

  // NOTE: ldapts settles neither startTLS() nor unbind() when a server stalls in the middle of
  // the TLS handshake, so giving up never waits on the client: its sockets are destroyed and
  // the steps below are raced against `abandoned`.
  let giveUp: (error: Error) => void = () => undefined
  const abandoned = new Promise<never>((_, reject) => (giveUp = reject))
  abandoned.catch(() => undefined)
  const destroy = (): void => {
    for (const socket of sockets) socket.destroy()
  }
  const abandon = (): void => {
    destroy()
    void client.unbind().catch(() => undefined)
    giveUp(new Error('the connection was abandoned'))
  }
  closing?.addEventListener('abort', abandon, { once: true })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    abandon()
  }, settings.connectTimeoutMs)
  let phase: LdapPhase = 'connect'
  const steps = (async () => {
    if (settings.startTLS && !server.secure) await client.startTLS(tls)
    phase = 'bind'
    await client.bind(settings.bindDN ?? '', settings.bindDN ? settings.password : '')
    phase = 'search'
    return isActiveDirectory(client)
  })()
  steps.catch(() => undefined)
  try {
    const activeDirectory = await Promise.race([steps, abandoned])
    const holdWrites = (): void => writes.hold()
    return { client, server: index, label: server.label, activeDirectory, holdWrites, destroy }
  } catch (error) {
    abandon()
    if (!timedOut) throw ldapFailure(error, phase, server.label)
    const waited = `${settings.connectTimeoutMs} ms`
    throw new ConnectorError(
      'timeout',
      `${server.label}: no answer to the ${phase} within ${waited}`,
      {
        cause: error,
      },
    )
  } finally {
    clearTimeout(timer)
    closing?.removeEventListener('abort', abandon)
  }
}

function tlsFor(server: LdapServer, settings: OpenSettings): ConnectionOptions {
  const options: ConnectionOptions = { ...settings.tls(), host: server.host }
  if (!isIP(server.host)) options.servername = server.host
  return options
}

async function isActiveDirectory(client: Client): Promise<boolean> {
  try {
    const { searchEntries } = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['supportedCapabilities'],
    })
    const capabilities = searchEntries[0]?.['supportedCapabilities']
    return ([] as unknown[]).concat(capabilities ?? []).includes(AD_CAPABILITY)
  } catch {
    return false
  }
}

/** Opens sockets through `open`, remembering the latest for write batching and every one. */
function watched<Args extends unknown[]>(
  writes: WriteBatch,
  sockets: Set<Socket>,
  open: (...args: Args) => Socket,
): (...args: Args) => Socket {
  return (...args: Args): Socket => {
    const socket = open(...args)
    sockets.add(socket)
    return writes.watch(socket)
  }
}

/**
 * Lets the client open its socket once; a later attempt gets a socket that fails at once.
 */
function onlyOnce<Args extends unknown[]>(
  open: (...args: Args) => Socket,
): (...args: Args) => Socket {
  let opened = false
  return (...args: Args): Socket => {
    if (!opened) {
      opened = true
      return open(...args)
    }
    const refused = new NetSocket()
    refused.destroy(new Error('the connection closed and is not reopened'))
    return refused
  }
}
