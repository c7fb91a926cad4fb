// Exports of the tier-1 stage (codec/index.ts re-exports everything here).
// The block coder entry points follow docs/ARCHITECTURE.md "Seam 1"; the MQ helpers exist for
// tests against the standard's coder test sequence.

import { mqTablesInit, mqResetContexts, mqSetContext } from "./mq_states";
import { mqeTablesInit, mqeResetContexts, mqeSetContext, mqEncodeInit, mqEncodeBit, mqFlush } from "./mq_encoder";
import { mqSegmentOpen, mqSegmentClose, mqDecodeInit, mqDecodeBit } from "./mq_decoder";

export { ebcotDecodeBlock } from "./ebcot_decoder";
export { ebcotEncodeBlock, ebcotSetStop, ebcotSetResume, ebcotResumeRecord, ebcotResumeBytes } from "./ebcot_encoder";
export { decodeCodeBlock, encodeCodeBlock, codeBlockMaxBytes } from "./block_coder";
export { passesInSegment, isRawPass, maxPasses } from "./segments";

/**
 * MQ-encode `n` decisions (one byte each, 0 or 1, at `decisions`) with the single context `cx`
 * starting in state I = `state`, MPS 0, then FLUSH (C.2.9). Returns the codeword length in bytes.
 */
export function mqEncodeDecisions(decisions: usize, n: i32, cx: i32, state: i32, out: usize, outCap: i32): i32 {
  mqeTablesInit();
  mqeResetContexts(); // the encoder's context form (mq_encoder.ts)
  mqeSetContext(cx, state, 0);
  mqEncodeInit(out, out + <usize>outCap);
  for (let i = 0; i < n; i++) mqEncodeBit(cx, load<u8>(decisions + <usize>i) & 1);
  return <i32>(mqFlush() - out);
}

/**
 * MQ-decode `n` decisions with the single context `cx` (initial state I = `state`, MPS 0) from the
 * codeword `data[0 .. len)` (the 2 bytes after it must be addressable) into `dst` (one byte each).
 */
export function mqDecodeDecisions(data: usize, len: i32, n: i32, cx: i32, state: i32, dst: usize): void {
  mqTablesInit();
  mqResetContexts();
  mqSetContext(cx, state, 0);
  const end = data + <usize>len;
  mqSegmentOpen(end);
  mqDecodeInit(data);
  for (let i = 0; i < n; i++) store<u8>(dst + <usize>i, <u8>mqDecodeBit(cx));
  mqSegmentClose();
}
