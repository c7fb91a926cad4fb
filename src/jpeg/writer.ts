/**
 * Streaming JPEG writer: rows in, bytes out, memory bounded by a few MCU rows whatever the image
 * size. Rows are buffered until a whole MCU row (8 or 16 lines) is there, then coded.
 * @module
 */
import { J2kError } from "../errors.js";
import type { SampleArray } from "../types.js";
import { JpegState } from "./core.js";
import { jpegSettings, type JpegOptions, type JpegSettings } from "./options.js";
import { sampleConverter, type SampleConverter } from "./samples.js";
import { psnrFromMse } from "../metrics.js";

/** What a {@link createJpegWriter} stream carries. */
export interface JpegWriterInfo extends JpegOptions {
  width: number;
  height: number;
  /**
   * Samples per pixel of the rows given: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. Alpha is dropped
   * (JPEG has none) and a warning recorded.
   */
  components: number;
  /** Bits per sample of the rows given (default 8); other depths are scaled to 8 bits, rounded. */
  bitDepth?: number;
  /** Samples are two's complement (offset by 2^(bitDepth-1) before scaling). Default false. */
  signed?: boolean;
  /**
   * Measure what is written: every coded block is reconstructed as a baseline decoder does
   * (dequantisation, libjpeg's integer IDCT, replicated chroma, libjpeg's YCbCr to RGB) and
   * compared with the 8-bit pixels given; see {@link JpegWriter.measurement}. Costs about a
   * decode's worth of work. Default false.
   */
  measure?: boolean;
}

/** What a measuring {@link JpegWriter} found (see {@link JpegWriterInfo.measure}). */
export interface JpegMeasurement {
  /** Sum of squared differences over the colour samples (alpha is not coded, so not compared). */
  sse: number;
  /** Samples compared: width × height × (1 or 3). */
  samples: number;
  /** Mean squared error and PSNR in dB against a peak of 255 (`Infinity` when identical). */
  mse: number;
  psnr: number;
  /**
   * 64-bit hash (16 hex digits) of the reconstructed blocks in coding order: a decoder of the
   * written stream ({@link createJpegDecoder}) finds the same value, which proves it sees the very
   * samples measured here.
   */
  hash: string;
}

/** Receives the encoded bytes in order; each chunk is a fresh copy the receiver may keep. */
export type JpegSink = (chunk: Uint8Array) => void;

/** Bytes of input pixels handed to the core per call (bounds WebAssembly memory). */
const ROWS_BYTES_PER_CALL = 4 << 20;

function bad(message: string): J2kError {
  return new J2kError("ENCODE_INVALID_OPTIONS", message);
}

/** The sample array types j2kit uses (see `sampleArrayFor`). */
export function isSampleArray(a: unknown): a is SampleArray {
  return a instanceof Uint8Array || a instanceof Uint16Array || a instanceof Int16Array || a instanceof Int32Array;
}

/** Validated geometry of an input, shared with encodeJpeg. */
export interface JpegInput {
  width: number;
  height: number;
  /** Samples per input pixel (1..4) and coded components (1 or 3). */
  step: number;
  comps: number;
  bitDepth: number;
  signed: boolean;
  warnings: string[];
}

/** Check an image's geometry and sample format for JPEG coding. */
export function jpegInput(width: number, height: number, components: number, bitDepth: number, signed: boolean): JpegInput {
  for (const [name, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 65535) throw bad(`JPEG ${name} must be an integer from 1 to 65535 (baseline SOF0 limit; got ${String(v)})`);
  }
  if (!Number.isInteger(components) || components < 1 || components > 4) {
    throw bad(`JPEG input must have 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) components (got ${String(components)})`);
  }
  if (!Number.isInteger(bitDepth) || bitDepth < 1 || bitDepth > 32) throw bad(`bitDepth must be an integer from 1 to 32 (got ${String(bitDepth)})`);
  const warnings: string[] = [];
  if (components === 2 || components === 4) warnings.push(`the alpha channel (component ${components - 1}) was dropped: JPEG has no transparency`);
  if (width > 65500 || height > 65500) warnings.push(`${width}x${height} is valid JPEG, but libjpeg-based readers (libjpeg-turbo, vips, ImageMagick) refuse dimensions above 65500`);
  if (bitDepth !== 8 || signed) warnings.push(`${bitDepth}-bit ${signed ? "signed " : ""}samples were scaled to 8 bits (rounded)`);
  return { width, height, step: components, comps: components >= 3 ? 3 : 1, bitDepth, signed, warnings };
}

/**
 * A JPEG encode in progress. Give it rows top to bottom with {@link JpegWriter.writeRows} (any
 * number of rows per call), then call {@link JpegWriter.finish}. The headers go to the sink when the
 * writer is created, entropy-coded data as MCU rows complete.
 */
export class JpegWriter {
  /** Non-fatal notes (alpha dropped, samples scaled). */
  readonly warnings: string[];
  private readonly input: JpegInput;
  private readonly state: JpegState;
  private readonly sink: JpegSink;
  private readonly convert: SampleConverter;
  private readonly mcuH: number;
  private readonly pending: Uint8Array;
  private pendingRows = 0;
  private rowsIn = 0;
  private bytesOut = 0;
  private done = false;
  private failed = false;

  private readonly measuring: boolean;

