import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ConnectionOptions } from 'node:tls'

import * as ldapts from 'ldapts'
import { AndFilter, ExtensibleFilter, type Filter, NotFilter } from 'ldapts'

import { asConnectorError, ConnectorError } from '../../src/errors.js'
import type { BackendRecord, Connector, ConnectorContext, SearchRequest } from '../contract.js'
import { bufferAttributes, isDisabled, renderEntry } from './attributes.js'
import {
  describeServer,
  type LdapConnection,
  type LdapLibrary,
  openConnection,
  type OpenSettings,
} from './connection.js'
import { ldapFailure } from './errors.js'
import { managerNames } from './manager.js'
import type { LdapOptions } from './options.js'
import { abortable, LdapPool } from './pool.js'
import { bindLdapRule, type CompiledLdapRule } from './rule.js'

/** Leaves out accounts AD marks disabled, evaluated by the server (bitwise AND rule). */
const ENABLED_ONLY = new NotFilter({
  filter: new ExtensibleFilter({
    matchType: 'userAccountControl',
    rule: '1.2.840.113556.1.4.803',
    value: '2',
  }),
})

/**
 * Builds an LDAP connector. Nothing connects here: the pool opens its first connection on the
 * first lookup or `check`. `library` is ldapts unless a test passes another.
 */
export function createLdapConnector(
  options: LdapOptions,
  context: ConnectorContext,
  library: LdapLibrary = ldapts,
): Connector<CompiledLdapRule> {
  const servers = options.url.map(describeServer)
  const style = { multiValue: options.multiValue, separator: options.multiValueSeparator }
  const timeLimit = Math.ceil((options.timeLimit ?? context.timeoutMs) / 1000)
  if (!options.tlsVerify) {
    context.logger.warn(
      { connector: context.name },
      'ldap tlsVerify is off: server certificates are not checked',
    )
  }

  const settings: OpenSettings = {
    bindDN: options.bindDN,
    password: options.password,
    startTLS: options.startTLS,
    tls: tlsOptions(options, context),
    connectTimeoutMs: options.connectTimeout ?? Math.max(1, Math.floor(context.timeoutMs / 2)),
    operationTimeoutMs: context.timeoutMs,
  }
  const pool = new LdapPool(
    (index, closing) => openConnection(library, servers[index]!, index, settings, closing),
    { size: options.poolSize, failbackMs: options.failback, servers: servers.length },
    context.logger,
  )

  async function searchOn(
    connection: LdapConnection,
    request: SearchRequest<CompiledLdapRule>,
    filter: Filter,
  ): Promise<BackendRecord[]> {
    const wanted = request.attributes.filter((name) => name.toLowerCase() !== 'dn')
    const attributes = options.includeDisabled ? wanted : [...wanted, 'userAccountControl']
    const hideDisabled = !options.includeDisabled && connection.activeDirectory
    const sizeLimit = Math.min(options.sizeLimit ?? request.limit, request.limit)

    connection.holdWrites()
    const { searchEntries } = await abortable(
      connection.client.search(options.baseDN, {
        scope: options.scope,
        filter: hideDisabled ? new AndFilter({ filters: [filter, ENABLED_ONLY] }) : filter,
        attributes: attributes.length ? [...new Set(attributes)] : ['1.1'],
        explicitBufferAttributes: bufferAttributes(attributes),
        sizeLimit,
        timeLimit,
      }),
      request.signal,
    ).catch((error: unknown) => {
      throw ldapFailure(error, 'search', connection.label)
    })

    const entries = searchEntries
      .filter((entry) => options.includeDisabled || !isDisabled(entry))
      .slice(0, request.limit)
    const records = entries.map((entry) => renderEntry(entry, request.attributes, style))
    if (options.managerName) await managerNames(connection, request, records)
    return records
  }

  return {
    async search(request) {
      try {
        if (request.signal.aborted)
          throw new ConnectorError('timeout', 'the lookup deadline passed')
        const filter = bindLdapRule(request.rule, request.input)
        return await pool.run((connection) => searchOn(connection, request, filter), request.signal)
      } catch (error) {
        throw asConnectorError(error, request.signal)
      }
    },

    async check(signal) {
      try {
        await pool.probe(signal)
      } catch (error) {
        throw asConnectorError(error, signal)
      }
    },

    close: () => pool.close(),
  }
}

/** TLS settings, with the CA file read once, when the first TLS connection opens. */
function tlsOptions(options: LdapOptions, context: ConnectorContext): () => ConnectionOptions {
  let cached: ConnectionOptions | undefined
  return () => {
    if (cached) return cached
    const tls: ConnectionOptions = { rejectUnauthorized: options.tlsVerify }
    if (options.ca) {
      const path = resolve(context.configDir, options.ca)
      try {
        tls.ca = [readFileSync(path)]
      } catch (error) {
        throw new ConnectorError('internal', `cannot read the ca file ${path}`, { cause: error })
      }
    }
    cached = tls
    return tls
  }
}
