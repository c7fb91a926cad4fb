// Arena allocator over linear memory (STYLE principle 3: plan, allocate once, reuse).
// A job (one decode or encode) starts with arenaReset(); every allocation is a bump of `top`.
// Memory only grows; it is reused by the next job. No managed (GC) objects exist in the core.

import { fail } from "./fail";
import { ERR_LIMIT_MEMORY } from "./error_codes";

const ALIGN: usize = 16;
let base: usize = 0;
let top: usize = 0;
let highWater: usize = 0;
/** Upper bound on arena bytes, settable by the host (limits.maxMemory). */
let limitBytes: usize = <usize>0xF000_0000;

// @ts-ignore: decorator
@inline
function ensureBase(): void {
  if (base == 0) {
    base = (__heap_base + ALIGN - 1) & ~(ALIGN - 1);
    top = base;
  }
}

/** Bytes handed out since the last reset. */
export function arenaUsed(): usize {
  ensureBase();
  return top - base;
}

/** Largest arenaUsed() seen since the last arenaResetHighWater(). */
export function arenaHighWater(): usize {
  return highWater;
}

export function arenaResetHighWater(): void {
  highWater = 0;
}

export function arenaSetLimit(bytes: usize): void {
  limitBytes = bytes;
}

export function arenaLimit(): usize {
  return limitBytes;
}

export function arenaReset(): void {
  ensureBase();
  top = base;
}

/** Current position, to release scratch allocations later with arenaRelease(). */
export function arenaMark(): usize {
  ensureBase();
  return top;
}

export function arenaRelease(mark: usize): void {
  top = mark;
}

/** Would `size` more bytes fit under the limit? (for checks before big plans) */
export function arenaFits(size: u64): bool {
  ensureBase();
  return <u64>(top - base) + size <= <u64>limitBytes;
}

/** Allocate `size` bytes, 16-byte aligned, NOT zeroed. */
export function arenaAlloc(size: usize): usize {
  ensureBase();
  let ptr = top;
  let end = (ptr + size + ALIGN - 1) & ~(ALIGN - 1);
  if (end < ptr || end - base > limitBytes) {
    fail(ERR_LIMIT_MEMORY, -1, <i32>(size >> 20), <i32>(limitBytes >> 20));
  }
  let pagesNeeded = <i32>((end + 0xFFFF) >>> 16);
  let pagesHave = memory.size();
  if (pagesNeeded > pagesHave) {
    let want = max(pagesNeeded - pagesHave, pagesHave >> 2); // grow by >= 25% to limit grow calls
    if (memory.grow(want) < 0 && memory.grow(pagesNeeded - pagesHave) < 0) {
      fail(ERR_LIMIT_MEMORY, -1, <i32>(size >> 20), <i32>(limitBytes >> 20));
    }
  }
  top = end;
  if (top - base > highWater) highWater = top - base;
  return ptr;
}

/** Allocate `size` zero-filled bytes. */
export function arenaAllocZeroed(size: usize): usize {
  let p = arenaAlloc(size);
  memory.fill(p, 0, size);
  return p;
}
