// HT block encoder, ISO/IEC 15444-15 | Rec. ITU-T T.814 clause 7 (the inverse of ht_decoder.ts).
//
// A code-block with numBps magnitude bit-planes has the HT sets s = 0 .. numBps - 1: set s is an HT
// cleanup pass at bit-plane p = numBps - 1 - s (every magnitude bit from the MSB down to p) and, for
// p >= 1, an HT SigProp and an HT MagRef pass at bit-plane p - 1. The passes keep the Part 1
// numbering (pass 3s = cleanup of set s, 3s + 1 SigProp, 3s + 2 MagRef), so the block offers the
// same candidate truncation points as an EBCOT block; but a later set re-codes everything, so the
// stream carries one set with data (earlier sets are placeholder passes, codec/t2/packet_encoder.ts).
// Which sets are coded is set by htEncodeConfig(): the lowest cleanup bit-plane ("floor"), how
// many sets above it, and whether their SigProp/MagRef passes are coded too. Lossless and
// fixed-step encoding code one set (the cleanup at bit-plane 0); rate control codes several.
//
// Output (`out`): u32[numBps] directory (byte offset of each set's data from `out`, 0xFFFFFFFF if
// the set was not coded), then per coded set [cleanup][SigProp][MagRef] bytes. Pass records
// (codec/t1/pass_record.ts): the rate of pass 3s + j is the byte count of set s up to and
// including that pass (what the block costs when set s is the one it sends); passes of sets not
// coded have rate 0 and no distortion decrease, so rate control never stops there. The block's
// pass count ends with its lowest coded set.
//
// Cleanup segment (7.3, mirror of htCleanup in ht_decoder.ts): MagSgn bytes forward from byte 0,
// then MEL bytes forward, then the VLC bytes backward from the end; the last two bytes carry
// Scup (the MEL + VLC length: 8 bits in the last byte, 4 in the low nibble of the one before),
// the VLC stream starts in the high nibble of byte Lcup - 2. Quads (2x2; sample n: 0 top-left,
// 1 bottom-left, 2 top-right, 3 bottom-right) are coded in pairs along each quad row: the VLC
// codewords (context from the significance of the neighbouring quads, MEL events for context 0),
// then the UVLC u values of the pair, then the MagSgn bits of the significant samples.
// Refinement segment (7.4, 7.5): SigProp bits forward from its start, MagRef bits backward from
// its end (SigProp alone is a valid segment: a layer may stop after it).
//
// Bit stuffing keeps every stream decodable and free of marker codes (a byte 0xFF is never followed
// by a byte > 0x8F): forward streams (MagSgn, MEL, SigProp) put 7 bits in the byte after an 0xFF;
// backward streams (VLC, MagRef) put 7 bits in a byte whose 7 low bits are all 1 when the byte
// read before it is > 0x8F.

import { HT_ENC_VLC0, HT_ENC_VLC1 } from "./ht_encoder_tables";
import { passRecord, PASS_RECORD_BYTES, PASS_TERMINATED } from "./pass_record";
import { fail } from "../util/fail";
import { ERR_INVALID_ARGUMENT, ERR_ENCODE_OVERFLOW } from "../util/error_codes";

const CBLK_VCAUSAL: i32 = 0x08;

// ---- configuration (which HT sets a block gets) ------------------------------------------------

let cfgFloor: i32 = 0;
let cfgSets: i32 = 1;
let cfgRefine: bool = false;

/**
 * Which HT sets htEncodeBlock codes: cleanup bit-planes from `floor` up to floor + sets - 1 (within
 * the block's bit-planes), with their SigProp/MagRef passes when `refine` is 1. The default
 * (0, 1, 0) codes the single cleanup pass at bit-plane 0 (lossless, or a fixed quantisation step).
 */
export function htEncodeConfig(floor: i32, sets: i32, refine: i32): void {
  cfgFloor = max(floor, 0);
  cfgSets = max(sets, 1);
  cfgRefine = refine != 0;
}

// ---- scratch (static) -----------------------------------------------------------------------------

/** |c| with the sign in bit 31, rows of (w + 1) & ~1 samples, padded with zeros to whole quads. */
const MAG: usize = memory.data(4 * 8320, 16);
/** Significance of the quads of the previous / current quad row (index q + 1; 0 at both ends). */
const RHO_A: usize = memory.data(544, 16);
const RHO_B: usize = memory.data(544, 16);
/** Exponents E of the bottom samples of the previous / current quad row (index x + 1). */
const EB_A: usize = memory.data(4 * 1040, 16);
const EB_B: usize = memory.data(4 * 1040, 16);
/** MEL bytes (forward) and VLC bytes (in the order written, i.e. from the segment end down). */
const MELBUF: usize = memory.data(4096, 16);
const VLCBUF: usize = memory.data(8192, 16);
/** SigProp bytes (forward) and MagRef bytes (in the order written, from the segment end down). */
const SPBUF: usize = memory.data(4096, 16);
const MRBUF: usize = memory.data(4096, 16);
/** Significance for the refinement passes, (w + 2) x (h + 2) with a zero border. */
const ST: usize = memory.data(8192, 16);
const ST_SIG: u8 = 1;
const ST_SP: u8 = 2;
const ST_NEW: u8 = 4;

/** v values of the significant samples of the current quad pair (quad 0: 0..3, quad 1: 4..7). */
const VS: usize = memory.data(32, 16);

/** MEL exponents E[k] (T.814 Table 2). */
const MEL_E: usize = memory.data<u8>([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5]);

// ---- bit writers (module state) ---------------------------------------------------------------

// MagSgn: forward, LSB first, 7 bits in the byte after an 0xFF.
let msAcc: u64 = 0;
let msN: i32 = 0;
let msCap: i32 = 8;
let msPos: usize = 0;

// @ts-ignore: decorator
@inline
function msPut(v: u32, n: i32): void {
  msAcc |= <u64>v << <u64>msN;
  msN += n;
  while (msN >= msCap) {
    let b = <u32>msAcc & ((<u32>1 << <u32>msCap) - 1);
    msAcc >>= <u64>msCap;
    msN -= msCap;
    store<u8>(msPos, <u8>b);
    msPos++;
    msCap = b == 0xff ? 7 : 8;
  }
}

