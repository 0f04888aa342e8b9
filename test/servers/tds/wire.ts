/** TDS packet types (MS-TDS 2.2.3.1.1). */
export const PACKET = {
  SQL_BATCH: 0x01,
  RPC: 0x03,
  REPLY: 0x04,
  ATTENTION: 0x06,
  LOGIN7: 0x10,
  PRELOGIN: 0x12,
} as const

const HEADER = 8
const END_OF_MESSAGE = 0x01

/** One client message: its packet type and the payload of all its packets joined. */
export interface TdsMessage {
  readonly type: number
  readonly payload: Buffer
}

/**
 * Reassembles messages from socket chunks: packets are collected until one carries the
 * end-of-message status bit. A client may also send an ATTENTION packet between messages.
 */
export class MessageReader {
  private pending = Buffer.alloc(0)
  private parts: Buffer[] = []

  push(chunk: Buffer): TdsMessage[] {
    this.pending = Buffer.concat([this.pending, chunk])
    const messages: TdsMessage[] = []

    while (this.pending.length >= HEADER) {
      const length = this.pending.readUInt16BE(2)
      if (length < HEADER) throw new Error(`bad packet length ${length}`)
      if (this.pending.length < length) break
      const type = this.pending[0]!
      const status = this.pending[1]!
      this.parts.push(this.pending.subarray(HEADER, length))
      this.pending = this.pending.subarray(length)
      if (status & END_OF_MESSAGE) {
        messages.push({ type, payload: Buffer.concat(this.parts) })
        this.parts = []
      }
    }

    return messages
  }
}

/** Splits a reply into packets of at most `packetSize` bytes. */
export function packets(type: number, payload: Buffer, packetSize = 4096): Buffer {
  const room = packetSize - HEADER
  const out: Buffer[] = []
  let id = 1

  for (let offset = 0; offset < payload.length || offset === 0; offset += room) {
    const body = payload.subarray(offset, offset + room)
    const last = offset + room >= payload.length
    const header = Buffer.alloc(HEADER)
    header.writeUInt8(type, 0)
    header.writeUInt8(last ? END_OF_MESSAGE : 0, 1)
    header.writeUInt16BE(HEADER + body.length, 2)
    header.writeUInt16BE(0x33, 4)
    header.writeUInt8(id++ % 256, 6)
    out.push(header, body)
    if (last) break
  }

  return Buffer.concat(out)
}

/** Builds token streams byte by byte. */
export class Writer {
  private readonly chunks: Buffer[] = []

  u8(value: number): this {
    return this.raw(Buffer.from([value & 0xff]))
  }

  u16(value: number): this {
    const b = Buffer.alloc(2)
    b.writeUInt16LE(value)
    return this.raw(b)
  }

  u32(value: number): this {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(value >>> 0)
    return this.raw(b)
  }

  i32(value: number): this {
    const b = Buffer.alloc(4)
    b.writeInt32LE(value)
    return this.raw(b)
  }

  u32be(value: number): this {
    const b = Buffer.alloc(4)
    b.writeUInt32BE(value >>> 0)
    return this.raw(b)
  }

  u64(value: number): this {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(BigInt(value))
    return this.raw(b)
  }

  /** B_VARCHAR: a length in characters (one byte), then UCS-2. */
  bVarChar(text: string): this {
    return this.u8(text.length).raw(Buffer.from(text, 'ucs2'))
  }

  /** US_VARCHAR: a length in characters (two bytes), then UCS-2. */
  usVarChar(text: string): this {
    return this.u16(text.length).raw(Buffer.from(text, 'ucs2'))
  }

  raw(buffer: Buffer): this {
    this.chunks.push(buffer)
    return this
  }

  done(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

/** A cursor over a request payload. */
export class Reader {
  constructor(
    private readonly buffer: Buffer,
    public offset = 0,
  ) {}

  u8(): number {
    return this.buffer.readUInt8(this.take(1))
  }

  u16(): number {
    return this.buffer.readUInt16LE(this.take(2))
  }

  u32(): number {
    return this.buffer.readUInt32LE(this.take(4))
  }

  i32(): number {
    return this.buffer.readInt32LE(this.take(4))
  }

  u64(): bigint {
    return this.buffer.readBigUInt64LE(this.take(8))
  }

  bytes(length: number): Buffer {
    const start = this.take(length)
    return this.buffer.subarray(start, start + length)
  }

  /** B_VARCHAR. */
  bVarChar(): string {
    return this.bytes(this.u8() * 2).toString('ucs2')
  }

  /** US_VARCHAR. */
  usVarChar(): string {
    return this.bytes(this.u16() * 2).toString('ucs2')
  }

  get remaining(): number {
    return this.buffer.length - this.offset
  }

  private take(length: number): number {
    if (this.offset + length > this.buffer.length) throw new Error('request ends too early')
    const start = this.offset
    this.offset += length
    return start
  }
}
