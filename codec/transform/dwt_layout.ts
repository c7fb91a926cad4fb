// Geometry shared by the 5/3 and 9/7 wavelet kernels (ISO/IEC 15444-1 Annex F).
//
// One decomposition level works on the top-left `w × h` samples of a tile-component buffer with
// row stride `stride` (in samples). In "quadrant layout" (what a forward level produces and what an
// inverse level consumes) the sub-bands of that level sit at
//
//   LL [0, nLx) × [0, nLy)     HL [nLx, w) × [0, nLy)
//   LH [0, nLx) × [nLy, h)     HH [nLx, w) × [nLy, h)
//
// with nLx = ceil(u1/2) − ceil(u0/2) = lowCount(w, u0 & 1) (B.5, equation B-15), and likewise for y.
// In "interleaved layout" (the resolution's own samples) sample j of a row sits at column j;
// the 1-D sub-band decomposition puts even absolute coordinates in the low band and odd ones in the
// high band (F.3.7, F.4.7), so with an odd origin (u0 odd) the first sample is a high-pass sample.
//
// Vertical passes process DWT_COLS neighbouring columns at once (the idea of OpenJPEG's
// PARALLEL_COLS): the columns are gathered into the scratch buffer as rows of DWT_COLS lanes, the
// lifting steps run over that small, contiguous block, and the result is scattered back.

import { arenaAlloc, arenaFits, arenaMark, arenaRelease } from "../util/arena";
import { stageEnter, stageLeave, STAGE_DWT } from "../util/stages";

/** Columns processed together by a vertical pass. */
export const DWT_COLS: i32 = 32;

/**
 * Number of low-pass samples of a 1-D signal of length `n` whose first sample has parity `odd`
 * (0: the first sample is low-pass, 1: it is high-pass). This is ceil(u1/2) − ceil(u0/2) for
 * u1 − u0 = n and u0 ≡ odd (mod 2).
 */
// @ts-ignore: decorator
@inline
export function lowCount(n: i32, odd: i32): i32 {
  return (n + 1 - odd) >> 1;
}

/**
 * Bytes of scratch memory (`tmp`) that the `dwt53…Level` / `dwt97…Level` kernels need for a level
 * whose width and height are at most `maxDim` samples. The scratch may be shared by all levels and
 * components of a job; it need not be zeroed.
 */
export function dwtScratchBytes(maxDim: i32): usize {
  let d = maxDim < 1 ? 1 : maxDim;
  // SIMD vertical pass: an extended line of d + 2·DWT_GUARD + DWT_SLACK elements of DWT_PIPE_COLS lanes
  // (4 bytes each) plus one u32 row offset per extended position (lineTable); the other passes need
  // less. Computed in 64 bits and saturated, so a huge width fails the arena's limit instead of wrapping.
  let n = <u64>d + <u64>(2 * DWT_GUARD + DWT_SLACK);
  let bytes = n * <u64>((DWT_PIPE_COLS << 2) + 4) + 64;
  return bytes > <u64>0xffffffff ? <usize>0xffffffff : <usize>bytes;
}

// ---------------------------------------------------------------------------------------------
// Extended lines for the SIMD lifting pipelines (dwt97.ts).
//
// A pipeline lifts one 1-D signal of n ≥ 2 samples (in interleaved order) as a sequence of
// "elements" (one v128: the same position in 4 rows, or 4 neighbouring columns) extended by
// DWT_GUARD elements on each side with the periodic symmetric extension of F.3.7 / F.4.7
// (pseIndex). Lifting with symmetric filters keeps every intermediate signal symmetric about the
// first and last sample, and each guard element is computed from the mirror images of its
// neighbours (x + c·(a + b) with a and b swapped, which f32 addition does not notice), so every
// in-range sample comes out bit-identical to the index-clamping form of dwt53.ts / dwt97.ts. Four
// guard elements cover four lifting steps.
// ---------------------------------------------------------------------------------------------

/** Columns per group of the SIMD vertical pass (≥ DWT_COLS; 64 measured best on 768² … 2048²). */
export const DWT_PIPE_COLS: i32 = 64;
/** Guard elements on each side of an extended line. */
export const DWT_GUARD: i32 = 4;
/** Spare elements in front of an extended line (a pipeline's first stores land there). */
export const DWT_SLACK: i32 = 4;

/**
 * Index into a signal of n ≥ 2 samples of sample i of its periodic symmetric extension
 * (F.3.7: mirrored about the first and the last sample, period 2n − 2).
 */
