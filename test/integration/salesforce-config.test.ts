import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { parseConfig } from '../../src/config/load.js'
import { ConfigError } from '../../src/errors.js'
import { createApp } from '../../src/http/app.js'
import { Service } from '../../src/service.js'
import { startTestOrg, type TestOrg } from '../servers/salesforce/org.js'
import { testLogger } from '../harness/secrets.js'

const KEY = 'test-key-3b9c'

let org: TestOrg

beforeAll(async () => {
  org = await startTestOrg()
})

afterAll(async () => {
  await org?.stop()
})

function configYaml(connector: string): string {
  return `server:
  keys: ["${KEY}"]
connectors:
  salesforce:
    type: salesforce
${connector
  .trim()
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
sources:
  customers:
    connectors: [salesforce]
    columns: [first_name, last_name, email, organization]
`
}

const RULES_AND_MAP = `rules:
  - when: [email]
    soql: SELECT Id, FirstName, LastName, Email, Phone, Account.Name FROM Contact
      WHERE Email = {email}
  - when: [last_name]
    sosl: FIND {last_name%} IN NAME FIELDS
      RETURNING Contact(Id, FirstName, LastName, Email, Account.Name)
map: { customer_id: Id, first_name: FirstName, last_name: LastName, email: Email,
       phone: Phone, organization: Account.Name }`

function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseConfig(yaml, join(org.configDir, 'livelookup.yaml'), { env })
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

async function liveLookup(
  yaml: string,
  query: string,
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  const file = join(org.configDir, 'livelookup.yaml')
  await writeFile(file, yaml)
  const logger = testLogger().logger
  const saved = { ...process.env }
  Object.assign(process.env, env)
  const service = await Service.start(file, logger).finally(() => {
    process.env = saved
  })
  try {
    const app = createApp({ gateway: () => service.current, logger })
    const response = await app.request(`/livelookup/customers?key=${KEY}&${query}`)
    expect(response.status).toBe(200)
    return await response.text()
  } finally {
    await service.close()
  }
}

describe('salesforce in the gateway config', () => {
  it('answers a Live Lookup with the configuration shown in the documentation', async () => {
    const yaml = configYaml(`
loginUrl: \${SF_LOGIN_URL}
clientId: \${SF_CLIENT_ID}
clientSecret: \${SF_CLIENT_SECRET}
${RULES_AND_MAP}`)
    const env = {
      SF_LOGIN_URL: org.server.url,
      SF_CLIENT_ID: org.credentials.clientId,
      SF_CLIENT_SECRET: org.credentials.clientSecret,
    }

    const xml = await liveLookup(yaml, 'customer_id=&email=bob.jones%40example.com', env)
    expect(xml).toContain('<customer_id>c1001</customer_id>')
    expect(xml).toContain('<organization>Sample &amp;amp; Co</organization>')
  })

  it('logs in with a JWT key file named relative to the config', async () => {
    const { clientId, username } = org.credentials
    const yaml = configYaml(`
loginUrl: ${org.server.url}
auth: jwt
clientId: ${clientId}
username: ${username}
privateKey: jwt.pem
${RULES_AND_MAP}`)

    const xml = await liveLookup(yaml, 'customer_id=&last_name=Jon')
    expect(xml.match(/<customer>/g)).toHaveLength(2)
    expect(org.server.requests.at(-1)!.sosl).toContain('FIND {Jon*} IN NAME FIELDS')
  })

  it('names the key at fault when the config is wrong', () => {
    const base = `loginUrl: https://login.salesforce.com\nclientId: id\n`
    expect(problemsOf(configYaml(`${base}${RULES_AND_MAP}`))).toEqual([
      expect.stringMatching(
        /connectors\.salesforce\.clientSecret: is required for auth: clientCredentials/,
      ),
    ])
    const quoted = RULES_AND_MAP.replace('= {email}', "= '{email}'")
    expect(problemsOf(configYaml(`${base}clientSecret: s\n${quoted}`))).toEqual([
      expect.stringMatching(/connectors\.salesforce\.rules\.0\.soql: \{email\} is inside quotes/),
    ])
    expect(
      problemsOf(configYaml(`loginUrl: http://login.salesforce.com\nclientId: i\nclientSecret: s`)),
    ).toEqual([
      expect.stringMatching(/connectors\.salesforce\.loginUrl: expected an https:\/\/ URL/),
    ])
    expect(problemsOf(configYaml(`clientId: i\nclientSecret: s\napiVersion: latest`))).toEqual([
      expect.stringMatching(
        /connectors\.salesforce\.apiVersion: expected an API version such as 62\.0/,
      ),
    ])
  })
})
