// EBCOT code-block encoder (ISO/IEC 15444-1 Annex D, the inverse of ebcot_decoder.ts) with the
// per-pass records rate control needs (distortion decrease, truncation length, termination).
//
// SAMPLES holds |c| in stripe layout with the sign in bit 31; bit-plane p of the coded magnitude
// is bit fracBits + p of |c|. Distortion is measured against the decoder's reconstruction
// contract (v = 2K + 2^p, i.e. v/2 in quantisation steps) in "doubled" units: with
// x2 = 2·|c|/2^fracBits, a coefficient's squared error is (x2 − v)²/4.
//
// Performance: the MQ registers live in locals inside each pass and ENCODE is written out inline
// at each use (the "ENCODE" blocks below are identical copies of mqEncodeBit() in mq_encoder.ts).

import { fail } from "../util/fail";
import { ERR_INVALID_ARGUMENT } from "../util/error_codes";
import { MQ_TABLE, MQ_CONTEXTS, CX_RL, CX_UNI, CX_MR_FIRST, CX_MR_LATER, mqTablesInit, mqResetContexts } from "./mq_states";
import {
  mqeA, mqeC, mqeCt, mqByteOut, mqEncodeInit, mqEncodeBit, mqFlush, mqErterm, mqRateEstimate,
} from "./mq_encoder";
import { rawEncodeInit, rawEncodeBit, rawFlush, rawRateEstimate } from "./raw_encoder";
import { SIGN_LUT, contextTablesInit, sigLut, signIndex } from "./contexts";
import { SAMPLES, SIG_WINDOW, SIG_CENTRE, PI_ALL, flagsClear, flagOrigin, flagStrideBytes, flagsMarkNeighbours } from "./flags";
import {
  CBLK_RESET, CBLK_VCAUSAL, CBLK_SEGSYM, CBLK_PTERM, PASS_SPP, PASS_MRP,
  maxPasses, isRawPass, passType, passesInSegment,
} from "./segments";

/** Size of one pass record (see ebcotEncodeBlock). */
export const PASS_RECORD_BYTES = 16;

/** 2^(1 − fracBits) as f64: converts |c| into doubled quantisation-step units. */
function doubledScale(fracBits: i32): f64 {
  return reinterpret<f64>(<u64>(1024 - fracBits) << 52);
}

/** Distortion decrease (doubled units) when a coefficient of doubled magnitude x2 becomes significant at plane p. */
// @ts-ignore: decorator
@inline
function sigGain(x2: f64, p: i32): f64 {
  const v = <f64>(<i32>3 << p);
  return v * (2.0 * x2 - v); // x2² − (x2 − v)²
}

/** Distortion decrease (doubled units) of refining magnitude m (with fracBits fb) at plane p. */
// @ts-ignore: decorator
@inline
function refineGain(x2: f64, m: u32, fb: i32, p: i32): f64 {
  const t = m >>> <u32>(fb + p);
  const va = <f64>(((t << 1) | 1) << <u32>p); // after: 2K + 2^p
  const delta = (t & 1) != 0 ? <f64>(<i32>1 << p) : -<f64>(<i32>1 << p); // va − vb
  // (x2 − vb)² − (x2 − va)² with vb = va − delta
  return delta * (2.0 * (x2 - va) + delta);
}

// ---------------------------------------------------------------------------------------------
// Significance propagation pass (D.3.1), MQ-coded

