/**
 * Streaming baseline JPEG decoder (ISO/IEC 10918-1 sequential DCT, Huffman, 8-bit; 1 component
 * or 3 with chroma sampled 1×1 against luma 1×1, 2×1, 1×2 or 2×2 — every file our encoder and
 * libjpeg's defaults write). The markers up to SOS are parsed here; the entropy-coded data is
 * decoded by the core (codec/jpeg/decode_*.ts) a window of input at a time, so memory is a few MCU
 * rows whatever the image size. Pixels are what `djpeg -nosmooth` makes (libjpeg's integer IDCT,
 * replicated chroma, its YCbCr → RGB); for 4:4:4 that equals plain `djpeg`.
 *
 * Besides pixels, the decoder computes the hash of the reconstructed blocks that a measuring
 * {@link JpegWriter} computes while encoding: `j2kit migrate --verify` reads each written file
 * back through it and compares.
 * @module
 */
import { J2kError } from "../errors.js";
import { callCore, copyIn, type CoreExports } from "../wasm/load.js";
import { joinBytes } from "../io/bytes.js";

/** Core exports of the JPEG decoder. */
interface JpegDecCoreExports extends CoreExports {
  jpegDecContextBytes(): number;
  jpegDecInit(ctx: number, width: number, height: number, comps: number, ri: number): number;
  jpegDecComponent(ctx: number, ci: number, h: number, v: number, tq: number, td: number, ta: number): number;
  jpegDecQuant(ctx: number, slot: number, q: number): void;
  jpegDecHuff(ctx: number, slot: number, bits: number, vals: number): number;
  jpegDecReady(ctx: number): void;
  jpegDecodeRows(ctx: number, inp: number, len: number, final: number, out: number, outStride: number, maxRows: number): number;
  jpegDecConsumed(ctx: number): number;
  jpegDecErrorAt(ctx: number): number;
  jpegDecPhase(ctx: number): number;
  jpegDecMcuHeight(ctx: number): number;
  jpegDecInputMargin(ctx: number): number;
  jpegDecHash(ctx: number): bigint;
}

/** The frame a {@link JpegDecoder} found (SOF and DRI). */
export interface JpegFrame {
  width: number;
  height: number;
  /** 1 (greyscale) or 3 (YCbCr, given out as RGB). */
  components: number;
  /** Luma sampling factors against 1×1 chroma: 1×1 = 4:4:4, 2×2 = 4:2:0. */
  sampling: { h: number; v: number };
  restartInterval: number;
}

/** What a finished decode found. */
export interface JpegDecodeSummary extends JpegFrame {
  /** Hash of the reconstructed blocks (16 hex digits), as {@link JpegMeasurement.hash}. */
  hash: string;
  /** Bytes read up to and including EOI, and bytes after it (0 for a clean file). */
  bytes: number;
  trailingBytes: number;
}

/** Options of {@link createJpegDecoder}. */
export interface JpegDecoderOptions {
  /**
   * Receives decoded rows top to bottom: `rows` holds `count` rows of `width × components` 8-bit
   * samples (RGB or grey) starting at row `y`; the array is reused, copy what you keep. Without it
   * only the hash is computed (faster).
   */
  onRows?: (rows: Uint8Array, y: number, count: number) => void;
  /** Largest header (everything before the scan's data) accepted, in bytes. Default 64 MiB. */
  maxHeaderBytes?: number;
}

const DEC_MESSAGES: Record<number, string> = {
  [-1]: "corrupt entropy-coded data: a bit pattern that is no Huffman code of the table (ISO/IEC 10918-1 F.2.2.3)",
  [-2]: "the entropy-coded data ends inside an MCU: the file is truncated or damaged",
  [-3]: "the restart marker that should follow this restart interval is missing (ISO/IEC 10918-1 B.2.4.4): the file is damaged",
  [-4]: "corrupt entropy-coded data: a block's run lengths go past its 64th coefficient (F.2.2.2)",
  [-5]: "corrupt entropy-coded data: a coefficient size category above 11 (DC) or 10 (AC)",
  [-6]: "no EOI marker after the last MCU: the file is truncated or has trailing garbage in place of EOI",
};

