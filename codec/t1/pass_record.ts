// The record a block coder writes for every coding pass (docs/ARCHITECTURE.md, Seam 1): what rate
// control needs to choose truncation points, whichever block coder (EBCOT, later HT) produced it.

/** One coding pass of a code-block. PassRecord[numPasses] lie back to back. */
@unmanaged
export class PassRecord {
  /** Decrease of the block's squared error by this pass, in (quantisation step)² (fraction bits removed). */
  distDecrease: f64;
  /**
   * Codeword bytes needed to decode up to and including this pass (cumulative; never ends on 0xFF;
   * non-decreasing; the last pass's rate is the codeword length).
   */
  rate: u32;
  /** PASS_TERMINATED if the pass ends a codeword segment. */
  flags: u32;
}

/** Size of one PassRecord in bytes. */
export const PASS_RECORD_BYTES: usize = offsetof<PassRecord>();

/** PassRecord.flags bit: the pass is terminated (ends a codeword segment, D.4). */
export const PASS_TERMINATED: u32 = 1;

/** Record k (0-based) of the array at `passes`. */
// @ts-ignore: decorator
@inline
export function passRecord(passes: usize, k: i32): PassRecord {
  return changetype<PassRecord>(passes + <usize>k * PASS_RECORD_BYTES);
}

/** Codeword bytes of the first `n` passes (0 for n <= 0). */
// @ts-ignore: decorator
@inline
export function passesRate(passes: usize, n: i32): u32 {
  return n <= 0 ? 0 : passRecord(passes, n - 1).rate;
}
