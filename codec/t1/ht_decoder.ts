// HT block decoder, ISO/IEC 15444-15 | Rec. ITU-T T.814 clause 7 (HTJ2K).
//
// A code-block's coding passes are numbered as in Part 1 (pass 0 = the first cleanup pass) and
// grouped in HT sets of three: HT cleanup at bit-plane p, HT SigProp and HT MagRef at p - 1. Each
// HT cleanup pass codes every magnitude bit from the MSB down to its bit-plane, so a later set
// supersedes an earlier one: the decoder uses the last set whose cleanup segment it has, plus the
// refinement passes of that set. T2 (codec/t2/packet_decoder.ts) puts the cleanup codeword segment
// of set s at segment index 2s and its refinement segment (SigProp, MagRef) at 2s + 1; set s has
// its cleanup at bit-plane p = numBps - 1 - s (numBps = Mb + ROI shift - the "zero bit-planes"
// value of the packet header, whose placeholder passes are counted in s).
//
// Cleanup segment (7.1, 7.3): Lcup bytes, the last 12 bits give Scup = length of the MEL + VLC
// suffix. MagSgn grows forward from byte 0 (Pcup = Lcup - Scup bytes), MEL forward from Pcup, VLC
// backward from byte Lcup - 2. Quads (2x2 samples; sample n: 0 top-left, 1 bottom-left,
// 2 top-right, 3 bottom-right) are decoded in pairs along each quad row: context-adaptive VLC
// (initial-row or non-initial-row table, MEL events for context 0), then the UVLC u values of the
// pair, then each significant sample's m_n = U_q - e_k MagSgn bits.
// Refinement segment (7.4, 7.5): SigProp bits grow forward from its start, MagRef bits backward
// from its end; both are read with the bit-unstuffing rules of their direction and zeros past end.
//
// Output follows docs/ARCHITECTURE.md seam 1: ±(2·K + 2^q) where q is the lowest bit-plane decoded
// for the sample, i.e. ±(2μ + 1)·2^p after the cleanup, ±3·2^(p-1) for a sample found significant
// by SigProp, and ±(2μ + 1)·2^p ± 2^(p-1) after MagRef.
//
// Robustness: every reader is bounded by its segment (MagSgn and MEL read 1s past their ends, VLC,
// SigProp and MagRef read 0s), loops are bounded by the block size, and the checks below end in
// fail(ERR_CODEBLOCK_CORRUPT, -1, reason): 1 Lcup < 2, 2 Scup out of range, 3 a magnitude beyond
// the 32-bit sample path (U_q too large), 4 the cleanup bit-plane below 0 (more HT sets than
// bit-planes). The block is never read or written outside [data, data + total) and its w x h output.

import { HT_VLC0, HT_VLC1, HT_UVLC0, HT_UVLC1 } from "./ht_tables";
import { fail } from "../util/fail";
import { ERR_CODEBLOCK_CORRUPT } from "../util/error_codes";

/** Code-block style bit: vertically causal context formation (Table A.19; used by HT SigProp). */
const CBLK_VCAUSAL: i32 = 0x08;

export const HT_ERR_LCUP: i32 = 1;
export const HT_ERR_SCUP: i32 = 2;
export const HT_ERR_MAGNITUDE: i32 = 3;
export const HT_ERR_PLANE: i32 = 4;

// ---- scratch (static: no allocation per block) ------------------------------------------------

/** Significance of the quads of the previous quad row (index q + 1; 0 at both ends). */
const RHO_A: usize = memory.data(528, 16);
const RHO_B: usize = memory.data(528, 16);
/** v values (2(μ-1) + 1 with the implicit MSB) of the bottom row of the previous quad row, index x + 1. */
const VB_A: usize = memory.data(4 * 1040, 16);
const VB_B: usize = memory.data(4 * 1040, 16);
/** Significance state for the refinement passes, (w + 2) x (h + 2) with a zero border. */
const ST: usize = memory.data(8192, 16);
const ST_SIG: u8 = 1; // significant after the cleanup pass
const ST_SP: u8 = 2; // became significant in SigProp
const ST_NEW: u8 = 4; // its sign bit is still to be read

