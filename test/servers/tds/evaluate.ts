import type { ParameterValue } from './requests.js'
import type { Cell, ResultColumn, TypedColumn } from './tokens.js'

/** The fixture table the server answers from. */
export interface FixtureTable {
  readonly name: string
  readonly columns: readonly ResultColumn[]
  readonly rows: readonly (readonly Cell[])[]
}

/** What a batch or `sp_executesql` statement comes to. */
export type Outcome =
  | {
      readonly kind: 'rows'
      readonly columns: readonly ResultColumn[]
      readonly rows: readonly (readonly Cell[])[]
      readonly waitMs: number
    }
  | { readonly kind: 'done'; readonly waitMs: number }
  | { readonly kind: 'error'; readonly number: number; readonly message: string }

class SqlFailure extends Error {
  constructor(
    readonly number: number,
    message: string,
  ) {
    super(message)
  }
}

type Parameters = Readonly<Record<string, ParameterValue>>

/**
 * Evaluates the few statement shapes the tests send, honestly, against the fixture table:
 * `SET ROWCOUNT`, other `SET` options, `WAITFOR DELAY '00:00:05'`, and
 * `SELECT cols | COUNT(*) FROM table [WHERE col = @p | col LIKE @p ESCAPE 'c' [AND ...]]
 * [ORDER BY col]`, or a row of constants (see `constants`). Anything else is a syntax error,
 * as it would be for a server that did not understand it.
 */
export function evaluate(text: string, parameters: Parameters, table: FixtureTable): Outcome {
  try {
    let rowCount = 0
    let waitMs = 0
    let result: Outcome | undefined

    for (const statement of text
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const rowcount = /^SET\s+ROWCOUNT\s+(@\w+|\d+)$/i.exec(statement)
      const wait = /^WAITFOR\s+DELAY\s+'(\d\d):(\d\d):(\d\d)'$/i.exec(statement)
      if (rowcount) rowCount = Number(valueOf(rowcount[1]!, parameters) ?? 0)
      else if (wait)
        waitMs = ((Number(wait[1]) * 60 + Number(wait[2])) * 60 + Number(wait[3])) * 1000
      else if (/^SET\s/i.test(statement)) continue
      else if (/^SELECT\s/i.test(statement)) result = select(statement, parameters, table, rowCount)
      else throw new SqlFailure(102, `Incorrect syntax near '${statement.split(/\s/)[0]}'.`)
    }

    if (!result || result.kind !== 'rows') return { kind: 'done', waitMs }
    return { ...result, waitMs }
  } catch (error) {
    if (error instanceof SqlFailure)
      return { kind: 'error', number: error.number, message: error.message }
    throw error
  }
}

function valueOf(token: string, parameters: Parameters): ParameterValue {
  if (!token.startsWith('@'))
    return /^\d+$/.test(token) ? Number(token) : token.replace(/^'|'$/g, '')
  if (!(token.slice(1) in parameters)) {
    throw new SqlFailure(137, `Must declare the scalar variable "${token}".`)
  }
  return parameters[token.slice(1)] ?? null
}

const SELECT = new RegExp(
  String.raw`^SELECT\s+(.+?)(?:\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?` +
    String.raw`(?:\s+ORDER\s+BY\s+(\w+)(?:\s+(ASC|DESC))?)?)?$`,
  'is',
)

function select(
  statement: string,
  parameters: Parameters,
  table: FixtureTable,
  rowCount: number,
): Outcome {
  const found = SELECT.exec(statement)
  if (!found) throw new SqlFailure(102, 'Incorrect syntax near SELECT.')
  const [, list = '', from, where, orderBy, direction] = found

  if (!from) return constants(list, parameters)
  if (from.toLowerCase() !== table.name.toLowerCase()) {
    throw new SqlFailure(208, `Invalid object name '${from}'.`)
  }

  const conditions = where
    ? where.split(/\s+AND\s+/i).map((c) => condition(c, parameters, table))
    : []
  let rows = table.rows.filter((row) => conditions.every((test) => test(row)))
  if (orderBy) {
    const at = columnIndex(table, orderBy)
    const sign = direction?.toUpperCase() === 'DESC' ? -1 : 1
    rows = [...rows].sort((a, b) => sign * String(a[at] ?? '').localeCompare(String(b[at] ?? '')))
  }

  if (/^COUNT\(\*\)\s+AS\s+(\w+)$/i.test(list.trim())) {
    const name = /AS\s+(\w+)$/i.exec(list.trim())![1]!
    return { kind: 'rows', columns: [{ name, type: 'int' }], rows: [[rows.length]], waitMs: 0 }
  }
  if (rowCount > 0) rows = rows.slice(0, rowCount)
  const picked = projection(list, table)
  return {
    kind: 'rows',
    columns: picked.map((p) => p.column),
    rows: rows.map((row) => picked.map((p) => row[p.index] ?? null)),
    waitMs: 0,
  }
}

/**
 * A row of values without a table: `1 AS n`, `@p1 AS id`, `NULL AS nothing` and
 * `CAST('2024-02-29' AS date) AS joined`, for the types `TypedColumn` lists.
 */
function constants(list: string, parameters: Parameters): Outcome {
  const cells = topLevelItems(list).map((item) => constant(item, parameters))
  return {
    kind: 'rows',
    columns: cells.map((cell) => cell.column),
    rows: [cells.map((cell) => cell.value)],
    waitMs: 0,
  }
}