function encodeSigPropMq(w: i32, h: i32, p: i32, fb: i32, lut: usize, causal: bool, wantD: bool, scale: f64): f64 {
  let a = mqeA;
  let c = mqeC;
  let ct = mqeCt;
  let s: u32, e: u32, q: u32, d: u32, lps: u32, x: u32, n: u32, cxp: usize;
  let dist: f64 = 0;
  const sp = <u32>(fb + p);
  const fstride = flagStrideBytes(w);
  let frow = flagOrigin(w);
  let mrow = SAMPLES;
  for (let y = 0; y < h; y += 4) {
    const rows = min(4, h - y);
    const fend = frow + (<usize>w << 2);
    let mp = mrow;
    for (let fp = frow; fp < fend; fp += 4, mp += 16) {
      let f = load<u32>(fp);
      if ((f & SIG_WINDOW) == 0) continue;
      for (let r = 0; r < rows; r++) {
        const nb = (f >>> <u32>(3 * r)) & 0x1ff;
        if (nb == 0 || (nb & 0x10) != 0) continue;
        const m = load<u32>(mp + (<usize>r << 2));
        d = (m >>> sp) & 1;
        // ENCODE(significance context, d)
        cxp = MQ_CONTEXTS + <usize>load<u8>(lut + nb);
        s = <u32>load<u8>(cxp);
        e = load<u32>(MQ_TABLE + (<usize>s << 2));
        q = e & 0xffff;
        a -= q;
        lps = d ^ (s & 1);
        x = <u32>(a < q) ^ lps; // the conditional exchange of C.2.5 / C.2.6
        c = select<u32>(c, c + q, x);
        a = select<u32>(q, a, x);
        if (a < 0x8000) {
          store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
          n = clz(a) - 16;
          while (n >= ct) { a <<= ct; c <<= ct; n -= ct; c = mqByteOut(c); ct = mqeCt; }
          a <<= n; c <<= n; ct -= n;
        }
        f |= <u32>1 << <u32>(24 + r);
        if (d == 0) continue;
        // sign (D.3.2)
        const lu = <u32>load<u8>(SIGN_LUT + <usize>signIndex(f, load<u32>(fp - 4), load<u32>(fp + 4), r));
        const neg = m >>> 31;
        d = neg ^ (lu >>> 7);
        // ENCODE(sign context, d)
        cxp = MQ_CONTEXTS + <usize>(lu & 0x1f);
        s = <u32>load<u8>(cxp);
        e = load<u32>(MQ_TABLE + (<usize>s << 2));
        q = e & 0xffff;
        a -= q;
        lps = d ^ (s & 1);
        x = <u32>(a < q) ^ lps; // the conditional exchange of C.2.5 / C.2.6
        c = select<u32>(c, c + q, x);
        a = select<u32>(q, a, x);
        if (a < 0x8000) {
          store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
          n = clz(a) - 16;
          while (n >= ct) { a <<= ct; c <<= ct; n -= ct; c = mqByteOut(c); ct = mqeCt; }
          a <<= n; c <<= n; ct -= n;
        }
        f |= (<u32>1 << <u32>(3 * r + 4)) | (neg << <u32>(19 + r));
        flagsMarkNeighbours(fp, fstride, r, neg, causal);
        if (wantD) dist += sigGain(<f64>(m & 0x7fff_ffff) * scale, p);
      }
      store<u32>(fp, f);
    }
    frow += fstride;
    mrow += <usize>w << 4;
  }
  mqeA = a;
  mqeC = c;
  mqeCt = ct;
  return dist;
}

// ---------------------------------------------------------------------------------------------
// Magnitude refinement pass (D.3.3), MQ-coded

