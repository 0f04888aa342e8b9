import { afterAll, expect } from 'vitest'

import { secretsSeen } from './secrets.js'

// Runs after the tests of every file: no log line, answer or error they produced holds a secret.
afterAll(() => {
  expect(secretsSeen(), 'test secrets found in output').toEqual([])
})
