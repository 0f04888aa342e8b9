import { CONTRACT_MAP, CONTRACT_PEOPLE, describeConnectorContract } from '../contract-suite.js'
import { memoryConnector } from './index.js'

describeConnectorContract('memory', () => ({
  definition: memoryConnector,
  options: { records: CONTRACT_PEOPLE.map((person) => ({ ...person })) },
  rules: {
    byId: { match: { id: '{customer_id}' } },
    byEmail: { match: { email: '{email}' } },
    byLastName: { match: { last: '{last_name}*' } },
  },
  map: CONTRACT_MAP,
  broken: { options: { fail: 'unreachable' } },
}))
