import type * as Crypto from 'node:crypto'

import { describe, expect, it, vi } from 'vitest'

import { keyMatches } from './keys.js'

const comparisons = vi.hoisted(() => ({ lengths: [] as number[] }))

vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof Crypto>()
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      comparisons.lengths.push(a.byteLength, b.byteLength)
      return crypto.timingSafeEqual(a, b)
    },
  }
})

describe('keyMatches', () => {
  const KEYS = ['first-key-0123', 'second-key-4567', 'third-key-89ab']

  it('compares equal-length digests with every configured key, whichever one matches', () => {
    for (const presented of [...KEYS, 'wrong', '', 'x'.repeat(10_000)]) {
      comparisons.lengths = []
      expect(keyMatches(presented, KEYS), presented).toBe(KEYS.includes(presented))
      expect(comparisons.lengths, presented).toEqual(Array.from({ length: 6 }, () => 32))
    }
  })
})
