// EBCOT code-block decoder (ISO/IEC 15444-1 Annex D): the three coding passes over the 4-row
// stripes of a code-block, driven by the MQ decoder (Annex C) or, in bypass mode, by raw bits (D.6).
//
// Reconstruction contract (docs/ARCHITECTURE.md, Seam 1): for every coefficient the output is 0 if
// it never became significant, else ±v with v = 2·K + 2^p, K = magnitude bits decoded so far and
// p = the lowest bit-plane decoded for it — twice the mid-point reconstruction (E.1.1.2, r = 1/2).
// While decoding, SAMPLES holds v: becoming significant at plane p sets v = 3·2^p; a refinement bit
// b at plane p changes v by (2b − 1)·2^p. Signs are kept in the flag words and applied on output.
//
// Performance: the MQ registers live in locals inside each pass and DECODE is written out inline
// at each use (the "DECODE" blocks below are identical copies of mqDecodeBit() in mq_decoder.ts).

import { fail } from "../util/fail";
import { ERR_INVALID_ARGUMENT, ERR_UNSUPPORTED } from "../util/error_codes";
import { MQ_TABLE, MQ_CONTEXTS, CX_RL, CX_UNI, CX_MR_FIRST, CX_MR_LATER, mqTablesInit, mqResetContexts } from "./mq_states";
import { mqA, mqC, mqCt, mqByteIn, mqDecodeInit, mqDecodeBit, mqSegmentOpen, mqSegmentClose } from "./mq_decoder";
import { rawDecodeInit, rawDecodeBit } from "./raw_decoder";
import { SIGN_LUT, contextTablesInit, sigLut, signIndex } from "./contexts";
import { FLAGS, SAMPLES, SIG_WINDOW, SIG_CENTRE, PI_ALL, flagsClear, flagOrigin, flagStrideBytes, flagsMarkNeighbours } from "./flags";
import {
  CBLK_RESET, CBLK_VCAUSAL, CBLK_SEGSYM, PASS_SPP, PASS_MRP, maxPasses, isRawPass, passType,
} from "./segments";

/** Largest number of magnitude bit-planes whose reconstruction v < 2^(numBps+1) fits an i32. */
export const MAX_DECODE_BITPLANES = 30;

// ---------------------------------------------------------------------------------------------
// Significance propagation pass (D.3.1), MQ-coded

