// Arena allocator over linear memory (STYLE principle 3: plan, allocate once, reuse).
// A job (one decode or encode) starts with arenaReset(); every allocation is a bump of `top`.
// Memory only grows; it is reused by the next job. No managed (GC) objects exist in the core.

import { fail } from "./fail";
import { ERR_LIMIT_MEMORY } from "./error_codes";

const ALIGN: usize = 16;
let base: usize = 0;
let top: usize = 0;
let highWater: usize = 0;
/** Counts arenaReset and arenaRelease calls (arenaEpoch). */
let epoch: u32 = 0;
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
  epoch++;
}

/** Changes with every arenaReset and arenaRelease (arenaChunkAlloc takes a new chunk then). */
export function arenaEpoch(): u32 {
  return epoch;
}

/** The chunk arenaChunkAlloc hands out from, its end, and the epoch it was taken in. */
let chunkAt: usize = 0;
let chunkEnd: usize = 0;
let chunkEpoch: u32 = 0;
/** Bytes of a chunk. */
const CHUNK_BYTES: usize = 64 << 10;

/**
 * `size` bytes, 8-byte aligned, NOT zeroed, from a chunk of the arena: small records allocated one
 * after another (a code-block's pass records, layer passes and hull as the encoder installs it) lie
 * together instead of between larger allocations (the blocks' codewords), so that a walk over every
 * block's records reads a few chunks instead of a cache line in every block's memory. A chunk is
 * taken again after any arenaReset or arenaRelease (its memory may have been handed out again since).
 */
export function arenaChunkAlloc(size: usize): usize {
  let bytes = (size + 7) & ~<usize>7;
  if (chunkEpoch != epoch || chunkAt == 0 || bytes > chunkEnd - chunkAt) {
    let n = max(bytes, CHUNK_BYTES);
    chunkAt = arenaAlloc(n);
    chunkEnd = chunkAt + n;
    chunkEpoch = epoch;
  }
  let p = chunkAt;
  chunkAt += bytes;
  return p;
}

/** Current position, to release scratch allocations later with arenaRelease(). */
export function arenaMark(): usize {
  ensureBase();
  return top;
}

export function arenaRelease(mark: usize): void {
  top = mark;
  epoch++;
}

/** Would `size` more bytes fit under the limit? (for checks before big plans) */
export function arenaFits(size: u64): bool {
  ensureBase();
  return <u64>(top - base) + size <= <u64>limitBytes;
}

/**
 * Request size in KiB for ERR_LIMIT_MEMORY details, rounded up so that a small request never
 * reads as 0 (saturated to i32; the host turns KiB into a readable size).
 */
// @ts-ignore: decorator
@inline
function kib(size: u64): i32 {
  return <i32>min((size + 1023) >> 10, <u64>0x7fffffff);
}

/**
 * Allocate `size` bytes, 16-byte aligned, NOT zeroed. The end is computed in 64 bits, so a size
 * near 2^32 fails with ERR_LIMIT_MEMORY instead of wrapping around to a small allocation.
 */
export function arenaAlloc(size: usize): usize {
  ensureBase();
  let ptr = top;
  let end64 = (<u64>ptr + <u64>size + <u64>(ALIGN - 1)) & ~<u64>(ALIGN - 1);
  if (end64 - <u64>base > <u64>limitBytes) {
    fail(ERR_LIMIT_MEMORY, -1, kib(<u64>size), <i32>(limitBytes >> 10));
  }
  let end = <usize>end64;
  let pagesNeeded = <i32>((end + 0xFFFF) >>> 16);
  let pagesHave = memory.size();
  if (pagesNeeded > pagesHave) {
    // grow by >= 25% to limit grow calls, but never past the memory limit
    let limitPages = <i32>min((<u64>base + <u64>limitBytes + 0xFFFF) >> 16, <u64>65536);
    let want = min(max(pagesNeeded - pagesHave, pagesHave >> 2), max(limitPages - pagesHave, pagesNeeded - pagesHave));
    if (memory.grow(want) < 0 && memory.grow(pagesNeeded - pagesHave) < 0) {
      // the host could not give more memory (address space or system): d1 = -1 tells it apart
      fail(ERR_LIMIT_MEMORY, -1, kib(<u64>size), -1);
    }
  }
  top = end;
  if (top - base > highWater) highWater = top - base;
  return ptr;
}

/**
 * Allocate `count` elements of `elemBytes` bytes each. Sizes computed from header fields must come
 * here (or be checked in 64 bits some other way): the product is checked against the limit before
 * it is narrowed to `usize`, so it can never wrap at 2^32.
 */
export function arenaAllocArray(count: u64, elemBytes: u64): usize {
  ensureBase();
  if (elemBytes != 0 && count > (<u64>limitBytes + 1) / elemBytes) {
    fail(ERR_LIMIT_MEMORY, -1, <i32>min(Math.ceil(<f64>count * <f64>elemBytes / 1024.0), 2147483647.0), <i32>(limitBytes >> 10));
  }
  return arenaAlloc(<usize>(count * elemBytes));
}

/** {@link arenaAllocArray}, zero-filled. */
export function arenaAllocArrayZeroed(count: u64, elemBytes: u64): usize {
  let p = arenaAllocArray(count, elemBytes);
  memory.fill(p, 0, <usize>(count * elemBytes));
  return p;
}

/** Allocate `size` zero-filled bytes. */
export function arenaAllocZeroed(size: usize): usize {
  let p = arenaAlloc(size);
  memory.fill(p, 0, size);
  return p;
}