// MEL: forward, MSB first, 7 bits in the byte after an 0xFF.
let melTmp: u32 = 0;
let melRem: i32 = 8;
let melLen: i32 = 0;
let melK: i32 = 0;
let melRun: i32 = 0;

function melBit(b: u32): void {
  melTmp = (melTmp << 1) | b;
  melRem--;
  if (melRem == 0) {
    store<u8>(MELBUF + <usize>melLen, <u8>melTmp);
    melLen++;
    melRem = melTmp == 0xff ? 7 : 8;
    melTmp = 0;
  }
}

/** One MEL event (T.814 7.3.3): 0 extends the run, 1 ends it. */
function melEvent(ev: i32): void {
  let e = <i32>load<u8>(MEL_E + <usize>melK);
  if (ev == 0) {
    melRun++;
    if (melRun == (1 << e)) {
      melBit(1);
      melRun = 0;
      melK = min(melK + 1, 12);
    }
  } else {
    melBit(0);
    for (let i = e - 1; i >= 0; i--) melBit(<u32>(melRun >> i) & 1);
    melRun = 0;
    melK = max(melK - 1, 0);
  }
}

// VLC: backward, LSB first; a byte whose 7 low bits are 1 after a byte > 0x8F carries 7 bits
// (vlcDrain; the byte before is the last one in VLCBUF).
let vAcc: u64 = 0;
let vN: i32 = 0;
let vLen: i32 = 0;

/**
 * MagSgn bytes from `n` bits of `acc` at `pos`, one by one: an 0xFF is written with the 7 bits of
 * the byte after it, or kept (with those bits) until they are complete. State to msAcc/msN/msPos;
 * the last byte written is never an 0xFF (msCap stays 8).
 */
function msDrain(acc: u64, n: i32, pos: usize): void {
  while (n >= 8) {
    let b = <u32>acc & 0xff;
    if (b == 0xff) {
      if (n < 15) break;
      store<u8>(pos, 0xff);
      store<u8>(pos, <u8>((acc >> 8) & 0x7f), 1);
      pos += 2;
      acc >>= 15;
      n -= 15;
    } else {
      store<u8>(pos, <u8>b);
      pos++;
      acc >>= 8;
      n -= 8;
    }
  }
  msAcc = acc;
  msN = n;
  msPos = pos;
}

/**
 * VLC bytes from `n` bits of `acc` after the `len` bytes in VLCBUF, one by one with the stuffing,
 * as many as are complete (fewer than 8 bits left). State to vAcc/vN/vLen.
 */
function vlcDrain(acc: u64, n: i32, len: i32): void {
  let last = <u32>load<u8>(VLCBUF + <usize>(len - 1));
  while (n >= 7) {
    let b: u32 = 0;
    if (last > 0x8f && (<u32>acc & 0x7f) == 0x7f) {
      b = 0x7f;
      acc >>= 7;
      n -= 7;
    } else if (n >= 8) {
      b = <u32>acc & 0xff;
      acc >>= 8;
      n -= 8;
    } else {
      break;
    }
    store<u8>(VLCBUF + <usize>len, <u8>b);
    len++;
    last = b;
  }
  vAcc = acc;
  vN = n;
  vLen = len;
}

// ---- block encoding -------------------------------------------------------------------------------

/**
 * Encode one HT code-block; same contract as ebcotEncodeBlock (docs/ARCHITECTURE.md seam 1) with
 * the output layout and pass records described at the top of this file. info: numBps, numPasses,
 * bytes written to `out`.
 */