function decodeSigPropMq(w: i32, h: i32, p: i32, lut: usize, causal: bool): void {
  let a = mqA;
  let c = mqC;
  let ct = mqCt;
  let s: u32, e: u32, q: u32, d: u32, lo: u32, lps: u32, n: u32, cxp: usize;
  const fstride = flagStrideBytes(w);
  const one = <i32>3 << p;
  let frow = flagOrigin(w);
  let vrow = SAMPLES;
  for (let y = 0; y < h; y += 4) {
    const rows = min(4, h - y);
    const fend = frow + (<usize>w << 2);
    let vp = vrow;
    for (let fp = frow; fp < fend; fp += 4, vp += 16) {
      let f = load<u32>(fp);
      if ((f & SIG_WINDOW) == 0) continue;
      for (let r = 0; r < rows; r++) {
        const nb = (f >>> <u32>(3 * r)) & 0x1ff;
        if (nb == 0 || (nb & 0x10) != 0) continue; // no significant neighbour, or already significant
        // DECODE(significance context)
        cxp = MQ_CONTEXTS + <usize>load<u8>(lut + nb);
        s = <u32>load<u8>(cxp);
        e = load<u32>(MQ_TABLE + (<usize>s << 2));
        q = e & 0xffff;
        a -= q;
        lo = <u32>(c < q << 16); // decision falls in the lower (Qe) sub-interval
        lps = <u32>(a < q) ^ lo; // the conditional exchange of C.3.2
        d = (s & 1) ^ lps;
        c = select<u32>(c, c - (q << 16), lo);
        a = select<u32>(q, a, lo);
        if (a < 0x8000) {
          store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
          n = clz(a) - 16;
          while (ct < n) { a <<= ct; c <<= ct; n -= ct; c = mqByteIn(c); ct = mqCt; }
          a <<= n; c <<= n; ct -= n;
        }
        f |= <u32>1 << <u32>(24 + r);
        if (d == 0) continue;
        // sign (D.3.2)
        const lu = <u32>load<u8>(SIGN_LUT + <usize>signIndex(f, load<u32>(fp - 4), load<u32>(fp + 4), r));
        // DECODE(sign context)
        cxp = MQ_CONTEXTS + <usize>(lu & 0x1f);
        s = <u32>load<u8>(cxp);
        e = load<u32>(MQ_TABLE + (<usize>s << 2));
        q = e & 0xffff;
        a -= q;
        lo = <u32>(c < q << 16); // decision falls in the lower (Qe) sub-interval
        lps = <u32>(a < q) ^ lo; // the conditional exchange of C.3.2
        d = (s & 1) ^ lps;
        c = select<u32>(c, c - (q << 16), lo);
        a = select<u32>(q, a, lo);
        if (a < 0x8000) {
          store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
          n = clz(a) - 16;
          while (ct < n) { a <<= ct; c <<= ct; n -= ct; c = mqByteIn(c); ct = mqCt; }
          a <<= n; c <<= n; ct -= n;
        }
        const neg = d ^ (lu >>> 7);
        f |= (<u32>1 << <u32>(3 * r + 4)) | (neg << <u32>(19 + r));
        flagsMarkNeighbours(fp, fstride, r, neg, causal);
        store<i32>(vp + (<usize>r << 2), one);
      }
      store<u32>(fp, f);
    }
    frow += fstride;
    vrow += <usize>w << 4;
  }
  mqA = a;
  mqC = c;
  mqCt = ct;
}

// ---------------------------------------------------------------------------------------------
// Magnitude refinement pass (D.3.3), MQ-coded

function decodeRefineMq(w: i32, h: i32, p: i32): void {
  let a = mqA;
  let c = mqC;
  let ct = mqCt;
  let s: u32, e: u32, q: u32, d: u32, lo: u32, lps: u32, n: u32, cxp: usize;
  const fstride = flagStrideBytes(w);
  const half = <i32>1 << p;
  let frow = flagOrigin(w);
  let vrow = SAMPLES;
  for (let y = 0; y < h; y += 4) {
    const rows = min(4, h - y);
    const fend = frow + (<usize>w << 2);
    let vp = vrow;
    for (let fp = frow; fp < fend; fp += 4, vp += 16) {
      let f = load<u32>(fp);
      if ((f & SIG_CENTRE) == 0) continue;
      for (let r = 0; r < rows; r++) {
        // significant before this bit-plane: σ set and not coded in this plane's SPP
        if (((f >>> <u32>(3 * r + 4)) & ~(f >>> <u32>(24 + r)) & 1) == 0) continue;
        // Table D.4
        let cx: u32 = ((f >>> <u32>(28 + r)) & 1) != 0
          ? CX_MR_LATER
          : CX_MR_FIRST + (((f >>> <u32>(3 * r)) & 0x1ef) != 0 ? 1 : 0);
        // DECODE(refinement context)
        cxp = MQ_CONTEXTS + <usize>cx;
        s = <u32>load<u8>(cxp);
        e = load<u32>(MQ_TABLE + (<usize>s << 2));
        q = e & 0xffff;
        a -= q;
        lo = <u32>(c < q << 16); // decision falls in the lower (Qe) sub-interval
        lps = <u32>(a < q) ^ lo; // the conditional exchange of C.3.2
        d = (s & 1) ^ lps;
        c = select<u32>(c, c - (q << 16), lo);
        a = select<u32>(q, a, lo);
        if (a < 0x8000) {
          store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
          n = clz(a) - 16;
          while (ct < n) { a <<= ct; c <<= ct; n -= ct; c = mqByteIn(c); ct = mqCt; }
          a <<= n; c <<= n; ct -= n;
        }
        const vp4 = vp + (<usize>r << 2);
        store<i32>(vp4, load<i32>(vp4) + (d != 0 ? half : -half));
        f |= <u32>1 << <u32>(28 + r);
      }
      store<u32>(fp, f);
    }
    frow += fstride;
    vrow += <usize>w << 4;
  }
  mqA = a;
  mqC = c;
  mqCt = ct;
}

