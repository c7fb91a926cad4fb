// Tag trees, ISO/IEC 15444-1 B.10.2: inclusion and zero-bit-plane information of the
// code-blocks of one precinct-band. Nodes are stored level by level, leaves first.

import { arenaAlloc, arenaAllocZeroed } from "../util/arena";
import { BitReader, bitRead } from "./bit_reader";
import { BitWriter, bitWrite } from "./bit_writer";

const MAX_DEPTH: i32 = 24;
/** "Not yet known" value of a node. */
const UNKNOWN: i32 = 0x7fffffff;

@unmanaged
export class TagTree {
  w: i32;
  h: i32;
  levels: i32;
  numNodes: i32;
  /** i32[MAX_DEPTH]: width of each level and offset of its first node. */
  lw: usize;
  loff: usize;
  /** i32[numNodes]: decoded/encoded value and current lower bound ("low" / state of B.10.2). */
  value: usize;
  low: usize;
  /** Encoder only: i32[numNodes] 1 once the value has been fully signalled. */
  known: usize;
}

export function tagTreeNew(w: i32, h: i32): TagTree {
  let t = changetype<TagTree>(arenaAllocZeroed(offsetof<TagTree>()));
  t.w = w;
  t.h = h;
  t.lw = arenaAlloc(<usize>MAX_DEPTH * 4);
  t.loff = arenaAlloc(<usize>MAX_DEPTH * 4);
  let n = 0;
  let lw = w, lh = h, lev = 0;
  while (true) {
    store<i32>(t.lw + (<usize>lev << 2), lw);
    store<i32>(t.loff + (<usize>lev << 2), n);
    n += lw * lh;
    lev++;
    if (lw <= 1 && lh <= 1) break;
    lw = (lw + 1) >> 1;
    lh = (lh + 1) >> 1;
  }
  t.levels = lev;
  t.numNodes = n;
  t.value = arenaAlloc(<usize>n * 4);
  t.low = arenaAlloc(<usize>n * 4);
  t.known = 0;
  tagTreeReset(t);
  return t;
}

export function tagTreeReset(t: TagTree): void {
  for (let i = 0; i < t.numNodes; i++) {
    store<i32>(t.value + (<usize>i << 2), UNKNOWN);
    store<i32>(t.low + (<usize>i << 2), 0);
  }
  if (t.known != 0) memory.fill(t.known, 0, <usize>t.numNodes * 4);
}

// @ts-ignore: decorator
@inline
function nodeIndex(t: TagTree, lev: i32, x: i32, y: i32): i32 {
  return load<i32>(t.loff + (<usize>lev << 2)) + y * load<i32>(t.lw + (<usize>lev << 2)) + x;
}

/**
 * Decode whether leaf (x, y) has a value < `threshold` (B.10.2). Returns 1 if so.
 * Reads bits from the root down, updating each node's lower bound.
 */
export function tagTreeDecode(t: TagTree, br: BitReader, x: i32, y: i32, threshold: i32): i32 {
  let low = 0;
  for (let lev = t.levels - 1; lev >= 0; lev--) {
    let k = nodeIndex(t, lev, x >> lev, y >> lev);
    let pv = t.value + (<usize>k << 2);
    let pl = t.low + (<usize>k << 2);
    let nl = load<i32>(pl);
    if (low > nl) nl = low;
    else low = nl;
    let v = load<i32>(pv);
    while (low < threshold && low < v) {
      if (bitRead(br) != 0) {
        v = low;
        store<i32>(pv, v);
      } else {
        low++;
      }
    }
    store<i32>(pl, low);
  }
  return load<i32>(t.value + (<usize>nodeIndex(t, 0, x, y) << 2)) < threshold ? 1 : 0;
}

/** Decode the full value of leaf (x, y) (zero bit-planes); -1 if it exceeds `limit` (corrupt). */
export function tagTreeDecodeValue(t: TagTree, br: BitReader, x: i32, y: i32, limit: i32): i32 {
  let th = 1;
  while (tagTreeDecode(t, br, x, y, th) == 0) {
    th++;
    if (th > limit || br.overrun != 0) return -1;
  }
  return th - 1;
}

// ---- encoder ----

/** Set leaf values and propagate minima to the parents (B.10.2). */
export function tagTreeSetLeaf(t: TagTree, x: i32, y: i32, v: i32): void {
  store<i32>(t.value + (<usize>nodeIndex(t, 0, x, y) << 2), v);
}

/** After all leaves are set: parents take the minimum of their children; states are cleared. */
export function tagTreeFinish(t: TagTree): void {
  if (t.known == 0) t.known = arenaAllocZeroed(<usize>t.numNodes * 4);
  for (let lev = 1; lev < t.levels; lev++) {
    let cw = load<i32>(t.lw + (<usize>(lev - 1) << 2));
    let pw = load<i32>(t.lw + (<usize>lev << 2));
    let ch = (t.numNodes > 0) ? levelHeight(t, lev - 1) : 0;
    let ph = levelHeight(t, lev);
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        let m = UNKNOWN;
        for (let dy = 0; dy < 2; dy++) {
          let cy = 2 * py + dy;
          if (cy >= ch) break;
          for (let dx = 0; dx < 2; dx++) {
            let cx = 2 * px + dx;
            if (cx >= cw) break;
            let v = load<i32>(t.value + (<usize>nodeIndex(t, lev - 1, cx, cy) << 2));
            if (v < m) m = v;
          }
        }
        store<i32>(t.value + (<usize>nodeIndex(t, lev, px, py) << 2), m);
      }
    }
  }
  for (let i = 0; i < t.numNodes; i++) store<i32>(t.low + (<usize>i << 2), 0);
  memory.fill(t.known, 0, <usize>t.numNodes * 4);
}

function levelHeight(t: TagTree, lev: i32): i32 {
  let h = t.h;
  for (let i = 0; i < lev; i++) h = (h + 1) >> 1;
  return h;
}

/** Encode the information "value of leaf (x, y) < threshold?" (mirror of tagTreeDecode). */
export function tagTreeEncode(t: TagTree, bw: BitWriter, x: i32, y: i32, threshold: i32): void {
  let low = 0;
  for (let lev = t.levels - 1; lev >= 0; lev--) {
    let k = nodeIndex(t, lev, x >> lev, y >> lev);
    let pl = t.low + (<usize>k << 2);
    let pk = t.known + (<usize>k << 2);
    let v = load<i32>(t.value + (<usize>k << 2));
    let nl = load<i32>(pl);
    if (low > nl) nl = low;
    else low = nl;
    while (low < threshold) {
      if (low >= v) {
        if (load<i32>(pk) == 0) {
          bitWrite(bw, 1);
          store<i32>(pk, 1);
        }
        break;
      }
      bitWrite(bw, 0);
      low++;
    }
    store<i32>(pl, low);
  }
}