/** MEL exponents E[k] (T.814 Table 2). */
const MEL_E: usize = memory.data<u8>([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5]);

// ---- bit readers (module state) ---------------------------------------------------------------

// MagSgn: forward, LSB first, a byte after 0xFF carries 7 bits, 0xFF past the end.
let msBuf: u64 = 0;
let msBits: i32 = 0;
let msPos: usize = 0;
let msEnd: usize = 0;
let msFF: bool = false;

// @ts-ignore: decorator
@inline
function msFill(): void {
  while (msBits <= 56) {
    let b: u32 = 0xff;
    if (msPos < msEnd) b = <u32>load<u8>(msPos++);
    if (msFF) {
      msBuf |= <u64>(b & 0x7f) << <u64>msBits;
      msBits += 7;
    } else {
      msBuf |= <u64>b << <u64>msBits;
      msBits += 8;
    }
    msFF = b == 0xff;
  }
}

// @ts-ignore: decorator
@inline
function msRead(n: i32): u32 {
  if (msBits < n) msFill();
  let v = <u32>(msBuf & ((<u64>1 << <u64>n) - 1));
  msBuf >>= <u64>n;
  msBits -= n;
  return v;
}

// MEL: forward, MSB first, a byte after 0xFF carries 7 bits; its last byte (shared with the VLC
// suffix) has its low nibble forced to 1s; 0xFF past the end.
let melPos: usize = 0;
let melEnd: usize = 0;
let melCur: u32 = 0;
let melLeft: i32 = 0;
let melFF: bool = false;
let melK: i32 = 0;
let melRun: i32 = 0;
let melOne: i32 = 0;

function melBit(): u32 {
  if (melLeft == 0) {
    let b: u32 = 0xff;
    if (melPos < melEnd) {
      b = <u32>load<u8>(melPos);
      if (melPos + 1 == melEnd) b |= 0x0f;
      melPos++;
    }
    melLeft = melFF ? 7 : 8;
    melFF = b == 0xff;
    melCur = b;
  }
  melLeft--;
  return (melCur >> <u32>melLeft) & 1;
}

/** Next MEL symbol (T.814 7.3.3): 0 = quad (pair) stays insignificant / no offset, 1 = coded. */
function melEvent(): i32 {
  if (melRun == 0 && melOne == 0) {
    let e = <i32>load<u8>(MEL_E + <usize>melK);
    if (melBit() != 0) {
      melRun = 1 << e;
      melK = min(melK + 1, 12);
    } else {
      let r = 0;
      for (let i = 0; i < e; i++) r = (r << 1) | <i32>melBit();
      melRun = r;
      melOne = 1;
      melK = max(melK - 1, 0);
    }
  }
  if (melRun > 0) {
    melRun--;
    return 0;
  }
  melOne = 0;
  return 1;
}

// Backward readers (VLC, MagRef): LSB first from the highest address down; a byte whose low 7
// bits are all 1 and that follows (in reading order) a byte > 0x8F carries 7 bits; 0 past the end.
let rvBuf: u64 = 0;
let rvBits: i32 = 0;
let rvPos: isize = 0; // next byte to read (offset from rvBase), reading down to rvLow
let rvLow: isize = 0;
let rvBase: usize = 0;
let rvUnstuff: bool = false;

// @ts-ignore: decorator
@inline
function rvFill(): void {
  while (rvBits <= 56) {
    let b: u32 = 0;
    if (rvPos >= rvLow) {
      b = <u32>load<u8>(rvBase + <usize>rvPos);
      rvPos--;
    }
    if (rvUnstuff && (b & 0x7f) == 0x7f) {
      rvBuf |= <u64>(b & 0x7f) << <u64>rvBits;
      rvBits += 7;
    } else {
      rvBuf |= <u64>b << <u64>rvBits;
      rvBits += 8;
    }
    rvUnstuff = b > 0x8f;
  }
}

// @ts-ignore: decorator
@inline
function rvPeek(): u32 {
  if (rvBits < 32) rvFill();
  return <u32>rvBuf;
}

// @ts-ignore: decorator
@inline
function rvSkip(n: i32): void {
  rvBuf >>= <u64>n;
  rvBits -= n;
}