// ---------------------------------------------------------------------------------------------
// Cleanup pass (D.3.4) with run-length coding, MQ-coded

function decodeCleanupMq(w: i32, h: i32, p: i32, lut: usize, causal: bool): void {
  let a = mqA;
  let c = mqC;
  let ct = mqCt;
  let s: u32, e: u32, q: u32, d: u32, lo: u32, lps: u32, n: u32, cxp: usize;
  const fstride = flagStrideBytes(w);
  const one = <i32>3 << p;
  let frow = flagOrigin(w);
  let vrow = SAMPLES;
  for (let y = 0; y < h; y += 4) {
    const rows = min(4, h - y);
    const fend = frow + (<usize>w << 2);
    let vp = vrow;
    for (let fp = frow; fp < fend; fp += 4, vp += 16) {
      let f = load<u32>(fp);
      let r = 0;
      let known = false; // row r is known to become significant (run-length interruption)
      if (f == 0 && rows == 4) {
        // four insignificant coefficients with all-zero contexts: run-length mode
        // DECODE(run-length context)
        cxp = MQ_CONTEXTS + <usize>CX_RL;
        s = <u32>load<u8>(cxp);
        e = load<u32>(MQ_TABLE + (<usize>s << 2));
        q = e & 0xffff;
        a -= q;
        lo = <u32>(c < q << 16); // decision falls in the lower (Qe) sub-interval
        lps = <u32>(a < q) ^ lo; // the conditional exchange of C.3.2
        d = (s & 1) ^ lps;
        c = select<u32>(c, c - (q << 16), lo);
        a = select<u32>(q, a, lo);
        if (a < 0x8000) {
          store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
          n = clz(a) - 16;
          while (ct < n) { a <<= ct; c <<= ct; n -= ct; c = mqByteIn(c); ct = mqCt; }
          a <<= n; c <<= n; ct -= n;
        }
        if (d == 0) continue; // all four stay insignificant
        // position of the first significant coefficient: two decisions in the uniform context
        mqA = a;
        mqC = c;
        mqCt = ct;
        r = <i32>mqDecodeBit(CX_UNI) << 1;
        r |= <i32>mqDecodeBit(CX_UNI);
        a = mqA;
        c = mqC;
        ct = mqCt;
        known = true;
      }
      for (; r < rows; r++) {
        if (!known) {
          const nb = (f >>> <u32>(3 * r)) & 0x1ff;
          // skip significant coefficients and those coded in the SPP of this bit-plane
          if (((nb >>> 4) | (f >>> <u32>(24 + r))) & 1) continue;
          // DECODE(significance context)
          cxp = MQ_CONTEXTS + <usize>load<u8>(lut + nb);
          s = <u32>load<u8>(cxp);
          e = load<u32>(MQ_TABLE + (<usize>s << 2));
          q = e & 0xffff;
          a -= q;
          lo = <u32>(c < q << 16); // decision falls in the lower (Qe) sub-interval
          lps = <u32>(a < q) ^ lo; // the conditional exchange of C.3.2
          d = (s & 1) ^ lps;
          c = select<u32>(c, c - (q << 16), lo);
          a = select<u32>(q, a, lo);
          if (a < 0x8000) {
            store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
            n = clz(a) - 16;
            while (ct < n) { a <<= ct; c <<= ct; n -= ct; c = mqByteIn(c); ct = mqCt; }
            a <<= n; c <<= n; ct -= n;
          }
          if (d == 0) continue;
        }
        known = false;
        // sign (D.3.2)
        const lu = <u32>load<u8>(SIGN_LUT + <usize>signIndex(f, load<u32>(fp - 4), load<u32>(fp + 4), r));
        // DECODE(sign context)
        cxp = MQ_CONTEXTS + <usize>(lu & 0x1f);
        s = <u32>load<u8>(cxp);
        e = load<u32>(MQ_TABLE + (<usize>s << 2));
        q = e & 0xffff;
        a -= q;
        lo = <u32>(c < q << 16); // decision falls in the lower (Qe) sub-interval
        lps = <u32>(a < q) ^ lo; // the conditional exchange of C.3.2
        d = (s & 1) ^ lps;
        c = select<u32>(c, c - (q << 16), lo);
        a = select<u32>(q, a, lo);
        if (a < 0x8000) {
          store<u8>(cxp, <u8>select<u32>(e >>> 24, e >>> 16, lps));
          n = clz(a) - 16;
          while (ct < n) { a <<= ct; c <<= ct; n -= ct; c = mqByteIn(c); ct = mqCt; }
          a <<= n; c <<= n; ct -= n;
        }
        const neg = d ^ (lu >>> 7);
        f |= (<u32>1 << <u32>(3 * r + 4)) | (neg << <u32>(19 + r));
        flagsMarkNeighbours(fp, fstride, r, neg, causal);
        store<i32>(vp + (<usize>r << 2), one);
      }
      store<u32>(fp, f & ~PI_ALL);
    }
    frow += fstride;
    vrow += <usize>w << 4;
  }
  mqA = a;
  mqC = c;
  mqCt = ct;
}

