import { describe, expect, it } from 'vitest'

import { renderDate, renderLocalTimestamp, renderScaled, renderValue } from './values.js'

describe('renderValue', () => {
  it('gives stable display strings for every kind of value', () => {
    expect(renderValue(null)).toBe('')
    expect(renderValue(undefined)).toBe('')
    expect(renderValue('Zoë')).toBe('Zoë')
    expect(renderValue(42)).toBe('42')
    expect(renderValue(12345678901234567890n)).toBe('12345678901234567890')
    expect(renderValue(true)).toBe('true')
    expect(renderValue(false)).toBe('false')
    expect(renderValue(new Date('2024-02-29T13:14:15.5Z'))).toBe('2024-02-29T13:14:15.500Z')
    expect(renderValue(new Date('nonsense'))).toBe('')
    expect(renderValue(Buffer.from([0xde, 0xad]))).toBe('dead')
    expect(renderValue({ a: [1, 2n] })).toBe('{"a":[1,"2"]}')
  })
})

describe('renderDate, renderScaled and renderLocalTimestamp', () => {
  it('writes dates without time, decimals with their scale, and zone-less stamps as UTC', () => {
    expect(renderDate(new Date('2024-02-29T00:00:00Z'))).toBe('2024-02-29')
    expect(renderDate('2024-02-29')).toBe('2024-02-29')
    expect(renderScaled(10.5, 2)).toBe('10.50')
    expect(renderScaled(10.5, undefined)).toBe('10.5')
    expect(renderScaled(null, 2)).toBe('')
    expect(renderLocalTimestamp('2024-02-29 13:14:15')).toBe('2024-02-29T13:14:15.000Z')
    expect(renderLocalTimestamp('2024-02-29 13:14:15.123456')).toBe('2024-02-29T13:14:15.123Z')
    expect(renderLocalTimestamp('infinity')).toBe('infinity')
  })
})
