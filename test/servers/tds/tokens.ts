import { Writer } from './wire.js'

/** Token types of the tabular result stream (MS-TDS 2.2.7). */
const TOKEN = {
  COLMETADATA: 0x81,
  ERROR: 0xaa,
  LOGINACK: 0xad,
  ROW: 0xd1,
  RETURNSTATUS: 0x79,
  ENVCHANGE: 0xe3,
  DONE: 0xfd,
  DONEPROC: 0xfe,
  DONEINPROC: 0xff,
} as const

/** DONE status bits. */
export const DONE_STATUS = {
  FINAL: 0x00,
  MORE: 0x01,
  ERROR: 0x02,
  COUNT: 0x10,
  ATTENTION: 0x20,
} as const

/** SQL_Latin1_General_CP1_CI_AS, the default collation of a SQL Server install. */
const COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34])
const TDS_7_4 = 0x74000004
const SELECT_COMMAND = 0xc1

/** SQL Server column types the server can send, beside Unicode text and 32-bit integers. */
export type TypedColumn = 'bit' | 'decimal' | 'money' | 'date' | 'time' | 'datetime2' | 'guid'

/** A result column; `scale` for decimal, time and datetime2, `precision` for decimal. */
export interface ResultColumn {
  readonly name: string
  readonly type: 'nvarchar' | 'int' | TypedColumn
  readonly precision?: number
  readonly scale?: number
}

export type Cell = string | number | null

/** LOGINACK and the ENVCHANGE tokens tedious waits for after a good login. */
export function loginAccepted(database: string, packetSize: number): Buffer {
  const w = new Writer()
  envChange(w, 1, database, 'master')
  envChange(w, 4, String(packetSize), '4096')
  const collation = new Writer().u8(7).u8(COLLATION.length).raw(COLLATION).u8(0).done()
  w.u8(TOKEN.ENVCHANGE).u16(collation.length).raw(collation)

  const ack = new Writer()
    .u8(1)
    .u32be(TDS_7_4)
    .bVarChar('livelookup TDS test server')
    .raw(Buffer.from([16, 0, 0, 1]))
    .done()
  w.u8(TOKEN.LOGINACK).u16(ack.length).raw(ack)
  return w.raw(done(TOKEN.DONE, DONE_STATUS.FINAL, 0)).done()
}

function envChange(w: Writer, type: number, value: string, old: string): void {
  const body = new Writer().u8(type).bVarChar(value).bVarChar(old).done()
  w.u8(TOKEN.ENVCHANGE).u16(body.length).raw(body)
}

/** An ERROR token: number, state, severity class, message, server, procedure, line. */
export function errorToken(number: number, severity: number, message: string): Buffer {
  const body = new Writer().i32(number).u8(1).u8(severity).usVarChar(message)
  body.bVarChar('tds-test').bVarChar('').i32(1)
  const bytes = body.done()
  return new Writer().u8(TOKEN.ERROR).u16(bytes.length).raw(bytes).done()
}

/** COLMETADATA then one ROW token per row. */
export function resultSet(
  columns: readonly ResultColumn[],
  rows: readonly (readonly Cell[])[],
): Buffer {
  const w = new Writer().u8(TOKEN.COLMETADATA).u16(columns.length)
  for (const column of columns) {
    w.u32(0).u16(0x0001)
    typeInfo(w, column)
    w.bVarChar(column.name)
  }

  for (const row of rows) {
    w.u8(TOKEN.ROW)
    columns.forEach((column, i) => {
      const cell = row[i] ?? null
      if (column.type === 'nvarchar') {
        if (cell === null) w.u16(0xffff)
        else {
          const text = Buffer.from(String(cell), 'ucs2')
          w.u16(text.length).raw(text)
        }
        return
      }
      const bytes = cell === null ? Buffer.alloc(0) : fixedValue(column, String(cell))
      w.u8(bytes.length).raw(bytes)
    })
  }
  return w.done()
}

