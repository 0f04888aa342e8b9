import { createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'

import type { Connection } from 'jsforce'

import { ConnectorError } from '../../src/errors.js'
import { authFlowOf, type SalesforceOptions } from './options.js'
import type { DeadlineTransport } from './transport.js'

/** The parts of jsforce the connector uses; tests may hand in another implementation. */
export interface SalesforceLibrary {
  readonly Connection: typeof Connection
}

/** A jsforce connection as the connector uses it. */
export type SalesforceConnection = InstanceType<SalesforceLibrary['Connection']>

/** A logged-in session: the bearer token and the org's instance to send it to. */
export interface Session {
  readonly accessToken: string
  readonly instanceUrl: string
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const JWT_LIFETIME_S = 180

/**
 * Points a jsforce connection (and its OAuth2 client) at the lookup's transport. jsforce keeps
 * its transport in a field rather than an option, and its default one cannot be cancelled.
 */
export function useTransport(connection: Connection, transport: DeadlineTransport): Connection {
  Object.assign(connection, { _transport: transport })
  Object.assign(connection.oauth2, { _transport: transport })
  return connection
}

/** Logs in with the configured flow through jsforce and returns the new session. */
export async function logIn(
  library: SalesforceLibrary,
  options: SalesforceOptions,
  configDir: string,
  transport: DeadlineTransport,
): Promise<Session> {
  const flow = authFlowOf(options)
  const { loginUrl, clientId, clientSecret, username = '', password = '' } = options
  const oauth2 = flow === 'jwt' ? { loginUrl } : { loginUrl, clientId, clientSecret }
  const connection = useTransport(
    new library.Connection({ loginUrl, version: options.apiVersion, oauth2 }),
    transport,
  )

  if (flow === 'clientCredentials') {
    await connection.authorize({ grant_type: 'client_credentials' })
  } else if (flow === 'jwt') {
    const key = await loadPrivateKey(options.privateKey ?? '', configDir)
    const assertion = signAssertion(
      clientId ?? '',
      username,
      options.audience ?? defaultAudience(loginUrl),
      key,
    )
    await connection.authorize({ grant_type: JWT_GRANT, assertion })
  } else if (clientId && clientSecret) {
    await connection.loginByOAuth2(username, password + (options.securityToken ?? ''))
  } else {
    await connection.loginBySoap(username, password + (options.securityToken ?? ''))
  }

  if (!connection.accessToken || !connection.instanceUrl) {
    throw new ConnectorError(
      'auth',
      'Salesforce login answered without an access token or instance URL',
    )
  }
  return { accessToken: connection.accessToken, instanceUrl: connection.instanceUrl }
}

/**
 * The `aud` Salesforce accepts for a login URL: a My Domain logs in through its own host but
 * expects the production (or, for a sandbox or scratch org, the test) login server as the
 * audience. Sandboxes are `name--sandbox.sandbox.my.salesforce.com`, or without `.sandbox`
 * before enhanced domains; a production My Domain never holds `--`.
 */
export function defaultAudience(loginUrl: string): string {
  const host = new URL(loginUrl).hostname
  if (host.endsWith('.my.salesforce.com')) {
    const sandbox =
      /\.(sandbox|scratch)\.my\.salesforce\.com$/.test(host) || host.split('.')[0]!.includes('--')
    return sandbox ? 'https://test.salesforce.com' : 'https://login.salesforce.com'
  }
  return loginUrl
}

async function loadPrivateKey(file: string, configDir: string): Promise<KeyObject> {
  const path = isAbsolute(file) ? file : resolve(configDir, file)
  let pem: string
  try {
    pem = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConnectorError('auth', `cannot read the JWT private key file ${path}`, {
      cause: error,
    })
  }
  try {
    return createPrivateKey(pem)
  } catch (error) {
    throw new ConnectorError('auth', `the JWT private key file ${path} holds no PEM private key`, {
      cause: error,
    })
  }
}

/** A JWT bearer assertion signed with RS256, valid for three minutes, as Salesforce asks. */
export function signAssertion(
  clientId: string,
  username: string,
  audience: string,
  key: KeyObject,
): string {
  const encode = (part: object): string => Buffer.from(JSON.stringify(part)).toString('base64url')
  const exp = Math.floor(Date.now() / 1000) + JWT_LIFETIME_S
  const claims = { iss: clientId, sub: username, aud: audience, exp }
  const unsigned = `${encode({ alg: 'RS256' })}.${encode(claims)}`
  const signature = sign('RSA-SHA256', Buffer.from(unsigned), key).toString('base64url')
  return `${unsigned}.${signature}`
}