const ZIGZAG = (() => {
  // Figure A.6: natural-order index of the k-th coefficient in zig-zag order
  const z: number[] = [];
  for (let s = 0; s < 15; s++) {
    for (let i = Math.max(0, s - 7); i <= Math.min(s, 7); i++) {
      const row = s % 2 === 0 ? s - i : i;
      z.push(row * 8 + (s - row));
    }
  }
  return z;
})();

function invalid(message: string, offset?: number): J2kError {
  return new J2kError("JPEG_INVALID", message, offset !== undefined ? { offset } : {});
}

interface ParsedHeader {
  frame: JpegFrame;
  comps: Array<{ id: number; h: number; v: number; tq: number; td: number; ta: number }>;
  quant: Map<number, Uint16Array>;
  huff: Map<number, { bits: Uint8Array; vals: Uint8Array }>;
  /** Offset of the first entropy-coded byte. */
  dataStart: number;
}

/**
 * Parse SOI through SOS (ISO/IEC 10918-1 B.2); undefined when `b` does not hold all of it yet.
 * `final`: no more bytes will come.
 */
function parseHeader(b: Uint8Array, final: boolean): ParsedHeader | undefined {
  const more = (at: number) => {
    if (final) throw invalid("the JPEG ends inside its header", at);
    return undefined;
  };
  if (b.length < 2) return more(b.length);
  if (b[0] !== 0xff || b[1] !== 0xd8) throw invalid("not a JPEG file: it does not start with SOI (FFD8)", 0);
  let p = 2;
  let frame: JpegFrame | undefined;
  let comps: ParsedHeader["comps"] = [];
  const quant = new Map<number, Uint16Array>();
  const huff = new Map<number, { bits: Uint8Array; vals: Uint8Array }>();
  let ri = 0;
  for (;;) {
    if (p + 4 > b.length) return more(p);
    if (b[p] !== 0xff) throw invalid(`a marker was expected at byte ${p} (found 0x${b[p]!.toString(16)})`, p);
    while (p + 1 < b.length && b[p + 1] === 0xff) p++; // fill bytes (B.1.1.2)
    if (p + 4 > b.length) return more(p);
    const m = b[p + 1]!;
    if (m === 0xd9) throw invalid("EOI before any image data", p);
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) throw invalid(`unexpected marker FF${m.toString(16).toUpperCase()} in the header`, p);
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    if (len < 2) throw invalid(`marker segment FF${m.toString(16).toUpperCase()} has length ${len}`, p + 2);
    if (p + 2 + len > b.length) return more(p);
    const s = p + 4;
    const e = p + 2 + len;
    const need = (n: number) => {
      if (s + n > e) throw invalid(`marker segment FF${m.toString(16).toUpperCase()} is too short (${len} bytes)`, p);
    };
    if (m === 0xc0 || m === 0xc1) {
      // SOF0 baseline / SOF1 extended sequential, Huffman (B.2.2)
      if (frame) throw invalid("a second SOF marker", p);
      need(6);
      const P = b[s]!, Y = (b[s + 1]! << 8) | b[s + 2]!, X = (b[s + 3]! << 8) | b[s + 4]!, nf = b[s + 5]!;
      if (P !== 8) throw new J2kError("UNSUPPORTED", `${P}-bit JPEG samples are not read (only 8-bit)`, { offset: s });
      if (Y === 0) throw new J2kError("UNSUPPORTED", "the JPEG gives its height in a DNL marker, which is not read", { offset: s + 1 });
      if (X === 0) throw invalid("the JPEG frame has width 0", s + 3);
      if (nf !== 1 && nf !== 3) throw new J2kError("UNSUPPORTED", `JPEG with ${nf} components (only 1 or 3 are read)`, { offset: s + 5 });
      need(6 + 3 * nf);
      comps = [];
      for (let i = 0; i < nf; i++) {
        const o = s + 6 + 3 * i;
        comps.push({ id: b[o]!, h: b[o + 1]! >> 4, v: b[o + 1]! & 15, tq: b[o + 2]!, td: 0, ta: 0 });
      }
      for (const c of comps) if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3) throw invalid(`bad component ${c.id} in SOF (sampling ${c.h}x${c.v}, table ${c.tq})`, s + 6);
      let h = 1, v = 1;
      if (nf === 3) {
        if (comps[1]!.h !== 1 || comps[1]!.v !== 1 || comps[2]!.h !== 1 || comps[2]!.v !== 1 || comps[0]!.h > 2 || comps[0]!.v > 2) {
          throw new J2kError("UNSUPPORTED", `JPEG sampling ${comps.map((c) => `${c.h}x${c.v}`).join(",")} is not read (chroma 1x1 with luma up to 2x2 is)`, { offset: s + 6 });
        }
        h = comps[0]!.h;
        v = comps[0]!.v;
      }
      frame = { width: X, height: Y, components: nf, sampling: { h, v }, restartInterval: 0 };
    } else if ((m >= 0xc2 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc)) {
      throw new J2kError("UNSUPPORTED", `JPEG process SOF${m - 0xc0} (progressive, lossless, hierarchical or arithmetic-coded) is not read; only baseline/extended sequential Huffman is`, { offset: p });
    } else if (m === 0xc4) {
      // DHT (B.2.4.2): any number of tables
      let o = s;
      while (o < e) {
        if (o + 17 > e) throw invalid("DHT segment too short", o);
        const tc = b[o]! >> 4, th = b[o]! & 15;
        if (tc > 1 || th > 3) throw invalid(`DHT table class ${tc} / id ${th}`, o);
        const bits = b.slice(o + 1, o + 17);
        const n = bits.reduce((a, x) => a + x, 0);
        if (n > 256 || o + 17 + n > e) throw invalid("DHT segment too short for its code counts", o);
        huff.set(tc * 4 + th, { bits, vals: b.slice(o + 17, o + 17 + n) });
        o += 17 + n;
      }
    } else if (m === 0xdb) {
      // DQT (B.2.4.1)
      let o = s;
      while (o < e) {
        const pq = b[o]! >> 4, tq = b[o]! & 15;
        if (pq > 1 || tq > 3) throw invalid(`DQT precision ${pq} / table ${tq}`, o);
        const size = pq === 0 ? 64 : 128;
        if (o + 1 + size > e) throw invalid("DQT segment too short", o);
        const q = new Uint16Array(64);
        for (let k = 0; k < 64; k++) q[ZIGZAG[k]!] = pq === 0 ? b[o + 1 + k]! : (b[o + 1 + 2 * k]! << 8) | b[o + 2 + 2 * k]!;
        quant.set(tq, q);
        o += 1 + size;
      }
    } else if (m === 0xdd) {
      need(2);
      ri = (b[s]! << 8) | b[s + 1]!;
    } else if (m === 0xda) {
      // SOS (B.2.3): one interleaved scan of every component
      if (!frame) throw invalid("SOS before SOF", p);
      need(1);
      const ns = b[s]!;
      need(1 + 2 * ns + 3);
      if (ns !== comps.length) throw new J2kError("UNSUPPORTED", `a scan of ${ns} of ${comps.length} components (non-interleaved or multi-scan JPEG) is not read`, { offset: s });
      for (let i = 0; i < ns; i++) {
        const cs = b[s + 1 + 2 * i]!;
        if (cs !== comps[i]!.id) throw new J2kError("UNSUPPORTED", "the scan lists the components in another order than the frame", { offset: s + 1 + 2 * i });
        comps[i]!.td = b[s + 2 + 2 * i]! >> 4;
        comps[i]!.ta = b[s + 2 + 2 * i]! & 15;
      }
      const ss = b[s + 1 + 2 * ns]!, se = b[s + 2 + 2 * ns]!, a = b[s + 3 + 2 * ns]!;
      if (ss !== 0 || se !== 63 || a !== 0) throw new J2kError("UNSUPPORTED", `scan Ss=${ss} Se=${se} Ah/Al=${a}: not a sequential scan`, { offset: s + 1 + 2 * ns });
      for (const c of comps) {
        if (!quant.has(c.tq)) throw invalid(`quantisation table ${c.tq} is used but not defined`, s);
        if (c.td > 3 || !huff.has(c.td)) throw invalid(`DC Huffman table ${c.td} is used but not defined`, s);
        if (c.ta > 3 || !huff.has(4 + c.ta)) throw invalid(`AC Huffman table ${c.ta} is used but not defined`, s);
      }
      frame.restartInterval = ri;
      return { frame, comps, quant, huff, dataStart: e };
    } else if (!((m >= 0xe0 && m <= 0xef) || m === 0xfe || m === 0xdc || m === 0xdf)) {
      // APPn, COM (B.2.4.5-6) are skipped; DNL/EXP do not belong before SOS
      throw invalid(`unexpected marker FF${m.toString(16).toUpperCase()} in the header`, p);
    }
    p = e;
  }
}