export function htEncodeBlock(
  coef: usize, stride: i32, w: i32, h: i32,
  cblkStyle: i32, fracBits: i32,
  out: usize, outCap: i32,
  passes: usize, maxPassesCap: i32,
  wantDistortion: i32,
  info: usize,
): void {
  if (w < 1 || h < 1 || w > 1024 || h > 1024 || w * h > 4096) fail(ERR_INVALID_ARGUMENT, -1, w, h);
  let W2 = (w + 1) & ~1;
  let H2 = (h + 1) & ~1;
  // |c| and sign, padded to whole quads
  let maxMag: u32 = 0;
  for (let y = 0; y < H2; y++) {
    let dst = MAG + ((<usize>y * <usize>W2) << 2);
    if (y >= h) {
      memory.fill(dst, 0, <usize>W2 << 2);
      continue;
    }
    let src = coef + ((<usize>y * <usize>stride) << 2);
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      let acc = i32x4.splat(0);
      let sign = i32x4.splat(0x80000000);
      for (; x + 4 <= w; x += 4) {
        let c = v128.load(src + (<usize>x << 2));
        let a = i32x4.abs(c);
        acc = v128.or(acc, a);
        v128.store(dst + (<usize>x << 2), v128.or(a, v128.and(c, sign)));
      }
      maxMag |= <u32>(i32x4.extract_lane(acc, 0) | i32x4.extract_lane(acc, 1) | i32x4.extract_lane(acc, 2) | i32x4.extract_lane(acc, 3));
    }
    for (; x < w; x++) {
      let c = load<i32>(src + (<usize>x << 2));
      let a = <u32>abs<i32>(c);
      maxMag |= a;
      store<u32>(dst + (<usize>x << 2), a | (<u32>c & 0x80000000));
    }
    if (W2 > w) store<u32>(dst + (<usize>w << 2), 0);
  }
  let top = <i32>(maxMag >> <u32>fracBits);
  let numBps = top == 0 ? 0 : 32 - <i32>clz<u32>(<u32>top);
  store<i32>(info, numBps);
  if (numBps == 0) {
    store<i32>(info, 0, 4);
    store<i32>(info, 0, 8);
    return;
  }
  let allPasses = 3 * numBps - 2;
  if (allPasses > maxPassesCap) fail(ERR_INVALID_ARGUMENT, -1, allPasses, maxPassesCap);
  memory.fill(passes, 0, <usize>allPasses * PASS_RECORD_BYTES);
  let dirBytes = <usize>numBps << 2;
  memory.fill(out, 0xff, dirBytes);
  let pos = dirBytes;
  let wantD = wantDistortion != 0;
  let scale = 1.0 / <f64>(<i64>1 << fracBits);
  let pLow = min(cfgFloor, numBps - 1);
  let pHigh = min(cfgFloor + cfgSets - 1, numBps - 1);
  // room for the sets (a bound per set: MagSgn at most numBps - p + 1 bits per sample, VLC/UVLC/MEL
  // 4, refinement 2, 1/7 stuffing); without it the highest sets are dropped first
  while (pHigh > pLow) {
    let total = pos;
    for (let p = pLow; p <= pHigh; p++) total += setBound(w, h, numBps, p);
    if (total <= <usize>outCap) break;
    pHigh--;
  }
  let lastPass = -1;
  let prevGain: f64 = 0;
  for (let p = pHigh; p >= pLow; p--) {
    if (pos + setBound(w, h, numBps, p) > <usize>outCap) fail(ERR_ENCODE_OVERFLOW, -1, outCap, p);
    let s = numBps - 1 - p;
    store<u32>(out + (<usize>s << 2), <u32>pos);
    let set = out + pos;
    let lcup = htCleanupEncode(set, w, h, W2, p, fracBits);
    let k = 3 * s;
    let gain: f64 = 0;
    if (wantD) gain = cleanupGain(w, h, W2, p, fracBits, scale);
    let rec = passRecord(passes, k);
    rec.rate = <u32>lcup;
    rec.flags = PASS_TERMINATED;
    rec.distDecrease = gain - prevGain;
    prevGain = gain;
    lastPass = k;
    let len = lcup;
    if (cfgRefine && p >= 1) {
      // SigProp and MagRef at bit-plane p - 1: [SigProp bytes][MagRef bytes]
      buildSignificance(w, h, W2, p + fracBits);
      let spGain = htSigPropEncode(w, h, W2, p, fracBits, (cblkStyle & CBLK_VCAUSAL) != 0, wantD, scale);
      let spLen = spFinish(set + <usize>len);
      len += spLen;
      let r1 = passRecord(passes, k + 1);
      r1.rate = <u32>len;
      r1.distDecrease = spGain;
      r1.flags = PASS_TERMINATED;
      let mrGain = htMagRefEncode(w, h, W2, p, fracBits, wantD, scale);
      let mrLen = mrFinish(set + <usize>len);
      len += mrLen;
      let r2 = passRecord(passes, k + 2);
      r2.rate = <u32>len;
      r2.distDecrease = mrGain;
      r2.flags = PASS_TERMINATED;
      prevGain = gain + spGain + mrGain;
      lastPass = k + 2;
    }
    pos += <usize>len;
  }
  store<i32>(info, lastPass + 1, 4);
  store<i32>(info, <i32>pos, 8);
}

/** Bound of the bytes of the HT set with its cleanup at bit-plane p (refinement included). */
function setBound(w: i32, h: i32, numBps: i32, p: i32): usize {
  return <usize>(((<i64>w * <i64>h * <i64>(numBps - p + 7)) * 8) / 49) + 256;
}

/** Distortion decrease of the cleanup at bit-plane p: Σ over significant samples of x² − (x − r)². */
function cleanupGain(w: i32, h: i32, W2: i32, p: i32, fb: i32, scale: f64): f64 {
  let sh = <u32>(p + fb);
  let half = <f64>(<i64>1 << p) * 0.5;
  let unit = <f64>(<i64>1 << p);
  let g: f64 = 0;
  // runs of 8 samples with none significant are skipped (they add +0: the same sum); the terms are
  // added in the same order as sample by sample
  let lim = <u32>1 << sh;
  for (let y = 0; y < h; y++) {
    let row = MAG + ((<usize>y * <usize>W2) << 2);
    let x = 0;
    for (; x + 8 <= w; x += 8) {
      let p8 = row + (<usize>x << 2);
      let any: u32;
      if (ASC_FEATURE_SIMD) {
        let o = v128.or(v128.load(p8), v128.load(p8, 16));
        o = v128.and(o, i32x4.splat(0x7fffffff));
        any = <u32>v128.any_true(i32x4.ge_u(o, i32x4.splat(<i32>lim)));
      } else {
        let o = load<u64>(p8) | load<u64>(p8, 8) | load<u64>(p8, 16) | load<u64>(p8, 24);
        any = ((<u32>o | <u32>(o >> 32)) & 0x7fffffff) >> sh;
      }
      if (any == 0) continue;
      for (let i = 0; i < 8; i++) {
        let a = load<u32>(p8 + (<usize>i << 2)) & 0x7fffffff;
        let mu = a >> sh;
        let xv = <f64>a * scale;
        let r = <f64>mu * unit + half;
        g += select<f64>(r * (2 * xv - r), 0, mu != 0);
      }
    }
    for (; x < w; x++) {
      let a = load<u32>(row + (<usize>x << 2)) & 0x7fffffff;
      let mu = a >> sh;
      let xv = <f64>a * scale;
      let r = <f64>mu * unit + half;
      // (no branch: adding +0 for an insignificant sample leaves the sum as it is)
      g += select<f64>(r * (2 * xv - r), 0, mu != 0);
    }
  }
  return g;
}

/** UVLC code of u (T.814 Table 3): prefix (LSB first) and suffix. */
// @ts-ignore: decorator
@inline
function uvlcPrefix(u: u32): u32 {
  return u == 1 ? 1 | (1 << 8) : u == 2 ? 2 | (2 << 8) : u <= 4 ? 4 | (3 << 8) : 0 | (3 << 8);
}
// @ts-ignore: decorator
@inline
function uvlcSuffix(u: u32): u32 {
  // value | length << 8
  return u <= 2 ? 0 : u <= 4 ? (u - 3) | (1 << 8) : (u - 5) | (5 << 8);
}

