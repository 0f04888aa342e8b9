import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { OrgCredentials } from './oauth.js'
import {
  startSalesforceServer,
  type SalesforceTestServer,
  type ServerCertificate,
} from './server.js'

/** A test org: its server, its credentials, and a folder holding the JWT private key. */
export interface TestOrg {
  readonly server: SalesforceTestServer
  readonly credentials: Omit<OrgCredentials, 'jwtPublicKey' | 'audience'>
  /** Folder of the config in tests; `privateKey: jwt.pem` resolves inside it. */
  readonly configDir: string
  /** The security token the password ends with. */
  readonly securityToken: string
  stop(): Promise<void>
}

/**
 * Starts a Salesforce API test server with fresh credentials and a new RSA key pair, the
 * private half written to `jwt.pem` in a temporary folder; over HTTPS with a certificate.
 */
export async function startTestOrg(certificate?: ServerCertificate): Promise<TestOrg> {
  const configDir = await mkdtemp(join(tmpdir(), 'salesforce-org-'))
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  await writeFile(join(configDir, 'jwt.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }))

  const securityToken = 'TOKENabc123'
  const credentials = {
    clientId: '3MVG9test.client.id',
    clientSecret: 'client-secret-7f3e9a',
    username: 'integration@example.com',
    password: `pa$$w'rd&<x>${securityToken}`,
  }
  const audience = { value: '' }
  const org: OrgCredentials = {
    ...credentials,
    jwtPublicKey: publicKey,
    get audience() {
      return audience.value
    },
  }
  const server = await startSalesforceServer(org, undefined, certificate)
  audience.value = server.url

  return {
    server,
    credentials,
    configDir,
    securityToken,
    async stop() {
      await server.close()
      await rm(configDir, { recursive: true, force: true })
    },
  }
}
