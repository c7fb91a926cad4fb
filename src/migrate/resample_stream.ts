/**
 * Lanczos-3 resampling of a stream of rows (8-bit interleaved), with the weights of the IIIF
 * resampler (src/iiif/resample.ts `axisWeights`): each input row is resampled horizontally as it
 * arrives; an output row is formed as soon as the input rows its vertical taps need are there, and
 * input rows no later output needs are dropped. Memory: about `taps` rows of the output width.
 * Output equals `resampleLanczos3` on the whole image (tested).
 * @module
 */
import { J2kError } from "../errors.js";
import { axisWeights, type AxisWeights } from "../iiif/resample.js";

/** Receives output rows: `rows` rows of `dw * channels` bytes. */
export type RowSink = (rows: Uint8Array, count: number) => void;

export class StreamResampler {
  private readonly h: AxisWeights | undefined;
  private readonly v: AxisWeights | undefined;
  /** Horizontally resampled input rows by index (only those a later output row needs). */
  private readonly mid = new Map<number, Float32Array>();
  private inRow = 0;
  private outRow = 0;
  private readonly acc: Float32Array;

  constructor(
    readonly sw: number,
    readonly sh: number,
    readonly channels: number,
    readonly dw: number,
    readonly dh: number,
    private readonly sink: RowSink,
  ) {
    if (!(dw >= 1 && dh >= 1 && dw <= sw && dh <= sh)) throw new J2kError("INVALID_ARGUMENT", `resampling ${sw}x${sh} to ${dw}x${dh}: only shrinking is supported`);
    this.h = sw === dw ? undefined : axisWeights(sw, dw);
    this.v = sh === dh ? undefined : axisWeights(sh, dh);
    this.acc = new Float32Array(dw * channels);
  }

  /** Add `count` input rows (`sw * channels` bytes each). */
  push(rows: Uint8Array, count: number): void {
    const rowIn = this.sw * this.channels;
    const out: Uint8Array[] = [];
    for (let r = 0; r < count; r++) {
      const src = rows.subarray(r * rowIn, (r + 1) * rowIn);
      if (!this.v) {
        out.push(this.toBytes(this.horizontal(src)));
        this.inRow++;
        continue;
      }
      this.mid.set(this.inRow++, this.horizontal(src));
      this.emitReady(out);
    }
    if (out.length > 0) {
      const len = this.dw * this.channels;
      const buf = new Uint8Array(out.length * len);
      out.forEach((o, i) => buf.set(o, i * len));
      this.sink(buf, out.length);
    }
  }

  /** Rows produced so far. */
  get rowsOut(): number {
    return this.v ? this.outRow : this.inRow;
  }

  private horizontal(src: Uint8Array): Float32Array {
    const ch = this.channels;
    const dw = this.dw;
    const row = new Float32Array(dw * ch);
    if (!this.h) {
      for (let i = 0; i < row.length; i++) row[i] = src[i]!;
      return row;
    }
    const { taps, start, weight } = this.h;
    const last = this.sw - 1;
    for (let x = 0; x < dw; x++) {
      const s0 = start[x]!;
      const wo = x * taps;
      for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (let t = 0; t < taps; t++) {
          let k = s0 + t;
          k = k < 0 ? 0 : k > last ? last : k;
          acc += weight[wo + t]! * src[k * ch + c]!;
        }
        row[x * ch + c] = acc;
      }
    }
    return row;
  }

  private toBytes(row: Float32Array): Uint8Array {
    const out = new Uint8Array(row.length);
    for (let i = 0; i < row.length; i++) {
      const v = Math.round(row[i]!);
      out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    return out;
  }

  /** Form every output row whose taps are all in. */
  private emitReady(out: Uint8Array[]): void {
    const { taps, start, weight } = this.v!;
    const last = this.sh - 1;
    const have = this.inRow - 1;
    while (this.outRow < this.dh) {
      const y = this.outRow;
      const s0 = start[y]!;
      const need = Math.min(last, Math.max(0, s0 + taps - 1));
      if (need > have) break;
      const acc = this.acc;
      acc.fill(0);
      for (let t = 0; t < taps; t++) {
        const w = weight[y * taps + t]!;
        if (w === 0) continue;
        let k = s0 + t;
        k = k < 0 ? 0 : k > last ? last : k;
        const row = this.mid.get(k)!;
        for (let i = 0; i < acc.length; i++) acc[i]! += w * row[i]!;
      }
      out.push(this.toBytes(acc));
      this.outRow++;
      // drop rows no later output reads (start[] does not decrease)
      const keepFrom = this.outRow < this.dh ? Math.max(0, start[this.outRow]!) : this.sh;
      for (const k of this.mid.keys()) if (k < keepFrom) this.mid.delete(k);
    }
  }
}
