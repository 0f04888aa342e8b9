import type { ConnectionOptions } from 'node:tls'

import * as ldapts from 'ldapts'

import { asConnectorError, ConnectorError } from '../../src/errors.js'
import { readCaFile } from '../ca-file.js'
import type { Connector, ConnectorContext } from '../contract.js'
import {
  describeServer,
  type LdapConnection,
  type LdapLibrary,
  openConnection,
  type OpenSettings,
} from './connection.js'
import type { LdapOptions } from './options.js'
import { LdapPool } from './pool.js'
import { bindLdapRule, type CompiledLdapRule } from './rule.js'
import { searchDirectory, type SearchPlan } from './search.js'

/**
 * Builds an LDAP connector. Nothing connects here: the pool opens its first connection on the
 * first lookup or `check`. `library` is ldapts unless a test passes another.
 */
export function createLdapConnector(
  options: LdapOptions,
  context: ConnectorContext,
  library: LdapLibrary = ldapts,
): Connector<CompiledLdapRule> {
  if (!options.tlsVerify) {
    const warning = 'ldap tlsVerify is off: server certificates are not checked'
    context.logger.warn({ connector: context.name }, warning)
  }

  const servers = options.url.map(describeServer)
  const settings = openSettings(options, context)
  const pool = new LdapPool(
    (index, closing) => openConnection(library, servers[index]!, index, settings, closing),
    { size: options.poolSize, failbackMs: options.failback, servers: servers.length },
    context.logger,
  )
  const plan = searchPlan(options, context)

  return {
    async search(request) {
      try {
        if (request.signal.aborted) {
          throw new ConnectorError('timeout', 'the lookup deadline passed')
        }
        const filter = bindLdapRule(request.rule, request.input)
        const run = (connection: LdapConnection) =>
          searchDirectory(connection, request, filter, plan)
        return await pool.run(run, request.signal)
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

function openSettings(options: LdapOptions, context: ConnectorContext): OpenSettings {
  return {
    bindDN: options.bindDN,
    password: options.password,
    startTLS: options.startTLS,
    tls: tlsOptions(options, context),
    connectTimeoutMs: options.connectTimeout ?? Math.max(1, Math.floor(context.timeoutMs / 2)),
    operationTimeoutMs: context.timeoutMs,
  }
}

function searchPlan(options: LdapOptions, context: ConnectorContext): SearchPlan {
  return {
    baseDN: options.baseDN,
    scope: options.scope,
    sizeLimit: options.sizeLimit,
    timeLimit: Math.ceil((options.timeLimit ?? context.timeoutMs) / 1000),
    includeDisabled: options.includeDisabled,
    managerName: options.managerName,
    style: { multiValue: options.multiValue, separator: options.multiValueSeparator },
  }
}

/** TLS settings, with the CA file read once, when the first TLS connection opens. */
function tlsOptions(options: LdapOptions, context: ConnectorContext): () => ConnectionOptions {
  let cached: ConnectionOptions | undefined
  return () => {
    if (cached) return cached
    const tls: ConnectionOptions = { rejectUnauthorized: options.tlsVerify }
    if (options.ca) tls.ca = [readCaFile(context.configDir, options.ca)]
    cached = tls
    return tls
  }
}
