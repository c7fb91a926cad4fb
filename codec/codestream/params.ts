// Parameter records of the marker segments, with fields named as in ISO/IEC 15444-1 Annex A.
// All records are @unmanaged and live in the job arena.

import { arenaAllocZeroed } from "../util/arena";

/** Highest number of decomposition levels (A.6.1: NL <= 32), hence 33 resolutions, 97 sub-bands. */
export const MAX_LEVELS: i32 = 32;
export const MAX_RES: i32 = 33;
export const MAX_BANDS: i32 = 97;

/** Progression orders (Table A.16) and code-block style bits (Table A.19 + Part 15 HT bit) cross the
 * host boundary, so they are defined once in scripts/core_interface.mjs (generated into api_fields.ts). */
export { PROG_LRCP, PROG_RLCP, PROG_RPCL, PROG_PCRL, PROG_CPRL } from "../api_fields";
export { CBLK_BYPASS, CBLK_RESET, CBLK_TERMALL, CBLK_VCAUSAL, CBLK_PTERM, CBLK_SEGSYM, CBLK_HT } from "../api_fields";

/** Quantization styles, Table A.28. */
export const QUANT_NONE: i32 = 0;
export const QUANT_DERIVED: i32 = 1;
export const QUANT_EXPOUNDED: i32 = 2;

/** One component of SIZ (A.5.1): Ssiz, XRsiz, YRsiz. */
@unmanaged
export class CompSiz {
  /** Precision in bits: (Ssiz & 0x7F) + 1. */
  prec: i32;
  /** 1 if samples are signed (Ssiz bit 7). */
  sgnd: i32;
  /** XRsiz, YRsiz. */
  dx: i32;
  dy: i32;
}

/** SIZ (A.5.1). Coordinates on the reference grid. */
@unmanaged
export class Siz {
  Rsiz: i32;
  Xsiz: i32;
  Ysiz: i32;
  XOsiz: i32;
  YOsiz: i32;
  XTsiz: i32;
  YTsiz: i32;
  XTOsiz: i32;
  YTOsiz: i32;
  Csiz: i32;
  /** Tiles across / down (B.3). */
  tilesX: i32;
  tilesY: i32;
  numTiles: i32;
  /** CompSiz[Csiz] */
  comps: usize;
}

// @ts-ignore: decorator
@inline
export function compSiz(siz: Siz, c: i32): CompSiz {
  return changetype<CompSiz>(siz.comps + <usize>c * offsetof<CompSiz>());
}

/** Component part of COD/COC: SPcod / SPcoc (A.6.1, A.6.2, Tables A.15-A.21). */
@unmanaged
export class CodingStyle {
  /** Number of decomposition levels NL. */
  levels: i32;
  /** Code-block width/height exponents (xcb, ycb of B.7, i.e. field value + 2). */
  xcb: i32;
  ycb: i32;
  /** Code-block style (Table A.19). */
  cblkStyle: i32;
  /** Wavelet: 1 = 5/3 reversible, 0 = 9/7 irreversible (Table A.20). */
  reversible: i32;
  /** 1 if precinct sizes are given (Scod/Scoc bit 0), else PPx = PPy = 15. */
  userPrecincts: i32;
  /** u8[MAX_RES]: PPx in the low nibble, PPy in the high nibble (Table A.21). */
  pp: usize;
}

export function newCodingStyle(): CodingStyle {
  let s = changetype<CodingStyle>(arenaAllocZeroed(offsetof<CodingStyle>()));
  s.pp = arenaAllocZeroed(<usize>MAX_RES);
  return s;
}

export function copyCodingStyle(dst: CodingStyle, src: CodingStyle): void {
  dst.levels = src.levels;
  dst.xcb = src.xcb;
  dst.ycb = src.ycb;
  dst.cblkStyle = src.cblkStyle;
  dst.reversible = src.reversible;
  dst.userPrecincts = src.userPrecincts;
  memory.copy(dst.pp, src.pp, <usize>MAX_RES);
}

// @ts-ignore: decorator
@inline
export function ppx(s: CodingStyle, r: i32): i32 {
  return <i32>load<u8>(s.pp + <usize>r) & 15;
}

// @ts-ignore: decorator
@inline
export function ppy(s: CodingStyle, r: i32): i32 {
  return <i32>load<u8>(s.pp + <usize>r) >> 4;
}

/** Global part of COD: Scod bits 1-2 and SGcod (Tables A.13, A.14). */
@unmanaged
export class GlobalStyle {
  sop: i32;
  eph: i32;
  progression: i32;
  layers: i32;
  mct: i32;
}

/** QCD / QCC (A.6.4, A.6.5). */
@unmanaged
export class QuantStyle {
  /** Table A.28: 0 none, 1 scalar derived, 2 scalar expounded. */
  style: i32;
  /** Number of guard bits G. */
  guard: i32;
  /** Number of (exponent, mantissa) entries present. */
  count: i32;
  /** u16[MAX_BANDS]: (epsilon << 11) | mu per sub-band, in the order of A.6.4. */
  steps: usize;
}

export function newQuantStyle(): QuantStyle {
  let q = changetype<QuantStyle>(arenaAllocZeroed(offsetof<QuantStyle>()));
  q.steps = arenaAllocZeroed(<usize>MAX_BANDS * 2);
  return q;
}

/**
 * Exponent epsilon_b and mantissa mu_b for sub-band index `b` (0 = LL, then HL, LH, HH of level NL,
 * ..., of level 1), of a tile-component with `levels` decomposition levels (E.1.1.2 for derived).
 */
export function quantExponent(q: QuantStyle, b: i32, levels: i32): i32 {
  if (q.style == QUANT_DERIVED) {
    let e0 = <i32>load<u16>(q.steps) >> 11;
    // nb: decomposition level of the band; LL has nb = NL, bands of resolution r have nb = NL - r + 1
    let nb = b == 0 ? levels : levels - (b - 1) / 3;
    return e0 - levels + nb;
  }
  if (b >= q.count) return 0; // not given: such bands carry no bit-planes (as OpenJPEG reads them)
  return <i32>load<u16>(q.steps + (<usize>b << 1)) >> 11;
}

export function quantMantissa(q: QuantStyle, b: i32): i32 {
  if (q.style == QUANT_DERIVED) return <i32>load<u16>(q.steps) & 0x7ff;
  if (b >= q.count) return 0;
  return <i32>load<u16>(q.steps + (<usize>b << 1)) & 0x7ff;
}

/** One progression of a POC marker (A.6.6, Table A.32). End values are exclusive. */
@unmanaged
export class PocEntry {
  RSpoc: i32;
  CSpoc: i32;
  LYEpoc: i32;
  REpoc: i32;
  CEpoc: i32;
  Ppoc: i32;
}

/** A list of POC entries (main header, or main + tile). */
@unmanaged
export class PocList {
  count: i32;
  cap: i32;
  /** PocEntry[cap] */
  entries: usize;
}

// @ts-ignore: decorator
@inline
export function pocEntry(l: PocList, i: i32): PocEntry {
  return changetype<PocEntry>(l.entries + <usize>i * offsetof<PocEntry>());
}