/**
 * HT cleanup pass at bit-plane p (T.814 7.3; mirror of htCleanup in ht_decoder.ts). Writes the
 * segment at `dst`, returns Lcup.
 */
function htCleanupEncode(dst: usize, w: i32, h: i32, W2: i32, p: i32, fb: i32): i32 {
  let sh = <u32>(p + fb);
  msAcc = 0;
  msN = 0;
  msCap = 8;
  msPos = dst;
  melTmp = 0;
  melRem = 8;
  melLen = 0;
  melK = 0;
  melRun = 0;
  // VLC: byte 0 becomes Scup >> 4; the next byte starts with Scup's low nibble (4 bits)
  store<u8>(VLCBUF, 0xff);
  vLen = 1;
  vAcc = 0xf;
  vN = 4;

  // the MagSgn and VLC writers' state in locals while the quads are coded (msDrain / vlcDrain for
  // the rare bytes that need stuffing); the termination takes it back (msPut, vlcDrain)
  let mAcc: u64 = 0;
  let mN: u32 = 0;
  let mPos = dst;
  let vAcc2: u64 = vAcc;
  let vN2: u32 = <u32>vN;
  let vLen2 = vLen;
  let qw = W2 >> 1;
  let qh = (h + 1) >> 1;
  let rhoPrev = RHO_A, rhoCur = RHO_B;
  let ebPrev = EB_A, ebCur = EB_B;
  memory.fill(RHO_A, 0, <usize>(qw + 3));
  memory.fill(RHO_B, 0, <usize>(qw + 3));
  memory.fill(EB_A, 0, <usize>(2 * qw + 4) << 2);
  memory.fill(EB_B, 0, <usize>(2 * qw + 4) << 2);
  let rowBytes = <usize>W2 << 2;
  for (let qy = 0; qy < qh; qy++) {
    let initial = qy == 0;
    let tbl = initial ? HT_ENC_VLC0 : HT_ENC_VLC1;
    let row0 = MAG + <usize>(qy << 1) * rowBytes;
    let rhoLeft: u32 = 0;
    for (let q = 0; q < qw; q += 2) {
      let hasQ1 = q + 1 < qw;
      // ---- the two quads: significance, exponents, v values
      let rho0: u32 = 0, rho1: u32 = 0;
      let emax0: u32 = 0, emax1: u32 = 0;
      // v values of significant samples in VS (quad 0: 0..3, quad 1: 4..7), exponents packed 8 bits each
      let ea: u32 = 0, eb: u32 = 0;
      {
        let p0 = row0 + (<usize>(q << 1) << 2);
        let m0 = load<u32>(p0), m1 = load<u32>(p0 + rowBytes), m2 = load<u32>(p0, 4), m3 = load<u32>(p0 + rowBytes, 4);
        let u0 = (m0 & 0x7fffffff) >> sh, u1 = (m1 & 0x7fffffff) >> sh, u2 = (m2 & 0x7fffffff) >> sh, u3 = (m3 & 0x7fffffff) >> sh;
        if ((u0 | u1 | u2 | u3) != 0) {
          if (u0 != 0) { store<u32>(VS, ((u0 - 1) << 1) | (m0 >> 31), 0); let e = 32 - clz<u32>((u0 << 1) - 1); ea |= e; emax0 = max(emax0, e); rho0 |= 1; }
          if (u1 != 0) { store<u32>(VS, ((u1 - 1) << 1) | (m1 >> 31), 4); let e = 32 - clz<u32>((u1 << 1) - 1); ea |= e << 8; emax0 = max(emax0, e); rho0 |= 2; }
          if (u2 != 0) { store<u32>(VS, ((u2 - 1) << 1) | (m2 >> 31), 8); let e = 32 - clz<u32>((u2 << 1) - 1); ea |= e << 16; emax0 = max(emax0, e); rho0 |= 4; }
          if (u3 != 0) { store<u32>(VS, ((u3 - 1) << 1) | (m3 >> 31), 12); let e = 32 - clz<u32>((u3 << 1) - 1); ea |= e << 24; emax0 = max(emax0, e); rho0 |= 8; }
        }
      }
      if (hasQ1) {
        let p1 = row0 + (<usize>((q + 1) << 1) << 2);
        let m0 = load<u32>(p1), m1 = load<u32>(p1 + rowBytes), m2 = load<u32>(p1, 4), m3 = load<u32>(p1 + rowBytes, 4);
        let u0 = (m0 & 0x7fffffff) >> sh, u1 = (m1 & 0x7fffffff) >> sh, u2 = (m2 & 0x7fffffff) >> sh, u3 = (m3 & 0x7fffffff) >> sh;
        if ((u0 | u1 | u2 | u3) != 0) {
          if (u0 != 0) { store<u32>(VS, ((u0 - 1) << 1) | (m0 >> 31), 16); let e = 32 - clz<u32>((u0 << 1) - 1); eb |= e; emax1 = max(emax1, e); rho1 |= 1; }
          if (u1 != 0) { store<u32>(VS, ((u1 - 1) << 1) | (m1 >> 31), 20); let e = 32 - clz<u32>((u1 << 1) - 1); eb |= e << 8; emax1 = max(emax1, e); rho1 |= 2; }
          if (u2 != 0) { store<u32>(VS, ((u2 - 1) << 1) | (m2 >> 31), 24); let e = 32 - clz<u32>((u2 << 1) - 1); eb |= e << 16; emax1 = max(emax1, e); rho1 |= 4; }
          if (u3 != 0) { store<u32>(VS, ((u3 - 1) << 1) | (m3 >> 31), 28); let e = 32 - clz<u32>((u3 << 1) - 1); eb |= e << 24; emax1 = max(emax1, e); rho1 |= 8; }
        }
      }
      let x0 = q << 1;
      store<u8>(rhoCur + <usize>(q + 1), <u8>rho0);
      if (hasQ1) store<u8>(rhoCur + <usize>(q + 2), <u8>rho1);
      // bottom-row exponents for the next quad row's κ
      store<u32>(ebCur + (<usize>(x0 + 1) << 2), (ea >> 8) & 0xff);
      store<u32>(ebCur + (<usize>(x0 + 2) << 2), ea >> 24);
      if (hasQ1) {
        store<u32>(ebCur + (<usize>(x0 + 3) << 2), (eb >> 8) & 0xff);
        store<u32>(ebCur + (<usize>(x0 + 4) << 2), eb >> 24);
      }
      // ---- contexts (eq. 1 / eq. 2 of T.814 7.3.5, as the decoder forms them)
      let c0: u32, c1: u32 = 0;
      let above = initial ? 0 : load<u32>(rhoPrev + <usize>q);
      if (initial) {
        c0 = ((rhoLeft | (rhoLeft >> 1)) & 1) | ((rhoLeft >> 1) & 6);
        c1 = ((rho0 | (rho0 >> 1)) & 1) | ((rho0 >> 1) & 6);
      } else {
        let nw = above & 0xff, n = (above >> 8) & 0xff, ne = (above >> 16) & 0xff, nee = above >> 24;
        c0 = (((nw >> 3) | (n >> 1)) & 1) | ((((rhoLeft >> 2) | (rhoLeft >> 3)) & 1) << 1) | ((((n >> 3) | (ne >> 1)) & 1) << 2);
        c1 = (((n >> 3) | (ne >> 1)) & 1) | ((((rho0 >> 2) | (rho0 >> 3)) & 1) << 1) | ((((ne >> 3) | (nee >> 1)) & 1) << 2);
      }
      rhoLeft = hasQ1 ? rho1 : 0;
      // ---- κ, U, u, EMB pattern; VLC codewords and MEL events
      let U0: u32 = 0, U1: u32 = 0, uq0: u32 = 0, uq1: u32 = 0, ek0: u32 = 0, ek1: u32 = 0;
      // the pair's VLC bits (codewords, then UVLC), appended to the VLC stream at once
      let pw: u64 = 0;
      let pn: u32 = 0;
      if (rho0 != 0) {
        let kappa: u32 = 1;
        if (!initial && (rho0 & (rho0 - 1)) != 0) {
          let a = ebPrev + (<usize>x0 << 2);
          let em = max(max(load<u32>(a), load<u32>(a, 4)), max(load<u32>(a, 8), load<u32>(a, 12)));
          kappa = max<u32>(em, 2) - 1;
        }
        U0 = max(emax0, kappa);
        uq0 = U0 - kappa;
        let emb: u32 = 0;
        if (((ea) & 0xff) == U0) emb |= 1;
        if (((ea >> 8) & 0xff) == U0) emb |= 2;
        if (((ea >> 16) & 0xff) == U0) emb |= 4;
        if ((ea >> 24) == U0) emb |= 8;
        emb &= rho0;
        let e = <u32>load<u16>(tbl + ((<usize>((c0 << 9) | (rho0 << 5) | (select<u32>(1, 0, uq0 > 0) << 4) | emb)) << 1));
        ek0 = e >> 12;
        if (c0 == 0) melEvent(1);
        pw = <u64>((e >> 3) & 0x7f);
        pn = e & 7;
      } else if (c0 == 0) {
        melEvent(0);
      } else {
        let e = <u32>load<u16>(tbl + ((<usize>(c0 << 9)) << 1));
        pw = <u64>((e >> 3) & 0x7f);
        pn = e & 7;
      }
      if (hasQ1) {
        if (rho1 != 0) {
          let kappa: u32 = 1;
          if (!initial && (rho1 & (rho1 - 1)) != 0) {
            let a = ebPrev + (<usize>(x0 + 2) << 2);
            let em = max(max(load<u32>(a), load<u32>(a, 4)), max(load<u32>(a, 8), load<u32>(a, 12)));
            kappa = max<u32>(em, 2) - 1;
          }
          U1 = max(emax1, kappa);
          uq1 = U1 - kappa;
          let emb: u32 = 0;
          if ((eb & 0xff) == U1) emb |= 1;
          if (((eb >> 8) & 0xff) == U1) emb |= 2;
          if (((eb >> 16) & 0xff) == U1) emb |= 4;
          if ((eb >> 24) == U1) emb |= 8;
          emb &= rho1;
          let e = <u32>load<u16>(tbl + ((<usize>((c1 << 9) | (rho1 << 5) | (select<u32>(1, 0, uq1 > 0) << 4) | emb)) << 1));
          ek1 = e >> 12;
          if (c1 == 0) melEvent(1);
          pw |= <u64>((e >> 3) & 0x7f) << <u64>pn;
          pn += e & 7;
        } else if (c1 == 0) {
          melEvent(0);
        } else {
          let e = <u32>load<u16>(tbl + ((<usize>(c1 << 9)) << 1));
          pw |= <u64>((e >> 3) & 0x7f) << <u64>pn;
          pn += e & 7;
        }
      }
      // ---- UVLC (T.814 7.3.6): up to four codes (value | length << 8), in this order
      let k1: u32 = 0, k2: u32 = 0, k3: u32 = 0, k4: u32 = 0;
      if (uq0 > 0 && uq1 > 0) {
        if (initial && uq0 > 2 && uq1 > 2) {
          melEvent(1);
          k1 = uvlcPrefix(uq0 - 2);
          k2 = uvlcPrefix(uq1 - 2);
          k3 = uvlcSuffix(uq0 - 2);
          k4 = uvlcSuffix(uq1 - 2);
        } else {
          if (initial) melEvent(0);
          if (initial && uq0 > 2) {
            k1 = uvlcPrefix(uq0);
            k2 = (uq1 - 1) | (1 << 8);
            k3 = uvlcSuffix(uq0);
          } else {
            k1 = uvlcPrefix(uq0);
            k2 = uvlcPrefix(uq1);
            k3 = uvlcSuffix(uq0);
            k4 = uvlcSuffix(uq1);
          }
        }
      } else if (uq0 > 0) {
        k1 = uvlcPrefix(uq0);
        k2 = uvlcSuffix(uq0);
      } else if (uq1 > 0) {
        k1 = uvlcPrefix(uq1);
        k2 = uvlcSuffix(uq1);
      }
      pw |= <u64>(k1 & 0xff) << <u64>pn;
      pn += k1 >> 8;
      pw |= <u64>(k2 & 0xff) << <u64>pn;
      pn += k2 >> 8;
      pw |= <u64>(k3 & 0xff) << <u64>pn;
      pn += k3 >> 8;
      pw |= <u64>(k4 & 0xff) << <u64>pn;
      pn += k4 >> 8;
      // append to the VLC stream (at most 30 bits to at most 7 pending): the complete bytes are
      // stored as they are unless one of them might need stuffing (7 low bits all 1), then byte by byte
      vAcc2 |= pw << <u64>vN2;
      vN2 += pn;
      store<u64>(VLCBUF + <usize>vLen2, vAcc2);
      let vnb = vN2 >> 3;
      let vy = vAcc2 | 0x8080808080808080;
      if ((((~vy - 0x0101010101010101) & vy & 0x8080808080808080) & ((<u64>1 << <u64>(vnb << 3)) - 1)) == 0) {
        vLen2 += <i32>vnb;
        vAcc2 >>= <u64>(vnb << 3);
        vN2 &= 7;
      } else {
        vlcDrain(vAcc2, <i32>vN2, vLen2);
        vAcc2 = vAcc;
        vN2 = <u32>vN;
        vLen2 = vLen;
      }
      // ---- MagSgn (T.814 7.3.8): m_n = U - e_k bits of v_n per significant sample; the complete
      // bytes are stored as they are unless one is 0xFF (then byte by byte, with the stuffing)
      let rho = rho0 | (rho1 << 4);
      if (rho != 0) {
        let ek = ek0 | (ek1 << 4);
        do {
          let i = ctz<u32>(rho);
          rho &= rho - 1;
          let m = select<u32>(U0, U1, i < 4) - ((ek >> i) & 1);
          mAcc |= (<u64>load<u32>(VS + (<usize>i << 2)) & ((<u64>1 << <u64>m) - 1)) << <u64>mN;
          mN += m;
          store<u64>(mPos, mAcc);
          let nb = mN >> 3;
          if ((((~mAcc - 0x0101010101010101) & mAcc & 0x8080808080808080) & ((<u64>1 << <u64>(nb << 3)) - 1)) == 0) {
            mPos += <usize>nb;
            mAcc >>= <u64>(nb << 3);
            mN &= 7;
          } else {
            msDrain(mAcc, <i32>mN, mPos);
            mAcc = msAcc;
            mN = <u32>msN;
            mPos = msPos;
          }
        } while (rho != 0);
      }
    }
    let t = rhoPrev;
    rhoPrev = rhoCur;
    rhoCur = t;
    let te = ebPrev;
    ebPrev = ebCur;
    ebCur = te;
  }
  msAcc = 0;
  msN = 0;
  msCap = 8;
  msPos = mPos;
  if (mN > 0) msPut(<u32>mAcc, <i32>mN);
  vlcDrain(vAcc2, <i32>vN2, vLen2);
  // ---- MagSgn termination: pad with 1s (the decoder reads 0xFF past the end); a final 0xFF is dropped
  if (msN > 0) msPut((<u32>1 << <u32>(msCap - msN)) - 1, msCap - msN);
  if (msPos > dst && load<u8>(msPos - 1) == 0xff) msPos--;
  let pcup = <i32>(msPos - dst);
  // ---- MEL / VLC termination: the last MEL byte and the last VLC byte may share a byte
  if (melRun > 0) melBit(1);
  let melMask: u32 = melRem == 8 ? 0 : (0xff << <u32>melRem) & 0xff;
  let melByte: u32 = (melTmp << <u32>melRem) & 0xff;
  let vlcMask: u32 = vN == 0 ? 0 : 0xff >> <u32>(8 - vN);
  let vlcByte: u32 = <u32>vAcc & vlcMask;
  if ((melMask | vlcMask) != 0) {
    let fuse = melByte | vlcByte;
    if ((melMask & vlcMask) == 0 && fuse != 0xff && vLen > 1) {
      store<u8>(MELBUF + <usize>melLen, <u8>fuse);
      melLen++;
    } else {
      if (melMask != 0) {
        store<u8>(MELBUF + <usize>melLen, <u8>melByte);
        melLen++;
      }
      if (vlcMask != 0) {
        store<u8>(VLCBUF + <usize>vLen, <u8>vlcByte);
        vLen++;
      }
    }
  }
  let scup = melLen + vLen;
  if (scup > 4079) fail(ERR_ENCODE_OVERFLOW, -1, scup, 0);
  let o = dst + <usize>pcup;
  memory.copy(o, MELBUF, <usize>melLen);
  o += <usize>melLen;
  for (let i = vLen - 1; i >= 0; i--) {
    store<u8>(o, load<u8>(VLCBUF + <usize>i));
    o++;
  }
  let lcup = pcup + scup;
  store<u8>(dst + <usize>(lcup - 1), <u8>(scup >> 4));
  let b2 = dst + <usize>(lcup - 2);
  store<u8>(b2, <u8>((<u32>load<u8>(b2) & 0xf0) | (<u32>scup & 0xf)));
  return lcup;
}

