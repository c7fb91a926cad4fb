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
// bit-planes). The block is never written outside its w x h output and never read outside its
// segments: the cleanup pass reads its MagSgn and VLC streams from bounded copies (MSB, VLB: sized
// for the most bits a block can read, filled with the stream's past-the-end bits beyond the data).

import { HT_VLC0, HT_VLC1, HT_UVLC0, HT_UVLC1 } from "./ht_tables";
import { fail } from "../util/fail";
import { ERR_CODEBLOCK_CORRUPT } from "../util/error_codes";

/** Code-block style bit: vertically causal context formation (Table A.19; used by HT SigProp). */
const CBLK_VCAUSAL: i32 = 0x08;

export const HT_ERR_LCUP: i32 = 1;
export const HT_ERR_SCUP: i32 = 2;
export const HT_ERR_MAGNITUDE: i32 = 3;
export const HT_ERR_PLANE: i32 = 4;

/** The next htDecodeBlock writes trunc(value / 2) (htSetHalf; every call clears it). */
let htHalf: bool = false;

/**
 * Make the next htDecodeBlock write each sample's trunc(value / 2) instead of the seam-1 value
 * ±(2·K + 2^q): the dequantised reversible coefficient without ROI (codec/quant/dequantize.ts
 * dequantCopyRev), so that a caller can have a block decoded straight into its band buffer. The
 * block decoder clears it on entry, so it never outlives that call.
 */
export function htSetHalf(on: bool): void {
  htHalf = on;
}

// ---- scratch (static: no allocation per block) ------------------------------------------------

/** Bottom samples' significance of the quads of the previous quad row (index q + 1, see vlcRow; 0 at both ends). */
const RHO_A: usize = memory.data(544, 16);
const RHO_B: usize = memory.data(544, 16);
/** v values (2(μ-1) + 1 with the implicit MSB) of the bottom row of the previous quad row, index x + 1. */
const VB_A: usize = memory.data(4 * 1040, 16);
const VB_B: usize = memory.data(4 * 1040, 16);
/** Significance state for the refinement passes, (w + 2) x (h + 2) with a zero border. */
const ST: usize = memory.data(8192, 16);
/**
 * Per quad of the current quad row (8 bytes): rho, e_1, e_k times 16 (the lane tables' row size) in
 * bytes 0, 1, 2, U_q in byte 3 (U_q <= 38 + 31); SIMD build: the number of its MagSgn bits,
 * U_q·popcount(rho) - popcount(e_k), in bytes 4-5 (u16). quadRunFast takes each field with one
 * load. The quad's MagSgn bits follow those of the quad before it.
 */
const QINFO: usize = memory.data(8 * 520, 16);
/**
 * Lane tables of the SIMD MagSgn path, indexed by a 4-bit sample mask k (bit n = sample n of a
 * quad) at k·16: LANE_MASK lane n = -1 if bit n of k is set, else 0; LANE_PRE16 lane n = the number
 * of set bits of k below bit n in both 16-bit halves, LANE_PRE8 the same in all four bytes.
 * LANE_POW7 byte r = 2^(7 - r) (r < 8), 0 beyond.
 */
const LANE_MASK: usize = memory.data<i32>([
  0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 0, 0, -1, -1, 0, 0,
  0, 0, -1, 0, -1, 0, -1, 0, 0, -1, -1, 0, -1, -1, -1, 0,
  0, 0, 0, -1, -1, 0, 0, -1, 0, -1, 0, -1, -1, -1, 0, -1,
  0, 0, -1, -1, -1, 0, -1, -1, 0, -1, -1, -1, -1, -1, -1, -1,
], 16);
const LANE_PRE16: usize = memory.data<i32>([
  0, 0, 0, 0, 0, 0x10001, 0x10001, 0x10001, 0, 0, 0x10001, 0x10001, 0, 0x10001, 0x20002, 0x20002,
  0, 0, 0, 0x10001, 0, 0x10001, 0x10001, 0x20002, 0, 0, 0x10001, 0x20002, 0, 0x10001, 0x20002, 0x30003,
  0, 0, 0, 0, 0, 0x10001, 0x10001, 0x10001, 0, 0, 0x10001, 0x10001, 0, 0x10001, 0x20002, 0x20002,
  0, 0, 0, 0x10001, 0, 0x10001, 0x10001, 0x20002, 0, 0, 0x10001, 0x20002, 0, 0x10001, 0x20002, 0x30003,
], 16);
const LANE_PRE8: usize = memory.data<i32>([
  0, 0, 0, 0, 0, 0x01010101, 0x01010101, 0x01010101, 0, 0, 0x01010101, 0x01010101, 0, 0x01010101, 0x02020202, 0x02020202,
  0, 0, 0, 0x01010101, 0, 0x01010101, 0x01010101, 0x02020202, 0, 0, 0x01010101, 0x02020202, 0, 0x01010101, 0x02020202, 0x03030303,
  0, 0, 0, 0, 0, 0x01010101, 0x01010101, 0x01010101, 0, 0, 0x01010101, 0x01010101, 0, 0x01010101, 0x02020202, 0x02020202,
  0, 0, 0, 0x01010101, 0, 0x01010101, 0x01010101, 0x02020202, 0, 0, 0x01010101, 0x02020202, 0, 0x01010101, 0x02020202, 0x03030303,
], 16);
const LANE_POW7: usize = memory.data<u8>([128, 64, 32, 16, 8, 4, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0], 16);
/** LANE_POW byte r = 2^r (r < 8), 0 beyond. */
const LANE_POW: usize = memory.data<u8>([1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0], 16);
/**
 * Constant vectors of the SIMD MagSgn path (loaded from memory: one instruction, where a constant
 * is rebuilt in the loop on every use), i32 lanes: 0x03020100, 0x8080f800, 7, 0xffffff00, 1.
 */
