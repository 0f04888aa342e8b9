import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type RequestListener } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo } from 'node:net'

import { contractContacts, type StoredContact } from './contacts.js'
import { answerFault, apiError, data, send, type Exchange } from './data-api.js'
import {
  checkGrant,
  newAccessToken,
  ORG_ID,
  soapLoginCredentials,
  soapLoginFault,
  soapLoginResponse,
  USER_ID,
  type OrgCredentials,
} from './oauth.js'

/** One request as the server received it, decoded for assertions. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  /** The API version of a `/services/data/vNN.N/` call. */
  readonly version: string | undefined
  readonly soql: string | undefined
  readonly sosl: string | undefined
  /** The bearer token sent, if any. */
  readonly bearer: string | undefined
  /** The form of a token request (`grant_type`, `client_id`, `assertion`, ...). */
  readonly form: Readonly<Record<string, string>> | undefined
  /** True when the client closed the connection before the server answered. */
  closedEarly: boolean
}

/** A scripted misbehaviour for the next `times` token or data requests. */
export interface Fault {
  readonly target: 'token' | 'data'
  readonly answer:
    | 'expired'
    | 'rate_limit_403'
    | 'rate_limit_429'
    | 'unavailable'
    | 'hang'
    /** A query page that says more follow but names no next page. */
    | 'no_next_page'
  times?: number
}

/** A running Salesforce API test server on 127.0.0.1. */
export interface SalesforceTestServer {
  /** `http://127.0.0.1:<port>` (or https): both the login URL and the instance URL. */
  readonly url: string
  readonly requests: RecordedRequest[]
  /** Query answers hold at most this many records; the rest follow via `nextRecordsUrl`. */
  batchSize: number
  /** When false, the server ignores a query's LIMIT (to prove the client stops by itself). */
  honourLimit: boolean
  inject(fault: Fault): void
  /** Forgets every injected fault not yet used. */
  clearFaults(): void
  /** Revokes every access token issued so far, as an expired session would. */
  expireTokens(): void
  close(): Promise<void>
}

/** A certificate and key to serve HTTPS with, as PEM files. */
export interface ServerCertificate {
  readonly certFile: string
  readonly keyFile: string
}

/**
 * Starts the server with the contract people as Contacts, unless other contacts are given;
 * over HTTPS when a certificate is given.
 */
export async function startSalesforceServer(
  org: OrgCredentials,
  contacts: readonly StoredContact[] = contractContacts(),
  certificate?: ServerCertificate,
): Promise<SalesforceTestServer> {
  const tokens = new Set<string>()
  const faults: Fault[] = []
  const cursors = new Map<string, readonly object[]>()
  const requests: RecordedRequest[] = []
  let base = ''

  const state: SalesforceTestServer = {
    get url() {
      return base
    },
    requests,
    batchSize: 2000,
    honourLimit: true,
    inject: (fault) => faults.push({ times: 1, ...fault }),
    clearFaults: () => faults.splice(0),
    expireTokens: () => tokens.clear(),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }

  const takeFault = (target: Fault['target']): Fault['answer'] | undefined => {
    const fault = faults.find((candidate) => candidate.target === target)
    if (!fault) return undefined
    fault.times = (fault.times ?? 1) - 1
    if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1)
    return fault.answer
  }

  const listener: RequestListener = (request, response) => {
    readBody(request)
      .then((body) => {
        const recorded = record(request, body)
        requests.push(recorded)
        response.on('close', () => {
          if (!response.writableEnded) recorded.closedEarly = true
        })
        route({
          request,
          response,
          body,
          recorded,
          base,
          org,
          tokens,
          takeFault,
          contacts,
          cursors,
          state,
        })
      })
      .catch(() => response.destroy())
  }
  const server = certificate
    ? createTlsServer(
        { cert: readFileSync(certificate.certFile), key: readFileSync(certificate.keyFile) },
        listener,
      )
    : createServer(listener)

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const scheme = certificate ? 'https' : 'http'
  base = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`
  return state
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function record(request: IncomingMessage, body: string): RecordedRequest {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1')
  const version = /^\/services\/data\/v(\d+\.\d)(\/|$)/.exec(url.pathname)?.[1]
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]
  const isToken = url.pathname === '/services/oauth2/token'
  const q = url.searchParams.get('q') ?? undefined
  return {
    method: request.method ?? 'GET',
    path: url.pathname,
    version,
    soql: url.pathname.endsWith('/query') ? q : undefined,
    sosl: url.pathname.endsWith('/search') ? q : undefined,
    bearer,
    form: isToken ? Object.fromEntries(new URLSearchParams(body)) : undefined,
    closedEarly: false,
  }
}

function route(exchange: Exchange): void {
  const { request, response, recorded } = exchange
  if (request.method === 'POST' && recorded.path === '/services/oauth2/token')
    return token(exchange)
  if (request.method === 'POST' && /^\/services\/Soap\/u\/\d+\.\d$/.test(recorded.path))
    return soapLogin(exchange)
  if (request.method === 'GET' && recorded.path.startsWith('/services/data/')) return data(exchange)
  apiError(response, 404, 'NOT_FOUND', 'The requested resource does not exist')
}

function token(exchange: Exchange): void {
  const { request, response, body, base, org, tokens, takeFault } = exchange
  const fault = takeFault('token')
  if (fault) return answerFault(response, fault)

  const refusal = checkGrant(new URLSearchParams(body), request.headers.authorization, org)
  if (refusal) return send(response, 400, refusal)
  const accessToken = newAccessToken()
  tokens.add(accessToken)
  send(response, 200, {
    access_token: accessToken,
    instance_url: base,
    id: `${base}/id/${ORG_ID}/${USER_ID}`,
    token_type: 'Bearer',
    issued_at: String(Date.now()),
    signature: 'test',
    scope: 'api',
  })
}

function soapLogin(exchange: Exchange): void {
  const { response, body, base, org, tokens, takeFault, recorded } = exchange
  const fault = takeFault('token')
  if (fault) return answerFault(response, fault)

  const { username, password } = soapLoginCredentials(body)
  if (username !== org.username || password !== org.password) {
    return send(response, 500, soapLoginFault(), 'text/xml;charset=UTF-8')
  }
  const sessionId = newAccessToken()
  tokens.add(sessionId)
  send(
    response,
    200,
    soapLoginResponse(base, recorded.path.split('/').pop()!, sessionId),
    'text/xml;charset=UTF-8',
  )
}
