// Job lifecycle exported to the host: every decode/encode starts with jobBegin(), which resets the
// arena; the host then allocates its input with alloc() and copies results out before the next job.

import { arenaAlloc, arenaReset, arenaSetLimit, arenaUsed, arenaHighWater, arenaResetHighWater, arenaLimit } from "./util/arena";
import { fail } from "./util/fail";
import { ERR_LIMIT_MEMORY } from "./util/error_codes";

/** Start a new job: all memory of the previous job is reclaimed. */
export function jobBegin(): void {
  arenaReset();
  arenaResetHighWater();
}

/**
 * Allocate `size` bytes of linear memory for the host (valid until the next jobBegin).
 * `size` is an f64 so that a size the host computed from header fields (which may exceed 2^32)
 * is checked against the memory limit as it is, never wrapped to 32 bits on the way in.
 */
export function alloc(size: f64): usize {
  let limit = <f64>arenaLimit();
  if (!(size >= 0) || size > limit) {
    let req = size >= 0 ? min(Math.ceil(size / 1024.0), 2147483647.0) : 0.0;
    fail(ERR_LIMIT_MEMORY, -1, <i32>req, <i32>(limit / 1024.0));
  }
  return arenaAlloc(<usize>size);
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