const LANE_CONST: usize = memory.data<i32>([
  0x03020100, 0x03020100, 0x03020100, 0x03020100, 0x8080f800, 0x8080f800, 0x8080f800, 0x8080f800,
  7, 7, 7, 7, 0xffffff00, 0xffffff00, 0xffffff00, 0xffffff00,
  1, 1, 1, 1, 0x1f1f1f1f, 0x1f1f1f1f, 0x1f1f1f1f, 0x1f1f1f1f,
], 16);

/** One quad's decoded values and bottom-row v values (scratch of htCleanup). */
const QS: usize = memory.data(32, 16);
/**
 * Never read: vlcRow stores each pair's new VLC buffer here so that V8 computes it right after its
 * UVLC look-up (see vlcRow).
 */
const VSCR: usize = memory.data(8, 8);
const ST_SIG: u8 = 1; // significant after the cleanup pass
const ST_SP: u8 = 2; // became significant in SigProp
const ST_NEW: u8 = 4; // its sign bit is still to be read

/** MEL exponents E[k] (T.814 Table 2). */
const MEL_E: usize = memory.data<u8>([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5]);

// ---- bit readers (module state) ---------------------------------------------------------------

// MEL: forward, MSB first, a byte after 0xFF carries 7 bits; its last byte (shared with the VLC
// suffix) has its low nibble forced to 1s; 0xFF past the end. Bits are kept MSB-aligned in a
// 64-bit buffer (melBits valid bits at the top), refilled a byte at a time (MEL is read once per
// run, not per quad).
let melPos: usize = 0;
let melEnd: usize = 0;
let melBuf: u64 = 0;
let melBits: i32 = 0;
let melFF: bool = false;
let melK: i32 = 0;

// @ts-ignore: decorator
@inline
function melFill(): void {
  while (melBits <= 56) {
    let b: u32 = 0xff;
    if (melPos < melEnd) {
      b = <u32>load<u8>(melPos);
      if (melPos + 1 == melEnd) b |= 0x0f;
      melPos++;
    }
    // after 0xFF the byte's MSB is a stuffed 0: 7 bits
    let n = melFF ? 7 : 8;
    melBuf |= <u64>(b & ((<u32>1 << <u32>n) - 1)) << <u64>(64 - melBits - n);
    melBits += n;
    melFF = b == 0xff;
  }
}

/**
 * The next MEL run (T.814 7.3.3): (number of 0 events << 1) | 1 when a 1 event follows them (never
 * 0). A 1 event: the quad (pair) is coded; a 0 event: it stays insignificant / has no offset. The
 * cleanup pass keeps the run it is in as one local (vlcRow).
 */
// @ts-ignore: decorator
@inline
function melDecodeRun(): i32 {
  if (melBits < 13) melFill();
  let e = <i32>load<u8>(MEL_E + <usize>melK);
  if ((melBuf >> 63) != 0) {
    // 2^e 0 events
    melBuf <<= 1;
    melBits--;
    melK = min(melK + 1, 12);
    return (1 << e) << 1;
  }
  // a 0 then e bits of run length (MSB first): that many 0 events, then a 1 event
  let r = <i32>(melBuf >> <u64>(63 - e)) & ((1 << e) - 1);
  melBuf <<= <u64>(e + 1);
  melBits -= e + 1;
  melK = max(melK - 1, 0);
  return (r << 1) | 1;
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

// ---- unstuffed copies of the cleanup segment's MagSgn and VLC streams ------------------------------
//
// htCleanup reads both streams from these copies without unstuffing or refill branches (MagSgn: a
// bit position per quad and one unaligned load; VLC: a 64-bit buffer refilled by one unaligned load
// per pair, see vlcRow): the stuffed bits are removed first, in whole 4-byte chunks where no bit is
// stuffed.

/**
 * Most MagSgn bytes a block can read: at most 1024 quads (w·h <= 4096, w, h <= 1024 give
 * ceil(w/2)·ceil(h/2) <= 1024) of at most 4 samples × 31 bits (U <= 31 - p, else the block fails),
 * i.e. 15872 bytes, plus the load (8 bytes; 16 in the SIMD MagSgn of a quad).
 */
const MS_CAP: i32 = 16384;
/** The unstuffed MagSgn bits, LSB first; every byte past them is 0xFF (the stream reads 1s there). */
const MSB: usize = memory.data(MS_CAP + 16, 16);
/** Bytes at the start of MSB that may differ from 0xFF (-1: MSB not yet initialised). */
let msDirty: i32 = -1;
/**
 * Most VLC bytes: Scup <= 4079 (the VLC lies inside the MEL + VLC suffix). A block reads at most
 * 30 bits per quad pair (two 7-bit codewords, two UVLC prefixes of 3 and suffixes of 5 bits), at
 * most 1024 pairs: 3840 bytes, plus the 8-byte load of a refill.
 */
const VL_CAP: i32 = 4096;
/** The unstuffed VLC bits in reading order (the segment is read backward), LSB first; 0 past them. */
const VLB: usize = memory.data(VL_CAP + 16, 16);
/** Bytes at the start of VLB that may be nonzero. */
let vlDirty: i32 = 0;

/** Any 0xFF byte among the low 3 bytes of x. */
// @ts-ignore: decorator
@inline
function hasFFLow3(x: u32): bool {
  let y = ~x | 0xff000000;
  return ((y - 0x01010101) & ~y & 0x80808080) != 0;
}

/** Any byte of x whose low 7 bits are all 1 (a byte that may carry a stuffed bit). */
// @ts-ignore: decorator
@inline
function has7F(x: u32): bool {
  let y = (x & 0x7f7f7f7f) ^ 0x7f7f7f7f;
  return ((y - 0x01010101) & ~y & 0x80808080) != 0;
}

/**
 * MSB := the MagSgn bytes [src, src + n) without their stuffed bits (T.814 7.3.8: the byte after an
 * 0xFF carries 7 bits, its MSB is a stuffed 0), then 1s. Bytes up to the first 0xFF are copied as
 * they are. Only the first MS_CAP bytes are used (a block never reads further).
 */
function msUnstuff(src: usize, n: i32): void {
  n = min(n, MS_CAP);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let ff = i8x16.splat(-1);
    while (i + 16 <= n && !v128.any_true(i8x16.eq(v128.load(src + <usize>i), ff))) i += 16;
  } else {
    while (i + 8 <= n && !hasZeroByte(~load<u64>(src + <usize>i))) i += 8;
  }
  while (i < n && load<u8>(src + <usize>i) != 0xff) i++;
  let end = n;
  if (i >= n) {
    memory.copy(MSB, src, <usize>n);
  } else {
    i++; // the first 0xFF is copied too
    memory.copy(MSB, src, <usize>i);
    let out = MSB + <usize>i;
    let acc: u64 = 0;
    let bits = 0;
    let ff = true; // the byte before i was 0xFF
    while (i < n) {
      if (!ff && i + 4 <= n) {
        let raw = load<u32>(src + <usize>i);
        if (!hasFFLow3(raw)) {
          // no byte of these 4 follows an 0xFF: 32 bits as they are
          acc |= <u64>raw << <u64>bits;
          bits += 32;
          ff = (raw >> 24) == 0xff;
          i += 4;
        } else {
          let b = raw & 0xff;
          acc |= <u64>b << <u64>bits;
          bits += 8;
          ff = b == 0xff;
          i++;
        }
      } else {
        let b = <u32>load<u8>(src + <usize>i);
        if (ff) {
          acc |= <u64>(b & 0x7f) << <u64>bits;
          bits += 7;
        } else {
          acc |= <u64>b << <u64>bits;
          bits += 8;
        }
        ff = b == 0xff;
        i++;
      }
      if (bits >= 32) {
        store<u32>(out, <u32>acc);
        out += 4;
        acc >>= 32;
        bits -= 32;
      }
    }
    // the last bits, then 1s (the stream reads 0xFF bytes past its end)
    store<u32>(out, <u32>(acc | (<u64>0xffffffff << <u64>bits)));
    end = <i32>(out - MSB) + 4;
  }
  if (msDirty < 0) memory.fill(MSB + <usize>end, 0xff, <usize>(MS_CAP + 16 - end));
  else if (msDirty > end) memory.fill(MSB + <usize>end, 0xff, <usize>(msDirty - end));
  msDirty = end;
}