// SigProp: forward, LSB first, a byte after 0xFF carries 7 bits, 0 past the end.
let spBuf: u64 = 0;
let spBits: i32 = 0;
let spPos: usize = 0;
let spEnd: usize = 0;
let spFF: bool = false;

function spBit(): u32 {
  if (spBits == 0) {
    while (spBits <= 56) {
      let b: u32 = 0;
      if (spPos < spEnd) b = <u32>load<u8>(spPos++);
      if (spFF) {
        spBuf |= <u64>(b & 0x7f) << <u64>spBits;
        spBits += 7;
      } else {
        spBuf |= <u64>b << <u64>spBits;
        spBits += 8;
      }
      spFF = b == 0xff;
    }
  }
  let v = <u32>spBuf & 1;
  spBuf >>= 1;
  spBits--;
  return v;
}

// ---- block decoding -----------------------------------------------------------------------------

/**
 * Decode one HT code-block; same contract as ebcotDecodeBlock (docs/ARCHITECTURE.md seam 1), with
 * the segment layout described at the top of this file. Returns false if no cleanup segment was
 * present (the block is then all zero).
 */
export function htDecodeBlock(
  data: usize, segLens: usize, segPasses: usize, numSegs: i32,
  w: i32, h: i32, numBps: i32, cblkStyle: i32,
  out: usize, outStride: i32,
): bool {
  for (let y = 0; y < h; y++) memory.fill(out + ((<usize>y * <usize>outStride) << 2), 0, <usize>w << 2);
  // the last HT set with a cleanup segment
  let k = -1;
  for (let s = (numSegs - 1) & ~1; s >= 0; s -= 2) {
    if (load<u32>(segLens + (<usize>s << 2)) != 0) {
      k = s;
      break;
    }
  }
  if (k < 0) return false;
  let off: usize = 0;
  for (let s = 0; s < k; s++) off += <usize>load<u32>(segLens + (<usize>s << 2));
  let lcup = <i32>load<u32>(segLens + (<usize>k << 2));
  let lref = 0;
  let refPasses = 0;
  if (k + 1 < numSegs) {
    lref = <i32>load<u32>(segLens + (<usize>(k + 1) << 2));
    refPasses = min(<i32>load<u32>(segPasses + (<usize>(k + 1) << 2)), 2);
  }
  let p = numBps - 1 - (k >> 1);
  if (p < 0) fail(ERR_CODEBLOCK_CORRUPT, -1, HT_ERR_PLANE, p);
  let cup = data + off;
  htCleanup(cup, lcup, w, h, p, out, outStride);
  // refinement passes code bit-plane p - 1
  if (refPasses > 0 && p >= 1) {
    buildSignificance(w, h, out, outStride);
    htSigProp(cup + <usize>lcup, lref, w, h, p, (cblkStyle & CBLK_VCAUSAL) != 0, out, outStride);
    if (refPasses > 1) htMagRef(cup + <usize>lcup, lref, w, h, p, out, outStride);
  }
  return true;
}

