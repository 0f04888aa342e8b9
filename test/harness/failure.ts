import { expect } from 'vitest'

import { ConnectorError } from '../../src/errors.js'

/** The ConnectorError that `work` rejects with; fails the test if it resolves or throws else. */
export async function connectorFailure(work: Promise<unknown>): Promise<ConnectorError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(ConnectorError)
  return error as ConnectorError
}