/**
 * VLB := the VLC stream of the cleanup segment at `cup` (T.814 7.3.4: the high nibble of byte
 * Lcup - 2, then bytes Lcup - 3 down to Pcup, LSB first; a byte whose low 7 bits are all 1 carries
 * 7 bits when the byte read before it is > 0x8F; the nibble carries 3 bits when its low 3 are 1),
 * stored forward without the stuffed bits, then 0s.
 */
function vlcUnstuff(cup: usize, pcup: i32, lcup: i32): void {
  let prev = <u32>load<u8>(cup + <usize>(lcup - 2));
  let nib = prev >> 4;
  let acc: u64;
  let bits: i32;
  if ((nib & 7) == 7) {
    acc = <u64>(nib & 7);
    bits = 3;
  } else {
    acc = <u64>nib;
    bits = 4;
  }
  let unstuff = (prev | 0x0f) > 0x8f;
  let out = VLB;
  let pos = lcup - 3; // next byte to read, down to pcup (Scup <= 4079: at most VL_CAP bytes)
  while (pos >= pcup) {
    if (pos - 3 >= pcup) {
      let raw = load<u32>(cup + <usize>(pos - 3)); // byte pos in the top 8 bits
      if (!has7F(raw)) {
        // no byte of these 4 can carry a stuffed bit: 32 bits, byte pos first
        acc |= <u64>bswap<u32>(raw) << <u64>bits;
        bits += 32;
        unstuff = (raw & 0xff) > 0x8f;
        pos -= 4;
        store<u32>(out, <u32>acc);
        out += 4;
        acc >>= 32;
        bits -= 32;
        continue;
      }
    }
    let b = <u32>load<u8>(cup + <usize>pos);
    pos--;
    if (unstuff && (b & 0x7f) == 0x7f) {
      acc |= <u64>(b & 0x7f) << <u64>bits;
      bits += 7;
    } else {
      acc |= <u64>b << <u64>bits;
      bits += 8;
    }
    unstuff = b > 0x8f;
    if (bits >= 32) {
      store<u32>(out, <u32>acc);
      out += 4;
      acc >>= 32;
      bits -= 32;
    }
  }
  store<u32>(out, <u32>acc); // the last bits, then 0s
  let end = <i32>(out - VLB) + 4;
  if (vlDirty > end) memory.fill(VLB + <usize>end, 0, <usize>(vlDirty - end));
  vlDirty = end;
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
  let half = htHalf;
  htHalf = false;
  // the last HT set with a cleanup segment
  let k = -1;
  for (let s = (numSegs - 1) & ~1; s >= 0; s -= 2) {
    if (load<u32>(segLens + (<usize>s << 2)) != 0) {
      k = s;
      break;
    }
  }
  if (k < 0) {
    for (let y = 0; y < h; y++) memory.fill(out + ((<usize>y * <usize>outStride) << 2), 0, <usize>w << 2);
    return false;
  }
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
  let refine = refPasses > 0 && p >= 1;
  // halved by the cleanup pass itself (its samples shifted by p - 1), unless refinement passes follow
  htCleanup(cup, lcup, w, h, p, half && !refine ? p - 1 : p, out, outStride);
  // refinement passes code bit-plane p - 1
  if (refine) {
    buildSignificance(w, h, out, outStride);
    htSigProp(cup + <usize>lcup, lref, w, h, p, (cblkStyle & CBLK_VCAUSAL) != 0, out, outStride);
    if (refPasses > 1) htMagRef(cup + <usize>lcup, lref, w, h, p, out, outStride);
    if (half) {
      for (let y = 0; y < h; y++) {
        let o = out + ((<usize>y * <usize>outStride) << 2);
        for (let x = 0; x < w; x++) {
          let v = load<i32>(o + (<usize>x << 2));
          store<i32>(o + (<usize>x << 2), (v + <i32>(<u32>v >> 31)) >> 1);
        }
      }
    }
  }
  return true;
}