// ---------------------------------------------------------------------------------------------
// Raw (bypass) significance propagation and refinement passes (D.6)

function decodeSigPropRaw(w: i32, h: i32, p: i32, causal: bool): void {
  const fstride = flagStrideBytes(w);
  const one = <i32>3 << p;
  let frow = flagOrigin(w);
  let vrow = SAMPLES;
  for (let y = 0; y < h; y += 4) {
    const rows = min(4, h - y);
    const fend = frow + (<usize>w << 2);
    let vp = vrow;
    for (let fp = frow; fp < fend; fp += 4, vp += 16) {
      let f = load<u32>(fp);
      if ((f & SIG_WINDOW) == 0) continue;
      for (let r = 0; r < rows; r++) {
        const nb = (f >>> <u32>(3 * r)) & 0x1ff;
        if (nb == 0 || (nb & 0x10) != 0) continue;
        f |= <u32>1 << <u32>(24 + r);
        if (rawDecodeBit() == 0) continue;
        const neg = rawDecodeBit();
        f |= (<u32>1 << <u32>(3 * r + 4)) | (neg << <u32>(19 + r));
        flagsMarkNeighbours(fp, fstride, r, neg, causal);
        store<i32>(vp + (<usize>r << 2), one);
      }
      store<u32>(fp, f);
    }
    frow += fstride;
    vrow += <usize>w << 4;
  }
}

function decodeRefineRaw(w: i32, h: i32, p: i32): void {
  const fstride = flagStrideBytes(w);
  const half = <i32>1 << p;
  let frow = flagOrigin(w);
  let vrow = SAMPLES;
  for (let y = 0; y < h; y += 4) {
    const rows = min(4, h - y);
    const fend = frow + (<usize>w << 2);
    let vp = vrow;
    for (let fp = frow; fp < fend; fp += 4, vp += 16) {
      let f = load<u32>(fp);
      if ((f & SIG_CENTRE) == 0) continue;
      for (let r = 0; r < rows; r++) {
        if (((f >>> <u32>(3 * r + 4)) & ~(f >>> <u32>(24 + r)) & 1) == 0) continue;
        const vp4 = vp + (<usize>r << 2);
        store<i32>(vp4, load<i32>(vp4) + (rawDecodeBit() != 0 ? half : -half));
        f |= <u32>1 << <u32>(28 + r);
      }
      store<u32>(fp, f);
    }
    frow += fstride;
    vrow += <usize>w << 4;
  }
}

// ---------------------------------------------------------------------------------------------

