import { expect } from 'vitest'

import { ConnectorError } from '../../src/errors.js'
import { recordOutput } from './secrets.js'

/** The ConnectorError that `work` rejects with; fails the test if it resolves or throws else. */
export async function connectorFailure(work: Promise<unknown>): Promise<ConnectorError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(ConnectorError)
  recordError(error as ConnectorError)
  return error as ConnectorError
}

/** Records an error, its own fields and every cause for the secrets check. */
function recordError(error: Error): void {
  for (let at: unknown = error; at instanceof Error; at = at.cause) {
    recordOutput('connector error', JSON.stringify(at, Object.getOwnPropertyNames(at)))
  }
}