// ---- refinement passes ----------------------------------------------------------------------------

/** ST = significance after the cleanup at bit-plane (sh - fracBits), zero border. */
function buildSignificance(w: i32, h: i32, W2: i32, sh: i32): void {
  let sw = w + 2;
  memory.fill(ST, 0, <usize>sw * <usize>(h + 2));
  for (let y = 0; y < h; y++) {
    let src = MAG + ((<usize>y * <usize>W2) << 2);
    let dst = ST + <usize>(y + 1) * <usize>sw + 1;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      // four samples at a time: (|c| >> sh) != 0 as bytes 0 / ST_SIG
      let one = i32x4.splat(ST_SIG);
      let mask = i32x4.splat(0x7fffffff);
      for (; x + 4 <= w; x += 4) {
        let a = v128.and(v128.load(src + (<usize>x << 2)), mask);
        let m = v128.and(v128.not(i32x4.eq(i32x4.shr_u(a, sh), i32x4.splat(0))), one);
        let b = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(m, m), i16x8.splat(0));
        store<u32>(dst + <usize>x, <u32>i32x4.extract_lane(b, 0));
      }
    }
    for (; x < w; x++) {
      if (((load<u32>(src + (<usize>x << 2)) & 0x7fffffff) >> <u32>sh) != 0) store<u8>(dst + <usize>x, ST_SIG);
    }
  }
}

