// Block coding for threaded encoding, in any instance (the workers of src/encode_threads.ts): the
// host copies a deferred block's samples (encoderDeferredList in the main instance) into this
// instance, calls blockCoderRun with the record's fields and copies the outputs back. The coding is
// encode_block.ts's encodeBlock, the function the one-thread encoder calls.
//   jobBegin → blockCoderBegin → { alloc + fill samples → blockCoderRun → read blockCoderOutput(0..2) }

import { encodeBlock, blockOutCap } from "./encode_block";
import { PASS_RECORD_BYTES } from "./t1/pass_record";
import { arenaAlloc } from "./util/arena";
import { fail } from "./util/fail";
import { ERR_INVALID_ARGUMENT } from "./util/error_codes";
import { BLOCK_INFO_BYTES, CBLK_HT } from "./api_fields";
import { MAX_PASSES, MAX_BLOCK_SAMPLES } from "./util/constants";

let gCoefs: usize = 0;
let gOut: usize = 0;
let gPasses: usize = 0;
let gInfo: usize = 0;

/** Scratch for the largest block (after jobBegin: the arena is the job's). */
export function blockCoderBegin(): void {
  gCoefs = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 4);
  gOut = arenaAlloc(<usize>blockOutCap(MAX_BLOCK_SAMPLES, 1, CBLK_HT));
  gPasses = arenaAlloc(<usize>MAX_PASSES * PASS_RECORD_BYTES);
  gInfo = arenaAlloc(<usize>BLOCK_INFO_BYTES);
}

/**
 * Code one block (the fields of a deferred-block record, DeferredBlock): samples at `src` with row
 * stride `stride` (i32 for `rev`, else f32). Outputs: blockCoderOutput.
 */
export function blockCoderRun(
  src: usize, stride: i32, w: i32, h: i32, orient: i32, style: i32, rev: i32, invStep: f32,
  wantDistortion: i32, stopSlope: f64, htFloor: i32, htSets: i32, htRefine: i32,
): void {
  if (gOut == 0 || w < 1 || h < 1 || stride < w || <i64>w * <i64>h > <i64>MAX_BLOCK_SAMPLES || orient < 0 || orient > 3) {
    fail(ERR_INVALID_ARGUMENT, -1, w, h);
  }
  encodeBlock(src, stride, w, h, orient, style, rev, invStep, wantDistortion, stopSlope, htFloor, htSets, htRefine, gCoefs, gOut, gPasses, gInfo);
}

/** Outputs of the last blockCoderRun: 0 coded bytes, 1 pass records, 2 the BlockInfo record. */
export function blockCoderOutput(which: i32): usize {
  return which == 0 ? gOut : which == 1 ? gPasses : gInfo;
}

/** Bytes of one pass record (blockCoderOutput(1) holds BlockInfo.passes of them). */
export function blockCoderPassBytes(): i32 {
  return <i32>PASS_RECORD_BYTES;
}
