import type { Logger } from 'pino'

import { ConnectorError } from '../../src/errors.js'
import type { LdapConnection } from './connection.js'
import { isConnectionFailure, isUnanswered } from './errors.js'

/** How the pool grows and moves back to the first server. */
export interface PoolSettings {
  /** Most connections kept open. */
  readonly size: number
  /** How long a server that failed is passed over. */
  readonly failbackMs: number
  /** How many servers the `url` list holds. */
  readonly servers: number
}

interface Slot {
  readonly connection: LdapConnection
  inFlight: number
  retired: boolean
  /** Operations the server has answered on this connection, failures included. */
  answers: number
  /** Lookups in a row given up on this connection without an answer since they began. */
  unanswered: number
}

/** Opens a bound connection to the server at `index` of the `url` list. */
export type Opener = (index: number, closing: AbortSignal) => Promise<LdapConnection>

/** The longest a refused bind is remembered before the connector binds again. */
const MAX_REFUSAL_MS = 3_600_000

/** How many times one lookup moves to another connection after its connection died. */
const ATTEMPTS = 3

/**
 * Lookups in a row a connection may leave unanswered before it is closed and its server passed
 * over: one slow search is not a dead server, two in a row with nothing else answered between
 * them are as good as one (a hung server, or a connection a firewall dropped without a word).
 */
const UNANSWERED_LIMIT = 2

/**
 * A small pool of bound connections. LDAP answers carry a message id, so several lookups share
 * one connection; a lookup takes the least busy warm connection and only waits for a new one
 * when none is open. The pool grows in the background while every connection is busy, replaces
 * dead connections, passes over failed servers for `failbackMs`, and moves back to an earlier
 * server of the list once it answers again.
 */
export class LdapPool {
  private slots: Slot[] = []
  private opening: Promise<Slot> | undefined
  private readonly downUntil: number[]
  private closed = false
  private readonly closing = new AbortController()
  private refused: { readonly error: unknown; readonly until: number } | undefined
  /** Binds refused in a row, since the last that succeeded. */
  private refusals = 0

  constructor(
    private readonly open: Opener,
    private readonly settings: PoolSettings,
    private readonly logger: Logger,
  ) {
    this.downUntil = Array.from({ length: settings.servers }, () => 0)
  }