// SigProp: forward, LSB first, 7 bits after an 0xFF; zeros past the end.
let spAcc: u32 = 0;
let spN: i32 = 0;
let spCap: i32 = 8;
let spLen: i32 = 0;

/** Append the `n` bits of `v` (LSB first, n <= 32) to the SigProp bytes, with the stuffing. */
function spPutBits(v: u32, n: i32): void {
  let acc = <u64>spAcc | (<u64>v << <u64>spN);
  let total = spN + n;
  let cap = spCap;
  let len = spLen;
  while (total >= cap) {
    let b = <u32>acc & ((<u32>1 << <u32>cap) - 1);
    acc >>= <u64>cap;
    total -= cap;
    store<u8>(SPBUF + <usize>len, <u8>b);
    len++;
    cap = b == 0xff ? 7 : 8;
  }
  spAcc = <u32>acc;
  spN = total;
  spCap = cap;
  spLen = len;
}

/** Write the SigProp bytes at dst; returns their count (never ending in 0xFF). */
function spFinish(dst: usize): i32 {
  if (spN > 0) {
    store<u8>(SPBUF + <usize>spLen, <u8>spAcc);
    spLen++;
  } else if (spLen > 0 && load<u8>(SPBUF + <usize>(spLen - 1)) == 0xff) {
    store<u8>(SPBUF + <usize>spLen, 0);
    spLen++;
  }
  memory.copy(dst, SPBUF, <usize>spLen);
  return spLen;
}

