// Exports of rate control for tests and benchmarks (the encoder's own entry points are in
// codec/api_encoder.ts).

import { measureSetKeptHeaders, measureKeptWrites } from "./measure";

/**
 * Rate control reuses what its earlier T2 runs coded (1, the default): the final write copies the
 * packet headers the trials coded, the state after a layer comes from its last trial, and a trial
 * codes only the packets whose blocks' assignment changed since the last one; 0: every run codes
 * every packet. The output is the same; tests compare the two.
 */
export function encoderSetKeptHeaders(on: i32): void {
  measureSetKeptHeaders(on);
}

/**
 * How often rate control reused earlier runs so far (tests: the paths were taken): 0 final writes
 * that copied kept packet headers, 1 incremental trials, 2 states after a layer taken from its last
 * trial.
 */
export function encoderKeptWrites(which: i32): i32 {
  return measureKeptWrites(which);
}
