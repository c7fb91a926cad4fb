// State of one JPEG encode, kept in a single flat blob of linear memory that the host owns between
// calls: every entry point receives a pointer to a copy of it (the host copies it in and back out),
// so the encoder survives arena resets and any number of encodes can be interleaved with each
// other and with JPEG 2000 jobs. Nothing in the blob points into the arena.

/** Scalar state (at offset 0 of the blob). */
@unmanaged
export class JpegCtx {
  /** Entropy coder bit buffer: the low `bitCnt` bits are pending (F.1.2.3 / F.1.4). */
  bitBuf: u64;
  bitCnt: i32;
  width: i32;
  height: i32;
  /** Components coded: 1 (greyscale) or 3 (YCbCr). */
  comps: i32;
  quality: i32;
  /** Largest sampling factors (A.1.1) and the MCU size in pixels (A.2.2). */
  hmax: i32;
  vmax: i32;
  mcuW: i32;
  mcuH: i32;
  mcusX: i32;
  mcuRows: i32;
  /** Restart interval Ri in MCUs (B.2.4.4), 0 = none; countdown and next RSTm number. */
  restartInterval: i32;
  restartsToGo: i32;
  nextRestart: i32;
  /** 1 when the Huffman tables were optimised from gathered statistics. */
  optimized: i32;
  /** Next MCU to code: global MCU row and column (the column lets a full output buffer resume). */
  mcuRow: i32;
  mcuCol: i32;
  /** MCU row at which the current input buffer starts, and whether a buffer is in progress. */
  bufStartRow: i32;
  inBuffer: i32;
  /** EOI written. */
  finished: i32;
  /** Headers written. */
  headersDone: i32;
  /** 1 once jpegGather saw rows (statistics pass started). */
  gathering: i32;
  /** 1: reconstruct every coded block (recon.ts), hash it and sum the squared error. */
  measure: i32;
  /** Sum of squared errors of the reconstruction against the input pixels (colour channels). */
  sse: u64;
  /** Running hash of the reconstructed blocks (recon.ts hashBlock). */
  hash: u64;
}

/** Offsets of the arrays inside the blob. */
export const CTX_COMP: usize = 256; // i32 [3][COMP_FIELDS]
export const COMP_FIELDS: usize = 8;
export const CF_H: usize = 0; // horizontal sampling factor
export const CF_V: usize = 1; // vertical sampling factor
export const CF_WB: usize = 2; // width in blocks, ceil(ceil(X*h/hmax)/8) (A.2.4)
export const CF_HB: usize = 3; // height in blocks
export const CF_DSH: usize = 4; // downsampled height ceil(Y*v/vmax)
export const CF_DC: usize = 5; // DC predictor (F.1.1.5.1)
export const CF_TBL: usize = 6; // quantisation / Huffman table set: 0 luminance, 1 chrominance
export const CTX_QUANT: usize = 384; // u16 [2][64] quantisation values, natural order
export const CTX_DIV: usize = 640; // i32 [2][64] divisors for the scaled DCT output (q << 3)
export const CTX_BITS: usize = 1152; // u8 [4][32]: BITS[1..16] at [1..16]
export const CTX_VALS: usize = 1280; // u8 [4][256] HUFFVAL
export const CTX_CODE: usize = 2304; // u32 [4][256] EHUFCO
export const CTX_SIZE: usize = 6400; // u8 [4][256] EHUFSI (0 = symbol has no code)
export const CTX_FREQ: usize = 7424; // u64 [4][257] symbol counts for optimised tables
export const CTX_RECIP: usize = 7424 + 4 * 257 * 8; // u32 [2][64] reciprocals, zig-zag order
export const CTX_HALF: usize = CTX_RECIP + 512; // u32 [2][64] rounding offsets (q << 2), zig-zag order
export const CTX_RECIP_N: usize = CTX_HALF + 512; // the same two tables in natural order (SIMD build)
export const CTX_HALF_N: usize = CTX_RECIP_N + 512;
export const CTX_BYTES: usize = CTX_HALF_N + 512;

/** Huffman table slots: DC/AC for luminance, DC/AC for chrominance (Tc/Th in DHT, B.2.4.2). */
export const HT_DC_LUMA: i32 = 0;
export const HT_AC_LUMA: i32 = 1;
export const HT_DC_CHROMA: i32 = 2;
export const HT_AC_CHROMA: i32 = 3;

// @ts-ignore: decorator
@inline
export function compGet(ctx: usize, c: i32, f: usize): i32 {
  return load<i32>(ctx + CTX_COMP + ((<usize>c * COMP_FIELDS + f) << 2));
}

// @ts-ignore: decorator
@inline
export function compSet(ctx: usize, c: i32, f: usize, v: i32): void {
  store<i32>(ctx + CTX_COMP + ((<usize>c * COMP_FIELDS + f) << 2), v);
}
