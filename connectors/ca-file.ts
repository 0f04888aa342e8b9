import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

import { ConnectorError } from '../src/errors.js'

/**
 * Reads the PEM file a connector's `ca` option names, relative to the config's folder. A file
 * that cannot be read is a ConnectorError naming it as the config does.
 */
export function readCaFile(configDir: string, file: string): Buffer {
  try {
    return readFileSync(resolve(configDir, file))
  } catch (error) {
    throw new ConnectorError('internal', `cannot read the ca file ${file}`, { cause: error })
  }
}

/** Node's codes for a certificate check that failed: the server answered but is not trusted. */
const CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/** The code of a failed certificate check, or undefined for any other error. */
export function certificateFailure(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return code && CERTIFICATE_CODES.has(code) ? code : undefined
}
