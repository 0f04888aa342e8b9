import { CONTRACT_PEOPLE, describeConnectorContract } from '../contract-suite.js'
import { memoryConnector } from './index.js'

describeConnectorContract('memory', () => ({
  definition: memoryConnector,
  options: { records: CONTRACT_PEOPLE.map((person) => ({ ...person })) },
  rules: {
    byId: { match: { id: '{customer_id}' } },
    byEmail: { match: { email: '{email}' } },
    byLastName: { match: { last: '{last_name}*' } },
  },
  map: {
    customer_id: 'id',
    first_name: 'first',
    last_name: 'last',
    email: 'email',
    phone: 'phone',
    organization: 'company',
  },
  broken: { options: { fail: 'unreachable' } },
}))