  /** Runs `work` on a bound connection, on a fresh one when the first turns out dead. */
  async run<T>(work: (connection: LdapConnection) => Promise<T>, signal: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const slot = this.warm() ?? (await abortable(this.grow(), signal))
      try {
        return await this.use(slot, work)
      } catch (error) {
        if (!isConnectionFailure(error) || signal.aborted || attempt >= ATTEMPTS) throw error
        this.logger.debug({ server: slot.connection.label, err: error }, 'ldap connection lost')
        this.discard(slot)
      }
    }
  }

  /** Closes every connection; later lookups fail. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true
    this.closing.abort()
    const slots = this.slots
    this.slots = []
    const pending = this.opening?.then(
      (slot) => this.release(slot),
      () => undefined,
    )
    await Promise.all([...slots.map((slot) => this.release(slot)), pending])
  }

  /** Opens a connection now, whatever the pool holds: `check` proves the servers answer. */
  async probe(signal: AbortSignal): Promise<void> {
    const slot = await abortable(this.grow(), signal)
    await this.use(slot, async () => undefined)
  }

  private async use<T>(slot: Slot, work: (connection: LdapConnection) => Promise<T>): Promise<T> {
    slot.inFlight++
    const answersBefore = slot.answers
    try {
      const result = await work(slot.connection)
      this.answered(slot)
      return result
    } catch (error) {
      if (!isUnanswered(error)) this.answered(slot)
      else if (slot.answers === answersBefore) this.unanswered(slot)
      throw error
    } finally {
      slot.inFlight--
      if (slot.retired && slot.inFlight === 0) void this.release(slot)
    }
  }

  /** The least busy live connection; starts growing or moving back when that helps. */
  private warm(): Slot | undefined {
    if (this.closed) throw new ConnectorError('internal', 'the connector is closed')
    if (this.slots.some((slot) => !slot.connection.client.isConnected)) this.dropDead()

    const preferred = this.preferred()
    let best: Slot | undefined
    let active = 0
    let behind = false
    for (const slot of this.slots) {
      if (slot.retired) continue
      active++
      behind ||= slot.connection.server > preferred
      if (!best || slot.inFlight < best.inFlight) best = slot
    }
    const busy = best !== undefined && best.inFlight > 0 && active < this.settings.size
    if (busy || behind) this.grow().catch(() => undefined)
    return best
  }

  private answered(slot: Slot): void {
    slot.answers++
    slot.unanswered = 0
  }

  /**
   * Counts a lookup the connection left unanswered; at the limit, every connection to that
   * server is closed and the server passed over for `failbackMs`, as if it refused connections.
   */
  private unanswered(slot: Slot): void {
    if (++slot.unanswered < UNANSWERED_LIMIT || slot.retired) return
    const server = slot.connection.server
    this.logger.warn(
      { server, label: slot.connection.label },
      'ldap server stopped answering; its connections are closed',
    )
    this.downUntil[server] = Date.now() + this.settings.failbackMs
    for (const other of this.slots.filter((each) => each.connection.server === server)) {
      other.retired = true
      other.connection.destroy()
      this.discard(other)
    }
  }

  private dropDead(): void {
    const dead = this.slots.filter((slot) => !slot.connection.client.isConnected)
    for (const slot of dead) this.discard(slot)
  }

  /** Opens one more connection (one at a time) and adds it to the pool. */
  private grow(): Promise<Slot> {
    this.opening ??= this.openFirstAnswering()
      .then((connection) => this.add(connection))
      .finally(() => {
        this.opening = undefined
      })
    return this.opening
  }

  private add(connection: LdapConnection): Slot {
    const slot: Slot = { connection, inFlight: 0, retired: false, answers: 0, unanswered: 0 }
    if (this.closed) {
      void this.release(slot)
      throw new ConnectorError('internal', 'the connector is closed')
    }
    this.slots.push(slot)
    for (const other of this.slots) {
      if (other.connection.server > connection.server) this.retire(other)
    }
    const active = this.slots.filter((other) => !other.retired)
    for (const extra of active.slice(0, Math.max(0, active.length - this.settings.size))) {
      this.retire(extra)
    }
    return slot
  }

  /** Tries the servers in order, those not recently failed first. */
  private async openFirstAnswering(): Promise<LdapConnection> {
    const now = Date.now()
    const order = [...this.downUntil.keys()].sort(
      (a, b) => Number(this.downUntil[a]! > now) - Number(this.downUntil[b]! > now) || a - b,
    )
    if (this.refused && this.refused.until > now) throw this.refused.error
    let failure: unknown
    for (const index of order) {
      try {
        const connection = await this.open(index, this.closing.signal)
        this.downUntil[index] = 0
        this.refusals = 0
        return connection
      } catch (error) {
        this.downUntil[index] = Date.now() + this.settings.failbackMs
        this.logger.warn({ server: index, err: error }, 'ldap server failed')
        if (!isConnectionFailure(error) && (error as ConnectorError).kind !== 'timeout') {
          this.refuse(error)
          throw error
        }
        failure = error
      }
    }
    throw failure
  }

  /**
   * Remembers a refused bind: binding again with a wrong password on every lookup could lock
   * the service account out under a lockout policy. The first refusal is kept for
   * `failbackMs`, and each one after it twice as long as the last, up to an hour.
   */
  private refuse(error: unknown): void {
    if ((error as ConnectorError).kind !== 'auth') return
    const waitMs = Math.min(this.settings.failbackMs * 2 ** this.refusals, MAX_REFUSAL_MS)
    this.refusals++
    this.refused = { error, until: Date.now() + waitMs }
  }

  /** The first server of the list not recently failed. */
  private preferred(): number {
    const now = Date.now()
    const index = this.downUntil.findIndex((until) => until <= now)
    return index < 0 ? 0 : index
  }

  private retire(slot: Slot): void {
    if (slot.retired) return
    slot.retired = true
    if (slot.inFlight === 0) void this.release(slot)
  }

  private discard(slot: Slot): void {
    this.slots = this.slots.filter((other) => other !== slot)
    void this.release(slot)
  }

  private async release(slot: Slot): Promise<void> {
    this.slots = this.slots.filter((other) => other !== slot)
    await slot.connection.client.unbind().catch(() => undefined)
  }
}

/** Waits for `work` unless `signal` aborts first, which rejects with a timeout. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined)
    return Promise.reject(new ConnectorError('timeout', 'the lookup deadline passed'))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(
        new ConnectorError('timeout', 'the lookup deadline passed before the directory answered'),
      )
    }
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
