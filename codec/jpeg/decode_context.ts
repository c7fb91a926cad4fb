// State of one baseline JPEG decode (ISO/IEC 10918-1 Annex F.2), a flat blob the host owns
// between calls exactly as the encoder's (context.ts): every entry point gets a pointer to a copy.
// The host parses the markers up to SOS (src/jpeg/decode.ts) and loads the tables; the core decodes
// the entropy-coded segment MCU row by MCU row.

/** Scalar state (at offset 0 of the blob). */
@unmanaged
export class JpegDecCtx {
  /** Bit reader: the low `bitCnt` bits of `bitBuf` are unread (F.2.2.5); `fakeBits` of them are zeros put in after a marker or the end of the input. */
  bitBuf: u64;
  /** Running hash of the reconstructed blocks (recon.ts). */
  hash: u64;
  bitCnt: i32;
  fakeBits: i32;
  /** 1 once the reader stopped at a marker (or the end of the input). */
  atMarker: i32;
  width: i32;
  height: i32;
  comps: i32;
  hmax: i32;
  vmax: i32;
  mcuW: i32;
  mcuH: i32;
  mcusX: i32;
  mcuRows: i32;
  /** Restart interval Ri in MCUs (B.2.4.4), countdown, next expected RSTm. */
  restartInterval: i32;
  restartsToGo: i32;
  nextRestart: i32;
  mcuRow: i32;
  mcuCol: i32;
  /** 0 entropy data, 1 all MCUs read (EOI next), 2 EOI read. */
  phase: i32;
  /** Input bytes consumed by the last call, and where in that input an error was found. */
  consumed: i32;
  errorAt: i32;
  /** Bytes that always hold one more MCU (with a restart marker): the input margin. */
  mcuBytes: i32;
}

/** Per component: i32 [3][DC_FIELDS]. */
export const DCTX_COMP: usize = 128;
export const DC_FIELDS: usize = 8;
export const DF_H: usize = 0;
export const DF_V: usize = 1;
export const DF_PRED: usize = 4; // DC prediction (F.2.1.3.1)
export const DF_TQ: usize = 5; // quantisation table 0..3
export const DF_TD: usize = 6; // DC Huffman table 0..3
export const DF_TA: usize = 7; // AC Huffman table 0..3
/** u16 [4][64] quantisation tables, natural order. */
export const DCTX_QUANT: usize = 256;
/** Huffman decoding tables: 8 slots (DC 0..3, then AC 0..3) of HT_SLOT bytes. */
export const DCTX_HUFF: usize = 768;
export const HT_SLOT: usize = 1536;
/** Inside a slot: u16 [512] 9-bit look-ahead (length << 8 | symbol, 0 = longer code), i32 [18] MAXCODE, i32 [18] VALPTR - MINCODE, u8 [256] HUFFVAL. */
export const HT_LOOK: usize = 0;
export const HT_MAXCODE: usize = 1024;
export const HT_VALOFF: usize = 1024 + 72;
export const HT_VALS: usize = 1024 + 144;
export const DCTX_BYTES: usize = DCTX_HUFF + 8 * HT_SLOT;

/** Look-ahead bits of the fast Huffman path. */
export const LOOK_BITS: i32 = 9;

// @ts-ignore: decorator
@inline
export function dcompGet(ctx: usize, c: i32, f: usize): i32 {
  return load<i32>(ctx + DCTX_COMP + ((<usize>c * DC_FIELDS + f) << 2));
}

// @ts-ignore: decorator
@inline
export function dcompSet(ctx: usize, c: i32, f: usize, v: i32): void {
  store<i32>(ctx + DCTX_COMP + ((<usize>c * DC_FIELDS + f) << 2), v);
}

/** Results of jpegDecodeRows below zero: what is wrong with the entropy-coded data. */
export const DEC_BAD_CODE: i32 = -1; // no Huffman code matches
export const DEC_DATA_ENDS: i32 = -2; // the segment ends (marker or end of file) inside an MCU
export const DEC_BAD_RESTART: i32 = -3; // the expected RSTm is not there
export const DEC_COEF_OVERFLOW: i32 = -4; // run/size symbols go past coefficient 63
export const DEC_BAD_SIZE: i32 = -5; // a DC size above 11 or an AC size above 10
export const DEC_NO_EOI: i32 = -6; // something other than EOI after the last MCU