  /** @internal Use {@link createJpegWriter}. */
  constructor(input: JpegInput, settings: JpegSettings, sink: JpegSink, state?: JpegState, measure = false) {
    this.input = input;
    this.warnings = [...input.warnings];
    this.sink = (chunk) => {
      this.bytesOut += chunk.length;
      sink(chunk);
    };
    this.convert = sampleConverter(input.bitDepth, input.signed);
    if (state) {
      this.state = state;
    } else {
      this.state = new JpegState();
      this.state.init(input.width, input.height, input.comps, settings);
    }
    this.measuring = measure;
    if (measure) this.state.measure();
    this.mcuH = settings.vY * 8;
    this.pending = new Uint8Array(this.mcuH * input.width * input.step);
    this.sink(this.state.headers(settings));
  }

  /** Rows received so far. */
  get rowsWritten(): number {
    return this.rowsIn;
  }

  /** Bytes handed to the sink so far. */
  get bytesWritten(): number {
    return this.bytesOut;
  }

  /**
   * Add rows: `rows` holds whole rows of `width * components` pixel-interleaved samples (a typed
   * array of the bit depth given, as {@link J2kImage.data}).
   */
  writeRows(rows: SampleArray): void {
    if (!isSampleArray(rows)) throw new J2kError("INVALID_ARGUMENT", "writeRows takes a Uint8Array, Uint16Array, Int16Array or Int32Array of samples");
    if (this.done || this.failed) throw new J2kError("INVALID_ARGUMENT", `the JPEG writer is ${this.done ? "finished" : "broken by an earlier error"}; create a new one`);
    const { width, height, step } = this.input;
    const rowLen = width * step;
    if (!ArrayBuffer.isView(rows) || rows.length % rowLen !== 0) {
      throw new J2kError("INVALID_ARGUMENT", `writeRows takes whole rows of ${width} x ${step} samples (got ${ArrayBuffer.isView(rows) ? rows.length : typeof rows} samples)`);
    }
    const n = rows.length / rowLen;
    if (this.rowsIn + n > height) throw new J2kError("INVALID_ARGUMENT", `too many rows: the image has ${height}, ${this.rowsIn + n} were given`);
    try {
      this.take(rows, n, rowLen);
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }

  private take(rows: SampleArray, n: number, rowLen: number): void {
    const { width, height, step } = this.input;
    let r = 0;
    if (this.pendingRows > 0) {
      const k = Math.min(n, this.mcuH - this.pendingRows);
      this.convert(rows, 0, k * rowLen, this.pending, this.pendingRows * rowLen);
      this.pendingRows += k;
      this.rowsIn += k;
      r = k;
      if (this.pendingRows === this.mcuH || this.rowsIn === height) {
        const m = this.pendingRows;
        this.code((dst) => dst.set(this.pending.subarray(0, m * rowLen)), m);
        this.pendingRows = 0;
      }
    }
    const perCall = Math.max(this.mcuH, Math.floor(ROWS_BYTES_PER_CALL / rowLen / this.mcuH) * this.mcuH);
    while (r < n) {
      const left = n - r;
      const toEnd = this.rowsIn + left === height;
      let k = Math.min(left, perCall);
      if (!(toEnd && k === left)) k -= k % this.mcuH;
      if (k === 0) break;
      const from = r * rowLen;
      this.code((dst) => this.convert(rows, from, k * rowLen, dst, 0), k);
      r += k;
      this.rowsIn += k;
    }
    if (r < n) {
      const k = n - r;
      this.convert(rows, r * rowLen, k * rowLen, this.pending, 0);
      this.pendingRows = k;
      this.rowsIn += k;
    }
    void width;
    void step;
  }

  private code(fill: (dst: Uint8Array) => void, rows: number): void {
    const { width, step } = this.input;
    this.done = this.state.encode(fill, width, step, rows, this.sink);
  }

  /**
   * What the written stream decodes to, compared with the pixels given (only when created with
   * `measure: true`, and complete once every row was written).
   */
  measurement(): JpegMeasurement | undefined {
    if (!this.measuring) return undefined;
    const { sse, hash } = this.state.measurement();
    const samples = this.input.width * this.input.height * this.input.comps;
    const mse = sse / samples;
    return { sse, samples, mse, psnr: psnrFromMse(mse, 255), hash: BigInt.asUintN(64, hash).toString(16).padStart(16, "0") };
  }

  /**
   * Check that every row was given (the last entropy bytes and EOI were sent when the last row
   * arrived). Throws if rows are missing.
   */
  finish(): void {
    if (this.failed) throw new J2kError("INVALID_ARGUMENT", "the JPEG writer failed earlier; its output is incomplete");
    if (!this.done) {
      throw new J2kError("INVALID_ARGUMENT", `the JPEG image has ${this.input.height} rows but only ${this.rowsIn} were written; the output is incomplete`);
    }
  }
}

/**
 * Start a streaming JPEG encode: rows go in with `writeRows`, bytes come out through `sink` as they
 * are coded. Memory stays at a few MCU rows (16 lines at most) whatever the image height.
 * Optimised Huffman tables need the whole image and are only offered by {@link encodeJpeg}.
 */
export function createJpegWriter(info: JpegWriterInfo, sink: JpegSink): JpegWriter {
  if (info === null || typeof info !== "object") throw bad("createJpegWriter needs { width, height, components, ... }");
  if (typeof sink !== "function") throw new J2kError("INVALID_ARGUMENT", "createJpegWriter needs a sink function receiving Uint8Array chunks");
  const input = jpegInput(info.width, info.height, info.components, info.bitDepth ?? 8, info.signed ?? false);
  const settings = jpegSettings(info, input.comps);
  return new JpegWriter(input, settings, sink, undefined, info.measure === true);
}
