import { randomBytes, verify, type KeyObject } from 'node:crypto'

/** Who may log in to the test org, and how. */
export interface OrgCredentials {
  readonly clientId: string
  readonly clientSecret: string
  readonly username: string
  /** The password with the security token appended, as Salesforce expects it. */
  readonly password: string
  /** Public half of the connected app's certificate, for JWT bearer assertions. */
  readonly jwtPublicKey: KeyObject
  /** The `aud` a JWT assertion must carry. */
  readonly audience: string
}

/** An OAuth error answer: status 400 and `{ error, error_description }`. */
export interface OAuthRefusal {
  readonly error: string
  readonly error_description: string
}

export const ORG_ID = '00D000000000001AAA'
export const USER_ID = '005000000000001AAA'

/** A new opaque access token in Salesforce's shape (`<org id>!<random>`). */
export function newAccessToken(): string {
  return `${ORG_ID.slice(0, 15)}!${randomBytes(24).toString('base64url')}`
}

function refuse(error: string, description: string): OAuthRefusal {
  return { error, error_description: description }
}

/**
 * Checks a token request for one of the three grants the connector uses. Returns undefined
 * when the request is good, else the refusal Salesforce would answer with.
 */
export function checkGrant(
  form: URLSearchParams,
  authorization: string | undefined,
  org: OrgCredentials,
): OAuthRefusal | undefined {
  const grant = form.get('grant_type')
  const [basicId, basicSecret] = basicCredentials(authorization)
  const clientId = form.get('client_id') ?? basicId
  const clientSecret = form.get('client_secret') ?? basicSecret

  if (grant === 'client_credentials' || grant === 'password') {
    if (clientId !== org.clientId) return refuse('invalid_client_id', 'client identifier invalid')
    if (clientSecret !== org.clientSecret)
      return refuse('invalid_client', 'invalid client credentials')
    if (grant === 'client_credentials') return undefined
    const good = form.get('username') === org.username && form.get('password') === org.password
    return good ? undefined : refuse('invalid_grant', 'authentication failure')
  }
  if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    return checkAssertion(form.get('assertion') ?? '', org)
  }
  return refuse('unsupported_grant_type', 'grant type not supported')
}

function basicCredentials(
  authorization: string | undefined,
): [string | undefined, string | undefined] {
  const found = /^Basic\s+(.+)$/i.exec(authorization ?? '')
  if (!found) return [undefined, undefined]
  const decoded = Buffer.from(found[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))]
}

function checkAssertion(assertion: string, org: OrgCredentials): OAuthRefusal | undefined {
  const [header, claims, signature] = assertion.split('.')
  if (!header || !claims || !signature) return refuse('invalid_grant', 'invalid assertion')

  const signed = verify(
    'RSA-SHA256',
    Buffer.from(`${header}.${claims}`),
    org.jwtPublicKey,
    Buffer.from(signature, 'base64url'),
  )
  const head = parseJson(header)
  if (!signed || head?.alg !== 'RS256') return refuse('invalid_grant', 'invalid assertion')

  const body = parseJson(claims)
  if (body?.iss !== org.clientId) return refuse('invalid_client_id', 'client identifier invalid')
  if (body.sub !== org.username)
    return refuse('invalid_grant', "user hasn't approved this consumer")
  if (body.aud !== org.audience) return refuse('invalid_grant', 'audience is invalid')
  if (typeof body.exp !== 'number' || body.exp * 1000 < Date.now())
    return refuse('invalid_grant', 'expired assertion')
  return undefined
}

function parseJson(part: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}

const XML_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
}

/** The username and password of a SOAP `login` call, entities decoded. */
export function soapLoginCredentials(body: string): { username: string; password: string } {
  const read = (tag: string): string =>
    (new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(body)?.[1] ?? '').replace(
      /&(amp|lt|gt|quot|apos);/g,
      (_, name: string) => XML_ENTITIES[name] ?? '',
    )
  return { username: read('username'), password: read('password') }
}

/** The SOAP answer to a successful login, in the partner API's shape. */
export function soapLoginResponse(base: string, version: string, sessionId: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com">',
    '<soapenv:Body><loginResponse><result>',
    `<metadataServerUrl>${base}/services/Soap/m/${version}/${ORG_ID.slice(0, 15)}</metadataServerUrl>`,
    '<passwordExpired>false</passwordExpired><sandbox>false</sandbox>',
    `<serverUrl>${base}/services/Soap/u/${version}/${ORG_ID.slice(0, 15)}</serverUrl>`,
    `<sessionId>${sessionId}</sessionId><userId>${USER_ID}</userId>`,
    `<userInfo><organizationId>${ORG_ID}</organizationId><userId>${USER_ID}</userId></userInfo>`,
    '</result></loginResponse></soapenv:Body></soapenv:Envelope>',
  ].join('')
}

/** The SOAP fault a refused login gets. */
export function soapLoginFault(): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com">',
    '<soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode>',
    '<faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring>',
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>',
  ].join('')
}
