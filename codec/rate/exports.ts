// Exports of rate control for tests and benchmarks (the encoder's own entry points are in
// codec/api_encoder.ts).

import { measureSetKeptHeaders, measureKeptWrites } from "./measure";

/**
 * The final write copies the packet headers rate control's trials coded (1, the default) or codes
 * them again (0). The output is the same; tests compare the two.
 */
export function encoderSetKeptHeaders(on: i32): void {
  measureSetKeptHeaders(on);
}

/** Final writes so far that copied kept packet headers (tests: the path was taken). */
export function encoderKeptWrites(): i32 {
  return measureKeptWrites();
}
