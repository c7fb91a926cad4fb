// Block coding for threaded encoding, in any instance (the workers of src/encode_threads.ts): the
// host copies a deferred block's samples (encoderDeferredList in the main instance) into this
// instance, calls blockCoderRun with the record's fields and copies the outputs back. The coding is
// encode_block.ts's encodeBlock, the function the one-thread encoder calls.
//   jobBegin → blockCoderBegin → { alloc + fill samples → blockCoderRun → read blockCoderOutput(0..2) }

import { encodeBlock, blockOutCap } from "./encode_block";
import { ebcotSetResume, ebcotResumeBytes, ebcotResumeRecord } from "./t1/ebcot_encoder";
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

/**
 * Outputs of the last blockCoderRun: 0 coded bytes, 1 pass records, 2 the BlockInfo record, 3 the
 * resume record of a block that stopped early (blockCoderResumeBytes bytes).
 */
export function blockCoderOutput(which: i32): usize {
  return which == 0 ? gOut : which == 1 ? gPasses : which == 2 ? gInfo : ebcotResumeRecord();
}

/** Bytes of the resume record of the last blockCoderRun (0: the block did not stop early). */
export function blockCoderResumeBytes(): i32 {
  return ebcotResumeBytes();
}

/**
 * The next blockCoderRun (same block and parameters as the coding that stopped) continues a stopped
 * coding: `state` (`bytes` bytes, valid until that call) as encoderDeferredResumePack packs it: i32
 * record bytes, i32 codeword bytes, i32 pass records, 4 bytes, then the resume record, the codeword
 * bytes and the pass records of the stopped coding.
 */
export function blockCoderResume(state: usize, bytes: i32): void {
  let rb = load<i32>(state), len = load<i32>(state, 4), npass = load<i32>(state, 8);
  if (rb <= 0 || len < 0 || npass < 1 || npass > MAX_PASSES || <i64>16 + <i64>rb + <i64>len + <i64>npass * <i64>PASS_RECORD_BYTES != <i64>bytes) {
    fail(ERR_INVALID_ARGUMENT, -1, rb, bytes);
  }
  let record = state + 16;
  ebcotSetResume(record, record + <usize>rb, record + <usize>rb + <usize>len);
}

/** Bytes of one pass record (blockCoderOutput(1) holds BlockInfo.passes of them). */
export function blockCoderPassBytes(): i32 {
  return <i32>PASS_RECORD_BYTES;
}
