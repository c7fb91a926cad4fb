/**
 * JPP-stream and JPT-stream messages (ISO/IEC 15444-9 Annex A) and EOR messages (D.3).
 *
 * A message header is (A.2.1): Bin-ID [Class] [CSn] Msg-Offset Msg-Length [Aux], each a VBAS.
 * The first byte of Bin-ID holds, besides the VBAS continuation bit 7, a two-bit indicator in bits
 * 6-5 — 01: neither Class nor CSn follows (both as in the previous message of the stream), 10: Class
 * follows and CSn is the previous one, 11: both follow (00 is prohibited, which is what makes an EOR
 * message, first byte 0x00, recognisable) — bit 4 = the message holds the last byte of its data-bin
 * (completion), and bits 3-0 the high bits of the in-class identifier, whose further bits follow 7
 * per byte. Aux is present when the class is odd (extended precinct / extended tile data-bins).
 *
 * The writer compresses headers against the previous message of its stream; the parser is
 * incremental (chunks of an HTTP body in, whole messages out) and bounds every length it reads.
 * @module
 */
import { J2kError } from "../errors.js";
import { readVbas, writeVbas } from "./vbas.js";

/** Data-bin classes (Table A.2). */
export const BinClass = {
  PRECINCT: 0,
  EXTENDED_PRECINCT: 1,
  TILE_HEADER: 2,
  TILE: 4,
  EXTENDED_TILE: 5,
  MAIN_HEADER: 6,
  METADATA: 8,
} as const;

/** EOR reason codes (15444-9 D.3, table of EOR reason codes). */
export const EorReason = {
  IMAGE_DONE: 1,
  WINDOW_DONE: 2,
  WINDOW_CHANGE: 3,
  BYTE_LIMIT: 4,
  QUALITY_LIMIT: 5,
  SESSION_LIMIT: 6,
  RESPONSE_LIMIT: 7,
  NON_SPECIFIED: 0xff,
} as const;

/** Names of the EOR reason codes, for messages and logs. */
export const EOR_REASON_NAMES: Record<number, string> = {
  1: "image done",
  2: "window done",
  3: "window change",
  4: "byte limit",
  5: "quality limit",
  6: "session limit",
  7: "response limit",
  255: "non-specified",
};

/** A data-bin message: `length` bytes at `offset` of data-bin (`cls`, `id`) of codestream `csn`. */
export interface DataMessage {
  kind: "data";
  cls: number;
  id: number;
  csn: number;
  offset: number;
  /** True when the message holds the last byte of the data-bin (its length is then offset + data.length). */
  complete: boolean;
  /** Aux value of extended classes (odd `cls`); undefined otherwise. */
  aux?: number;
  data: Uint8Array;
}

/** An EOR message (end of response). */
export interface EorMessage {
  kind: "eor";
  reason: number;
  body: Uint8Array;
}

export type JpipMessage = DataMessage | EorMessage;

/** Largest Msg-Length the parser accepts (a message is buffered whole). */
export const MAX_MESSAGE_LENGTH = 2 ** 30;

/** Bits of the in-class identifier carried by a Bin-ID of `n` bytes. */
const idBits = (n: number) => 4 + 7 * (n - 1);

/**
 * Append the header of `m` to `out`, compressed against the previous message (`prev`, updated).
 * `prev.cls === -1` forces the full form (class and CSn present).
 */
export function writeMessageHeader(out: number[], m: Omit<DataMessage, "kind" | "data"> & { length: number }, prev: { cls: number; csn: number }): void {
  if (!(Number.isSafeInteger(m.id) && m.id >= 0)) throw new J2kError("INVALID_ARGUMENT", `in-class identifier must be a non-negative integer (got ${m.id})`);
  const indicator = prev.cls === m.cls && prev.csn === m.csn ? 1 : prev.csn === m.csn && prev.cls !== -1 ? 2 : 3;
  let n = 1;
  while (m.id >= 2 ** idBits(n)) n++;
  const first = (n > 1 ? 0x80 : 0) | (indicator << 5) | (m.complete ? 0x10 : 0) | (Math.floor(m.id / 2 ** (7 * (n - 1))) & 0x0f);
  out.push(first);
  for (let i = n - 2; i >= 0; i--) out.push((Math.floor(m.id / 2 ** (7 * i)) & 0x7f) | (i > 0 ? 0x80 : 0));
  if (indicator >= 2) writeVbas(out, m.cls);
  if (indicator === 3) writeVbas(out, m.csn);
  writeVbas(out, m.offset);
  writeVbas(out, m.length);
  if (m.cls & 1) writeVbas(out, m.aux ?? 0);
  prev.cls = m.cls;
  prev.csn = m.csn;
}

/** Writes the messages of one JPP- or JPT-stream with header compression (A.2.1). */
export class MessageWriter {
  private prev = { cls: -1, csn: -1 };

  /** Header + data of a data-bin message. */
  data(m: Omit<DataMessage, "kind">): Uint8Array {
    const h: number[] = [];
    writeMessageHeader(h, { ...m, length: m.data.length }, this.prev);
    const out = new Uint8Array(h.length + m.data.length);
    out.set(h, 0);
    out.set(m.data, h.length);
    return out;
  }

  /** Bytes the header of `m` would take now (without changing the compression state). */
  headerLength(m: Omit<DataMessage, "kind" | "data"> & { length: number }): number {
    const h: number[] = [];
    writeMessageHeader(h, m, { ...this.prev });
    return h.length;
  }

