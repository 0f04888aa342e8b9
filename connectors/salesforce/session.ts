import { ConnectorError } from '../../src/errors.js'
import type { Session } from './auth.js'
import { untilAborted } from './abort.js'

/** How long a refused login is remembered, so a wrong password cannot lock the user out. */
export const LOGIN_RETRY_MS = 10_000

/**
 * The connector's one session: logged in on first use, shared by concurrent lookups, and
 * replaced only when Salesforce says it has expired. A login runs under its own timeout, so a
 * lookup whose deadline passes stops waiting without failing the login for the others.
 */
export class SessionCache {
  private pending: Promise<Session> | undefined
  private current: Session | undefined
  private refused: { readonly error: ConnectorError; readonly until: number } | undefined
  private readonly closing = new AbortController()

  constructor(
    private readonly logIn: (signal: AbortSignal) => Promise<Session>,
    private readonly timeoutMs: number,
  ) {}

  /** The cached session, or the one being logged in, or a new login. */
  get(signal: AbortSignal): Promise<Session> {
    if (this.closing.signal.aborted) {
      return Promise.reject(new ConnectorError('internal', 'the Salesforce connector is closed'))
    }
    if (this.current) return Promise.resolve(this.current)
    if (this.refused && Date.now() < this.refused.until) return Promise.reject(this.refused.error)

    this.pending ??= this.start()
    return untilAborted(this.pending, signal)
  }

  /** Drops `stale` so the next `get` logs in again; a newer session is kept. */
  forget(stale: Session): void {
    if (this.current === stale) this.current = undefined
  }

  /** Drops `session`, which Salesforce refused, and fails every `get` for a while with `error`. */
  refuse(session: Session, error: ConnectorError): void {
    this.forget(session)
    this.refused = { error, until: Date.now() + LOGIN_RETRY_MS }
  }

  /** Cancels a login in progress; every later `get` fails. */
  close(): void {
    this.closing.abort()
    this.current = undefined
  }

  private start(): Promise<Session> {
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.timeoutMs)])
    const login = this.logIn(signal)
    // Registered before any caller waits, so the cache is settled when a caller resumes.
    login.then(
      (session) => {
        this.current = session
        this.refused = undefined
        this.pending = undefined
      },
      (error: unknown) => {
        if (error instanceof ConnectorError && error.kind === 'auth') {
          this.refused = { error, until: Date.now() + LOGIN_RETRY_MS }
        }
        this.pending = undefined
      },
    )
    return login
  }
}