const CAST =
  /^CAST\(\s*('[^']*'|-?\d+(?:\.\d+)?)\s+AS\s+(\w+)(?:\((\d+)(?:,\s*(\d+))?\))?\s*\)\s+AS\s+(\w+)$/i

const CAST_TYPES: Readonly<Record<string, TypedColumn>> = {
  bit: 'bit',
  decimal: 'decimal',
  numeric: 'decimal',
  money: 'money',
  date: 'date',
  time: 'time',
  datetime2: 'datetime2',
  uniqueidentifier: 'guid',
}

function constant(item: string, parameters: Parameters): { column: ResultColumn; value: Cell } {
  const number = /^(\d+)\s+AS\s+(\w+)$/i.exec(item)
  if (number) return { column: { name: number[2]!, type: 'int' }, value: Number(number[1]) }
  const named = /^(@\w+|NULL)\s+AS\s+(\w+)$/i.exec(item)
  if (named) {
    const value = /^NULL$/i.test(named[1]!) ? null : valueOf(named[1]!, parameters)
    const cell = value === null || typeof value === 'number' ? value : String(value)
    return { column: { name: named[2]!, type: 'nvarchar' }, value: cell }
  }
  const cast = CAST.exec(item)
  const type = cast && CAST_TYPES[cast[2]!.toLowerCase()]
  if (!cast || !type) throw new SqlFailure(102, `Incorrect syntax near '${item.slice(0, 30)}'.`)
  const [, literal = '', , first, second, name = ''] = cast
  const sized =
    type === 'decimal' ? { precision: Number(first ?? 18), scale: Number(second ?? 0) } : {}
  const scale = type === 'time' || type === 'datetime2' ? { scale: Number(first ?? 7) } : {}
  const column = { name, type, ...sized, ...scale }
  return { column, value: literal.replace(/^'|'$/g, '') }
}

/** The items of a select list, split at commas outside parentheses. */
function topLevelItems(list: string): string[] {
  const items: string[] = []
  let depth = 0
  let start = 0
  for (let at = 0; at < list.length; at++) {
    if (list[at] === '(') depth++
    else if (list[at] === ')') depth--
    else if (list[at] === ',' && depth === 0) {
      items.push(list.slice(start, at).trim())
      start = at + 1
    }
  }
  items.push(list.slice(start).trim())
  return items
}

function columnIndex(table: FixtureTable, name: string): number {
  const index = table.columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase())
  if (index < 0) throw new SqlFailure(207, `Invalid column name '${name}'.`)
  return index
}

function projection(list: string, table: FixtureTable): { column: ResultColumn; index: number }[] {
  if (list.trim() === '*') return table.columns.map((column, index) => ({ column, index }))
  return list.split(',').map((item) => {
    const found = /^(\w+)(?:\s+AS\s+(\w+))?$/i.exec(item.trim())
    if (!found) throw new SqlFailure(102, `Incorrect syntax near '${item.trim()}'.`)
    const index = columnIndex(table, found[1]!)
    return {
      column: { ...table.columns[index]!, name: found[2] ?? table.columns[index]!.name },
      index,
    }
  })
}

function condition(
  text: string,
  parameters: Parameters,
  table: FixtureTable,
): (row: readonly Cell[]) => boolean {
  const equal = /^(\w+)\s*=\s*(@\w+|'[^']*')$/i.exec(text.trim())
  const like = /^(\w+)\s+LIKE\s+(@\w+)(?:\s+ESCAPE\s+'(.)')?$/i.exec(text.trim())
  if (equal) {
    const at = columnIndex(table, equal[1]!)
    const wanted = valueOf(equal[2]!, parameters)
    return (row) => row[at] !== null && wanted !== null && sameText(String(row[at]), String(wanted))
  }
  if (like) {
    const at = columnIndex(table, like[1]!)
    const pattern = valueOf(like[2]!, parameters)
    const regex = pattern === null ? undefined : likeRegex(String(pattern), like[3])
    return (row) => row[at] !== null && regex !== undefined && regex.test(String(row[at]))
  }
  throw new SqlFailure(102, `Incorrect syntax near '${text.trim().slice(0, 30)}'.`)
}

/** `=` under a case-insensitive collation ignores case and trailing spaces. */
function sameText(a: string, b: string): boolean {
  return a.replace(/ +$/, '').toLowerCase() === b.replace(/ +$/, '').toLowerCase()
}

/** A T-SQL LIKE pattern as a regular expression: `%`, `_`, `[set]`, `[^set]`, and the escape. */
export function likeRegex(pattern: string, escape?: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (escape !== undefined && c === escape && i + 1 < pattern.length)
      source += quote(pattern[++i]!)
    else if (c === '%') source += '[\\s\\S]*'
    else if (c === '_') source += '[\\s\\S]'
    else if (c === '[' && pattern.indexOf(']', i + 1) > i) {
      const end = pattern.indexOf(']', i + 1)
      const body = pattern.slice(i + 1, end)
      const negate = body.startsWith('^')
      const chars = (negate ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&')
      source += `[${negate ? '^' : ''}${chars}]`
      i = end
    } else source += quote(c)
  }
  return new RegExp(`^${source}$`, 'iu')
}

function quote(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