// @ts-ignore: decorator
@inline
export function pseIndex(i: i32, n: i32): i32 {
  let p = 2 * n - 2;
  let r = i % p;
  if (r < 0) r += p;
  return r >= n ? p - r : r;
}

/** `p` rounded up to a multiple of 16. */
// @ts-ignore: decorator
@inline
export function align16(p: usize): usize {
  return (p + 15) & ~(<usize>15);
}

/**
 * Row offsets (bytes) of the extended line of a column of n ≥ 2 samples: entry j (0 ≤ j < n + 2·DWT_GUARD)
 * is the offset of the row holding extended position j − DWT_GUARD. `quadrant` = 1: the rows are in
 * quadrant layout (low band rows [0, nL), high band rows [nL, n), parity `odd` as in lowCount);
 * 0: in interleaved (natural) order. Returns the table's end.
 */
export function lineTable(table: usize, n: i32, odd: i32, quadrant: i32, rowBytes: usize): usize {
  let m = n + 2 * DWT_GUARD;
  let nL = lowCount(n, odd);
  for (let j = 0; j < m; j++) {
    let k = pseIndex(j - DWT_GUARD, n);
    let row = quadrant == 0 ? k : ((k + odd) & 1) == 0 ? k >> 1 : nL + (k >> 1);
    store<u32>(table + (<usize>j << 2), <u32>(<usize>row * rowBytes));
  }
  return table + (<usize>m << 2);
}

/**
 * Store the transpose of the 4 × 4 block whose rows are a, b, c, d: lane i of a, b, c, d goes to
 * p_i (SIMD only).
 */
// @ts-ignore: decorator
@inline
export function storeTransposed4(p0: usize, p1: usize, p2: usize, p3: usize, a: v128, b: v128, c: v128, d: v128): void {
  let t0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
  let t1 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
  let t2 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  let t3 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  v128.store(p0, v128.shuffle<i64>(t0, t2, 0, 2));
  v128.store(p1, v128.shuffle<i64>(t0, t2, 1, 3));
  v128.store(p2, v128.shuffle<i64>(t1, t3, 0, 2));
  v128.store(p3, v128.shuffle<i64>(t1, t3, 1, 3));
}

// ---------------------------------------------------------------------------------------------
// (De)interleaving of one row of 32-bit samples.
// ---------------------------------------------------------------------------------------------

/**
 * dst[2n] = F[n], dst[2n+1] = S[n] for n < nS; and dst[2nS] = F[nS] when nF = nS + 1.
 * (F is the band holding the first sample.) Bit copies: used for i32 and f32.
 */
export function interleaveRow32(dst: usize, f: usize, nF: i32, s: usize, nS: i32): void {
  let n = 0;
  if (ASC_FEATURE_SIMD) {
    for (; n + 4 <= nS; n += 4) {
      let a = v128.load(f + (<usize>n << 2));
      let b = v128.load(s + (<usize>n << 2));
      let d = dst + (<usize>n << 3);
      v128.store(d, v128.shuffle<i32>(a, b, 0, 4, 1, 5));
      v128.store(d, v128.shuffle<i32>(a, b, 2, 6, 3, 7), 16);
    }
  }
  for (; n < nS; n++) {
    let d = dst + (<usize>n << 3);
    store<i32>(d, load<i32>(f + (<usize>n << 2)));
    store<i32>(d, load<i32>(s + (<usize>n << 2)), 4);
  }
  if (nF > nS) store<i32>(dst + (<usize>nS << 3), load<i32>(f + (<usize>nS << 2)));
}

/** Inverse of interleaveRow32: F[n] = src[2n], S[n] = src[2n+1]. */
export function deinterleaveRow32(src: usize, f: usize, nF: i32, s: usize, nS: i32): void {
  let n = 0;
  if (ASC_FEATURE_SIMD) {
    for (; n + 4 <= nS; n += 4) {
      let p = src + (<usize>n << 3);
      let x = v128.load(p);
      let y = v128.load(p, 16);
      v128.store(f + (<usize>n << 2), v128.shuffle<i32>(x, y, 0, 2, 4, 6));
      v128.store(s + (<usize>n << 2), v128.shuffle<i32>(x, y, 1, 3, 5, 7));
    }
  }
  for (; n < nS; n++) {
    let p = src + (<usize>n << 3);
    store<i32>(f + (<usize>n << 2), load<i32>(p));
    store<i32>(s + (<usize>n << 2), load<i32>(p, 4));
  }
  if (nF > nS) store<i32>(f + (<usize>nS << 2), load<i32>(src + (<usize>nS << 3)));
}

