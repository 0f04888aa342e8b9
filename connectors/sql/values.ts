/**
 * Display strings for database values, the same for every dialect: NULL is empty, booleans are
 * `true`/`false`, instants are ISO 8601 in UTC, dates `YYYY-MM-DD`, binary is lowercase hex,
 * and JSON, arrays and objects are JSON text. Decimals arrive as exact strings from the drivers
 * that can give them; see `renderScaled` for the one that cannot.
 */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString()
  if (Buffer.isBuffer(value)) return value.toString('hex')
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'bigint' ? inner.toString() : inner,
  )
}

/** A date-only value (`YYYY-MM-DD`), from a Date at UTC midnight or a date string. */
export function renderDate(value: unknown): string {
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10)
  return renderValue(value)
}

/**
 * A decimal that the driver delivered as a JavaScript number, written with the column's scale
 * so `10.50` stays `10.50`. Exact up to about 15 significant digits.
 */
export function renderScaled(value: unknown, scale: number | undefined): string {
  if (typeof value !== 'number' || scale === undefined) return renderValue(value)
  return value.toFixed(Math.min(Math.max(scale, 0), 100))
}

/** Timestamp text without a zone (`2024-01-02 03:04:05.123456`), read as UTC, as ISO 8601. */
export function renderLocalTimestamp(text: string): string {
  const found = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(text)
  if (!found) return text
  const fraction = (found[3] ?? '.000').padEnd(4, '0').slice(0, 4)
  return `${found[1]}T${found[2]}${fraction}Z`
}
