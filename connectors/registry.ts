import type { ConnectorDefinition } from './contract.js'
import { ldapConnector } from './ldap/index.js'
import { memoryConnector } from './memory/index.js'
import { salesforceConnector } from './salesforce/index.js'
import { sqlConnector } from './sql/index.js'
import { staticConnector } from './static/index.js'

/** Every connector type the config accepts, by its `type:` value. */
export const CONNECTOR_DEFINITIONS: readonly ConnectorDefinition[] = [
  staticConnector,
  ldapConnector,
  memoryConnector,
  salesforceConnector,
  sqlConnector,
] as unknown as readonly ConnectorDefinition[]
