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

/** A result column: Unicode text or a 32-bit integer. */
export interface ResultColumn {
  readonly name: string
  readonly type: 'nvarchar' | 'int'
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
    if (column.type === 'int') w.u8(0x26).u8(4)
    else w.u8(0xe7).u16(8000).raw(COLLATION)
    w.bVarChar(column.name)
  }

  for (const row of rows) {
    w.u8(TOKEN.ROW)
    columns.forEach((column, i) => {
      const cell = row[i] ?? null
      if (column.type === 'int') {
        if (cell === null) w.u8(0)
        else w.u8(4).i32(Number(cell))
        return
      }
      if (cell === null) w.u16(0xffff)
      else {
        const text = Buffer.from(String(cell), 'ucs2')
        w.u16(text.length).raw(text)
      }
    })
  }
  return w.done()
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