/** Output rows per core call (bounded memory). */
const OUT_BYTES = 4 << 20;
/** Least input gathered for a core call, and for a header parse (see JpegDecoder.pending). */
const MIN_STEP_BYTES = 64 << 10;
const MIN_HEADER_STEP_BYTES = 4 << 10;

/**
 * A streaming JPEG decode: give it the file's bytes in order with {@link JpegDecoder.push}, then
 * call {@link JpegDecoder.end}. Memory is the header, a few MCU rows and one input window.
 */
export class JpegDecoder {
  private readonly onRows: JpegDecoderOptions["onRows"];
  private readonly maxHeader: number;
  private head: Uint8Array = new Uint8Array(0);
  private header: ParsedHeader | undefined;
  private blob: Uint8Array = new Uint8Array(0);
  /** Undecoded input, and the file offset of its first byte. */
  private window: Uint8Array = new Uint8Array(0);
  private windowAt = 0;
  private rowsOut = 0;
  private mcuH = 8;
  private done = false;
  private failed = false;
  private endAt = 0;
  private trailing = 0;
  private result: { hash: string } | undefined;
  /** Pixels of an MCU row the core has started but not finished (onRows only). */
  private partial: Uint8Array | undefined;
  /**
   * Pushed bytes not yet joined to the header or the window. A core call costs a copy of the window
   * and of one MCU row of output (3 MiB for a 65535-wide 4:2:0 frame), and a join copies what came
   * before; so bytes are gathered until they are worth a call (at least 64 KiB, one MCU row of output,
   * or as much as the header already holds). Small pushes then cost what large ones do: feeding a
   * file 1 byte at a time was quadratic in the header and in the width.
   */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private calls = 0;