function encodeRefineMq(w: i32, h: i32, p: i32, fb: i32, wantD: bool, scale: f64): f64 {
  let a = mqeA;
  let c = mqeC;
  let ct = mqeCt;
  let s: u32, e: u32, q: u32, d: u32, lps: u32, x: u32, n: u32, cxp: usize;
  let dist: f64 = 0;
  const sp = <u32>(fb + p);
  const fstride = flagStrideBytes(w);
  let frow = flagOrigin(w);
  let mrow = SAMPLES;
  for (let y = 0; y < h; y += 4) {
    const rows = min(4, h - y);
    const fend = frow + (<usize>w << 2);
    let mp = mrow;
    for (let fp = frow; fp < fend; fp += 4, mp += 16) {
      let f = load<u32>(fp);
      if ((f & SIG_CENTRE) == 0) continue;
      for (let r = 0; r < rows; r++) {
        if (((f >>> <u32>(3 * r + 4)) & ~(f >>> <u32>(24 + r)) & 1) == 0) continue;
        const m = load<u32>(mp + (<usize>r << 2));
        d = (m >>> sp) & 1;
        let cx: u32 = ((f >>> <u32>(28 + r)) & 1) != 0
          ? CX_MR_LATER
          : CX_MR_FIRST + (((f >>> <u32>(3 * r)) & 0x1ef) != 0 ? 1 : 0);
        // ENCODE(refinement context, d)
        cxp = MQ_CONTEXTS + <usize>cx;
        s = <u32>load<u8>(cxp);
        e = load<u32>(MQ_TABLE + (<usize>s << 2));
        q = e & 0xffff;
        a -= q;
        lps = d ^ (s & 1);
        x = <u32>(a < q) ^ lps; // the conditional exchange of C.2.5 / C.2.6
        c = select<u32>(c, c + q, x);
        a = select<u32>(q, a, x);
        if (a < 0x8000) {
          store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
          n = clz(a) - 16;
          while (n >= ct) { a <<= ct; c <<= ct; n -= ct; c = mqByteOut(c); ct = mqeCt; }
          a <<= n; c <<= n; ct -= n;
        }
        f |= <u32>1 << <u32>(28 + r);
        if (wantD) {
          const mm = m & 0x7fff_ffff;
          dist += refineGain(<f64>mm * scale, mm, fb, p);
        }
      }
      store<u32>(fp, f);
    }
    frow += fstride;
    mrow += <usize>w << 4;
  }
  mqeA = a;
  mqeC = c;
  mqeCt = ct;
  return dist;
}

// ---------------------------------------------------------------------------------------------
// Cleanup pass (D.3.4) with run-length coding, MQ-coded

