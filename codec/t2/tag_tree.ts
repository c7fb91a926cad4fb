// Tag trees, ISO/IEC 15444-1 B.10.2: inclusion and zero-bit-plane information of the
// code-blocks of one precinct-band. Nodes are stored level by level, leaves first.

import { arenaAlloc, arenaAllocZeroed } from "../util/arena";
import { BitReader, bitRead } from "./bit_reader";
import { BitWriter, bitWrite, bitWriteN } from "./bit_writer";

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
  tagTreeParents(t);
  memory.fill(t.low, 0, <usize>t.numNodes * 4);
  memory.fill(t.known, 0, <usize>t.numNodes * 4);
}

/** Parents take the minimum of their (up to 4) children, level by level (the states are left as they are). */
export function tagTreeParents(t: TagTree): void {
  let cw = t.w, ch = t.h;
  let child = t.value;
  for (let lev = 1; lev < t.levels; lev++) {
    let pw = (cw + 1) >> 1, ph = (ch + 1) >> 1;
    let parent = t.value + (<usize>load<i32>(t.loff + (<usize>lev << 2)) << 2);
    for (let py = 0; py < ph; py++) {
      let r0 = child + (<usize>(2 * py * cw) << 2);
      let two = 2 * py + 1 < ch;
      let r1 = two ? r0 + (<usize>cw << 2) : r0;
      let out = parent + (<usize>(py * pw) << 2);
      for (let px = 0; px < pw; px++) {
        let cx = 2 * px;
        let m = min(load<i32>(r0 + (<usize>cx << 2)), load<i32>(r1 + (<usize>cx << 2)));
        if (cx + 1 < cw) m = min(m, min(load<i32>(r0 + (<usize>(cx + 1) << 2)), load<i32>(r1 + (<usize>(cx + 1) << 2))));
        store<i32>(out + (<usize>px << 2), m);
      }
    }
    child = parent;
    cw = pw;
    ch = ph;
  }
}

// Walks that start below the root. Within one packet the leaves of a precinct-band's tree are
// encoded in raster order with one threshold, and nothing else changes the tree's state between
// those calls. Revisiting a node of the last walk's path then sends nothing and changes nothing: the
// last walk left its bound at what it passes down (min(value, threshold), or at least the threshold,
// where that walk stopped), and its parent passes down the same bound as before (by induction from
// the root). So a walk may start below the deepest node it shares with the last walk's path, with
// the bound that node passed down, and sends nothing at all when it shares the node where the last
// walk stopped early (bound at the threshold: nothing below sends a bit).

/** Per slot: tree, threshold, last leaf x and y, the level the last walk ended at, 1 if it stopped early there, then i32[MAX_DEPTH] the bound each level passed down. */
const WALK_BYTES: i32 = 24 + (MAX_DEPTH << 2);
const WALKS: usize = memory.data(2 * WALK_BYTES, 16);

/** Forget the last walks (before a packet: the trees' states may have been set anew since). */
export function tagTreeWalksReset(): void {
  store<u32>(WALKS, 0);
  store<u32>(WALKS + <usize>WALK_BYTES, 0);
}

/**
 * Encode the information "value of leaf (x, y) < threshold?" (mirror of tagTreeDecode), for the
 * leaves of one tree visited within a packet, in slot 0 or 1 (a slot follows one tree; it starts
 * again when given another tree or threshold); tagTreeWalksReset before each packet.
 * Each node on the path from the root sends 0 bits while its lower bound is below both its value and
 * the threshold, then a 1 bit once (B.10.2) when the value is below the threshold. The zeros of a
 * node go out as one run (bitWriteN writes the same bits as one bitWrite each). Once a node's bound
 * reaches the threshold, nothing below it sends a bit, so the walk stops there: the nodes below keep
 * their stored bounds, which are only ever used as max(stored, the bound coming down from the
 * parent) and the parent's bound never falls, so every later call sends the same bits either way.
 */
export function tagTreeEncodeWalk(t: TagTree, bw: BitWriter, x: i32, y: i32, threshold: i32, slot: i32): void {
  let w = WALKS + <usize>slot * <usize>WALK_BYTES;
  let low = 0;
  let lev = t.levels - 1;
  if (load<u32>(w) == <u32>changetype<usize>(t) && load<i32>(w, 4) == threshold) {
    let lx = load<i32>(w, 8), ly = load<i32>(w, 12);
    let stop = load<i32>(w, 16);
    let k = stop;
    while (k < t.levels - 1 && ((x >> k) != (lx >> k) || (y >> k) != (ly >> k))) k++; // (the root is always shared)
    if (k == stop) {
      // the node where the last walk ended: it stopped early there (nothing below sends a bit), or
      // it is the same leaf again
      store<i32>(w, x, 8);
      store<i32>(w, y, 12);
      return;
    }
    low = load<i32>(w + 24 + (<usize>k << 2));
    lev = k - 1;
  } else {
    store<u32>(w, <u32>changetype<usize>(t));
    store<i32>(w, threshold, 4);
  }
  store<i32>(w, x, 8);
  store<i32>(w, y, 12);
  for (; lev >= 0; lev--) {
    let k = nodeIndex(t, lev, x >> lev, y >> lev);
    let pl = t.low + (<usize>k << 2);
    let nl = load<i32>(pl);
    if (low < nl) low = nl;
    if (low >= threshold) {
      if (low > nl) store<i32>(pl, low);
      store<i32>(w + 24 + (<usize>lev << 2), low);
      store<i32>(w, lev, 16);
      store<i32>(w, 1, 20);
      return;
    }
    let v = load<i32>(t.value + (<usize>k << 2));
    if (low < v) {
      let stop = v < threshold ? v : threshold;
      let zeros = stop - low;
      while (zeros > 32) {
        bitWriteN(bw, 0, 32);
        zeros -= 32;
      }
      bitWriteN(bw, 0, zeros);
      low = stop;
    }
    if (low < threshold) {
      let pk = t.known + (<usize>k << 2);
      if (load<i32>(pk) == 0) {
        bitWrite(bw, 1);
        store<i32>(pk, 1);
      }
    }
    store<i32>(pl, low);
    store<i32>(w + 24 + (<usize>lev << 2), low);
  }
  store<i32>(w, 0, 16);
  store<i32>(w, 0, 20);
}