/** HT cleanup pass (T.814 7.3): all magnitude bits down to bit-plane p. */
function htCleanup(cup: usize, lcup: i32, w: i32, h: i32, p: i32, out: usize, outStride: i32): void {
  if (lcup < 2) fail(ERR_CODEBLOCK_CORRUPT, -1, HT_ERR_LCUP, lcup);
  let last = <i32>load<u8>(cup + <usize>(lcup - 1));
  let prev = <i32>load<u8>(cup + <usize>(lcup - 2));
  let scup = (last << 4) | (prev & 0x0f);
  if (scup < 2 || scup > lcup || scup > 4079) fail(ERR_CODEBLOCK_CORRUPT, -1, HT_ERR_SCUP, scup);
  let pcup = lcup - scup;
  // MagSgn
  msBuf = 0;
  msBits = 0;
  msPos = cup;
  msEnd = cup + <usize>pcup;
  msFF = false;
  // MEL: bytes [Pcup, Lcup - 1)
  melPos = cup + <usize>pcup;
  melEnd = cup + <usize>(lcup - 1);
  melLeft = 0;
  melFF = false;
  melK = 0;
  melRun = 0;
  melOne = 0;
  // VLC: the high nibble of byte Lcup - 2, then bytes Lcup - 3 down to Pcup
  rvBase = cup;
  rvLow = <isize>pcup;
  rvPos = <isize>(lcup - 3);
  let nib = <u32>(prev >> 4);
  if ((nib & 7) == 7) {
    rvBuf = <u64>(nib & 7);
    rvBits = 3;
  } else {
    rvBuf = <u64>nib;
    rvBits = 4;
  }
  rvUnstuff = (prev | 0x0f) > 0x8f;

  let qw = (w + 1) >> 1;
  let qh = (h + 1) >> 1;
  let maxU = 31 - p; // larger exponents cannot be represented (checked per sample below)
  let rhoPrev = RHO_A, rhoCur = RHO_B;
  let vbPrev = VB_A, vbCur = VB_B;
  memory.fill(rhoPrev, 0, <usize>(qw + 2));
  memory.fill(vbPrev, 0, <usize>(2 * qw + 4) << 2);
  for (let qy = 0; qy < qh; qy++) {
    let initial = qy == 0;
    let vlc = initial ? HT_VLC0 : HT_VLC1;
    let y0 = qy << 1;
    let hasRow1 = y0 + 1 < h;
    store<u8>(rhoCur, 0);
    memory.fill(vbCur, 0, <usize>(2 * qw + 4) << 2);
    let rhoLeft: u32 = 0;
    for (let q = 0; q < qw; q += 2) {
      // ---- VLC of the two quads
      let c0: u32;
      if (initial) c0 = (rhoLeft & 1) | ((rhoLeft >> 1) & 1) | (((rhoLeft >> 2) & 1) << 1) | (((rhoLeft >> 3) & 1) << 2);
      else c0 = ctxNonInitial(rhoLeft, rhoPrev, q);
      let e0 = <u32>load<u16>(vlc + ((<usize>((c0 << 7) | (rvPeek() & 0x7f))) << 1));
      if (c0 == 0 && melEvent() == 0) e0 = 0;
      rvSkip(<i32>(e0 & 7));
      let rho0 = (e0 >> 4) & 15;
      store<u8>(rhoCur + <usize>(q + 1), <u8>rho0);
      let e1: u32 = 0;
      let hasQ1 = q + 1 < qw;
      if (hasQ1) {
        let c1: u32;
        if (initial) c1 = (rho0 & 1) | ((rho0 >> 1) & 1) | (((rho0 >> 2) & 1) << 1) | (((rho0 >> 3) & 1) << 2);
        else c1 = ctxNonInitial(rho0, rhoPrev, q + 1);
        e1 = <u32>load<u16>(vlc + ((<usize>((c1 << 7) | (rvPeek() & 0x7f))) << 1));
        if (c1 == 0 && melEvent() == 0) e1 = 0;
        rvSkip(<i32>(e1 & 7));
        store<u8>(rhoCur + <usize>(q + 2), <u8>((e1 >> 4) & 15));
      }
      rhoLeft = (e1 >> 4) & 15;
      // ---- UVLC: u values of the pair
      let mode = ((e0 >> 3) & 1) | (((e1 >> 3) & 1) << 1);
      let u0: u32 = 0, u1: u32 = 0;
      if (mode != 0) {
        let uv: u32;
        if (initial) {
          if (mode == 3 && melEvent() != 0) mode = 4;
          uv = <u32>load<u16>(HT_UVLC0 + ((<usize>((mode << 6) | (rvPeek() & 0x3f))) << 1));
        } else {
          uv = <u32>load<u16>(HT_UVLC1 + ((<usize>((mode << 6) | (rvPeek() & 0x3f))) << 1));
        }
        rvSkip(<i32>(uv & 7));
        let sl = <i32>((uv >> 3) & 15);
        let sfx = rvPeek() & ((<u32>1 << <u32>sl) - 1);
        rvSkip(sl);
        let s0 = (uv >> 7) & 7;
        u0 = ((uv >> 10) & 7) + (sfx & ((<u32>1 << s0) - 1));
        u1 = (uv >> 13) + (sfx >> s0);
      }
      // ---- MagSgn of the two quads
      let x0 = q << 1;
      if (rho0 != 0) {
        let U = initial ? u0 + 1 : u0 + kappa(rho0, vbPrev, x0);
        if (<i32>U > maxU) fail(ERR_CODEBLOCK_CORRUPT, -1, HT_ERR_MAGNITUDE, <i32>U);
        magSgnQuad(e0, U, p, out, outStride, x0, y0, x0 + 1 < w, hasRow1, vbCur);
      }
      if (hasQ1) {
        let rho1 = (e1 >> 4) & 15;
        if (rho1 != 0) {
          let x1 = x0 + 2;
          let U = initial ? u1 + 1 : u1 + kappa(rho1, vbPrev, x1);
          if (<i32>U > maxU) fail(ERR_CODEBLOCK_CORRUPT, -1, HT_ERR_MAGNITUDE, <i32>U);
          magSgnQuad(e1, U, p, out, outStride, x1, y0, x1 + 1 < w, hasRow1, vbCur);
        }
      }
    }
    store<u8>(rhoCur + <usize>(qw + 1), 0);
    let t = rhoPrev;
    rhoPrev = rhoCur;
    rhoCur = t;
    let tv = vbPrev;
    vbPrev = vbCur;
    vbCur = tv;
  }
}