/** HT SigProp pass at bit-plane p - 1 (T.814 7.4; mirror of htSigProp in ht_decoder.ts). */
function htSigPropEncode(w: i32, h: i32, W2: i32, p: i32, fb: i32, causal: bool, wantD: bool, scale: f64): f64 {
  spAcc = 0;
  spN = 0;
  spCap = 8;
  spLen = 0;
  let sw = <usize>(w + 2);
  let bit = <u32>(p - 1 + fb);
  let r: f64 = 1.5 * <f64>(<i64>1 << (p - 1));
  let gain: f64 = 0;
  // bits in locals, appended 32 at a time
  let bits: u32 = 0;
  let nb: u32 = 0;
  for (let y0 = 0; y0 < h; y0 += 4) {
    let y1 = min(y0 + 4, h);
    for (let gx = 0; gx < w; gx += 4) {
      let gx1 = min(gx + 4, w);
      // no significant sample in the group or around it: no sample of it is coded (a sample
      // becomes significant here only next to one that is)
      {
        let q = ST + <usize>y0 * sw + <usize>gx; // (row y0 - 1, column gx - 1 of the block)
        let span = <u64>(gx1 - gx + 2);
        let mask = span >= 8 ? <u64>-1 : (<u64>1 << (span << 3)) - 1;
        let o: u64 = 0;
        for (let y = y0 - 1; y <= y1; y++, q += sw) o |= load<u64>(q);
        if ((o & mask) == 0) continue;
      }
      let any = false;
      for (let x = gx; x < gx1; x++) {
        for (let y = y0; y < y1; y++) {
          let s = ST + <usize>(y + 1) * sw + <usize>(x + 1);
          if ((load<u8>(s) & ST_SIG) != 0) continue;
          let nbh = <u32>load<u8>(s - sw - 1) | <u32>load<u8>(s - sw) | <u32>load<u8>(s - sw + 1) |
            <u32>load<u8>(s - 1) | <u32>load<u8>(s + 1);
          if (!causal || y + 1 < y1) nbh |= <u32>load<u8>(s + sw - 1) | <u32>load<u8>(s + sw) | <u32>load<u8>(s + sw + 1);
          if ((nbh & <u32>(ST_SIG | ST_SP)) == 0) continue;
          let a = load<u32>(MAG + ((<usize>y * <usize>W2 + <usize>x) << 2)) & 0x7fffffff;
          let b = (a >> bit) & 1;
          bits |= b << nb;
          nb++;
          if (nb == 32) {
            spPutBits(bits, 32);
            bits = 0;
            nb = 0;
          }
          if (b != 0) {
            store<u8>(s, ST_SP | ST_NEW);
            any = true;
            if (wantD) {
              let xv = <f64>a * scale;
              gain += r * (2 * xv - r);
            }
          }
        }
      }
      if (!any) continue;
      for (let x = gx; x < gx1; x++) {
        for (let y = y0; y < y1; y++) {
          let s = ST + <usize>(y + 1) * sw + <usize>(x + 1);
          if ((load<u8>(s) & ST_NEW) == 0) continue;
          store<u8>(s, ST_SP);
          bits |= (load<u32>(MAG + ((<usize>y * <usize>W2 + <usize>x) << 2)) >> 31) << nb;
          nb++;
          if (nb == 32) {
            spPutBits(bits, 32);
            bits = 0;
            nb = 0;
          }
        }
      }
    }
  }
  if (nb > 0) spPutBits(bits, <i32>nb);
  return gain;
}

// MagRef: backward, LSB first (VLC stuffing rule, as if after a byte > 0x8F); zeros past the start.
let mrAcc: u32 = 0;
let mrN: i32 = 0;
let mrLast: u32 = 0xff;
let mrLen: i32 = 0;

