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