/** Copy the reconstruction out of SAMPLES with the signs from the flag words. */
function writeOutput(w: i32, h: i32, out: usize, outStride: i32): void {
  const fstride = flagStrideBytes(w);
  const f0 = flagOrigin(w);
  for (let y = 0; y < h; y++) {
    const r = y & 3;
    const stripe = <usize>(y >> 2);
    let vp = SAMPLES + ((stripe * <usize>w) << 4) + (<usize>r << 2);
    let fp = f0 + stripe * fstride;
    let op = out + ((<usize>y * <usize>outStride) << 2);
    const chi = <u32>(19 + r);
    for (let x = 0; x < w; x++) {
      const v = load<i32>(vp);
      const neg = -<i32>((load<u32>(fp) >>> chi) & 1);
      store<i32>(op, (v ^ neg) - neg);
      vp += 16;
      fp += 4;
      op += 4;
    }
  }
}

/**
 * Decode one EBCOT code-block (Annex D) — the contract of docs/ARCHITECTURE.md "Seam 1 — Decoder".
 * `data` holds the codeword segments back to back (lengths in `segLens`, pass counts in
 * `segPasses`, both u32[numSegs]); the two bytes after the last one must be addressable.
 * Output: i32 per coefficient into `out` (row stride `outStride` samples), ±(2K + 2^p) or 0.
 * Corrupt data never traps: decoding stops at the last pass the block can have (3·numBps − 2)
 * or when the segmentation contradicts the style's bypass rules.
 */
export function ebcotDecodeBlock(
  data: usize, segLens: usize, segPasses: usize, numSegs: i32,
  w: i32, h: i32, orient: i32, numBps: i32, cblkStyle: i32,
  out: usize, outStride: i32,
): void {
  if (w < 1 || h < 1 || w > 1024 || h > 1024 || w * h > 4096) fail(ERR_INVALID_ARGUMENT, -1, w, h);
  if (numBps > MAX_DECODE_BITPLANES) fail(ERR_UNSUPPORTED, -1, numBps, MAX_DECODE_BITPLANES);
  mqTablesInit();
  contextTablesInit();
  flagsClear(w, h);
  memory.fill(SAMPLES, 0, <usize>(((h + 3) >> 2) * w) << 4);
  mqResetContexts();

  const lut = sigLut(orient);
  const causal = (cblkStyle & CBLK_VCAUSAL) != 0;
  const reset = (cblkStyle & CBLK_RESET) != 0;
  const segsym = (cblkStyle & CBLK_SEGSYM) != 0;
  const lastPass = maxPasses(numBps); // 0 when numBps <= 0
  let pass = 0;
  let ptr = data;
  for (let sIdx = 0; sIdx < numSegs && pass < lastPass; sIdx++) {
    const len = load<u32>(segLens + (<usize>sIdx << 2));
    const np = <i32>min(load<u32>(segPasses + (<usize>sIdx << 2)), <u32>lastPass);
    const start = ptr;
    ptr += <usize>len;
    if (np <= 0) continue;
    const raw = isRawPass(cblkStyle, pass);
    mqSegmentOpen(ptr);
    if (raw) rawDecodeInit(start);
    else mqDecodeInit(start);
    let consistent = true;
    for (let k = 0; k < np && pass < lastPass; k++, pass++) {
      if (isRawPass(cblkStyle, pass) != raw) {
        consistent = false;
        break;
      }
      const type = passType(pass);
      const plane = pass == 0 ? numBps - 1 : numBps - 2 - (pass - 1) / 3;
      if (type == PASS_SPP) {
        if (raw) decodeSigPropRaw(w, h, plane, causal);
        else decodeSigPropMq(w, h, plane, lut, causal);
      } else if (type == PASS_MRP) {
        if (raw) decodeRefineRaw(w, h, plane);
        else decodeRefineMq(w, h, plane);
      } else {
        decodeCleanupMq(w, h, plane, lut, causal);
        if (segsym) {
          // segmentation symbol 1010 (D.5); a mismatch only signals an error, decoding goes on
          for (let i = 0; i < 4; i++) mqDecodeBit(CX_UNI);
        }
      }
      if (reset) mqResetContexts();
    }
    mqSegmentClose();
    if (!consistent) break;
  }
  writeOutput(w, h, out, outStride);
}
