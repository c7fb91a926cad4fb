// Codeword segments and coding-pass kinds of a code-block (ISO/IEC 15444-1 D.4, Table D.9, D.6).
//
// Passes are numbered from 0 = the first cleanup pass (most significant bit-plane); pass k > 0
// has type (k - 1) % 3: 0 significance propagation (SPP), 1 magnitude refinement (MRP),
// 2 cleanup (CUP). T2 (packet headers: codeword segment lengths) and T1 share these rules.

/** Code-block style flags (SPcod / SPcoc, Table A.19; CBLK_HT: ISO/IEC 15444-15), defined once. */
export { CBLK_BYPASS, CBLK_RESET, CBLK_TERMALL, CBLK_VCAUSAL, CBLK_PTERM, CBLK_SEGSYM, CBLK_HT } from "../codestream/params";
import { CBLK_BYPASS, CBLK_TERMALL } from "../codestream/params";

/** Pass types. */
export const PASS_SPP = 0;
export const PASS_MRP = 1;
export const PASS_CUP = 2;

/** A segment without any termination rule can hold every pass of the block. */
export const UNBOUNDED_SEGMENT_PASSES = 0x10000;

/** First pass coded raw with BYPASS: the SPP of the 5th bit-plane (passes 0..9 are always MQ). */
const FIRST_RAW_PASS = 10;

/** Type of pass `pass` (0 SPP, 1 MRP, 2 CUP); pass 0 is a cleanup pass. */
// @ts-ignore: decorator
@inline
export function passType(pass: i32): i32 {
  return pass == 0 ? PASS_CUP : (pass - 1) % 3;
}

/** Number of coding passes of a block with `numBps` magnitude bit-planes (0 if none). */
export function maxPasses(numBps: i32): i32 {
  return numBps > 0 ? 3 * numBps - 2 : 0;
}

/** Is pass `pass` coded raw (bypass: SPP and MRP from the 5th bit-plane on, D.6)? */
export function isRawPass(cblkStyle: i32, pass: i32): bool {
  return (cblkStyle & CBLK_BYPASS) != 0 && pass >= FIRST_RAW_PASS && passType(pass) != PASS_CUP;
}

/**
 * Most passes the codeword segment that starts at pass `firstPass` may hold (Table D.9):
 * 1 with TERMALL; with BYPASS the MQ run of passes 0..9, then SPP+MRP (raw) and CUP (MQ) of each
 * later bit-plane; otherwise the whole block is one segment (UNBOUNDED_SEGMENT_PASSES).
 */
export function passesInSegment(cblkStyle: i32, firstPass: i32): i32 {
  if ((cblkStyle & CBLK_TERMALL) != 0) return 1;
  if ((cblkStyle & CBLK_BYPASS) != 0) {
    if (firstPass < FIRST_RAW_PASS) return FIRST_RAW_PASS - firstPass;
    return passType(firstPass) == PASS_SPP ? 2 : 1;
  }
  return UNBOUNDED_SEGMENT_PASSES;
}
