import { pino, type Logger } from 'pino'

import { lineShape, REDACTION } from '../../src/log.js'

/**
 * Every password, client secret and caller key the tests hand the gateway, right or wrong. Each
 * test file's log lines, answers and connector errors are searched for all of them once its
 * tests have run (see `no-secrets.setup.ts`): none may ever appear.
 */
export const TEST_SECRETS: readonly string[] = [
  // Caller keys, including wrong ones presented by tests.
  'right-key-123',
  'next-key-456',
  'wrong-key-000',
  'gw-key-Zr4T9wq1',
  'near-miss-key-Pd61',
  'example-key-0123456789',
  'first-key-0123',
  'second-key-4567',
  'metrics-key-123',
  'test-key-3b9c',
  'grace-key-123',
  // Directory service accounts and users.
  'ldap-pw-Bv83Qsd',
  'Svc-Helpspot-Passw0rd1',
  'Svc-Off-Passw0rd1',
  'Not-The-Passw0rd',
  'Adm1n-Test-Passw0rd',
  'reader-Secret-42',
  'Wrong-Password-77',
  'Bob-Passw0rd1',
  'Alice-Passw0rd1',
  // Databases.
  "pg-Secret-'42",
  "my-Secret-'42",
  'tds-Secret-42',
  'sql-pw-Xe55Npa',
  'Wrong-Secret-99',
  'Nope-Secret-77',
  'not-the-Password-9',
  'admin-secret',
  // Salesforce and its proxy.
  'client-secret-7f3e9a',
  'wrong-secret-51c2',
  'not-the-secret-9',
  'pr0xy-secret',
  "pa$$w'rd&<x>",
  'n0t-it-8',
  'n0t-it-7',
  // Cache stores.
  'redis-pw-Hk27Lmx',
  'redis-pass-Qx81',
]

interface Output {
  readonly where: string
  readonly text: string
}

const outputs: Output[] = []

/** Keeps `text` (a log line, an answer, an error) to be searched for secrets after the file. */
export function recordOutput(where: string, text: string): void {
  outputs.push({ where, text })
}

/** Each recorded output that holds a test secret, as `where: secret`. */
export function secretsSeen(): string[] {
  const seen: string[] = []
  for (const { where, text } of outputs) {
    for (const secret of TEST_SECRETS) if (text.includes(secret)) seen.push(`${where}: ${secret}`)
  }
  return seen
}

/**
 * A logger shaped and redacted as the gateway's own, keeping every event in memory for the test
 * to read and recording every line for the secrets check.
 */
export function testLogger(level = 'debug'): { logger: Logger; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = []
  const write = (line: string): void => {
    recordOutput('log line', line)
    logs.push(JSON.parse(line) as Record<string, unknown>)
  }
  const logger = pino({ ...lineShape(level as 'debug'), redact: REDACTION }, { write })
  return { logger, logs }
}

/** Records an answer's headers and body for the secrets check, and hands it on unread. */
export async function recordAnswer(response: Response): Promise<Response> {
  const headers = JSON.stringify([...response.headers])
  recordOutput('answer', `${response.status} ${headers} ${await response.clone().text()}`)
  return response
}
