// Job lifecycle exported to the host: every decode/encode starts with jobBegin(), which resets the
// arena; the host then allocates its input with alloc() and copies results out before the next job.

import { arenaAlloc, arenaReset, arenaSetLimit, arenaUsed, arenaHighWater, arenaResetHighWater } from "./util/arena";

/** Start a new job: all memory of the previous job is reclaimed. */
export function jobBegin(): void {
  arenaReset();
  arenaResetHighWater();
}

/** Allocate `size` bytes of linear memory for the host (valid until the next jobBegin). */
export function alloc(size: usize): usize {
  return arenaAlloc(size);
}

/** Cap on arena bytes (limits.maxMemory). */
export function setMemoryLimit(bytes: f64): void {
  arenaSetLimit(<usize>min(bytes, <f64>0xF000_0000));
}

/** Bytes allocated in the current job. */
export function memoryUsed(): f64 {
  return <f64>arenaUsed();
}

/** Peak bytes allocated in the current job. */
export function memoryPeak(): f64 {
  return <f64>arenaHighWater();
}
