// Transcoder exports (C-like ABI; codec/transcode.ts). The host: jobBegin → alloc + copy the
// codestream → transcoderRun → transcoderInfo / copy transcoderOutput() .. + transcoderOutputLength() out.

import { parseCodestream } from "./codestream/header";
import { TranscodeJob, transcodeRun, transcodeInfo } from "./transcode";
import { arenaAllocZeroed } from "./util/arena";
import { setParsedCodestream } from "./parsed_codestream";

let gJob: usize = 0;

/**
 * Re-code every code-block of the codestream at [ptr, ptr+len) with the other block coder (toHt 1:
 * HT, ISO/IEC 15444-15; 0: Part 1), keeping the quantised coefficients, SIZ, COD (but the
 * code-block style), QCD/QCC, POC, precincts and progression; one quality layer. `tilePartMode`
 * (TILEPARTS_*), `tlm`, `plt`: the output's tile-parts and length markers. `verifyAll` 1: decode every
 * re-coded block again and compare (truncated blocks always are). Returns a TranscodeStatus
 * (TRANSCODE_OK: the output is at transcoderOutput()).
 */
export function transcoderRun(ptr: usize, len: i32, toHt: i32, tilePartMode: i32, tlm: i32, plt: i32, maxCblks: f64, verifyAll: i32): i32 {
  gJob = 0;
  setParsedCodestream(0);
  let cs = parseCodestream(ptr, len);
  let tj = changetype<TranscodeJob>(arenaAllocZeroed(offsetof<TranscodeJob>()));
  tj.toHt = toHt != 0 ? 1 : 0;
  tj.verifyAll = verifyAll != 0 ? 1 : 0;
  gJob = changetype<usize>(tj);
  return transcodeRun(tj, cs, tilePartMode, tlm, plt, <i64>maxCblks);
}

/** Pointer to the output codestream of a successful transcoderRun. */
export function transcoderOutput(): usize {
  let tj = changetype<TranscodeJob>(gJob);
  return tj.enc.out;
}

export function transcoderOutputLength(): i32 {
  let tj = changetype<TranscodeJob>(gJob);
  return tj.enc.outLen;
}

/** Field `field` (a TranscodeInfo) of the last transcoderRun; -1 for an unknown field or before a run. */
export function transcoderInfo(field: i32): f64 {
  if (gJob == 0) return -1;
  return transcodeInfo(changetype<TranscodeJob>(gJob), field);
}
