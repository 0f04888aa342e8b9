import { z } from 'zod'

import { count, duration, flag, urlList } from '../../src/config/fields.js'

/** The keys of a `type: ldap` connector, beside `type`, `rules`, `map`, `html` and `timeout`. */
export const LDAP_OPTIONS = {
  /** One server or a list tried in order: `ldap://host`, `ldaps://host:636`. */
  url: urlList(['ldap:', 'ldaps:']),
  /** Service account as a DN, `user@domain` or `DOMAIN\user`; anonymous when absent. */
  bindDN: z.string().min(1).optional(),
  /** Password of `bindDN`. */
  password: z.string().optional(),
  /** Where searches start, such as `OU=Staff,DC=corp,DC=example,DC=com`. */
  baseDN: z.string(),
  /** `sub` (default): the whole subtree; `one`: direct children; `base`: the entry itself. */
  scope: z.enum(['sub', 'one', 'base']).default('sub'),
  /** Most entries the server sends per search; the source's limit when absent. */
  sizeLimit: count.optional(),
  /** Longest the server may spend on a search (sent in whole seconds); the timeout when absent. */
  timeLimit: duration.optional(),
  /** Upgrade `ldap://` connections with StartTLS before binding. */
  startTLS: flag.default(false),
  /** PEM file of the certificate authority that signed the servers' certificates. */
  ca: z.string().min(1).optional(),
  /** Check server certificates (default true). Turning it off logs a warning at start. */
  tlsVerify: flag.default(true),
  /** Longest wait to connect to and bind on one server; half the timeout when absent. */
  connectTimeout: duration.optional(),
  /** Most bound connections kept open and shared by lookups (default 4). */
  poolSize: count.pipe(z.number().min(1).max(64)).default(4),
  /** `first` (default) shows the first value of a multi-valued attribute, `join` all of them. */
  multiValue: z.enum(['first', 'join']).default('first'),
  /** What `join` puts between values (default `, `). */
  multiValueSeparator: z.string().default(', '),
  /** Keep accounts that `userAccountControl` marks as disabled (default false). */
  includeDisabled: flag.default(false),
  /** Show `manager` as the manager's display name instead of a DN (default false). */
  managerName: flag.default(false),
  /**
   * How long a server that failed is passed over before it is tried again, and how long a
   * refused bind is remembered before binding again (default 30s).
   */
  failback: duration.default(30_000),
}

/** The parsed options of one LDAP connector. */
export type LdapOptions = z.output<z.ZodObject<typeof LDAP_OPTIONS>>

/** The keys of one rule, beside `when`. */
export const LDAP_RULE = {
  /**
   * An RFC 4515 filter with `{placeholders}`, such as
   * `(|(mail={email})(proxyAddresses=smtp:{email}))`.
   */
  filter: z.string(),
}