/** Context c_q of a quad in a non-initial row (T.814 eq. 2): left quad and the row above. */
// @ts-ignore: decorator
@inline
function ctxNonInitial(rhoLeft: u32, rhoPrev: usize, q: i32): u32 {
  let nw = <u32>load<u8>(rhoPrev + <usize>q); // quad above-left (index q - 1 + 1)
  let n = <u32>load<u8>(rhoPrev + <usize>(q + 1));
  let ne = <u32>load<u8>(rhoPrev + <usize>(q + 2));
  return (((nw >> 3) | (n >> 1)) & 1) | ((((rhoLeft >> 2) | (rhoLeft >> 3)) & 1) << 1) | ((((n >> 3) | (ne >> 1)) & 1) << 2);
}

/** κ_q for a non-initial row (T.814 7.3.7): max(E_max - 1, 1) if ρ_q has two or more significant samples. */
// @ts-ignore: decorator
@inline
function kappa(rho: u32, vbPrev: usize, x: i32): u32 {
  if ((rho & (rho - 1)) == 0) return 1;
  // samples above at columns x-1 .. x+2 live at indices x .. x+3
  let v = load<u32>(vbPrev + (<usize>x << 2)) | load<u32>(vbPrev + (<usize>(x + 1) << 2)) |
    load<u32>(vbPrev + (<usize>(x + 2) << 2)) | load<u32>(vbPrev + (<usize>(x + 3) << 2));
  return 31 - clz<u32>(v | 2);
}

/** MagSgn bits of one quad (T.814 7.3.8); writes its samples inside the block and the bottom-row v values. */
// @ts-ignore: decorator
@inline
function magSgnQuad(e: u32, U: u32, p: i32, out: usize, outStride: i32, x: i32, y: i32, hasCol1: bool, hasRow1: bool, vbCur: usize): void {
  let rho = (e >> 4) & 15;
  let e1 = (e >> 8) & 15;
  let ek = (e >> 12) & 15;
  let row0 = out + ((<usize>y * <usize>outStride + <usize>x) << 2);
  let row1 = row0 + (<usize>outStride << 2);
  for (let n: u32 = 0; n < 4; n++) {
    if (((rho >> n) & 1) == 0) continue;
    let m = <i32>U - <i32>((ek >> n) & 1);
    let bits = msRead(m);
    let v = <u64>bits | (<u64>((e1 >> n) & 1) << <u64>m) | 1;
    let mag = (v + 2) << <u64>p;
    if (mag > 0x7fffffff) fail(ERR_CODEBLOCK_CORRUPT, -1, HT_ERR_MAGNITUDE, <i32>U);
    let val = <i32>mag;
    if ((bits & 1) != 0) val = -val;
    let col = <i32>(n >> 1);
    let bottom = (n & 1) != 0;
    if (bottom) store<u32>(vbCur + (<usize>(x + col + 1) << 2), <u32>min(v, <u64>0xffffffff));
    if (col == 1 && !hasCol1) continue;
    if (bottom) {
      if (hasRow1) store<i32>(row1 + (<usize>col << 2), val);
    } else {
      store<i32>(row0 + (<usize>col << 2), val);
    }
  }
}