/** Copy `cols` 32-bit lanes (cols == DWT_COLS takes the vector path). */
// @ts-ignore: decorator
@inline
export function copyLanes32(dst: usize, src: usize, cols: i32): void {
  if (ASC_FEATURE_SIMD) {
    if (cols == DWT_COLS) {
      for (let j = 0; j < DWT_COLS; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
      return;
    }
  }
  for (let c = 0; c < cols; c++) store<i32>(dst + (<usize>c << 2), load<i32>(src + (<usize>c << 2)));
}


// ---------------------------------------------------------------------------------------------
// Row-streamed forward levels (dwt97.ts Fwd97, dwt53.ts Fwd53): the high rows that wait.
//
// A forward level done in place in one pass over the rows, top to bottom, writes low row n to row
// n (already read) but high row m to row nL + m, which is read only much later: a finished high row
// waits in a hold buffer (a ring of rows) until every stage has read row nL + m, and is copied there
// then. When high row m is finished, the rows up to about 2m have been read, so the high rows
// m' < 2m − nL have been placed: about nL/2 rows wait at most (forwardHoldRows adds a margin).
// ---------------------------------------------------------------------------------------------

/**
 * Rows of the input ring of a fed forward level (dwt_feed.ts: input row r in slot r % FEED_RING); a
 * power of 2, more than the rows a level's output row reaches back and ahead (dwt97.ts, dwt53.ts).
 */
export const FEED_RING: i32 = 8;

/** Rows of the hold buffer of a row-streamed forward level of h ≥ 2 rows (parity yo of its first row). */
// @ts-ignore: decorator
@inline
export function forwardHoldRows(h: i32, yo: i32): i32 {
  return (lowCount(h, yo) >> 1) + 8;
}

/** A row-streamed forward level (fwd97Level, fwd53Level): `hold` is `holdRows` rows of align16(4w) bytes. */
export type StreamedForwardLevel = (buf: usize, stride: i32, w: i32, h: i32, xo: i32, yo: i32, tmp: usize, hold: usize, holdRows: i32) => void;

/**
 * Run the row-streamed forward level `level` with its hold buffer taken from the arena and given
 * back before returning. False, with nothing done, when h < 2 or the hold buffer would pass the
 * memory limit (the caller then runs the whole-level form).
 */
export function forwardLevelStreamed(level: StreamedForwardLevel, buf: usize, stride: i32, w: i32, h: i32, xo: i32, yo: i32, tmp: usize): bool {
  if (h < 2) return false;
  let rows = forwardHoldRows(h, yo);
  let bytes = <u64>rows * <u64>align16(<usize>w << 2) + 16;
  if (!arenaFits(bytes)) return false;
  stageEnter(STAGE_DWT);
  let mark = arenaMark();
  level(buf, stride, w, h, xo, yo, tmp, align16(arenaAlloc(<usize>bytes)), rows);
  arenaRelease(mark);
  stageLeave(STAGE_DWT);
  return true;
}

/** The high rows of a row-streamed forward level: rows [placed, made) wait, row m in slot m % rows. */
@unmanaged
export class HeldRows {
  buf: usize;
  rowBytes: usize;
  bytes: usize;
  span: usize;
  nL: i32;
  rows: i32;
  made: i32;
  placed: i32;
  hold: usize;
}

/** Start with no high row made; `hold`: `rows` rows of align16(4w) bytes. */
export function heldStart(q: HeldRows, buf: usize, rowBytes: usize, w: i32, nL: i32, hold: usize, rows: i32): void {
  q.buf = buf;
  q.rowBytes = rowBytes;
  q.bytes = <usize>w << 2;
  q.span = align16(<usize>w << 2);
  q.nL = nL;
  q.rows = rows;
  q.made = 0;
  q.placed = 0;
  q.hold = hold;
}

/** Copy the waiting high rows whose places are below `unread` (read by every stage) to their places. */
export function heldPlace(q: HeldRows, unread: i32): void {
  while (q.placed < q.made && q.nL + q.placed < unread) {
    memory.copy(q.buf + <usize>(q.nL + q.placed) * q.rowBytes, q.hold + <usize>(q.placed % q.rows) * q.span, q.bytes);
    q.placed++;
  }
}

/**
 * Where the next high row goes: its place when that is below `unread` and no earlier row waits
 * (call heldPlace first), else its slot in the hold buffer.
 */
export function heldDest(q: HeldRows, unread: i32): usize {
  let m = q.made++;
  if (q.placed == m && q.nL + m < unread) {
    q.placed++;
    return q.buf + <usize>(q.nL + m) * q.rowBytes;
  }
  return q.hold + <usize>(m % q.rows) * q.span;
}
