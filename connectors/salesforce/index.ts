import jsforce from 'jsforce'
import { z } from 'zod'

import { defineConnector } from '../contract.js'
import type { SalesforceLibrary } from './auth.js'
import { SalesforceConnector } from './connector.js'
import { salesforceOptions } from './options.js'
import { compileRule } from './rule.js'
import type { RetryPolicy } from './transport.js'

/** A rule's own keys: exactly one of `soql` and `sosl`, checked when the config loads. */
export const salesforceRule = z.object({
  /** A SELECT whose `{placeholders}` become escaped SOQL string literals. */
  soql: z.string().optional(),
  /** A `FIND {input} ...` search whose term is escaped for SOSL. */
  sosl: z.string().optional(),
})

/**
 * Builds the `type: salesforce` connector definition around a Salesforce client library
 * (jsforce unless a test hands in another) and an optional retry policy for failed GETs.
 */
export function defineSalesforceConnector(
  library: SalesforceLibrary = jsforce,
  retry?: RetryPolicy,
) {
  return defineConnector({
    type: 'salesforce',
    options: salesforceOptions,
    rule: salesforceRule,
    compile: (rule) => compileRule(rule),
    create: (options, context) => new SalesforceConnector(library, options, context, retry),
  })
}

/**
 * Contacts, leads and accounts from Salesforce through jsforce, found with SOQL or SOSL rules
 * and logged in with OAuth 2.0 client credentials, username-password or a JWT bearer key.
 */
export const salesforceConnector = defineSalesforceConnector()