/** TYPE_INFO of a column (MS-TDS 2.2.5.4): the nullable variant of each type. */
function typeInfo(w: Writer, column: ResultColumn): void {
  const scale = column.scale ?? 0
  switch (column.type) {
    case 'nvarchar':
      return void w.u8(0xe7).u16(8000).raw(COLLATION)
    case 'int':
      return void w.u8(0x26).u8(4)
    case 'bit':
      return void w.u8(0x68).u8(1)
    case 'decimal':
      return void w
        .u8(0x6a)
        .u8(17)
        .u8(column.precision ?? 18)
        .u8(scale)
    case 'money':
      return void w.u8(0x6e).u8(8)
    case 'date':
      return void w.u8(0x28)
    case 'time':
      return void w.u8(0x29).u8(scale)
    case 'datetime2':
      return void w.u8(0x2a).u8(scale)
    case 'guid':
      return void w.u8(0x24).u8(16)
  }
}

const DAY_MS = 86_400_000

/** A value of a fixed-layout type as its row bytes, from the text form SQL Server would show. */
function fixedValue(column: ResultColumn, text: string): Buffer {
  const scale = column.scale ?? 0
  switch (column.type) {
    case 'int':
      return new Writer().i32(Number(text)).done()
    case 'bit':
      return Buffer.from([Number(text) ? 1 : 0])
    case 'decimal': {
      const units = BigInt(text.replace('-', '').replace('.', ''))
      return Buffer.concat([Buffer.from([text.startsWith('-') ? 0 : 1]), littleEndian(units, 16)])
    }
    case 'money': {
      const units = littleEndian(BigInt.asUintN(64, BigInt(Math.round(Number(text) * 10_000))), 8)
      return Buffer.concat([units.subarray(4, 8), units.subarray(0, 4)])
    }
    case 'date':
      return littleEndian(BigInt(daysOf(text)), 3)
    case 'time':
      return timeBytes(text, scale)
    case 'datetime2': {
      const [date = '', time = '00:00:00'] = text.split(' ')
      return Buffer.concat([timeBytes(time, scale), littleEndian(BigInt(daysOf(date)), 3)])
    }
    case 'guid': {
      const hex = Buffer.from(text.replace(/-/g, ''), 'hex')
      const mixed = [...hex.subarray(0, 4).reverse(), ...hex.subarray(4, 6).reverse()]
      return Buffer.from([...mixed, ...hex.subarray(6, 8).reverse(), ...hex.subarray(8)])
    }
    default:
      throw new Error(`no fixed layout for ${column.type}`)
  }
}

/** Days since 0001-01-01, as DATE and DATETIME2 count them. */
function daysOf(date: string): number {
  const [year = 1, month = 1, day = 1] = date.split('-').map(Number)
  return Math.round((utcDay(year, month, day) - utcDay(1, 1, 1)) / DAY_MS)
}

/** Midnight UTC of a date; `Date.UTC` alone would read years below 100 as 19xx. */
function utcDay(year: number, month: number, day: number): number {
  const at = new Date(0)
  at.setUTCFullYear(year, month - 1, day)
  return at.getTime()
}

/** Time of day in units of 10^-scale seconds, in 3, 4 or 5 bytes by scale. */
function timeBytes(time: string, scale: number): Buffer {
  const [hours = 0, minutes = 0, seconds = 0] = time.split(':').map(Number)
  const units = BigInt(Math.round((hours * 3600 + minutes * 60 + seconds) * 10 ** scale))
  return littleEndian(units, scale <= 2 ? 3 : scale <= 4 ? 4 : 5)
}

function littleEndian(value: bigint, length: number): Buffer {
  const bytes = Buffer.alloc(length)
  for (let at = 0; at < length; at++) bytes[at] = Number((value >> BigInt(8 * at)) & 0xffn)
  return bytes
}

/** DONE, DONEPROC or DONEINPROC: status, current command, row count. */
function done(token: number, status: number, rows: number): Buffer {
  return new Writer().u8(token).u16(status).u16(SELECT_COMMAND).u64(rows).done()
}

/** The end of a SQL batch. */
export function batchDone(status: number, rows = 0): Buffer {
  return done(TOKEN.DONE, status, rows)
}

/** The end of one statement inside a procedure, then the procedure's return status and end. */
export function procedureDone(status: number, rows: number, returnStatus: number): Buffer {
  return Buffer.concat([
    done(TOKEN.DONEINPROC, status | DONE_STATUS.MORE, rows),
    new Writer().u8(TOKEN.RETURNSTATUS).i32(returnStatus).done(),
    done(TOKEN.DONEPROC, status & DONE_STATUS.ERROR, 0),
  ])
}