/** Any zero byte in x (exact as a whole: no false positives for "some byte is zero"). */
// @ts-ignore: decorator
@inline
function hasZeroByte(x: u64): bool {
  return ((x - 0x0101010101010101) & ~x & 0x8080808080808080) != 0;
}

// ---- cleanup pass, pass 1 over a quad row (state between rows in module globals) ----------------

/**
 * VLC reader of the cleanup pass between quad rows: a 64-bit buffer of the bits at the read
 * position (clVBits valid bits, LSB first) and the next VLB byte not yet in it; the MEL run
 * (melDecodeRun's form). The MagSgn bit position in MSB of the next quad (MagSgn pass).
 */
let clVBuf: u64 = 0;
let clVBits: i32 = 0;
let clVPtr: usize = 0;
let clMsPos: usize = 0;
let clMel: i32 = 0;

/** vlcRow for the initial quad row. */
function vlcRowInitial(qw: i32): void {
  vlcRow(true, false, qw);
}

/**
 * vlcRow for the other quad rows, one function per parity of the row (the buffers of the row above
 * and of this row at constant addresses: fewer live values in the loop).
 */
function vlcRowOdd(qw: i32): void {
  vlcRow(false, true, qw);
}

/** vlcRowOdd for the even quad rows after the first. */
function vlcRowEven(qw: i32): void {
  vlcRow(false, false, qw);
}

/**
 * Pass 1 of the cleanup pass over one quad row (T.814 7.3.4 - 7.3.7): the VLC codewords, MEL events
 * and UVLC u values of every quad pair, then each quad's U_q = u_q + κ_q, into QINFO; the bottom samples' significance of the row into rhoCur (one byte per
 * quad at index q + 1: bit 0 sample 1, bit 1 sample 3). Inlined into one function per kind of row
 * (`initial` a constant) and parity of the row (`odd`: the row buffers at constant addresses), each
 * with few live values.
 *
 * The bits are read from a 64-bit buffer refilled once per pair, between its codewords and its
 * UVLC, with one unaligned load and without a branch: the load's address is fixed by the previous
 * refill (bytes wholly taken into the buffer), so it is off the chain of dependent look-ups; at
 * least 56 bits are valid after it, a pair's codewords take at most 14 and its UVLC at most 16. The table entries (codec/t1/gen_ht_tables.mjs) are laid out so the
 * chain from one look-up to the next is short: a 64-bit shift by the entry itself consumes the
 * codeword, and the next quad's context and the UVLC mode bits are already in index position.
 */
