// Rows in PostgreSQL's binary COPY format, for the seed's largest table: the server then reads
// each value as it stores it (16 bytes of uuid, 8 of timestamp) instead of parsing text — at 30M
// audit events, parsing was most of the load's critical path (one backend at ~100 % of a core;
// `perf` put the text-format line splitting, uuid, timestamp and number parsing at ~25 % of it).
// The format: PostgreSQL's COPY reference, "Binary Format".
import { randomFillSync } from "node:crypto";

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** PostgreSQL's timestamps count from 2000-01-01. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const CHUNK_BYTES = 256 * 1024;
/** Random bytes drawn 64 KB at a time: one call per 4 096 uuids. */
const RANDOM_POOL_BYTES = 64 * 1024;

/**
 * Appends rows field by field and hands out ~256 KB chunks at row boundaries. A field's bytes
 * go straight into the chunk: no intermediate strings.
 */
export class BinaryCopyRows {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES * 2);
  private offset = 0;
  private readonly random = Buffer.allocUnsafe(RANDOM_POOL_BYTES);
  private randomOffset = RANDOM_POOL_BYTES;

  constructor() {
    // Header: signature, flags (no OIDs), no header extension.
    this.reserve(SIGNATURE.length + 8);
    this.offset += SIGNATURE.copy(this.chunk, this.offset);
    this.offset = this.chunk.writeInt32BE(0, this.offset);
    this.offset = this.chunk.writeInt32BE(0, this.offset);
  }

  row(fields: number): this {
    this.reserve(2);
    this.offset = this.chunk.writeInt16BE(fields, this.offset);
    return this;
  }

  null(): this {
    this.reserve(4);
    this.offset = this.chunk.writeInt32BE(-1, this.offset);
    return this;
  }

  /** A uuid from its 16 bytes (see uuidBytes). */
  uuid(bytes: Buffer): this {
    this.reserve(20);
    this.offset = this.chunk.writeInt32BE(16, this.offset);
    this.offset += bytes.copy(this.chunk, this.offset, 0, 16);
    return this;
  }

  /** A fresh random (version 4) uuid, as `randomUUID()` would give. */
  randomUuid(): this {
    if (this.randomOffset === RANDOM_POOL_BYTES) {
      randomFillSync(this.random);
      this.randomOffset = 0;
    }
    this.reserve(20);
    this.offset = this.chunk.writeInt32BE(16, this.offset);
    const start = this.offset;
    this.offset += this.random.copy(this.chunk, start, this.randomOffset, this.randomOffset + 16);
    this.randomOffset += 16;
    this.chunk[start + 6] = ((this.chunk[start + 6] as number) & 0x0f) | 0x40;
    this.chunk[start + 8] = ((this.chunk[start + 8] as number) & 0x3f) | 0x80;
    return this;
  }

  int4(value: number): this {
    this.reserve(8);
    this.offset = this.chunk.writeInt32BE(4, this.offset);
    this.offset = this.chunk.writeInt32BE(value, this.offset);
    return this;
  }

  bool(value: boolean): this {
    this.reserve(5);
    this.offset = this.chunk.writeInt32BE(1, this.offset);
    this.chunk[this.offset++] = value ? 1 : 0;
    return this;
  }

  /** text, varchar, char(n) and enum labels: their UTF-8 bytes. */
  text(value: string | null): this {
    if (value === null) return this.null();
    return this.utf8(value, 0);
  }

  /** jsonb: a version byte (1) and the JSON text. */
  jsonb(json: string): this {
    return this.utf8(json, 1);
  }

  /** timestamptz from milliseconds since the Unix epoch: int8 microseconds since 2000. */
  timestamptz(ms: number): this {
    this.reserve(12);
    this.offset = this.chunk.writeInt32BE(8, this.offset);
    const micros = (ms - POSTGRES_EPOCH_MS) * 1000;
    const high = Math.floor(micros / 2 ** 32);
    this.offset = this.chunk.writeInt32BE(high, this.offset);
    this.offset = this.chunk.writeUInt32BE(micros - high * 2 ** 32, this.offset);
    return this;
  }

  /** The chunk so far once it holds ~256 KB (at a row's end), else null. */
  take(): Buffer | null {
    return this.offset >= CHUNK_BYTES ? this.cut() : null;
  }

  /** The rest, with the trailer that ends the data. */
  finish(): Buffer {
    this.reserve(2);
    this.offset = this.chunk.writeInt16BE(-1, this.offset);
    return this.cut();
  }

  private utf8(value: string, versionByte: 0 | 1): this {
    // At most 3 bytes per UTF-16 unit.
    this.reserve(5 + value.length * 3);
    const lengthAt = this.offset;
    let at = lengthAt + 4;
    if (versionByte) this.chunk[at++] = versionByte;
    const written = this.chunk.write(value, at, "utf8");
    this.chunk.writeInt32BE(written + versionByte, lengthAt);
    this.offset = at + written;
    return this;
  }

  private cut(): Buffer {
    const full = this.chunk.subarray(0, this.offset);
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES * 2);
    this.offset = 0;
    return full;
  }

  /** Room for `bytes` more; a row longer than the slack moves to a larger buffer. */
  private reserve(bytes: number): void {
    if (this.offset + bytes <= this.chunk.length) return;
    const larger = Buffer.allocUnsafe(Math.max(this.chunk.length * 2, this.offset + bytes));
    this.chunk.copy(larger, 0, 0, this.offset);
    this.chunk = larger;
  }
}

/** A uuid's 16 bytes from its text form. */
export function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll("-", ""), "hex");
}
