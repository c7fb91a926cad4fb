/**
 * The JPEG encoder's side of the WebAssembly boundary (codec/jpeg/exports.ts). The encoder's state
 * is a blob the host keeps: each call copies it into a fresh core job and back out, so JPEG
 * encodes can be interleaved with each other and with JPEG 2000 work on the same instance.
 * @module
 */
import { callCore, copyIn, type CoreExports } from "../wasm/load.js";
import type { JpegSettings } from "./options.js";

/** Core exports of the JPEG encoder. */
export interface JpegCoreExports extends CoreExports {
  jpegContextBytes(): number;
  jpegInit(ctx: number, width: number, height: number, comps: number, quality: number, hY: number, vY: number, restartInterval: number): void;
  jpegGather(ctx: number, pix: number, stride: number, step: number, rows: number): void;
  jpegOptimize(ctx: number): void;
  jpegWriteHeaders(
    ctx: number, out: number, cap: number, icc: number, iccLen: number, xmp: number, xmpLen: number,
    coms: number, comCount: number, densityUnits: number, xDensity: number, yDensity: number,
  ): number;
  jpegEncode(ctx: number, pix: number, stride: number, step: number, rows: number, out: number, cap: number): number;
  jpegBufferPending(ctx: number): number;
  jpegFinished(ctx: number): number;
  jpegMcuHeight(ctx: number): number;
  jpegOutputMin(ctx: number): number;
  jpegMeasure(ctx: number, on: number): void;
  jpegSquaredError(ctx: number): number;
  jpegSampleHash(ctx: number): bigint;
}

/** Output buffer per call: large enough that most MCU rows need one call, small enough to stay bounded. */
const OUT_CAP = 1 << 20;

/** The encoder state blob, kept on the JavaScript side between core calls. */
export class JpegState {
  private blob: Uint8Array = new Uint8Array(0);

  /** Run `f` with the state copied into the core (pointer `ctx`); the state is copied back afterwards. */
  run<T>(f: (c: JpegCoreExports, ctx: number) => T): T {
    return callCore((core) => {
      const c = core as JpegCoreExports;
      const n = c.jpegContextBytes();
      const ctx = c.alloc(n);
      if (this.blob.length === n) new Uint8Array(c.memory.buffer, ctx, n).set(this.blob);
      const result = f(c, ctx);
      this.blob = new Uint8Array(c.memory.buffer, ctx, n).slice();
      return result;
    }, undefined, "jpeg");
  }

  /** jpegInit; returns the MCU height. */
  init(width: number, height: number, comps: number, s: JpegSettings): number {
    return this.run((c, ctx) => {
      c.jpegInit(ctx, width, height, comps, s.quality, s.hY, s.vY, s.restartInterval);
      return c.jpegMcuHeight(ctx);
    });
  }

  /** Reconstruct, hash and compare every coded block (before the first {@link JpegState.encode}). */
  measure(): void {
    this.run((c, ctx) => c.jpegMeasure(ctx, 1));
  }

  /** Sum of squared errors and the reconstruction hash so far (see {@link JpegState.measure}). */
  measurement(): { sse: number; hash: bigint } {
    return this.run((c, ctx) => ({ sse: c.jpegSquaredError(ctx), hash: c.jpegSampleHash(ctx) }));
  }

  /** Statistics pass over `rows` rows of 8-bit pixels (`step` bytes each). */
  gather(pixels: Uint8Array, width: number, step: number, rows: number): void {
    this.run((c, ctx) => {
      const p = copyIn(c, pixels);
      c.jpegGather(ctx, p, width * step, step, rows);
    });
  }

  optimize(): void {
    this.run((c, ctx) => c.jpegOptimize(ctx));
  }

  /** SOI through SOS. */
  headers(s: JpegSettings): Uint8Array {
    return this.run((c, ctx) => {
      const icc = s.icc ? copyIn(c, s.icc) : 0;
      const xmp = s.xmp ? copyIn(c, s.xmp) : 0;
      let comLen = 0;
      for (const m of s.comments) comLen += 4 + m.length;
      const coms = c.alloc(Math.max(4, comLen));
      let o = coms;
      for (const m of s.comments) {
        new DataView(c.memory.buffer).setUint32(o, m.length, true);
        new Uint8Array(c.memory.buffer, o + 4, m.length).set(m);
        o += 4 + m.length;
      }
      const cap = 4096 + comLen + 8 * s.comments.length + (s.xmp?.length ?? 0) + (s.icc ? s.icc.length + 18 * Math.ceil(s.icc.length / 65519) : 0);
      const out = c.alloc(cap);
      const n = c.jpegWriteHeaders(ctx, out, cap, icc, s.icc?.length ?? 0, xmp, s.xmp?.length ?? 0, coms, s.comments.length, s.densityUnit, s.xDensity, s.yDensity);
      return new Uint8Array(c.memory.buffer, out, n).slice();
    });
  }

  /**
   * Code `rows` rows of 8-bit pixels (`step` bytes each); `fill(view)` writes them into the core
   * buffer. Every chunk of output goes to `sink` as a fresh copy. Returns true once EOI is written.
   */
  encode(fill: (dst: Uint8Array) => void, width: number, step: number, rows: number, sink: (chunk: Uint8Array) => void): boolean {
    return this.run((c, ctx) => {
      const bytes = width * step * rows;
      const pix = c.alloc(Math.max(1, bytes));
      fill(new Uint8Array(c.memory.buffer, pix, bytes));
      const cap = Math.max(c.jpegOutputMin(ctx), Math.min(OUT_CAP, bytes + 4096));
      const out = c.alloc(cap);
      do {
        const n = c.jpegEncode(ctx, pix, width * step, step, rows, out, cap);
        if (n > 0) sink(new Uint8Array(c.memory.buffer, out, n).slice());
      } while (c.jpegBufferPending(ctx) !== 0);
      return c.jpegFinished(ctx) !== 0;
    });
  }
}