// @ts-ignore: decorator
@inline
function vlcRow(initial: bool, odd: bool, qw: i32): void {
  let vlc = initial ? HT_VLC0 : HT_VLC1;
  let uvlc = initial ? HT_UVLC0 : HT_UVLC1;
  let vBuf = clVBuf;
  let vBits = clVBits;
  let vPtr = clVPtr;
  let mel = clMel;
  let cLeft: u32 = 0; // context of the next quad from the quad to its left (byte offset, see below)
  for (let q = 0; q < qw; q += 2) {
    {
      // ---- VLC codewords of the two quads (T.814 7.3.5), contexts eq. 1 / eq. 2, as index bits
      // 7-9 times 4 (byte offsets into the table: one address computation joins them to the
      // codeword bits): bit 7 = σ of sample 3 of quad q-1 or sample 1 of quad q above, bit 9 =
      // sample 3 of quad q or sample 1 of quad q+1 above (z bit 8k: bit 1 of byte k-1 or bit 0 of
      // byte k of the bytes of quads q-1 .. q+2 above), bit 8 from the quad to the left
      let cA0: u32 = 0;
      let cA1: u32 = 0;
      if (!initial) {
        let above = load<u32>((odd ? RHO_B : RHO_A) + <usize>q);
        let z = above | (above << 7);
        cA0 = ((z << 1) & 0x200) | ((z >> 5) & 0x800);
        cA1 = ((z >> 7) & 0x200) | ((z >> 13) & 0x800);
      }
      let c0 = cLeft | cA0;
      let e0 = load<u32>(vlc + <usize>c0 + (<usize>(<u32>vBuf & 0x7f) << 2));
      if (c0 == 0) {
        // one MEL event: 0 = the quad is insignificant
        if (mel == 0) mel = melDecodeRun();
        if (mel != 1) e0 = 0;
        mel = select(mel - 2, 0, mel >= 2);
      }
      vBuf >>= <u64>e0;
      store<u8>((odd ? RHO_A : RHO_B) + <usize>q, <u8>(e0 >> 6), 1);
      let e1: u32 = 0;
      if (q + 1 < qw) {
        let c1 = (e0 & 0xe00) | cA1;
        e1 = load<u32>(vlc + <usize>c1 + (<usize>(<u32>vBuf & 0x7f) << 2));
        if (c1 == 0) {
          if (mel == 0) mel = melDecodeRun();
          if (mel != 1) e1 = 0;
          mel = select(mel - 2, 0, mel >= 2);
        }
        vBuf >>= <u64>e1;
        store<u8>((odd ? RHO_A : RHO_B) + <usize>q, <u8>(e1 >> 6), 2);
      }
      cLeft = e1 & 0xe00;
      // refill (>= 26 bits are left; >= 56 after it): the bytes from vPtr above the valid bits, vPtr
      // moves past the whole bytes taken. The UVLC look-up reads the bits before it (>= 16 needed),
      // so the refill is off the chain from one look-up to the next.
      vBits -= <i32>((e0 & 7) + (e1 & 7));
      let vFull = vBuf | (load<u64>(vPtr) << <u64>vBits);
      vPtr += <usize>((63 - vBits) >> 3);
      vBits |= 56;
      // ---- UVLC: u values of the pair (T.814 7.3.6), u_off(q1) at index bit 6, u_off(q0) at 7
      // (times 4: byte offsets)
      let mode = ((e0 & 0x100) << 1) | (e1 & 0x100);
      // (mode 0 rows of the tables are 0: nothing consumed, u = 0)
      if (initial && mode == 0x300) {
        // one MEL event: 1 = both u values are offset by 2 (mode 4)
        if (mel == 0) mel = melDecodeRun();
        if (mel == 1) mode = 0x400;
        mel = select(mel - 2, 0, mel >= 2);
      }
      // The next pair's look-ups wait for the shift by this entry (its low bits: the bits taken).
      // Storing the shifted buffer (VSCR) makes V8 compute it right after the look-up, and the
      // entry's other fields come from a second load after that store. Without them V8 computed the
      // shift last and took the entry back from a stack slot: a store-to-load delay on the chain
      // from one look-up to the next. Block decode 1.01-1.02x.
      let uvAt = uvlc + <usize>mode + (<usize>(<u32>vBuf & 0x3f) << 2);
      let uvLen = load<u32>(uvAt);
      let vOld = vBuf;
      vBuf = vFull >> <u64>uvLen;
      store<u64>(VSCR, vBuf);
      let uv = load<u32>(uvAt);
      let sfx = <u32>(vOld >> <u64>((uv >> 6) & 7)) & (uv >> 18);
      vBits -= <i32>(uv & 31);
      let s0 = (uv >> 9) & 7;
      let u0 = ((uv >> 12) & 7) + (sfx & ((<u32>1 << s0) - 1));
      let u1 = ((uv >> 15) & 7) + (sfx >> s0);
      // ---- U_q = u_q + κ_q (7.3.7) and the quad's first MagSgn bit; κ = 1 in the initial row
      // or with at most one significant sample, else max(E_max - 1, 1) with E_max from the
      // samples above at columns x-1 .. x+2 (vbPrev indices x .. x+3, x = 2q). An insignificant
      // quad (u = 0: u_off is 0 in its codewords) gets U = 1, which nothing reads: it has no
      // MagSgn bits (U·popcount(rho) = 0, m_n = 0) and all its samples are 0, on every MagSgn path
      let U0: u32, U1: u32;
      if (initial) {
        U0 = u0 + 1;
        U1 = u1 + 1;
      } else {
        let vbq = (odd ? VB_B : VB_A) + (<usize>q << 3);
        let a0 = load<u64>(vbq) | load<u64>(vbq, 8);
        let a1 = load<u64>(vbq, 8) | load<u64>(vbq, 16);
        // 31 - clz as clz ^ 31 (clz <= 30 here): one instruction in V8, not a move and a subtraction
        let k0 = clz<u32>(<u32>a0 | <u32>(a0 >> 32) | 2) ^ 31;
        let k1 = clz<u32>(<u32>a1 | <u32>(a1 >> 32) | 2) ^ 31;
        // popcount(rho) >= 2: bits 17-18 of the entry
        U0 = u0 + select<u32>(k0, 1, (e0 & 0x60000) != 0);
        U1 = u1 + select<u32>(k1, 1, (e1 & 0x60000) != 0);
      }
      // QINFO: rho, e_1, e_k (the high nibbles of entry bytes 1-3) and U; SIMD build: the MagSgn
      // bits of a quad, U·popcount(rho) - popcount(e_k) (>= 0: e_k ⊆ rho, U >= 1; here, where the
      // loop waits on its chain of look-ups, rather than in quadRunFast)
      let n0: u32 = 0, n1: u32 = 0;
      if (ASC_FEATURE_SIMD) {
        n0 = U0 * ((e0 >> 16) & 7) - ((e0 >> 24) & 7);
        n1 = U1 * ((e1 >> 16) & 7) - ((e1 >> 24) & 7);
      }
      store<u64>(<usize>q << 3, <u64>(((e0 & 0xf0f0f000) >> 8) | (U0 << 24)) | (<u64>n0 << 32), QINFO);
      store<u64>(<usize>q << 3, <u64>(((e1 & 0xf0f0f000) >> 8) | (U1 << 24)) | (<u64>n1 << 32), QINFO + 8);
    }
  }
  clVBuf = vBuf;
  clVBits = vBits;
  clVPtr = vPtr;
  clMel = mel;
}