  constructor(o: JpegDecoderOptions = {}) {
    this.onRows = o.onRows;
    this.maxHeader = o.maxHeaderBytes ?? 64 * 2 ** 20;
  }

  /** The frame, once the header is read. */
  get frame(): JpegFrame | undefined {
    return this.header?.frame;
  }

  /** How many times the decoder has parsed the header or called the core so far (diagnostics). */
  get steps(): number {
    return this.calls;
  }

  /** Add the next bytes of the file. */
  push(chunk: Uint8Array): void {
    if (this.failed) throw new J2kError("INVALID_ARGUMENT", "the JPEG decoder failed earlier; create a new one");
    try {
      this.take(chunk, false);
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }

  /** No more bytes: finish the decode (throws when the file ends early). */
  end(): JpegDecodeSummary {
    if (this.failed) throw new J2kError("INVALID_ARGUMENT", "the JPEG decoder failed earlier; create a new one");
    try {
      this.take(new Uint8Array(0), true);
    } catch (e) {
      this.failed = true;
      throw e;
    }
    const f = this.header!.frame;
    return { ...f, sampling: { ...f.sampling }, hash: this.result!.hash, bytes: this.endAt, trailingBytes: this.trailing };
  }

  private take(chunk: Uint8Array, final: boolean): void {
    if (this.done) {
      this.trailing += chunk.length;
      return;
    }
    if (chunk.length > 0) {
      this.pending.push(chunk.slice());
      this.pendingBytes += chunk.length;
    }
    const f = this.header?.frame;
    const worth = f ? Math.max(MIN_STEP_BYTES, this.mcuH * f.width * f.components) : Math.max(MIN_HEADER_STEP_BYTES, this.head.length);
    if (!final && this.pendingBytes < worth) return;
    const fresh = this.pending.length === 1 ? this.pending[0]! : joinBytes(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.calls++;
    if (!this.header) {
      this.head = this.head.length === 0 ? fresh : joinBytes([this.head, fresh]);
      const h = parseHeader(this.head, final);
      if (!h) {
        if (this.head.length > this.maxHeader) throw new J2kError("LIMIT_MEMORY", `the JPEG header is larger than ${this.maxHeader} bytes`);
        return;
      }
      this.header = h;
      this.start(h);
      this.window = this.head.slice(h.dataStart);
      this.windowAt = h.dataStart;
      this.head = new Uint8Array(0);
    } else if (fresh.length > 0) {
      this.window = this.window.length === 0 ? fresh : joinBytes([this.window, fresh]);
    }
    this.pump(final);
  }

  private run<T>(f: (c: JpegDecCoreExports, ctx: number) => T): T {
    return callCore((core) => {
      const c = core as JpegDecCoreExports;
      const n = c.jpegDecContextBytes();
      const ctx = c.alloc(n);
      if (this.blob.length === n) new Uint8Array(c.memory.buffer, ctx, n).set(this.blob);
      const result = f(c, ctx);
      this.blob = new Uint8Array(c.memory.buffer, ctx, n).slice();
      return result;
    }, undefined, "jpeg");
  }

  private start(h: ParsedHeader): void {
    const f = h.frame;
    this.run((c, ctx) => {
      if (c.jpegDecInit(ctx, f.width, f.height, f.components, f.restartInterval) !== 0) throw new J2kError("UNSUPPORTED", `JPEG frame ${f.width}x${f.height}, ${f.components} components`);
      h.comps.forEach((k, i) => {
        if (c.jpegDecComponent(ctx, i, k.h, k.v, k.tq, k.td, k.ta) !== 0) throw new J2kError("UNSUPPORTED", `JPEG component ${k.id}: sampling ${k.h}x${k.v}`);
      });
      for (const [slot, q] of h.quant) c.jpegDecQuant(ctx, slot, copyIn(c, new Uint8Array(q.buffer, q.byteOffset, 128)));
      for (const [slot, t] of h.huff) {
        if (c.jpegDecHuff(ctx, slot, copyIn(c, t.bits), copyIn(c, t.vals.length ? t.vals : new Uint8Array(1))) !== 0) {
          throw invalid(`Huffman table ${slot & 3} (${slot < 4 ? "DC" : "AC"}) has code counts that describe no prefix code (ISO/IEC 10918-1 C.2)`);
        }
      }
      c.jpegDecReady(ctx);
      this.mcuH = c.jpegDecMcuHeight(ctx);
    });
  }

  private pump(final: boolean): void {
    const f = this.header!.frame;
    const rowBytes = f.width * f.components;
    const maxRows = this.onRows ? Math.max(1, Math.floor(OUT_BYTES / (rowBytes * this.mcuH))) : 0x7fffffff;
    for (;;) {
      this.calls++;
      const input = this.window;
      const slot = this.mcuH * rowBytes;
      const step = this.run((c, ctx) => {
        const inp = copyIn(c, input);
        let out = 0;
        if (this.onRows) {
          // the first row slot continues the MCU row a previous call left unfinished
          out = c.alloc(maxRows * slot);
          if (this.partial) new Uint8Array(c.memory.buffer, out, slot).set(this.partial);
        }
        const rows = c.jpegDecodeRows(ctx, inp, input.length, final ? 1 : 0, out, rowBytes, maxRows);
        if (rows < 0) return { rows, consumed: 0, errorAt: c.jpegDecErrorAt(ctx), phase: 0, hash: 0n, pixels: undefined };
        const lines = Math.min(rows * this.mcuH, f.height - this.rowsOut);
        const pixels = this.onRows && lines > 0 ? new Uint8Array(c.memory.buffer, out, lines * rowBytes).slice() : undefined;
        if (this.onRows && rows < maxRows) {
          this.partial ??= new Uint8Array(slot);
          this.partial.set(new Uint8Array(c.memory.buffer, out + rows * slot, slot));
        }
        return { rows, consumed: c.jpegDecConsumed(ctx), errorAt: 0, phase: c.jpegDecPhase(ctx), hash: BigInt.asUintN(64, c.jpegDecHash(ctx)), pixels };
      });
      if (step.rows < 0) throw invalid(DEC_MESSAGES[step.rows] ?? `JPEG decoding failed (${step.rows})`, this.windowAt + step.errorAt);
      if (step.pixels) {
        const lines = step.pixels.length / rowBytes;
        this.onRows!(step.pixels, this.rowsOut, lines);
        this.rowsOut += lines;
      } else {
        this.rowsOut = Math.min(f.height, this.rowsOut + step.rows * this.mcuH);
      }
      this.window = this.window.subarray(step.consumed);
      this.windowAt += step.consumed;
      if (step.phase === 2) {
        this.done = true;
        this.endAt = this.windowAt;
        this.trailing += this.window.length;
        this.window = new Uint8Array(0);
        this.result = { hash: step.hash.toString(16).padStart(16, "0") };
        return;
      }
      if (step.rows === 0 && step.consumed === 0) {
        if (final) throw invalid(DEC_MESSAGES[-2]!, this.windowAt);
        // keep the window small: copy what is left so the consumed part can be freed
        this.window = this.window.slice();
        return;
      }
    }
  }
}

/** Start a streaming decode of a baseline JPEG (see {@link JpegDecoder}). */
export function createJpegDecoder(options: JpegDecoderOptions = {}): JpegDecoder {
  return new JpegDecoder(options);
}

/** A decoded JPEG: `width × height × components` 8-bit samples, RGB or grey, rows top to bottom. */
export interface DecodedJpeg extends JpegDecodeSummary {
  data: Uint8Array;
}

/**
 * Decode a whole baseline JPEG held in memory (see {@link JpegDecoder} for what is read). The
 * output is one array: images of more than `maxSamples` samples (default 2^30) are refused with
 * `LIMIT_PIXELS` before it is allocated; stream larger ones with {@link createJpegDecoder}.
 */
export function decodeJpeg(bytes: Uint8Array, options: { maxSamples?: number } = {}): DecodedJpeg {
  const maxSamples = options.maxSamples ?? 2 ** 30;
  let data: Uint8Array | undefined;
  const d = new JpegDecoder({
    onRows: (rows, y) => {
      const f = d.frame!;
      const n = f.width * f.height * f.components;
      if (n > maxSamples) throw new J2kError("LIMIT_PIXELS", `the JPEG is ${f.width}x${f.height} with ${f.components} component(s): ${n} samples, above the limit of ${maxSamples} for one array (stream it with createJpegDecoder)`);
      data ??= new Uint8Array(n);
      data.set(rows, y * f.width * f.components);
    },
  });
  d.push(bytes);
  const s = d.end();
  return { ...s, data: data ?? new Uint8Array(s.width * s.height * s.components) };
}
