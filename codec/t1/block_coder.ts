// Block coder dispatch (docs/ARCHITECTURE.md, Seam 1): T2, quantisation and the DWT call these two
// functions and never learn which block coder ran. Part 1 blocks use EBCOT (Annex D); the
// high-throughput block coder of ISO/IEC 15444-15 (code-block style bit 0x40) plugs in here.

import { fail } from "../util/fail";
import { ERR_UNSUPPORTED_HTJ2K } from "../util/error_codes";
import { CBLK_HT } from "./segments";
import { ebcotDecodeBlock } from "./ebcot_decoder";
import { htDecodeBlock } from "./ht_decoder";
import { ebcotEncodeBlock } from "./ebcot_encoder";
import { htEncodeBlock } from "./ht_encoder";
import { stageEnter, stageLeave, STAGE_HT_ENC } from "../util/stages";

/**
 * Decode one code-block; same contract as ebcotDecodeBlock. With the HT bit (0x40) the segments
 * follow the HT layout of codec/t1/ht_decoder.ts (set s: cleanup at index 2s, refinement at 2s + 1)
 * and `numBps` is Mb + ROI shift - zero bit-planes (the first HT cleanup is at plane numBps - 1).
 * In mixed mode T2 decides per block and passes the style without 0x40 for Part 1 blocks.
 */
export function decodeCodeBlock(
  data: usize, segLens: usize, segPasses: usize, numSegs: i32,
  w: i32, h: i32, orient: i32, numBps: i32, cblkStyle: i32,
  out: usize, outStride: i32,
): void {
  if ((cblkStyle & CBLK_HT) != 0) {
    htDecodeBlock(data, segLens, segPasses, numSegs, w, h, numBps, cblkStyle, out, outStride);
    return;
  }
  ebcotDecodeBlock(data, segLens, segPasses, numSegs, w, h, orient, numBps, cblkStyle, out, outStride);
}

/**
 * Encode one code-block; same contract as ebcotEncodeBlock. With the HT bit (0x40) the HT block
 * encoder runs (codec/t1/ht_encoder.ts: its output starts with a directory of HT sets and its pass
 * records give each set's own byte count; T2 sends one set per block, see packet_encoder.ts).
 */
export function encodeCodeBlock(
  coef: usize, stride: i32, w: i32, h: i32,
  orient: i32, cblkStyle: i32, fracBits: i32,
  out: usize, outCap: i32,
  passes: usize, maxPassesCap: i32,
  wantDistortion: i32,
  info: usize,
): void {
  if ((cblkStyle & CBLK_HT) != 0) {
    if ((cblkStyle & 0x80) != 0) fail(ERR_UNSUPPORTED_HTJ2K, -1, cblkStyle, 0); // mixed mode: the encoder writes HT only
    stageEnter(STAGE_HT_ENC);
    htEncodeBlock(coef, stride, w, h, cblkStyle, fracBits, out, outCap, passes, maxPassesCap, wantDistortion, info);
    stageLeave(STAGE_HT_ENC);
    return;
  }
  ebcotEncodeBlock(coef, stride, w, h, orient, cblkStyle, fracBits, out, outCap, passes, maxPassesCap, wantDistortion, info);
}

/**
 * A destination size that always holds the codeword of a w × h block with `numBps` bit-planes:
 * every coefficient costs at most 4 decisions per bit-plane (run-length, 2 uniform, sign; or
 * significance + sign; or one refinement), every decision at most 15 renormalisation shifts
 * (Qe >= 1), plus the segmentation symbols and up to 3 termination bytes per pass.
 */
export function codeBlockMaxBytes(w: i32, h: i32, numBps: i32): i32 {
  const decisions = (<i64>w * <i64>h * 4 + 4) * <i64>max(numBps, 0);
  const bytes = (decisions * 15 + 7) / 8 + <i64>(3 * max(numBps, 0)) * 4 + 16;
  return <i32>min(bytes, <i64>0x7fff_ffff);
}
