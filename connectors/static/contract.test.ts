import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll } from 'vitest'
import { stringify } from 'yaml'

import { csvText } from '../../config/generate-demo.js'
import {
  CONTRACT_MAP,
  CONTRACT_PEOPLE,
  describeConnectorContract,
  type ContractSubject,
} from '../contract-suite.js'
import { staticConnector } from './index.js'

const folders: string[] = []

afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })))
})

/** The contract people written as `name` in a fresh temp folder, and the subject reading it. */
async function subject(name: string, content: string): Promise<ContractSubject> {
  const folder = await mkdtemp(join(tmpdir(), 'static-contract-'))
  folders.push(folder)
  await writeFile(join(folder, name), content)

  return {
    definition: staticConnector,
    options: { file: join(folder, name) },
    rules: {
      byId: { match: { id: '{customer_id}' } },
      byEmail: { match: { email: '{email}' } },
      byLastName: { match: { last: '{last_name}*' } },
    },
    map: CONTRACT_MAP,
    broken: { options: { file: join(folder, 'missing.csv') } },
  }
}

const COLUMNS = Object.keys(CONTRACT_PEOPLE[0])

describeConnectorContract('static (CSV)', () =>
  subject('people.csv', csvText(COLUMNS, CONTRACT_PEOPLE)),
)
describeConnectorContract('static (JSON)', () =>
  subject('people.json', JSON.stringify(CONTRACT_PEOPLE)),
)
describeConnectorContract('static (YAML)', () => subject('people.yaml', stringify(CONTRACT_PEOPLE)))