/**
 * HT cleanup pass (T.814 7.3): all magnitude bits down to bit-plane p. Writes every sample of the
 * w x h block (0 for insignificant ones).
 *
 * Readers: the MagSgn and VLC streams are first copied without their stuffed bits (msUnstuff,
 * vlcUnstuff); MagSgn is then read through a bit position with one unaligned load per quad (8
 * bytes, at least 57 valid bits; the SIMD path takes the 16 bytes from the quad's first byte), VLC
 * through a 64-bit buffer refilled once per quad pair (vlcRow). MEL runs are decoded by
 * melDecodeRun() (inline in vlcRow).
 *
 * Each quad row is visited twice: the VLC codewords, MEL events and UVLC u values of every quad
 * pair give each quad's U_q (QINFO), then the MagSgn bits of every quad are decoded (the only
 * dependence between quads there: a quad's bit position is the last one plus the last quad's bit
 * count, one add). A quad whose MagSgn bits fit one
 * load (4·U <= 56) and whose magnitudes fit 32 bits is decoded without branches on its
 * significance pattern: an insignificant sample has m = 0 bits and yields 0.
 */
function htCleanup(cup: usize, lcup: i32, w: i32, h: i32, p: i32, gs: i32, out: usize, outStride: i32): void {
  if (lcup < 2) fail(ERR_CODEBLOCK_CORRUPT, -1, HT_ERR_LCUP, lcup);
  let last = <i32>load<u8>(cup + <usize>(lcup - 1));
  let prev = <i32>load<u8>(cup + <usize>(lcup - 2));
  let scup = (last << 4) | (prev & 0x0f);
  if (scup < 2 || scup > lcup || scup > 4079) fail(ERR_CODEBLOCK_CORRUPT, -1, HT_ERR_SCUP, scup);
  let pcup = lcup - scup;
  // MagSgn: bytes [0, Pcup) forward, 1s past the end; read at bit position clMsPos of MSB
  msUnstuff(cup, pcup);
  clMsPos = 0;
  // MEL: bytes [Pcup, Lcup - 1) (module state, see melDecodeRun)
  melPos = cup + <usize>pcup;
  melEnd = cup + <usize>(lcup - 1);
  melBuf = 0;
  melBits = 0;
  melFF = false;
  melK = 0;
  clMel = 0;
  // VLC: from byte Lcup - 2 backward, 0s past the end; read from VLB through clVBuf (see vlcRow)
  vlcUnstuff(cup, pcup, lcup);
  clVBuf = load<u64>(VLB);
  clVBits = 56;
  clVPtr = VLB + 7;

  let qw = (w + 1) >> 1;
  let qh = (h + 1) >> 1;
  let maxU = <u32>(31 - p); // larger exponents cannot be represented (magnitudes are checked below)
  let fastU = <u32>max(min(14, 29 - p), 0); // 4·U ≤ 56 bits per quad and (2μ + 1)·2^p < 2^31
  let rhoPrev = RHO_A, rhoCur = RHO_B;
  let vbPrev = VB_A, vbCur = VB_B;
  memory.fill(RHO_A, 0, <usize>(qw + 3));
  memory.fill(RHO_B, 0, <usize>(qw + 3));
  memory.fill(VB_A, 0, <usize>(2 * qw + 4) << 2);
  memory.fill(VB_B, 0, <usize>(2 * qw + 4) << 2);
  let rowBytes = <usize>outStride << 2;
  let wEven = w & ~1;
  for (let qy = 0; qy < qh; qy++) {
    let initial = qy == 0;
    let y0 = qy << 1;
    let hasRow1 = y0 + 1 < h;
    let row0 = out + <usize>y0 * rowBytes;
    // ---- pass 1 over the quad row: VLC, MEL and UVLC of each pair, U_q into QINFO
    // (rhoPrev, rhoCur, vbPrev: RHO_B, RHO_A, VB_B in the odd rows, the others in the even ones)
    if (initial) vlcRowInitial(qw);
    else if ((qy & 1) != 0) vlcRowOdd(qw);
    else vlcRowEven(qw);
    // ---- pass 2 over the quad row: MagSgn (T.814 7.3.8)
    let qFull = hasRow1 ? wEven >> 1 : 0; // quads inside the block
    let q = 0;
    while (q < qw) {
      // quads inside the block whose bits fit one load: straight to the block
      if (ASC_FEATURE_SIMD) {
        q = quadRunFast(q, qFull, row0, rowBytes, vbCur, gs, fastU);
      } else {
        let pos = clMsPos;
        for (; q < qFull; q++) {
          let e = load<u32>(QINFO + (<usize>q << 3));
          let U = e >> 24;
          if (U > fastU) break;
          quadFast(e, pos, row0 + (<usize>q << 3), rowBytes, vbCur + (<usize>(2 * q + 1) << 2), gs);
          pos += <usize>(U * popcnt<u32>(e & 0xf0) - popcnt<u32>(e & 0xf00000));
        }
        clMsPos = pos;
      }
      if (q >= qw) break;
      // any other quad
      let e = load<u32>(QINFO + (<usize>q << 3));
      let U = e >> 24;
      let pos = clMsPos;
      clMsPos = pos + <usize>(U * popcnt<u32>(e & 0xf0) - popcnt<u32>(e & 0xf00000));
      let x = q << 1;
      // samples go straight to the block when the quad lies inside it, else through QS
      // (sample n at column n >> 1, row n & 1); insignificant samples are 0
      let full = q < qFull;
      let dst = full ? row0 + (<usize>x << 2) : QS;
      let ro: usize = full ? rowBytes : 8;
      let vbDst = vbCur + (<usize>(x + 1) << 2);
      if (U <= fastU) {
        quadFast(e, pos, dst, ro, vbDst, gs);
      } else {
        let rho = (e >> 4) & 15;
        let e1b = (e >> 12) & 15;
        let ekb = (e >> 20) & 15;
        // (an insignificant quad's U is never read: rho = 0)
        if (U > maxU && rho != 0) fail(ERR_CODEBLOCK_CORRUPT, -1, HT_ERR_MAGNITUDE, <i32>U);
        store<u64>(dst, 0);
        store<u64>(dst + ro, 0);
        store<u64>(vbDst, 0);
        let r = rho;
        while (r != 0) {
          let n = ctz<u32>(r);
          r &= r - 1;
          let m = <i32>U - <i32>((ekb >> n) & 1);
          // m <= 31: the load holds at least 57 bits
          let bits = <u32>((load<u64>(MSB + (pos >> 3)) >> <u64>(pos & 7)) & ((<u64>1 << <u64>m) - 1));
          let v = <u64>bits | (<u64>((e1b >> n) & 1) << <u64>m) | 1;
          let mag = (v + 2) << <u64>p;
          if (mag > 0x7fffffff) fail(ERR_CODEBLOCK_CORRUPT, -1, HT_ERR_MAGNITUDE, <i32>U);
          if (gs < p) mag >>= 1;
          let val = (bits & 1) != 0 ? -<i32>mag : <i32>mag;
          let vb = <u32>min(v, <u64>0xffffffff);
          pos += <usize>m;
          let col = <usize>(n >> 1);
          if ((n & 1) != 0) {
            store<i32>(dst + ro + (col << 2), val);
            store<u32>(vbDst + (col << 2), vb);
          } else {
            store<i32>(dst + (col << 2), val);
          }
        }
      }
      if (!full) {
        let o = row0 + (<usize>x << 2);
        let hasCol1 = x + 1 < w;
        store<i32>(o, load<i32>(QS));
        if (hasCol1) store<i32>(o, load<i32>(QS, 4), 4);
        if (hasRow1) {
          store<i32>(o + rowBytes, load<i32>(QS, 8));
          if (hasCol1) store<i32>(o + rowBytes, load<i32>(QS, 12), 4);
        }
      }
      q++;
    }
    let t = rhoPrev;
    rhoPrev = rhoCur;
    rhoCur = t;
    let tv = vbPrev;
    vbPrev = vbCur;
    vbCur = tv;
  }
}