/** Fill ST with the cleanup significance of the w x h block (zero border). */
function buildSignificance(w: i32, h: i32, out: usize, outStride: i32): void {
  let sw = w + 2;
  memory.fill(ST, 0, <usize>sw * <usize>(h + 2));
  for (let y = 0; y < h; y++) {
    let src = out + ((<usize>y * <usize>outStride) << 2);
    let dst = ST + <usize>(y + 1) * <usize>sw + 1;
    for (let x = 0; x < w; x++) {
      if (load<i32>(src + (<usize>x << 2)) != 0) store<u8>(dst + <usize>x, ST_SIG);
    }
  }
}

/** HT SigProp pass (T.814 7.4): bit-plane p - 1; stripes of 4 rows, groups of 4 columns. */
function htSigProp(seg: usize, len: i32, w: i32, h: i32, p: i32, causal: bool, out: usize, outStride: i32): void {
  spBuf = 0;
  spBits = 0;
  spPos = seg;
  spEnd = seg + <usize>max(len, 0);
  spFF = false;
  let sw = <usize>(w + 2);
  let half = 3 << (p - 1);
  for (let y0 = 0; y0 < h; y0 += 4) {
    let y1 = min(y0 + 4, h);
    for (let gx = 0; gx < w; gx += 4) {
      let gx1 = min(gx + 4, w);
      let any = false;
      // significance bits, column by column
      for (let x = gx; x < gx1; x++) {
        for (let y = y0; y < y1; y++) {
          let s = ST + <usize>(y + 1) * sw + <usize>(x + 1);
          if ((load<u8>(s) & ST_SIG) != 0) continue;
          let nb = <u32>load<u8>(s - sw - 1) | <u32>load<u8>(s - sw) | <u32>load<u8>(s - sw + 1) |
            <u32>load<u8>(s - 1) | <u32>load<u8>(s + 1);
          if (!causal || y + 1 < y1) nb |= <u32>load<u8>(s + sw - 1) | <u32>load<u8>(s + sw) | <u32>load<u8>(s + sw + 1);
          if ((nb & <u32>(ST_SIG | ST_SP)) == 0) continue;
          if (spBit() != 0) {
            store<u8>(s, ST_SP | ST_NEW);
            any = true;
          }
        }
      }
      if (!any) continue;
      // sign bits of the newly significant samples, same order
      for (let x = gx; x < gx1; x++) {
        for (let y = y0; y < y1; y++) {
          let s = ST + <usize>(y + 1) * sw + <usize>(x + 1);
          if ((load<u8>(s) & ST_NEW) == 0) continue;
          store<u8>(s, ST_SP);
          let val = spBit() != 0 ? -half : half;
          store<i32>(out + ((<usize>y * <usize>outStride + <usize>x) << 2), val);
        }
      }
    }
  }
}

/** HT MagRef pass (T.814 7.5): one bit per sample significant after the cleanup, stripe order. */
function htMagRef(seg: usize, len: i32, w: i32, h: i32, p: i32, out: usize, outStride: i32): void {
  rvBase = seg;
  rvLow = 0;
  rvPos = <isize>len - 1;
  rvBuf = 0;
  rvBits = 0;
  rvUnstuff = true;
  let sw = <usize>(w + 2);
  let d = 1 << (p - 1);
  for (let y0 = 0; y0 < h; y0 += 4) {
    let y1 = min(y0 + 4, h);
    for (let x = 0; x < w; x++) {
      for (let y = y0; y < y1; y++) {
        if ((load<u8>(ST + <usize>(y + 1) * sw + <usize>(x + 1)) & ST_SIG) == 0) continue;
        let bit = rvPeek() & 1;
        rvSkip(1);
        let o = out + ((<usize>y * <usize>outStride + <usize>x) << 2);
        let v = load<i32>(o);
        let dd = bit != 0 ? d : -d;
        store<i32>(o, v > 0 ? v + dd : v - dd);
      }
    }
  }
}