/** Append the `n` bits of `v` (LSB first, n <= 32) to the MagRef bytes, with the stuffing. */
function mrPutBits(v: u32, n: i32): void {
  let acc = <u64>mrAcc | (<u64>v << <u64>mrN);
  let total = mrN + n;
  let last = mrLast;
  let len = mrLen;
  while (total >= 7) {
    let b: u32 = 0;
    if (last > 0x8f && (<u32>acc & 0x7f) == 0x7f) {
      b = 0x7f;
      acc >>= 7;
      total -= 7;
    } else if (total >= 8) {
      b = <u32>acc & 0xff;
      acc >>= 8;
      total -= 8;
    } else {
      break;
    }
    store<u8>(MRBUF + <usize>len, <u8>b);
    len++;
    last = b;
  }
  mrAcc = <u32>acc;
  mrN = total;
  mrLast = last;
  mrLen = len;
}

/** Write the MagRef bytes at dst in memory order (the first written byte last); returns their count. */
function mrFinish(dst: usize): i32 {
  if (mrN > 0) {
    store<u8>(MRBUF + <usize>mrLen, <u8>mrAcc);
    mrLen++;
  }
  for (let i = 0; i < mrLen; i++) store<u8>(dst + <usize>i, load<u8>(MRBUF + <usize>(mrLen - 1 - i)));
  return mrLen;
}

/**
 * Bits of v (4 bits) where m (4 bits) has a one, packed from bit 0 (PEXT4[m << 4 | v]): a column
 * of a stripe's MagRef bits in one step.
 */
const PEXT4: usize = memory.data(256, 16);
let pext4Ready = false;
function pext4Init(): void {
  for (let m = 0; m < 16; m++) {
    for (let v = 0; v < 16; v++) {
      let o = 0, k = 0;
      for (let i = 0; i < 4; i++) {
        if (((m >> i) & 1) == 0) continue;
        o |= ((v >> i) & 1) << k;
        k++;
      }
      store<u8>(PEXT4 + <usize>((m << 4) | v), <u8>o);
    }
  }
  pext4Ready = true;
}

/** HT MagRef pass at bit-plane p - 1 (T.814 7.5): one bit per sample significant after the cleanup. */
function htMagRefEncode(w: i32, h: i32, W2: i32, p: i32, fb: i32, wantD: bool, scale: f64): f64 {
  if (!pext4Ready) pext4Init();
  mrAcc = 0;
  mrN = 0;
  mrLast = 0xff;
  mrLen = 0;
  let bit = <u32>(p - 1 + fb);
  let d: f64 = <f64>(<i64>1 << (p - 1)) * 0.5;
  let unit = <f64>(<i64>1 << p);
  let gain: f64 = 0;
  // bits in a 64-bit local, handed on 32 at a time (the same calls as bit by bit)
  let acc: u64 = 0;
  let nb: u32 = 0;
  let rowBytes = <usize>W2 << 2;
  for (let y0 = 0; y0 < h; y0 += 4) {
    let y1 = min(y0 + 4, h);
    if (y1 - y0 == 4) {
      // a whole stripe: each column's four samples at once (significance mask m, bits v)
      let r0 = MAG + <usize>y0 * rowBytes;
      for (let x = 0; x < w; x++) {
        let q = r0 + (<usize>x << 2);
        let a0 = load<u32>(q) & 0x7fffffff;
        let a1 = load<u32>(q + rowBytes) & 0x7fffffff;
        let a2 = load<u32>(q + 2 * rowBytes) & 0x7fffffff;
        let a3 = load<u32>(q + 3 * rowBytes) & 0x7fffffff;
        let s0 = a0 >> (bit + 1), s1 = a1 >> (bit + 1), s2 = a2 >> (bit + 1), s3 = a3 >> (bit + 1);
        let m = <u32>(s0 != 0) | (<u32>(s1 != 0) << 1) | (<u32>(s2 != 0) << 2) | (<u32>(s3 != 0) << 3);
        if (m == 0) continue;
        let v = ((a0 >> bit) & 1) | (((a1 >> bit) & 1) << 1) | (((a2 >> bit) & 1) << 2) | (((a3 >> bit) & 1) << 3);
        acc |= <u64>load<u8>(PEXT4 + <usize>((m << 4) | v)) << nb;
        nb += popcnt<u32>(m);
        if (nb >= 32) {
          mrPutBits(<u32>acc, 32);
          acc >>= 32;
          nb -= 32;
        }
        if (wantD) {
          // (the same terms, added in the same order, as sample by sample)
          if (s0 != 0) gain += mrGain(a0, s0, (v & 1) != 0, scale, unit, d);
          if (s1 != 0) gain += mrGain(a1, s1, (v & 2) != 0, scale, unit, d);
          if (s2 != 0) gain += mrGain(a2, s2, (v & 4) != 0, scale, unit, d);
          if (s3 != 0) gain += mrGain(a3, s3, (v & 8) != 0, scale, unit, d);
        }
      }
      continue;
    }
    for (let x = 0; x < w; x++) {
      for (let y = y0; y < y1; y++) {
        // significant after the cleanup at bit-plane p (as ST_SIG)
        let a = load<u32>(MAG + ((<usize>y * <usize>W2 + <usize>x) << 2)) & 0x7fffffff;
        let sg = a >> (bit + 1);
        if (sg == 0) continue;
        let b = (a >> bit) & 1;
        acc |= <u64>b << nb;
        nb++;
        if (nb == 32) {
          mrPutBits(<u32>acc, 32);
          acc = 0;
          nb = 0;
        }
        if (wantD) gain += mrGain(a, sg, b != 0, scale, unit, d);
      }
    }
  }
  if (nb > 0) mrPutBits(<u32>acc, <i32>nb);
  return gain;
}

/** Distortion decrease of one MagRef bit: sample a (sg = a >> (bit + 1)), refinement bit b. */
// @ts-ignore: decorator
@inline
function mrGain(a: u32, sg: u32, b: bool, scale: f64, unit: f64, d: f64): f64 {
  let xv = <f64>a * scale;
  let r0 = <f64>sg * unit + unit * 0.5;
  let r1 = b ? r0 + d : r0 - d;
  return (xv - r0) * (xv - r0) - (xv - r1) * (xv - r1);
}
