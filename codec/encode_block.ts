// One code-block of the encoder, from its transformed samples to its coded passes: quantisation
// (9/7 path, E.1), the block's energy for rate control, the early stop (rate/caps.ts) and the block
// coder (t1/block_coder.ts, Seam 1). Both encoders call it: encoder.ts block by block on one thread,
// and the worker instances of the threaded encoder (api_blocks.ts; src/encode_threads.ts) on blocks
// the main instance deferred. Same function, same inputs: the same bytes on any thread.

import { encodeCodeBlock } from "./t1/block_coder";
import { ebcotSetStop } from "./t1/ebcot_encoder";
import { htEncodeConfig } from "./t1/ht_encoder";
import { CBLK_HT } from "./t1/segments";
import { quantizeCopyIrr } from "./transform/exports";
import { quantizeCopyIrrMax } from "./quant/quantize";
import { blockEnergy, blockEnergySmall, maxAbsF32 } from "./quant/block_stats";
import { fail } from "./util/fail";
import { ERR_ENCODE_OPTIONS } from "./util/error_codes";
import { CHECK_COEFFICIENT_BITS, BLOCK_INFO_PASSES, BLOCK_INFO_EXACT, BLOCK_INFO_ENERGY } from "./api_fields";
import { MAX_PASSES } from "./util/constants";
import { stageEnter, stageLeave, STAGE_QUANT } from "./util/stages";

/** Fractional bits kept by the irreversible quantiser for distortion estimation. */
const FRAC_BITS: i32 = 6;

/** Bytes of coded data a block of w × h samples may take (the block coder's `outCap`). */
export function blockOutCap(w: i32, h: i32, style: i32): i32 {
  return w * h * ((style & CBLK_HT) != 0 ? 40 : 8) + 4096;
}

/**
 * Quantise a w × h block of 9/7 samples at `src` (row stride `stride`) into `dst` (i32, row stride
 * w) with `invStep`, keeping as many fraction bits as fit; returns how many. Fraction bits only
 * refine the distortion estimates: fewer are kept when the block's largest quantised magnitude
 * would not leave room for them below 2^30 (Seam 1). Quantised with all of them while the largest
 * |x| is found; again with fewer in the rare case that needs it.
 */
export function quantizeBlockIrr(src: usize, stride: i32, w: i32, h: i32, dst: usize, invStep: f32, fracBits: i32 = FRAC_BITS): i32 {
  let q = <f64>quantizeCopyIrrMax(src, stride, w, h, dst, w, invStep, fracBits) * <f64>invStep;
  let intBits = q < 1 ? 0 : <i32>Math.floor(Math.log2(q)) + 1;
  if (intBits > 29) fail(ERR_ENCODE_OPTIONS, -1, CHECK_COEFFICIENT_BITS, intBits);
  let frac = min(fracBits, 29 - intBits);
  if (frac != fracBits) quantizeCopyIrr(src, stride, w, h, dst, w, invStep, frac);
  // (a magnitude is trunc(|x| · invStep · 2^frac) in f32, at most q · 2^frac · (1 + 2^-23))
  irrSmall = q * <f64>(<i32>1 << frac) < SMALL_MAG;
  return frac;
}

/** Every coefficient quantizeBlockIrr stored last has |c| < 2^15 (blockEnergySmall applies). */
let irrSmall: bool = false;
const SMALL_MAG: f64 = 32000;

/**
 * Code one block whose transformed samples are at `src` (row stride `stride` samples): i32 for
 * the 5/3 path (`rev` 1), f32 for the 9/7 path (`rev` 0, or 2 for a band at a doubled step; quantised here with `invStep` into `coefs`,
 * which holds w × h i32). `stopSlope` > 0: early stop at that slope (squared steps per byte, EBCOT
 * only). `htFloor/htSets/htRefine`: the HT sets to code (htEncodeConfig; HT blocks only).
 * Coded bytes go to `out`, pass records to `passes`, the rest to `info` (BlockInfo offsets,
 * scripts/core_interface.mjs).
 */
export function encodeBlock(
  src: usize, stride: i32, w: i32, h: i32, orient: i32, style: i32, rev: i32, invStep: f32,
  wantDistortion: i32, stopSlope: f64, htFloor: i32, htSets: i32, htRefine: i32,
  coefs: usize, out: usize, passes: usize, info: usize,
): void {
  let coef: usize, cstride: i32, frac: i32;
  if (rev == 1) {
    coef = src;
    cstride = stride;
    frac = 0;
  } else {
    // rev 2: a band at twice its base step (codec/rate/coarse.ts) keeps one more fraction bit, so the
    // magnitudes are the same i32 values as at the base step and only the lowest bit-plane is gone
    stageEnter(STAGE_QUANT);
    frac = quantizeBlockIrr(src, stride, w, h, coefs, invStep, rev == 2 ? FRAC_BITS + 1 : FRAC_BITS);
    coef = coefs;
    cstride = w;
  }
  if ((style & CBLK_HT) != 0) htEncodeConfig(htFloor, htSets, htRefine);
  let dist0: f64 = 0;
  if (wantDistortion != 0) dist0 = rev != 1 && irrSmall ? blockEnergySmall(coef, cstride, w, h, frac) : blockEnergy(coef, cstride, w, h, frac);
  if (rev != 1) stageLeave(STAGE_QUANT);
  if (stopSlope > 0) ebcotSetStop(stopSlope, dist0);
  encodeCodeBlock(coef, cstride, w, h, orient, style, frac, out, blockOutCap(w, h, style), passes, MAX_PASSES, wantDistortion, info);
  // after a stop only the passes a full encode gives identically count (codec/rate/caps.ts)
  let npass = load<i32>(info, BLOCK_INFO_PASSES);
  store<i32>(info + <usize>BLOCK_INFO_EXACT, stopSlope > 0 ? load<i32>(info, BLOCK_INFO_EXACT) : npass);
  store<f64>(info + <usize>BLOCK_INFO_ENERGY, dist0);
}

/** Largest |x| of a w x h block of f32 samples (codec/quant/block_stats.ts). */
export { maxAbsF32 };
