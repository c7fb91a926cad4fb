// Code-blocks decoded elsewhere (threaded decoding, src/worker/split_decode.ts): another thread ran T1
// (Annex D) on a code-block that several row bands need, and hands its output to every band's
// decoder instead of each of them decoding it again. The decoder's fillBand asks this table before
// decoding a block; a block not in the table is decoded as usual, so the table only saves work —
// its contents are exactly what decodeBlock would write (the same codestream, layers and partial
// policy), never anything else.
//
// A table is a run of records, each SUPPLY_RECORD_BYTES of i32 fields followed by the block's w × h
// i32 T1 outputs (row stride w) — the layout decoderBandShare / decoderBandOwnStep (api_bands.ts) write:
//   component, band index (Band.index), tile-component x0, y0, block x0, y0 (band coordinates), w, h
// Band coordinates of code-blocks of one tile-component are unique; the tile-component origin tells
// tiles apart (tiles may differ in decomposition levels, so their band coordinates may meet).

import { arenaAllocArrayZeroed } from "./util/arena";
import { fail } from "./util/fail";
import { ERR_INVALID_ARGUMENT } from "./util/error_codes";
import { MAX_BLOCK_SAMPLES } from "./util/constants";

export const SUPPLY_RECORD_BYTES: i32 = 32;

/** Open-addressing hash table of record pointers (0 = empty slot); `cap` a power of 2, 0 = no table. */
let table: usize = 0;
let cap: i32 = 0;
/** Bumped by every suppliedClear (so by every decoderParse): state kept for one parsed codestream checks it. */
let epoch: i32 = 0;

/** Forget the table (decoderParse calls this: a new job never sees an old job's table). */
export function suppliedClear(): void {
  table = 0;
  cap = 0;
  epoch++;
}

/** Forget the table only (a new table for the same parse). */
function clearTable(): void {
  table = 0;
  cap = 0;
}

/** The current parse's number (see `epoch`). */
export function suppliedEpoch(): i32 {
  return epoch;
}

// @ts-ignore: decorator
@inline
function hash(c: i32, b: i32, tx: i32, ty: i32, x: i32, y: i32): u32 {
  let h = <u32>c * 0x9e3779b1;
  h = (h ^ <u32>b) * 0x85ebca77;
  h = (h ^ <u32>tx) * 0xc2b2ae3d;
  h = (h ^ <u32>ty) * 0x27d4eb2f;
  h = (h ^ <u32>x) * 0x165667b1;
  h = (h ^ <u32>y) * 0x9e3779b1;
  return h ^ (h >> 15);
}

/**
 * Index the records of `count` tables (memory the job owns until its end): (u32 address, i32 byte
 * length) pairs at `ranges`. Returns the number of blocks. A malformed table (sizes outside a
 * code-block's, a record running past the end) fails with ERR_INVALID_ARGUMENT. The first table
 * listing a block wins.
 */
export function suppliedIndexRanges(ranges: usize, count: i32): i32 {
  clearTable();
  let n = 0;
  for (let r = 0; r < count; r++) {
    let ptr = <usize>load<u32>(ranges + (<usize>r << 3));
    let len = load<i32>(ranges + (<usize>r << 3), 4);
    if (len < 0) fail(ERR_INVALID_ARGUMENT, -1, len, r);
    n += countRecords(ptr, len);
  }
  if (n == 0) return 0;
  let c = 16;
  while (c < 2 * n) c <<= 1;
  let t = arenaAllocArrayZeroed(<u64>c, sizeof<usize>());
  let mask = <u32>(c - 1);
  for (let r = 0; r < count; r++) {
    let at = <usize>load<u32>(ranges + (<usize>r << 3));
    let end = at + <usize>load<i32>(ranges + (<usize>r << 3), 4);
    while (at < end) {
      let w = load<i32>(at, 24), h = load<i32>(at, 28);
      let i = hash(load<i32>(at), load<i32>(at, 4), load<i32>(at, 8), load<i32>(at, 12), load<i32>(at, 16), load<i32>(at, 20)) & mask;
      while (true) {
        let slot = t + <usize>i * sizeof<usize>();
        let rec = load<usize>(slot);
        if (rec == 0) {
          store<usize>(slot, at);
          break;
        }
        if (sameKey(rec, at)) break;
        i = (i + 1) & mask;
      }
      at += <usize>SUPPLY_RECORD_BYTES + (<usize>(w * h) << 2);
    }
  }
  table = t;
  cap = c;
  return n;
}

/** Records in [ptr, ptr + len), checked (ERR_INVALID_ARGUMENT when malformed). */
function countRecords(ptr: usize, len: i32): i32 {
  let end = ptr + <usize>len;
  let n = 0;
  let at = ptr;
  while (at < end) {
    if (end - at < <usize>SUPPLY_RECORD_BYTES) fail(ERR_INVALID_ARGUMENT, -1, <i32>(at - ptr), len);
    let w = load<i32>(at, 24), h = load<i32>(at, 28);
    if (w <= 0 || h <= 0 || <i64>w * <i64>h > <i64>MAX_BLOCK_SAMPLES) fail(ERR_INVALID_ARGUMENT, -1, w, h);
    let size = <usize>SUPPLY_RECORD_BYTES + (<usize>(w * h) << 2);
    if (end - at < size) fail(ERR_INVALID_ARGUMENT, -1, <i32>(at - ptr), len);
    at += size;
    n++;
  }
  return n;
}

// @ts-ignore: decorator
@inline
function sameKey(a: usize, b: usize): bool {
  return load<i32>(a) == load<i32>(b) && load<i32>(a, 4) == load<i32>(b, 4) && load<i32>(a, 8) == load<i32>(b, 8) &&
    load<i32>(a, 12) == load<i32>(b, 12) && load<i32>(a, 16) == load<i32>(b, 16) && load<i32>(a, 20) == load<i32>(b, 20);
}

/** Is a table set? (the decoder asks before each block; usually there is none.) */
// @ts-ignore: decorator
@inline
export function suppliedAny(): bool {
  return cap != 0;
}

/**
 * The T1 output (w × h i32, stride w) supplied for the code-block at (x0, y0) of band `b` of
 * component `c` of the tile-component at (tx0, ty0), or 0 when it was not supplied (or was supplied
 * with another size).
 */
export function suppliedBlock(c: i32, b: i32, tx0: i32, ty0: i32, x0: i32, y0: i32, w: i32, h: i32): usize {
  if (cap == 0) return 0;
  let mask = <u32>(cap - 1);
  let i = hash(c, b, tx0, ty0, x0, y0) & mask;
  while (true) {
    let r = load<usize>(table + <usize>i * sizeof<usize>());
    if (r == 0) return 0;
    if (load<i32>(r) == c && load<i32>(r, 4) == b && load<i32>(r, 8) == tx0 && load<i32>(r, 12) == ty0 && load<i32>(r, 16) == x0 && load<i32>(r, 20) == y0) {
      return load<i32>(r, 24) == w && load<i32>(r, 28) == h ? r + <usize>SUPPLY_RECORD_BYTES : 0;
    }
    i = (i + 1) & mask;
  }
}
