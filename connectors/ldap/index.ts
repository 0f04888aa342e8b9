import { z } from 'zod'

import { defineConnector } from '../contract.js'
import { createLdapConnector } from './connector.js'
import { LDAP_OPTIONS, LDAP_RULE } from './options.js'
import { compileLdapRule } from './rule.js'

/**
 * The `ldap` connector: OpenLDAP, Active Directory and other LDAP v3 directories, searched over
 * a small pool of bound connections with filters whose placeholders are escaped per RFC 4515.
 *
 * @example
 * ```yaml
 * directory:
 *   type: ldap
 *   url: [ldaps://dc1.corp.example.com, ldaps://dc2.corp.example.com]
 *   bindDN: svc-helpspot@corp.example.com
 *   password: ${AD_PASSWORD}
 *   baseDN: OU=Staff,DC=corp,DC=example,DC=com
 *   rules:
 *     - when: [email]
 *       filter: (|(mail={email})(proxyAddresses=smtp:{email}))
 *     - when: [last_name]
 *       filter: (sn={last_name}*)
 *   map: { customer_id: sAMAccountName, first_name: givenName, last_name: sn, email: mail }
 * ```
 */
export const ldapConnector = defineConnector({
  type: 'ldap',
  options: z.object(LDAP_OPTIONS),
  rule: z.object(LDAP_RULE),
  compile: (rule) => compileLdapRule(rule.filter, rule.when),
  create: (options, context) => createLdapConnector(options, context),
})

export { createLdapConnector } from './connector.js'
export type { LdapLibrary } from './connection.js'