function encodeCleanupMq(w: i32, h: i32, p: i32, fb: i32, lut: usize, causal: bool, wantD: bool, scale: f64): f64 {
  let a = mqeA;
  let c = mqeC;
  let ct = mqeCt;
  let s: u32, e: u32, q: u32, d: u32, lps: u32, x: u32, n: u32, cxp: usize;
  let dist: f64 = 0;
  const sp = <u32>(fb + p);
  const fstride = flagStrideBytes(w);
  let frow = flagOrigin(w);
  let mrow = SAMPLES;
  for (let y = 0; y < h; y += 4) {
    const rows = min(4, h - y);
    const fend = frow + (<usize>w << 2);
    let mp = mrow;
    for (let fp = frow; fp < fend; fp += 4, mp += 16) {
      let f = load<u32>(fp);
      let r = 0;
      let known = false;
      if (f == 0 && rows == 4) {
        // run-length mode: one decision says whether any of the four becomes significant
        const any = (load<u32>(mp) | load<u32>(mp, 4) | load<u32>(mp, 8) | load<u32>(mp, 12)) >>> sp;
        d = any & 1;
        // ENCODE(run-length context, d)
        cxp = MQ_CONTEXTS + <usize>CX_RL;
        s = <u32>load<u8>(cxp);
        e = load<u32>(MQ_TABLE + (<usize>s << 2));
        q = e & 0xffff;
        a -= q;
        lps = d ^ (s & 1);
        x = <u32>(a < q) ^ lps; // the conditional exchange of C.2.5 / C.2.6
        c = select<u32>(c, c + q, x);
        a = select<u32>(q, a, x);
        if (a < 0x8000) {
          store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
          n = clz(a) - 16;
          while (n >= ct) { a <<= ct; c <<= ct; n -= ct; c = mqByteOut(c); ct = mqeCt; }
          a <<= n; c <<= n; ct -= n;
        }
        if (d == 0) continue;
        while (((load<u32>(mp + (<usize>r << 2)) >>> sp) & 1) == 0) r++;
        mqeA = a;
        mqeC = c;
        mqeCt = ct;
        mqEncodeBit(CX_UNI, <u32>r >>> 1);
        mqEncodeBit(CX_UNI, <u32>r & 1);
        a = mqeA;
        c = mqeC;
        ct = mqeCt;
        known = true;
      }
      for (; r < rows; r++) {
        const m = load<u32>(mp + (<usize>r << 2));
        if (!known) {
          const nb = (f >>> <u32>(3 * r)) & 0x1ff;
          if (((nb >>> 4) | (f >>> <u32>(24 + r))) & 1) continue;
          d = (m >>> sp) & 1;
          // ENCODE(significance context, d)
          cxp = MQ_CONTEXTS + <usize>load<u8>(lut + nb);
          s = <u32>load<u8>(cxp);
          e = load<u32>(MQ_TABLE + (<usize>s << 2));
          q = e & 0xffff;
          a -= q;
          lps = d ^ (s & 1);
          x = <u32>(a < q) ^ lps; // the conditional exchange of C.2.5 / C.2.6
          c = select<u32>(c, c + q, x);
          a = select<u32>(q, a, x);
          if (a < 0x8000) {
            store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
            n = clz(a) - 16;
            while (n >= ct) { a <<= ct; c <<= ct; n -= ct; c = mqByteOut(c); ct = mqeCt; }
            a <<= n; c <<= n; ct -= n;
          }
          if (d == 0) continue;
        }
        known = false;
        // sign (D.3.2)
        const lu = <u32>load<u8>(SIGN_LUT + <usize>signIndex(f, load<u32>(fp - 4), load<u32>(fp + 4), r));
        const neg = m >>> 31;
        d = neg ^ (lu >>> 7);
        // ENCODE(sign context, d)
        cxp = MQ_CONTEXTS + <usize>(lu & 0x1f);
        s = <u32>load<u8>(cxp);
        e = load<u32>(MQ_TABLE + (<usize>s << 2));
        q = e & 0xffff;
        a -= q;
        lps = d ^ (s & 1);
        x = <u32>(a < q) ^ lps; // the conditional exchange of C.2.5 / C.2.6
        c = select<u32>(c, c + q, x);
        a = select<u32>(q, a, x);
        if (a < 0x8000) {
          store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
          n = clz(a) - 16;
          while (n >= ct) { a <<= ct; c <<= ct; n -= ct; c = mqByteOut(c); ct = mqeCt; }
          a <<= n; c <<= n; ct -= n;
        }
        f |= (<u32>1 << <u32>(3 * r + 4)) | (neg << <u32>(19 + r));
        flagsMarkNeighbours(fp, fstride, r, neg, causal);
        if (wantD) dist += sigGain(<f64>(m & 0x7fff_ffff) * scale, p);
      }
      store<u32>(fp, f & ~PI_ALL);
    }
    frow += fstride;
    mrow += <usize>w << 4;
  }
  mqeA = a;
  mqeC = c;
  mqeCt = ct;
  return dist;
}

// ---------------------------------------------------------------------------------------------
// Raw (bypass) significance propagation and refinement passes (D.6)

function encodeSigPropRaw(w: i32, h: i32, p: i32, fb: i32, causal: bool, wantD: bool, scale: f64): f64 {
  let dist: f64 = 0;
  const sp = <u32>(fb + p);
  const fstride = flagStrideBytes(w);
  let frow = flagOrigin(w);
  let mrow = SAMPLES;
  for (let y = 0; y < h; y += 4) {
    const rows = min(4, h - y);
    const fend = frow + (<usize>w << 2);
    let mp = mrow;
    for (let fp = frow; fp < fend; fp += 4, mp += 16) {
      let f = load<u32>(fp);
      if ((f & SIG_WINDOW) == 0) continue;
      for (let r = 0; r < rows; r++) {
        const nb = (f >>> <u32>(3 * r)) & 0x1ff;
        if (nb == 0 || (nb & 0x10) != 0) continue;
        const m = load<u32>(mp + (<usize>r << 2));
        const d = (m >>> sp) & 1;
        rawEncodeBit(d);
        f |= <u32>1 << <u32>(24 + r);
        if (d == 0) continue;
        const neg = m >>> 31;
        rawEncodeBit(neg);
        f |= (<u32>1 << <u32>(3 * r + 4)) | (neg << <u32>(19 + r));
        flagsMarkNeighbours(fp, fstride, r, neg, causal);
        if (wantD) dist += sigGain(<f64>(m & 0x7fff_ffff) * scale, p);
      }
      store<u32>(fp, f);
    }
    frow += fstride;
    mrow += <usize>w << 4;
  }
  return dist;
}