/**
 * MagSgn of one quad (T.814 7.3.8) whose bits fit one load (4·U <= 56) and whose magnitudes fit 32
 * bits, without branches on its significance pattern: `e` is its QINFO entry (VLC entry bits, U_q),
 * `pos` the bit position of its MagSgn bits in MSB; the top samples go to dst, dst + 4, the bottom ones to dst + ro, dst + ro + 4, the
 * bottom v values to vbDst, vbDst + 4.
 */
// @ts-ignore: decorator
@inline
function quadFast(e: u32, pos: usize, dst: usize, ro: usize, vbDst: usize, gs: i32): void {
  let U = e >> 24;
  let rho = (e >> 4) & 15;
  let e1b = (e >> 12) & 15;
  let ekb = (e >> 20) & 15;
  let msBuf = load<u64>(MSB + (pos >> 3)) >> <u64>(pos & 7);
  // m_n = U - i_n bits for a significant sample (i_n = its e_k bit), 0 for the others;
  // v_n = the bits with the implicit e_1 bit on top and the sign bit set (0 if
  // insignificant); the sample is ±(v_n + 2)·2^p = ±(2μ + 1)·2^p, the sign in bit 0
  if (ASC_FEATURE_SIMD) {
    quadVec(i8x16.splat(<i8>U), e & 0xf0, (e >> 8) & 0xf0, (e >> 16) & 0xf0, pos, dst, ro, vbDst, gs, v128.load(LANE_CONST), v128.load(LANE_CONST, 16),
      v128.load(LANE_CONST, 32), v128.load(LANE_CONST, 48), v128.load(LANE_CONST, 64), v128.load(LANE_POW7), v128.load(LANE_POW), v128.load(LANE_CONST, 80));
  } else {
    let r0 = rho & 1, r1 = (rho >> 1) & 1, r2 = (rho >> 2) & 1, r3 = rho >> 3;
    let m0 = (U & (0 - r0)) - (ekb & 1);
    let m1 = (U & (0 - r1)) - ((ekb >> 1) & 1);
    let m2 = (U & (0 - r2)) - ((ekb >> 2) & 1);
    let m3 = (U & (0 - r3)) - (ekb >> 3);
    let sh1 = m0;
    let sh2 = sh1 + m1;
    let sh3 = sh2 + m2;
    let b0 = <u32>msBuf & ((<u32>1 << m0) - 1);
    let b1 = <u32>(msBuf >> <u64>sh1) & ((<u32>1 << m1) - 1);
    let b2 = <u32>(msBuf >> <u64>sh2) & ((<u32>1 << m2) - 1);
    let b3 = <u32>(msBuf >> <u64>sh3) & ((<u32>1 << m3) - 1);
    let v0 = b0 | ((e1b & 1) << m0) | r0;
    let v1 = b1 | (((e1b >> 1) & 1) << m1) | r1;
    let v2 = b2 | (((e1b >> 2) & 1) << m2) | r2;
    let v3 = b3 | ((e1b >> 3) << m3) | r3;
    // (gs = -1: halved, see htSetHalf)
    let g0 = outShift(v0 + (r0 << 1), gs), n0 = b0 & 1;
    let g1 = outShift(v1 + (r1 << 1), gs), n1 = b1 & 1;
    let g2 = outShift(v2 + (r2 << 1), gs), n2 = b2 & 1;
    let g3 = outShift(v3 + (r3 << 1), gs), n3 = b3 & 1;
    store<u32>(dst, (g0 ^ (0 - n0)) + n0);
    store<u32>(dst, (g2 ^ (0 - n2)) + n2, 4);
    store<u32>(dst + ro, (g1 ^ (0 - n1)) + n1);
    store<u32>(dst + ro, (g3 ^ (0 - n3)) + n3, 4);
    store<u32>(vbDst, v1);
    store<u32>(vbDst, v3, 4);
  }
}

