import type { Record as SalesforceRecord } from 'jsforce'

import { ConnectorError, asConnectorError } from '../../src/errors.js'
import { readCaFile } from '../ca-file.js'
import type { BackendRecord, Connector, ConnectorContext, SearchRequest } from '../contract.js'
import { untilAborted } from './abort.js'
import {
  logIn,
  useTransport,
  type SalesforceConnection,
  type SalesforceLibrary,
  type Session,
} from './auth.js'
import { apiFailure, isExpiredSession, loginFailure } from './errors.js'
import { authFlowOf, type SalesforceOptions } from './options.js'
import { pickFields } from './records.js'
import { renderQuery, searchTermTooShort, type SalesforceRule } from './rule.js'
import { SessionCache } from './session.js'
import {
  DeadlineTransport,
  openSocketPools,
  type RetryPolicy,
  type Route,
  type SocketPools,
} from './transport.js'

type Work<T> = (connection: SalesforceConnection) => Promise<T>

/** A Salesforce connector: one cached session, a transport per lookup, sockets kept alive. */
export class SalesforceConnector implements Connector<SalesforceRule> {
  private pools: SocketPools | undefined
  private readonly sessions: SessionCache
  private readonly secrets: readonly string[]

  constructor(
    private readonly library: SalesforceLibrary,
    private readonly options: SalesforceOptions,
    private readonly context: ConnectorContext,
    private readonly retry?: RetryPolicy,
  ) {
    const { clientSecret, password, securityToken } = options
    this.secrets = [clientSecret, password, securityToken].filter(
      (value): value is string => !!value,
    )
    this.sessions = new SessionCache((signal) => this.logIn(signal), context.timeoutMs)
  }

  async search(request: SearchRequest<SalesforceRule>): Promise<BackendRecord[]> {
    const { rule, input, attributes, limit, signal } = request
    try {
      signal.throwIfAborted()
      if (limit <= 0 || searchTermTooShort(rule, input)) return []
      const text = renderQuery(rule, input, limit)
      const records = await this.withSession(signal, (connection) =>
        rule.language === 'soql'
          ? runQuery(connection, text, limit)
          : runSearch(connection, text, limit),
      )
      return records.map((record) => pickFields(record, attributes))
    } catch (error) {
      throw asConnectorError(error, signal)
    }
  }

  async check(signal: AbortSignal): Promise<void> {
    try {
      signal.throwIfAborted()
      const root = `/services/data/v${this.options.apiVersion}/`
      await this.withSession(signal, (connection) => connection.request(root))
    } catch (error) {
      throw asConnectorError(error, signal)
    }
  }

  async close(): Promise<void> {
    this.sessions.close()
    this.pools?.http.destroy()
    this.pools?.https.destroy()
    this.pools = undefined
  }

  /** Runs `work` with the cached session; an expired session is renewed once and tried again. */
  private async withSession<T>(signal: AbortSignal, work: Work<T>): Promise<T> {
    const session = await this.sessions.get(signal)
    try {
      return await this.attempt(session, signal, work)
    } catch (error) {
      if (!isExpiredSession(error)) throw error
      this.context.logger.info({ event: 'salesforce_session_expired' })
    }

    this.sessions.forget(session)
    const renewed = await this.sessions.get(signal)
    try {
      return await this.attempt(renewed, signal, work)
    } catch (error) {
      if (!isExpiredSession(error)) throw error
      const refused = new ConnectorError(
        'auth',
        'Salesforce refused a freshly renewed session (INVALID_SESSION_ID)',
        { cause: error },
      )
      // Logging in again at once would only be refused again, and spend the login limit.
      this.sessions.refuse(renewed, refused)
      throw refused
    }
  }

  private async attempt<T>(session: Session, signal: AbortSignal, work: Work<T>): Promise<T> {
    const transport = new DeadlineTransport(this.socketPools(), signal, this.retry)
    const { accessToken, instanceUrl } = session
    const connection = new this.library.Connection({
      accessToken,
      instanceUrl,
      version: this.options.apiVersion,
    })
    try {
      return await untilAborted(work(useTransport(connection, transport)), signal)
    } catch (error) {
      if (isExpiredSession(error)) throw error
      const secrets = [...this.secrets, accessToken]
      throw apiFailure({ error, status: transport.lastStatus, signal, secrets })
    }
  }

  private async logIn(signal: AbortSignal): Promise<Session> {
    const transport = new DeadlineTransport(this.socketPools(), signal, this.retry)
    const started = Date.now()
    const flow = authFlowOf(this.options)
    try {
      const session = await logIn(this.library, this.options, this.context.configDir, transport)
      this.context.logger.info({
        event: 'salesforce_login',
        flow,
        durationMs: Date.now() - started,
      })
      return session
    } catch (error) {
      const failure = loginFailure({
        error,
        status: transport.lastStatus,
        signal,
        secrets: this.secrets,
      })
      this.context.logger.warn({
        event: 'salesforce_login_failed',
        flow,
        kind: failure.kind,
        err: failure.message,
      })
      throw failure
    }
  }

  private socketPools(): SocketPools {
    this.pools ??= openSocketPools(this.route())
    return this.pools
  }

  /** The CA file and proxy of the options, read and parsed. */
  private route(): Route {
    const { ca, proxy } = this.options
    return {
      ca: ca === undefined ? undefined : readCaFile(this.context.configDir, ca),
      proxy: proxy === undefined ? undefined : new URL(proxy),
    }
  }
}

/**
 * Runs a SOQL query and follows `nextRecordsUrl` page by page until `limit` records are in.
 * Paged here rather than by jsforce's `autoFetch`, which asks the same query again when a page
 * says it is not the last but names no next one.
 */
async function runQuery(
  connection: SalesforceConnection,
  soql: string,
  limit: number,
): Promise<SalesforceRecord[]> {
  let page = await connection.query<SalesforceRecord>(soql)
  const records = recordList(page?.records)
  while (records.length < limit && !page.done && page.nextRecordsUrl) {
    page = await connection.queryMore<SalesforceRecord>(page.nextRecordsUrl)
    records.push(...recordList(page?.records))
  }
  return records.slice(0, limit)
}

async function runSearch(
  connection: SalesforceConnection,
  sosl: string,
  limit: number,
): Promise<SalesforceRecord[]> {
  const result: unknown = await connection.search(sosl)
  // API versions before 37.0 answer with a bare list instead of { searchRecords }.
  const records = Array.isArray(result)
    ? result
    : (result as { searchRecords?: unknown } | null)?.searchRecords
  return recordList(records).slice(0, limit)
}

/** The records of an answer, or an `internal` failure when the answer holds no list of them. */
function recordList(value: unknown): SalesforceRecord[] {
  const isRecord = (item: unknown) =>
    typeof item === 'object' && item !== null && !Array.isArray(item)
  if (Array.isArray(value) && value.every(isRecord)) return [...(value as SalesforceRecord[])]
  throw new ConnectorError(
    'internal',
    'Salesforce answered with something that is not a list of records',
  )
}