function encodeRefineRaw(w: i32, h: i32, p: i32, fb: i32, wantD: bool, scale: f64): f64 {
  let dist: f64 = 0;
  const sp = <u32>(fb + p);
  const fstride = flagStrideBytes(w);
  let frow = flagOrigin(w);
  let mrow = SAMPLES;
  for (let y = 0; y < h; y += 4) {
    const rows = min(4, h - y);
    const fend = frow + (<usize>w << 2);
    let mp = mrow;
    for (let fp = frow; fp < fend; fp += 4, mp += 16) {
      let f = load<u32>(fp);
      if ((f & SIG_CENTRE) == 0) continue;
      for (let r = 0; r < rows; r++) {
        if (((f >>> <u32>(3 * r + 4)) & ~(f >>> <u32>(24 + r)) & 1) == 0) continue;
        const m = load<u32>(mp + (<usize>r << 2));
        rawEncodeBit((m >>> sp) & 1);
        f |= <u32>1 << <u32>(28 + r);
        if (wantD) {
          const mm = m & 0x7fff_ffff;
          dist += refineGain(<f64>mm * scale, mm, fb, p);
        }
      }
      store<u32>(fp, f);
    }
    frow += fstride;
    mrow += <usize>w << 4;
  }
  return dist;
}

// ---------------------------------------------------------------------------------------------

/** Copy |c| (sign in bit 31) into SAMPLES in stripe layout; returns the OR of all magnitudes. */
function gatherMagnitudes(coef: usize, stride: i32, w: i32, h: i32): u32 {
  let all: u32 = 0;
  for (let y = 0; y < h; y++) {
    let ip = coef + ((<usize>y * <usize>stride) << 2);
    let mp = SAMPLES + ((<usize>(y >> 2) * <usize>w) << 4) + (<usize>(y & 3) << 2);
    for (let x = 0; x < w; x++) {
      const v = load<i32>(ip);
      const neg = <u32>v >>> 31;
      const mag = <u32>((v ^ (v >> 31)) - (v >> 31));
      all |= mag;
      store<u32>(mp, mag | (neg << 31));
      ip += 4;
      mp += 16;
    }
  }
  return all;
}

/**
 * Encode one code-block — the contract of docs/ARCHITECTURE.md "Seam 1 — Encoder".
 * Pass records (PASS_RECORD_BYTES each): f64 distortion decrease at +0 (squared quantisation
 * steps), u32 cumulative rate at +8 (never ends on 0xFF, non-decreasing, exact for terminated
 * passes, last = total), u32 flags at +12 (bit 0: terminated). At most `maxPassesCap` passes are
 * coded (the least significant ones are dropped when the cap is below 3·numBps − 2).
 * `info` receives numBps, number of passes coded and codeword bytes.
 */
