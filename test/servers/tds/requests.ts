import { Reader } from './wire.js'

/** What a LOGIN7 message says about who logs in. */
export interface Login {
  readonly user: string
  readonly password: string
  readonly database: string
  readonly packetSize: number
}

/** A parameter value as received, by its declared wire type. */
export type ParameterValue = string | number | boolean | null

/** A decoded RPC call (`sp_executesql` is procedure 10). */
export interface RpcCall {
  readonly procedure: string
  readonly parameters: readonly {
    readonly name: string
    readonly type: string
    readonly value: ParameterValue
  }[]
}

const PLP_NULL = 0xffffffffffffffffn
const PROCEDURES: Readonly<Record<number, string>> = { 10: 'sp_executesql', 13: 'sp_prepexec' }

/** Password bytes are XOR 0xA5 with their nibbles swapped (MS-TDS 2.2.6.4). */
function decodePassword(bytes: Buffer): string {
  const plain = Buffer.from(
    bytes.map((b) => {
      const x = b ^ 0xa5
      return ((x & 0x0f) << 4) | (x >> 4)
    }),
  )
  return plain.toString('ucs2')
}

/** Reads the user, password and database of a LOGIN7 message. */
export function parseLogin(payload: Buffer): Login {
  const field = (at: number): Buffer => {
    const offset = payload.readUInt16LE(at)
    const chars = payload.readUInt16LE(at + 2)
    return payload.subarray(offset, offset + chars * 2)
  }
  return {
    packetSize: payload.readUInt32LE(8),
    user: field(40).toString('ucs2'),
    password: decodePassword(field(44)),
    database: field(68).toString('ucs2'),
  }
}

/** Skips ALL_HEADERS, which start every batch and RPC request since TDS 7.2. */
function afterHeaders(payload: Buffer): Reader {
  return new Reader(payload, payload.readUInt32LE(0))
}

/** The text of a SQL batch. */
export function parseBatch(payload: Buffer): string {
  const reader = afterHeaders(payload)
  return reader.bytes(reader.remaining).toString('ucs2')
}

/** Decodes an RPC request: the procedure and its typed parameters. */
export function parseRpc(payload: Buffer): RpcCall {
  const reader = afterHeaders(payload)
  const nameLength = reader.u16()
  const procedure =
    nameLength === 0xffff
      ? (PROCEDURES[reader.u16()] ?? 'unknown')
      : reader.bytes(nameLength * 2).toString('ucs2')
  reader.u16()

  const parameters: { name: string; type: string; value: ParameterValue }[] = []
  while (reader.remaining > 0) {
    const name = reader.bVarChar()
    reader.u8()
    parameters.push({ name, ...readTyped(reader) })
  }
  return { procedure, parameters }
}

function readTyped(reader: Reader): { type: string; value: ParameterValue } {
  const type = reader.u8()
  if (type === 0xe7 || type === 0xef || type === 0xa7) {
    const maxLength = reader.u16()
    reader.bytes(5)
    const encoding = type === 0xa7 ? 'latin1' : 'ucs2'
    const name = type === 0xa7 ? 'varchar' : 'nvarchar'
    if (maxLength === 0xffff) return { type: `${name}(max)`, value: readPlp(reader, encoding) }
    const length = reader.u16()
    return { type: name, value: length === 0xffff ? null : reader.bytes(length).toString(encoding) }
  }
  if (type === 0x26 || type === 0x68) {
    reader.u8()
    const length = reader.u8()
    if (length === 0) return { type: type === 0x26 ? 'int' : 'bit', value: null }
    const bytes = reader.bytes(length)
    if (type === 0x68) return { type: 'bit', value: bytes[0] === 1 }
    return { type: 'int', value: Number(bytes.readIntLE(0, Math.min(length, 6))) }
  }
  throw new Error(`parameter type 0x${type.toString(16)} is not supported by the test server`)
}

/** A PLP value: a total length (or unknown), then length-prefixed chunks up to a zero chunk. */
function readPlp(reader: Reader, encoding: BufferEncoding): string | null {
  if (reader.u64() === PLP_NULL) return null
  const chunks: Buffer[] = []
  for (let size = reader.u32(); size > 0; size = reader.u32()) chunks.push(reader.bytes(size))
  return Buffer.concat(chunks).toString(encoding)
}