  /** An EOR message (D.3): 0x00, the reason code, the VBAS length of the body, the body. */
  eor(reason: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
    const h: number[] = [0, reason & 0xff];
    writeVbas(h, body.length);
    const out = new Uint8Array(h.length + body.length);
    out.set(h, 0);
    out.set(body, h.length);
    return out;
  }
}

/**
 * Incremental parser of a JPP-/JPT-stream: `push(chunk)` returns the messages completed by it.
 */
export class MessageParser {
  private buf = new Uint8Array(0);
  private consumed = 0;
  /** Header context (A.2.1); a stream that starts with a compressed header gets class 0, CSn 0. */
  private cls = 0;
  private csn = 0;
  /** True once an EOR message was read (later bytes are refused unless `concatenated`). */
  ended = false;

  /**
   * `concatenated`: the input is several responses one after another (a saved session): after
   * an EOR message the next response starts, with a fresh header-compression context.
   */
  constructor(private readonly concatenated = false) {}

  /** Bytes given to the parser so far. */
  get bytesIn(): number {
    return this.consumed + this.buf.length;
  }

  /** Bytes held that do not yet form a whole message. */
  get pending(): number {
    return this.buf.length;
  }

  push(chunk: Uint8Array): JpipMessage[] {
    if (chunk.length) {
      if (this.buf.length === 0) this.buf = chunk.slice();
      else {
        const b = new Uint8Array(this.buf.length + chunk.length);
        b.set(this.buf, 0);
        b.set(chunk, this.buf.length);
        this.buf = b;
      }
    }
    const out: JpipMessage[] = [];
    let pos = 0;
    const b = this.buf;
    for (;;) {
      if (pos >= b.length) break;
      if (this.ended) {
        if (!this.concatenated) throw new J2kError("JPIP_STREAM_INVALID", "bytes after the EOR message", { offset: this.consumed + pos });
        this.ended = false;
        this.cls = 0;
        this.csn = 0;
      }
      const m = this.one(b, pos);
      if (!m) break;
      out.push(m.msg);
      pos = m.next;
    }
    this.consumed += pos;
    this.buf = pos === b.length ? new Uint8Array(0) : b.slice(pos);
    return out;
  }

  private one(b: Uint8Array, pos: number): { msg: JpipMessage; next: number } | undefined {
    const at = this.consumed + pos;
    const first = b[pos]!;
    if (first === 0) {
      if (pos + 2 >= b.length) return undefined;
      const reason = b[pos + 1]!;
      const len = readVbas(b, pos + 2);
      if (!len) return undefined;
      if (len.value > MAX_MESSAGE_LENGTH) throw new J2kError("JPIP_STREAM_INVALID", `EOR body of ${len.value} bytes`, { offset: at });
      if (len.next + len.value > b.length) return undefined;
      this.ended = true;
      return { msg: { kind: "eor", reason, body: b.slice(len.next, len.next + len.value) }, next: len.next + len.value };
    }
    const indicator = (first >> 5) & 3;
    if (indicator === 0) throw new J2kError("JPIP_STREAM_INVALID", `message header with the prohibited Bin-ID indicator 0 (byte 0x${first.toString(16)})`, { offset: at });
    const complete = (first & 0x10) !== 0;
    let id = first & 0x0f;
    let p = pos + 1;
    if (first & 0x80) {
      for (let i = 0; ; i++) {
        if (p >= b.length) return undefined;
        if (i >= 7) throw new J2kError("JPIP_STREAM_INVALID", "a Bin-ID runs over 8 bytes", { offset: at });
        const c = b[p++]!;
        id = id * 128 + (c & 0x7f);
        if (!(c & 0x80)) break;
      }
    }
    let cls = this.cls;
    let csn = this.csn;
    if (indicator >= 2) {
      const v = readVbas(b, p);
      if (!v) return undefined;
      cls = v.value;
      p = v.next;
    }
    if (indicator === 3) {
      const v = readVbas(b, p);
      if (!v) return undefined;
      csn = v.value;
      p = v.next;
    }
    const off = readVbas(b, p);
    if (!off) return undefined;
    const len = readVbas(b, off.next);
    if (!len) return undefined;
    p = len.next;
    let aux: number | undefined;
    if (cls & 1) {
      const v = readVbas(b, p);
      if (!v) return undefined;
      aux = v.value;
      p = v.next;
    }
    if (len.value > MAX_MESSAGE_LENGTH) throw new J2kError("JPIP_STREAM_INVALID", `message of ${len.value} bytes (limit ${MAX_MESSAGE_LENGTH})`, { offset: at });
    if (p + len.value > b.length) return undefined;
    this.cls = cls;
    this.csn = csn;
    const msg: DataMessage = { kind: "data", cls, id, csn, offset: off.value, complete, data: b.slice(p, p + len.value) };
    if (aux !== undefined) msg.aux = aux;
    return { msg, next: p + len.value };
  }
}

/** Parse a whole JPP-/JPT-stream, or several responses saved one after another (e.g. to a file). */
export function parseMessages(bytes: Uint8Array): JpipMessage[] {
  const p = new MessageParser(true);
  const out = p.push(bytes);
  if (p.pending) throw new J2kError("JPIP_STREAM_INVALID", `the stream ends inside a message (${p.pending} bytes left over)`, { offset: bytes.length - p.pending });
  return out;
}