export function ebcotEncodeBlock(
  coef: usize, stride: i32, w: i32, h: i32,
  orient: i32, cblkStyle: i32, fracBits: i32,
  out: usize, outCap: i32,
  passes: usize, maxPassesCap: i32,
  wantDistortion: i32,
  info: usize,
): void {
  if (w < 1 || h < 1 || w > 1024 || h > 1024 || w * h > 4096) fail(ERR_INVALID_ARGUMENT, -1, w, h);
  if (fracBits < 0 || fracBits > 30) fail(ERR_INVALID_ARGUMENT, -1, fracBits, 0);
  mqTablesInit();
  contextTablesInit();

  const all = gatherMagnitudes(coef, stride, w, h);
  if (all >= <u32>1 << 30) fail(ERR_INVALID_ARGUMENT, -1, <i32>(all >>> 16), 30);
  const numBps = 32 - <i32>clz(all >>> <u32>fracBits);
  const numPasses = min(maxPasses(numBps), max(maxPassesCap, 0));
  store<i32>(info, numBps);
  store<i32>(info, numPasses, 4);
  store<i32>(info, 0, 8);
  if (numPasses == 0) return;

  flagsClear(w, h);
  mqResetContexts();
  const lut = sigLut(orient);
  const causal = (cblkStyle & CBLK_VCAUSAL) != 0;
  const reset = (cblkStyle & CBLK_RESET) != 0;
  const segsym = (cblkStyle & CBLK_SEGSYM) != 0;
  const pterm = (cblkStyle & CBLK_PTERM) != 0;
  const wantD = wantDistortion != 0;
  const scale = doubledScale(fracBits);
  const limit = out + <usize>max(outCap, 0);

  let segFirst = 0;
  let segLast = 0;
  let segStart = out;
  let raw = false;
  for (let pass = 0; pass < numPasses; pass++) {
    if (pass == segFirst) {
      raw = isRawPass(cblkStyle, pass);
      segLast = segFirst + passesInSegment(cblkStyle, segFirst) - 1;
      if (raw) rawEncodeInit(segStart, limit);
      else mqEncodeInit(segStart, limit);
    }
    const type = passType(pass);
    const plane = pass == 0 ? numBps - 1 : numBps - 2 - (pass - 1) / 3;
    let dist: f64;
    if (type == PASS_SPP) {
      dist = raw
        ? encodeSigPropRaw(w, h, plane, fracBits, causal, wantD, scale)
        : encodeSigPropMq(w, h, plane, fracBits, lut, causal, wantD, scale);
    } else if (type == PASS_MRP) {
      dist = raw
        ? encodeRefineRaw(w, h, plane, fracBits, wantD, scale)
        : encodeRefineMq(w, h, plane, fracBits, wantD, scale);
    } else {
      dist = encodeCleanupMq(w, h, plane, fracBits, lut, causal, wantD, scale);
      if (segsym) {
        // segmentation symbol 1010 in the uniform context (D.5)
        mqEncodeBit(CX_UNI, 1);
        mqEncodeBit(CX_UNI, 0);
        mqEncodeBit(CX_UNI, 1);
        mqEncodeBit(CX_UNI, 0);
      }
    }
    const rec = passes + (<usize>pass << 4);
    store<f64>(rec, dist * 0.25);
    if (pass == segLast || pass == numPasses - 1) {
      // terminate the codeword segment (D.4): FLUSH, ERTERM with PTERM, or the raw flush
      const end = raw ? rawFlush(pterm) : pterm ? mqErterm() : mqFlush();
      store<u32>(rec, <u32>(end - out), 8);
      store<u32>(rec, 1, 12);
      segStart = end;
      segFirst = pass + 1;
    } else {
      store<u32>(rec, raw ? rawRateEstimate(out) : mqRateEstimate(out), 8);
      store<u32>(rec, 0, 12);
    }
    if (reset) mqResetContexts();
  }
  const total = <u32>(segStart - out);
  store<i32>(info, <i32>total, 8);
  finishRates(out, passes, numPasses);
}

/**
 * Make the truncation lengths of non-terminated passes usable: at most the end of their segment,
 * not ending on 0xFF (a trailing 0xFF is what the decoder reads past the end anyway) and
 * non-decreasing (a longer prefix of a codeword segment decodes at least as far).
 */
function finishRates(out: usize, passes: usize, numPasses: i32): void {
  let segEnd: u32 = 0;
  for (let k = numPasses - 1; k >= 0; k--) {
    const rec = passes + (<usize>k << 4);
    if ((load<u32>(rec, 12) & 1) != 0) segEnd = load<u32>(rec, 8);
    else store<u32>(rec, min(load<u32>(rec, 8), segEnd), 8);
  }
  let prev: u32 = 0;
  for (let k = 0; k < numPasses; k++) {
    const rec = passes + (<usize>k << 4);
    let r = load<u32>(rec, 8);
    while (r > prev && load<u8>(out + <usize>r - 1) == 0xff) r--;
    if (r < prev) r = prev;
    store<u32>(rec, r, 8);
    prev = r;
  }
}
