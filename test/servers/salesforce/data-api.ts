import type { IncomingMessage, ServerResponse } from 'node:http'

import { projectContact, readField, type StoredContact } from './contacts.js'
import type { OrgCredentials } from './oauth.js'
import type { Fault, RecordedRequest, SalesforceTestServer } from './server.js'
import { parseSearch, searchContacts } from './sosl.js'
import { parseSelect, selectContacts } from './soql.js'
import { QueryFault } from './soql-lexer.js'

const FIRST_VERSION = 31
const LAST_VERSION = 63

/** One request being answered, with everything the handlers need. */
export interface Exchange {
  readonly request: IncomingMessage
  readonly response: ServerResponse
  readonly body: string
  readonly recorded: RecordedRequest
  readonly base: string
  readonly org: OrgCredentials
  readonly tokens: Set<string>
  readonly takeFault: (target: Fault['target']) => Fault['answer'] | undefined
  readonly contacts: readonly StoredContact[]
  readonly cursors: Map<string, readonly object[]>
  readonly state: SalesforceTestServer
}

/** Answers with a body, JSON unless it is already text. */
export function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json;charset=UTF-8',
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) })
  response.end(text)
}

/** Answers with Salesforce's error array. */
export function apiError(
  response: ServerResponse,
  status: number,
  errorCode: string,
  message: string,
): void {
  send(response, status, [{ message, errorCode }])
}

/** Answers as the injected fault says; a hang never answers. */
export function answerFault(response: ServerResponse, answer: Fault['answer']): void {
  if (answer === 'hang') return
  if (answer === 'expired')
    apiError(response, 401, 'INVALID_SESSION_ID', 'Session expired or invalid')
  if (answer === 'rate_limit_403')
    apiError(response, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')
  if (answer === 'rate_limit_429') send(response, 429, 'Too Many Requests', 'text/plain')
  if (answer === 'unavailable')
    apiError(response, 503, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable')
  if (answer === 'no_next_page') {
    const record = { attributes: { type: 'Contact' }, Id: '003000000000001AAA' }
    send(response, 200, { totalSize: 50, done: false, records: [record] })
  }
}

/** The REST API under `/services/data/`: versions, resources, query and search. */
export function data(exchange: Exchange): void {
  const { response, recorded, tokens, takeFault } = exchange
  if (recorded.path === '/services/data/' || recorded.path === '/services/data') {
    const versions = []
    for (let v = FIRST_VERSION; v <= LAST_VERSION; v += 1)
      versions.push({ version: `${v}.0`, url: `/services/data/v${v}.0` })
    return send(response, 200, versions)
  }
  const fault = takeFault('data')
  if (fault) return answerFault(response, fault)
  if (!recorded.bearer || !tokens.has(recorded.bearer)) {
    return apiError(response, 401, 'INVALID_SESSION_ID', 'Session expired or invalid')
  }
  const major = Number(recorded.version?.split('.')[0] ?? 0)
  if (major < FIRST_VERSION || major > LAST_VERSION) {
    return apiError(response, 404, 'NOT_FOUND', 'The requested resource does not exist')
  }

  try {
    dataResource(exchange)
  } catch (error) {
    if (!(error instanceof QueryFault)) throw error
    apiError(response, 400, error.errorCode, error.message)
  }
}

function dataResource(exchange: Exchange): void {
  const { response, recorded } = exchange
  const rest = recorded.path.slice(`/services/data/v${recorded.version}`.length)
  if (rest === '/' || rest === '') {
    return send(response, 200, {
      query: `/services/data/v${recorded.version}/query`,
      search: `/services/data/v${recorded.version}/search`,
    })
  }
  if (rest === '/query' && recorded.soql !== undefined) return query(exchange, recorded.soql)
  if (rest.startsWith('/query/')) return nextPage(exchange, rest.slice('/query/'.length))
  if (rest === '/search' && recorded.sosl !== undefined) return search(exchange, recorded.sosl)
  apiError(response, 404, 'NOT_FOUND', 'The requested resource does not exist')
}

function query(exchange: Exchange, soql: string): void {
  const { contacts, state, recorded } = exchange
  const parsed = parseSelect(soql)
  if (parsed.object.toLowerCase() !== 'contact') {
    throw new QueryFault('INVALID_TYPE', `sObject type '${parsed.object}' is not supported.`)
  }
  for (const field of parsed.fields) readField(contacts[0]!, field)

  const found = selectContacts(
    state.honourLimit ? parsed : { ...parsed, limit: undefined },
    contacts,
  )
  const records = found.map((contact) => projectContact(contact, parsed.fields, recorded.version!))
  page(exchange, records, 'new', 0)
}

function nextPage(exchange: Exchange, locator: string): void {
  const [cursor, offset] = locator.split('-')
  const records = exchange.cursors.get(cursor ?? '')
  if (!records) throw new QueryFault('INVALID_QUERY_LOCATOR', 'invalid query locator')
  page(exchange, records, cursor!, Number(offset))
}

function page(
  exchange: Exchange,
  records: readonly object[],
  cursor: string,
  offset: number,
): void {
  const { state, cursors, response, recorded } = exchange
  const end = offset + state.batchSize
  const done = end >= records.length
  const body: Record<string, unknown> = {
    totalSize: records.length,
    done,
    records: records.slice(offset, end),
  }
  if (!done) {
    const id = cursor === 'new' ? `01g${String(cursors.size + 1).padStart(12, '0')}` : cursor
    cursors.set(id, records)
    body.nextRecordsUrl = `/services/data/v${recorded.version}/query/${id}-${end}`
  }
  send(response, 200, body)
}

function search(exchange: Exchange, sosl: string): void {
  const { contacts, response, recorded } = exchange
  const parsed = parseSearch(sosl)
  const found = searchContacts(parsed, contacts).flatMap((hits, index) =>
    hits.map((contact) =>
      projectContact(contact, parsed.returning[index]!.fields, recorded.version!),
    ),
  )
  send(response, 200, {
    searchRecords: parsed.limit === undefined ? found : found.slice(0, parsed.limit),
  })
}