/** A magnitude times 2^gs, or halved when gs = -1 (see htSetHalf). */
// @ts-ignore: decorator
@inline
function outShift(g: u32, gs: i32): u32 {
  return gs >= 0 ? g << <u32>gs : g >> 1;
}

/**
 * SIMD build: the MagSgn arithmetic of quadFast (same as its scalar code) with the four samples in
 * the lanes of one vector; the constant vectors are parameters (quadRunFast keeps them in locals).
 * U <= 14 (quadFast's bound): U·(samples before n) fits 16 bits and m <= 15.
 */
// @ts-ignore: decorator
@inline
function quadVec(
  u8: v128, rho16: u32, e1b16: u32, ek16: u32, pos: usize, dst: usize, ro: usize, vbDst: usize, gs: i32,
  kIdx: v128, kPowIdx: v128, k7: v128, kHi: v128, k1: v128, pow7: v128, pow: v128, k1f: v128,
): void {
  // (m and sh below are small: every byte of a lane holds the lane's value, so no byte shuffles)
  let sig = v128.load(<usize>rho16, LANE_MASK);
  // m_n (e_k lanes are -1 in LANE_MASK; e_k ⊆ rho in every VLC table entry)
  let m = i8x16.add(v128.and(u8, sig), v128.load(<usize>ek16, LANE_MASK));
  // bit offset of sample n = U·(significant samples before n) - (e_k bits before n) (<= 3·14)
  // (plus the bit position of the first bit in its byte: the 16 bytes from that byte are the window);
  // U·256 + U times the count in both bytes of a 16-bit lane: the product in both bytes
  let sh = i8x16.add(i8x16.sub(i16x8.mul(u8, v128.load(<usize>rho16, LANE_PRE16)), v128.load(<usize>ek16, LANE_PRE8)),
    i8x16.splat(<i8>(pos & 7)));
  // bytes sh >> 3 .. + 3 of the buffer into each lane, then bits (sh & 7) .. + m: the lane is
  // multiplied by 2^(7 - (sh & 7)) and shifted right by 7 (r + m <= 22 bits)
  let idx = i8x16.add(v128.and(i16x8.shr_u(sh, 3), k1f), kIdx);
  let win = i8x16.swizzle(v128.load(pos >> 3, MSB), idx);
  let pw = i8x16.swizzle(pow7, v128.or(v128.and(sh, k7), kHi));
  // 2^m (m <= 15): bytes 0 and 1 of each lane from LANE_POW at m and m - 8 (out of range: 0)
  let pm = i8x16.swizzle(pow, i8x16.add(m, kPowIdx));
  let bits = v128.and(i32x4.shr_u(i32x4.mul(win, pw), 7), i32x4.sub(pm, k1));
  let r01 = i32x4.shr_u(sig, 31);
  let v = v128.or(v128.or(bits, v128.and(pm, v128.load(<usize>e1b16, LANE_MASK))), r01);
  let g = i32x4.add(v, i32x4.shl(r01, 1));
  // the magnitude times 2^p, or halved (gs = p - 1, see htSetHalf) (V8 re-masks the count on every shift)
  if (gs != 0) g = gs > 0 ? i32x4.shl(g, gs) : i32x4.shr_u(g, 1);
  // the sign (bit 0 of the bits) as a lane mask
  let neg = i32x4.shr_s(i32x4.shl(bits, 31), 31);
  let val = i32x4.sub(v128.xor(g, neg), neg);
  // lanes (samples) 0 2 | 1 3: top row, bottom row
  let rows = i8x16.shuffle(val, val, 0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
  v128.store64_lane(dst, rows, 0);
  v128.store64_lane(dst + ro, rows, 1);
  v128.store64_lane(vbDst, i8x16.shuffle(v, v, 4, 5, 6, 7, 12, 13, 14, 15, 4, 5, 6, 7, 12, 13, 14, 15), 0);
}

/**
 * SIMD build: quadFast over quads q, q + 1, ... < qFull of the quad row at row0 while their bits
 * fit one load (U <= fastU), from MagSgn bit position clMsPos (left at the next quad's); returns the
 * first quad not decoded. The constant vectors stay in
 * locals for the whole run (1.015-1.023x block decode on saw and DX against quadFast loading them
 * per quad). The scalar build runs quadFast inline in htCleanup (a separate function cost it 3 %).
 */
function quadRunFast(q: i32, qFull: i32, row0: usize, rowBytes: usize, vbCur: usize, gs: i32, fastU: u32): i32 {
  if (ASC_FEATURE_SIMD) {
    let kIdx = v128.load(LANE_CONST);
    let kPowIdx = v128.load(LANE_CONST, 16);
    let k7 = v128.load(LANE_CONST, 32);
    let kHi = v128.load(LANE_CONST, 48);
    let k1 = v128.load(LANE_CONST, 64);
    let pow7 = v128.load(LANE_POW7);
    let pow = v128.load(LANE_POW);
    let k1f = v128.load(LANE_CONST, 80);
    let pos = clMsPos;
    for (; q < qFull; q++) {
      // each QINFO field with one load (U also as a byte splat): no scalar arithmetic on them
      let qi = QINFO + (<usize>q << 3);
      if (<u32>load<u8>(qi, 3) > fastU) break;
      quadVec(v128.load8_splat(qi, 3), <u32>load<u8>(qi), <u32>load<u8>(qi, 1), <u32>load<u8>(qi, 2), pos,
        row0 + (<usize>q << 3), rowBytes, vbCur + (<usize>(2 * q + 1) << 2), gs, kIdx, kPowIdx, k7, kHi, k1, pow7, pow, k1f);
      pos += <usize>load<u16>(qi, 4);
    }
    clMsPos = pos;
  }
  return q;
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
