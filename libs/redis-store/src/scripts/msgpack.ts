/**
 * Minimal MessagePack encoder for plain JSON-like values (null, boolean, number, string, array,
 * plain object; undefined object fields are skipped). Used to ship the flow-control config to Lua,
 * where `cmsgpack.unpack` is about twice as fast as `cjson.decode`. Integers within ±2^53 are
 * encoded as integers, other numbers as float64, so Lua sees the exact same doubles.
 */
export function encodeMsgpack(value: unknown): Buffer {
  const parts: Buffer[] = [];
  write(value, parts);
  return Buffer.concat(parts);
}

function write(value: unknown, out: Buffer[]): void {
  if (value === null || value === undefined) {
    out.push(Buffer.from([0xc0]));
  } else if (typeof value === 'boolean') {
    out.push(Buffer.from([value ? 0xc3 : 0xc2]));
  } else if (typeof value === 'number') {
    writeNumber(value, out);
  } else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    out.push(header(bytes.length, 0xa0, 31, 0xd9, 0xda, 0xdb), bytes);
  } else if (Array.isArray(value)) {
    out.push(header(value.length, 0x90, 15, undefined, 0xdc, 0xdd));
    for (const item of value) write(item, out);
  } else if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    out.push(header(entries.length, 0x80, 15, undefined, 0xde, 0xdf));
    for (const [k, v] of entries) {
      write(k, out);
      write(v, out);
    }
  } else {
    throw new TypeError(`cannot msgpack a ${typeof value}`);
  }
}

function writeNumber(n: number, out: Buffer[]): void {
  if (Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) {
    if (n >= 0 && n < 128) {
      out.push(Buffer.from([n]));
      return;
    }
    if (n < 0 && n >= -32) {
      out.push(Buffer.from([n & 0xff]));
      return;
    }
    const b = Buffer.alloc(9);
    b[0] = 0xd3; // int64
    b.writeBigInt64BE(BigInt(n), 1);
    out.push(b);
    return;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xcb; // float64
  b.writeDoubleBE(n, 1);
  out.push(b);
}

/** Type header for a length: fix form up to `fixMax`, then 8/16/32-bit length forms. */
function header(length: number, fixBase: number, fixMax: number, code8: number | undefined, code16: number, code32: number): Buffer {
  if (length <= fixMax) return Buffer.from([fixBase | length]);
  if (code8 !== undefined && length < 256) return Buffer.from([code8, length]);
  if (length < 65536) {
    const b = Buffer.alloc(3);
    b[0] = code16;
    b.writeUInt16BE(length, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = code32;
  b.writeUInt32BE(length, 1);
  return b;
}

/**
 * Decodes one MessagePack value (as produced by Redis's `cmsgpack.pack`): nil, booleans, all int
 * and float forms, str/bin (as UTF-8 strings), arrays and maps (as plain objects). 64-bit integers
 * become numbers (exact below 2^53, which covers every value the scripts return).
 */
export function decodeMsgpack(buffer: Buffer): unknown {
  const reader = { buf: buffer, pos: 0 };
  const value = read(reader);
  if (reader.pos !== buffer.length) throw new Error(`msgpack: ${buffer.length - reader.pos} trailing bytes`);
  return value;
}

interface Reader {
  buf: Buffer;
  pos: number;
}

function read(r: Reader): unknown {
  const b = r.buf;
  const t = b[r.pos++]!;
  if (t <= 0x7f) return t;
  if (t >= 0xe0) return t - 0x100;
  if ((t & 0xf0) === 0x80) return readMap(r, t & 0x0f);
  if ((t & 0xf0) === 0x90) return readArray(r, t & 0x0f);
  if ((t & 0xe0) === 0xa0) return readString(r, t & 0x1f);
  switch (t) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
    case 0xd9:
      return readString(r, u8(r));
    case 0xc5:
    case 0xda:
      return readString(r, u16(r));
    case 0xc6:
    case 0xdb:
      return readString(r, u32(r));
    case 0xca:
      return (r.pos += 4), b.readFloatBE(r.pos - 4);
    case 0xcb:
      return (r.pos += 8), b.readDoubleBE(r.pos - 8);
    case 0xcc:
      return u8(r);
    case 0xcd:
      return u16(r);
    case 0xce:
      return u32(r);
    case 0xcf:
      return (r.pos += 8), Number(b.readBigUInt64BE(r.pos - 8));
    case 0xd0:
      return (r.pos += 1), b.readInt8(r.pos - 1);
    case 0xd1:
      return (r.pos += 2), b.readInt16BE(r.pos - 2);
    case 0xd2:
      return (r.pos += 4), b.readInt32BE(r.pos - 4);
    case 0xd3:
      return (r.pos += 8), Number(b.readBigInt64BE(r.pos - 8));
    case 0xdc:
      return readArray(r, u16(r));
    case 0xdd:
      return readArray(r, u32(r));
    case 0xde:
      return readMap(r, u16(r));
    case 0xdf:
      return readMap(r, u32(r));
    default:
      throw new Error(`msgpack: unsupported type byte 0x${t.toString(16)}`);
  }
}

// Top-level, not closures inside read(): read() runs per value of every script reply, and a closure
// made there per call is an allocation (and a name-setting call under tsx) per value.
function u8(r: Reader): number {
  return r.buf[r.pos++]!;
}

function u16(r: Reader): number {
  r.pos += 2;
  return r.buf.readUInt16BE(r.pos - 2);
}

function u32(r: Reader): number {
  r.pos += 4;
  return r.buf.readUInt32BE(r.pos - 4);
}

function readString(r: Reader, length: number): string {
  const s = r.buf.toString('utf8', r.pos, r.pos + length);
  r.pos += length;
  return s;
}

function readArray(r: Reader, length: number): unknown[] {
  const out: unknown[] = new Array(length);
  for (let i = 0; i < length; i++) out[i] = read(r);
  return out;
}

function readMap(r: Reader, length: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < length; i++) {
    const key = String(read(r));
    out[key] = read(r);
  }
  return out;
}
