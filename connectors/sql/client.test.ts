import { describe, expect, it } from 'vitest'

import { ConnectorError } from '../../src/errors.js'
import { raceSignal, recordsOf } from './client.js'
import { sqlError } from './errors.js'

describe('recordsOf', () => {
  const table = {
    columns: ['ID', 'email', 'email', 'firstname'],
    rows: [
      ['1', 'a@example.com', 'shadow', 'Ann'],
      ['2', '', 'x', 'Bo'],
    ],
  }

  it('keys records by the wanted names, first column wins, case-insensitive as a fallback', () => {
    expect(recordsOf(table, ['id', 'email', 'firstName', 'missing'], 5)).toEqual([
      { id: '1', email: 'a@example.com', firstName: 'Ann' },
      { id: '2', email: '', firstName: 'Bo' },
    ])
  })

  it('cuts at the limit', () => {
    expect(recordsOf(table, ['id'], 1)).toEqual([{ id: '1' }])
  })
})

describe('raceSignal', () => {
  it('rejects with a timeout and cancels when the signal aborts first', async () => {
    const controller = new AbortController()
    let cancelled = false
    const racing = raceSignal(
      new Promise(() => undefined),
      controller.signal,
      () => (cancelled = true),
    )
    controller.abort()
    const error = await racing.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConnectorError)
    expect((error as ConnectorError).kind).toBe('timeout')
    expect(cancelled).toBe(true)
  })

  it('passes the outcome through when the work settles first', async () => {
    await expect(
      raceSignal(Promise.resolve(3), new AbortController().signal, () => undefined),
    ).resolves.toBe(3)
  })
})

describe('sqlError', () => {
  it('keeps the driver line but takes out the password and any URL', () => {
    const driver = Object.assign(
      new Error('bad thing near hunter22 at postgres://u:hunter22@db/x\nmore'),
      {
        code: '42601',
      },
    )
    const error = sqlError('query', driver, ['hunter22'])
    expect(error.message).toBe('query failed: bad thing near *** at <url>')
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('hunter22')
    expect((error.cause as { code: string }).code).toBe('42601')
  })
})
