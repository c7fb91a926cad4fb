/**
 * One component's forward DWT on two threads (threaded encoding, src/encode_threads.ts): a tile with
 * a single component (a grey scan, a DX image) has nothing for a worker to do until its whole DWT is
 * done and its blocks are listed, unless the DWT itself is split. The component is cut by rows (on
 * a code-block row boundary of every split level's sub-bands, so each block lies wholly on one
 * side): the worker gets the caller's raw rows below the cut (with a margin), unpacks them (the sample
 * range check's OR comes back) and transforms the first {@link splitSettings}.levels levels of them;
 * this thread unpacks and transforms the rows above at the same time (codec/transform/dwt_split.ts:
 * the whole-plane kernels, exact on each side). The worker keeps its
 * plane and codes its side's blocks from it ("resident", as PlaneOffload's kept plane) and sends back
 * only its rows of the last split level's LL band; this thread puts them in and runs the remaining
 * levels. The codestream is the same bytes as one thread's.
 *
 * One tile only (the encoder lists a tile's blocks after its DWT, and a tiled image already gives
 * the workers the earlier tiles' blocks while this thread transforms the next); two threads only
 * (the plane's blocks must go to the worker that holds it).
 * @module
 */
import type { CoreExports } from "../core_interface.js";
import { EncoderTileField } from "../core_interface.js";
import { J2kError } from "../errors.js";
import { guardCore } from "../wasm/load.js";
import { runInWorker, type WorkerGroup } from "./pool.js";

/**
 * @internal Split parameters (tests change them): the decomposition levels split (the rest run on
 * the calling thread, on the last split level's LL band), the least rows a tile-component needs to
 * be split, and the margin per level in rows (undefined: what the kernels reach, 2 for the 5/3 and
 * 4 for the 9/7; a test sets less to see the output change), and where the cut goes (the share of the
 * rows above it: this thread also copies the worker's raw rows out and runs the remaining levels); and
 * `failWorker` sends the worker a job it refuses (the fallback: this thread does the worker's part).
 */
export const splitSettings: { levels: number; minRows: number; margin: number | undefined; share: number; failWorker: boolean } = {
  levels: 2,
  minRows: 512,
  margin: undefined,
  share: 0.55,
  failWorker: false,
};

/** What the worker needs: the tile-component's geometry (absolute, B-12), the cut and the levels. */
export interface SplitGeometry {
  /** Row stride of the plane in samples; the plane holds (y1 - y0) rows. */
  stride: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Levels split (dwt_split.ts K), of `total`. */
  levels: number;
  total: number;
  /** Absolute row of the cut (a multiple of 2^levels) and the margin per level (even). */
  cut: number;
  margin: number;
  reversible: boolean;
  /** The raw rows' format (src/encode.ts unpack): bytes per sample, signedness, DC level shift. */
  bps: number;
  signed: boolean;
  dc: number;
}

/** The worker's answer: its rows of LL_K (packed, wL_K samples per row), the OR of its raw sample words and the input rows' buffer back (for the next encode). */
export interface SplitResult {
  ll: ArrayBuffer;
  bits: number;
  rows: ArrayBuffer;
}

/** A plane the worker keeps (src/encode_threads.ts ResidentPlane) and which listed blocks lie in its part. */
export interface SplitResident {
  token: number;
  start: number;
  end: number;
  owns: (src: number) => boolean;
}

const ceilPow2 = (v: number, e: number) => Math.ceil(v / 2 ** e);
const lowCount = (n: number, odd: number) => (n + 1 - odd) >> 1;

/** One split level's extent and where the bottom side's rows start (quadrant layout of the whole level, dwt_split.ts). */
interface LevelPart {
  w: number;
  h: number;
  wL: number;
  nL: number;
  /** First row of the low band (HL, LL) and of the high bands (LH, HH) the bottom side owns. */
  lowFrom: number;
  highFrom: number;
}

function levelParts(g: SplitGeometry): LevelPart[] {
  const parts: LevelPart[] = [];
  for (let l = 1; l <= g.levels; l++) {
    const rx0 = ceilPow2(g.x0, l - 1), ry0 = ceilPow2(g.y0, l - 1);
    const w = ceilPow2(g.x1, l - 1) - rx0, h = ceilPow2(g.y1, l - 1) - ry0;
    const nL = lowCount(h, ry0 & 1), wL = lowCount(w, rx0 & 1);
    const c = g.cut / 2 ** l;
    parts.push({ w, h, wL, nL, lowFrom: c - Math.ceil(ry0 / 2), highFrom: nL + c - Math.floor(ry0 / 2) });
  }
  return parts;
}

/** Rows past the cut each side transforms at level 1 (dwt_split.ts E_1). */
const reach = (g: SplitGeometry) => g.margin * (2 ** g.levels - 1);

/** The geometry's numbers are what dwt_split.ts takes (the worker checks what it is sent). */
function checkGeometry(g: SplitGeometry): void {
  const int = (n: number) => Number.isInteger(n) && n >= 0 && n < 2 ** 31;
  const K = g.levels;
  const ok = int(g.stride) && int(g.x0) && int(g.y0) && int(g.x1) && int(g.y1) && int(g.cut) && int(g.margin) && int(K) && int(g.total) &&
    g.x1 > g.x0 && g.y1 > g.y0 && g.stride >= g.x1 - g.x0 && K >= 1 && K <= 16 && g.total >= K && g.total <= 32 && g.margin % 2 === 0 && g.margin <= 64 &&
    g.cut % 2 ** K === 0 && g.cut / 2 ** K > ceilPow2(g.y0, K) && g.cut / 2 ** K < ceilPow2(g.y1, K) && ceilPow2(g.y1, K - 1) - g.cut / 2 ** (K - 1) >= 2 &&
    g.stride * (g.y1 - g.y0) * 4 < 2 ** 31 &&
    (g.bps === 1 || g.bps === 2 || g.bps === 4) && Number.isInteger(g.dc) && Math.abs(g.dc) < 2 ** 31;
  if (!ok) throw new J2kError("INTERNAL", "threaded encode: a row split's geometry is not valid");
}

/** The cut for a tile-component of rows [y0, y1) on a grid of `unit` rows: the grid row nearest splitSettings.share of the way down. */
function chooseCut(y0: number, y1: number, unit: number): number {
  return Math.round((y0 + splitSettings.share * (y1 - y0)) / unit) * unit;
}

/**
 * A one-component tile's input samples as src/encode.ts offers them before unpacking (the calling
 * thread's unpack of them, which the split does instead): the caller's bytes, the core's staging
 * buffer, the sample format, the byte offset of each of the tile's rows in `data`, and where the OR
 * of the raw sample words goes (the sample range check).
 */
export interface SplitRows {
  data: Uint8Array;
  staging: number;
  stagingBytes: number;
  bps: 1 | 2 | 4;
  signed: boolean;
  dc: number;
  rowAt: (row: number) => number;
  addBits: (bits: number) => void;
}

let offered: SplitRows | null = null;
let taken = false;

/** src/encode.ts, threaded, one component: the tile's rows, offered to {@link splitTileDwt} (at the "split" yield that follows). */
export function offerSplitRows(rows: SplitRows): void {
  offered = rows;
  taken = false;
}

/** src/encode.ts after the "split" yield: true when the split unpacked (and transformed) the tile; the offer ends. */
export function splitRowsTaken(): boolean {
  const t = taken;
  offered = null;
  taken = false;
  return t;
}

/**
 * Unpack the tile's rows [from, to) (raw: `src` is where row `from` starts in `raw`, rows packed or
 * at the offsets `at` gives) into `dst` (row stride `stride`), through the core's staging buffer as
 * src/encode.ts does; returns the OR of the raw sample words.
 */
function unpackRows(c: CoreExports, s: SplitRows, from: number, to: number, width: number, dst: number, stride: number, reversible: boolean): number {
  const rowBytes = width * s.bps;
  const per = Math.max(1, Math.floor(s.stagingBytes / rowBytes));
  let bits = 0;
  for (let r = from; r < to; r += per) {
    const rows = Math.min(per, to - r);
    const view = new Uint8Array(c.memory.buffer, s.staging, rows * rowBytes);
    const a = s.rowAt(r);
    if (s.rowAt(r + rows - 1) === a + (rows - 1) * rowBytes) view.set(s.data.subarray(a, a + rows * rowBytes));
    else for (let y = 0; y < rows; y++) view.set(s.data.subarray(s.rowAt(r + y), s.rowAt(r + y) + rowBytes), y * rowBytes);
    bits |= c.orWords(s.staging, rows * rowBytes);
    const out = dst + 4 * (r - from) * stride;
    if (reversible) c.unpackComponent(s.staging, 1, width, s.bps, s.signed ? 1 : 0, width, rows, out, stride, s.dc);
    else c.unpackComponentF32(s.staging, 1, width, s.bps, s.signed ? 1 : 0, width, rows, out, stride, s.dc);
  }
  return bits;
}

/** The input rows' buffer an earlier split's worker sent back (its pages are touched already). */
let spareRows: ArrayBuffer | null = null;

/**
 * At a one-component tile's "split" yield (src/encode.ts: its rows offered, nothing unpacked yet):
 * split its unpacking and DWT with the encode's one worker, as the module says. Returns null where
 * no split applies (the offer is left: src/encode.ts unpacks the tile and the core transforms it as
 * before); else the kept plane (blocks of the worker's part go there), or `resident: null` when the
 * worker failed and this thread did the worker's part itself (the same samples). Either way the
 * tile is then unpacked (the OR of its raw samples given to the offer) and the core told that the
 * component is transformed (encoderTileDwtApplied). `token`: the token the worker keeps the plane
 * under (src/encode_threads.ts's, so that its "blocks" and "release" jobs find it).
 */
export async function splitTileDwt(c: CoreExports, group: WorkerGroup, token: number): Promise<{ resident: SplitResident | null } | null> {
  const offer = offered;
  if (!offer || group.max !== 1) return null;
  const total = c.encoderTileCompLevels(0);
  if (total < 1) return null;
  const levels = Math.min(total, splitSettings.levels);
  const unit = c.encoderTileSplitUnit(levels);
  if (unit <= 0) return null;
  const f = (field: EncoderTileField) => c.encoderTileComp(0, field);
  const x0 = f(EncoderTileField.x0), y0 = f(EncoderTileField.y0);
  const width = f(EncoderTileField.width), height = f(EncoderTileField.height);
  const stride = f(EncoderTileField.stride), buffer = f(EncoderTileField.buffer);
  const reversible = f(EncoderTileField.reversible) !== 0;
  if (!(height >= splitSettings.minRows && width >= 1 && buffer > 0)) return null;
  const cut = chooseCut(y0, y0 + height, unit);
  const g: SplitGeometry = {
    stride, x0, y0, x1: x0 + width, y1: y0 + height, levels, total, cut, margin: splitSettings.margin ?? (reversible ? 2 : 4), reversible,
    bps: offer.bps, signed: offer.signed, dc: offer.dc,
  };
  try {
    checkGeometry(g);
  } catch {
    return null; // (a cut too close to an edge for the levels: no split)
  }
  const rowBytes = stride * 4;
  const planeBytes = rowBytes * height;
  if (buffer + planeBytes > c.memory.buffer.byteLength) return null;
  taken = true;
  // the worker's raw rows [s, y1) (with the margin), this thread's [y0, end)
  const s = Math.max(y0, cut - reach(g)), end = Math.min(g.y1, cut + reach(g));
  const rawRow = width * offer.bps, inBytes = (g.y1 - s) * rawRow;
  const rows = spareRows && spareRows.byteLength >= inBytes ? spareRows : new ArrayBuffer(inBytes);
  spareRows = null;
  const into = new Uint8Array(rows, 0, inBytes);
  const a = offer.rowAt(s - y0);
  if (offer.rowAt(g.y1 - 1 - y0) === a + (g.y1 - 1 - s) * rawRow) into.set(offer.data.subarray(a, a + inBytes));
  else for (let r = s; r < g.y1; r++) into.set(offer.data.subarray(offer.rowAt(r - y0), offer.rowAt(r - y0) + rawRow), (r - s) * rawRow);
  const parts = levelParts(g);
  const last = parts[parts.length - 1]!;
  const llBytes = Math.max(0, last.nL - last.lowFrom) * last.wL * 4;
  const answer = runInWorker<SplitResult>({ op: "dwtsplit", rows, geometry: splitSettings.failWorker ? { ...g, bps: 3 } : g, keep: token }, [rows], 1, (width * height) / 20, group).catch(() => undefined);
  const tmp = guardCore(c, () => {
    const tmp = c.alloc(c.dwtScratchBytes(Math.max(width, height) + 2));
    offer.addBits(unpackRows(c, offer, 0, end - y0, width, buffer, stride, reversible));
    c.dwtSplitTop(buffer, stride, g.x0, g.y0, g.x1, g.y1, levels, cut, g.margin, reversible ? 1 : 0, tmp);
    // (the rows it writes held nothing: the worker's rows were never unpacked here)
    c.dwtSplitMove(buffer, stride, g.x0, g.y0, g.x1, g.y1, levels, cut, g.margin);
    return tmp;
  }, "encode");
  const res = await answer;
  const ok = !!res && res.ll instanceof ArrayBuffer && res.ll.byteLength === llBytes && Number.isInteger(res.bits);
  if (res?.rows instanceof ArrayBuffer) spareRows = res.rows;
  guardCore(c, () => {
    if (ok) {
      offer.addBits(res.bits);
      // the worker's rows of LL_K
      const to = new Uint8Array(c.memory.buffer);
      const ll = new Uint8Array(res.ll), rb = last.wL * 4;
      for (let r = last.lowFrom, o = 0; r < last.nL; r++, o += rb) to.set(ll.subarray(o, o + rb), buffer + r * rowBytes);
    } else {
      // the worker failed: its part here, in a scratch plane of the buffer's layout
      const scratch = c.alloc(planeBytes);
      offer.addBits(unpackRows(c, offer, s - y0, height, width, scratch + (s - y0) * rowBytes, stride, reversible));
      c.dwtSplitBottom(scratch, stride, g.x0, g.y0, g.x1, g.y1, levels, cut, g.margin, reversible ? 1 : 0, tmp);
      c.dwtSplitPlace(scratch, buffer, stride, g.x0, g.y0, g.x1, g.y1, levels, cut, g.margin);
    }
    // the remaining levels on LL_K, as the encoder's forwardDwt runs them (B-14 bounds)
    for (let l = levels + 1; l <= total; l++) {
      const rx0 = ceilPow2(g.x0, l - 1), ry0 = ceilPow2(g.y0, l - 1);
      const w = ceilPow2(g.x1, l - 1) - rx0, h = ceilPow2(g.y1, l - 1) - ry0;
      if (reversible) c.dwt53ForwardLevel(buffer, stride, w, h, rx0 & 1, ry0 & 1, tmp);
      else c.dwt97ForwardLevel(buffer, stride, w, h, rx0 & 1, ry0 & 1, tmp);
    }
    c.encoderTileDwtApplied(0);
  }, "encode");
  if (!ok) return { resident: null };
  return { resident: { token, start: buffer, end: buffer + planeBytes, owns: (src) => ownedBelow(parts, (src - buffer) / 4, stride) } };
}

/** Sample `off` of the plane (row stride `stride`) lies in the bottom side's part of a split level's sub-bands. */
function ownedBelow(parts: LevelPart[], off: number, stride: number): boolean {
  const row = Math.floor(off / stride), col = off - row * stride;
  for (const p of parts) {
    if (row >= p.h || col >= p.w) return false;
    if (row >= p.nL) return row >= p.highFrom;
    if (col >= p.wL) return row >= p.lowFrom;
    // (LL of this level: the next level's sub-bands, or LL_K, transformed further here)
  }
  return false;
}

/**
 * Worker side of {@link splitTileDwt} on private instance `c` (after its jobBegin): the bottom part
 * of the split, its raw input rows [max(y0, cut − E_1), y1) in `rows` (packed, the offer's format),
 * unpacked as src/encode.ts unpacks them and transformed. Returns where the plane lies in `c` (the
 * buffer's layout, the bottom side's samples in place), the LL_K rows for the calling thread and
 * the OR of the raw sample words (the sample range check).
 */
export function splitBottom(c: CoreExports, rows: ArrayBuffer, g: SplitGeometry): { buf: number; bytes: number; ll: ArrayBuffer; bits: number } {
  checkGeometry(g);
  const width = g.x1 - g.x0;
  const rowBytes = g.stride * 4, bytes = rowBytes * (g.y1 - g.y0);
  const s = Math.max(g.y0, g.cut - reach(g));
  const rawRow = width * g.bps, inBytes = (g.y1 - s) * rawRow;
  if (rows.byteLength < inBytes) throw new J2kError("INTERNAL", "threaded encode: a row split's rows do not fill their buffer");
  const buf = c.alloc(bytes);
  const raw = c.alloc(inBytes);
  const tmp = c.alloc(c.dwtScratchBytes(Math.max(width, g.y1 - g.y0) + 2));
  new Uint8Array(c.memory.buffer, raw, inBytes).set(new Uint8Array(rows, 0, inBytes));
  const bits = c.orWords(raw, inBytes);
  const at = buf + (s - g.y0) * rowBytes;
  if (g.reversible) c.unpackComponent(raw, 1, width, g.bps, g.signed ? 1 : 0, width, g.y1 - s, at, g.stride, g.dc);
  else c.unpackComponentF32(raw, 1, width, g.bps, g.signed ? 1 : 0, width, g.y1 - s, at, g.stride, g.dc);
  c.dwtSplitBottom(buf, g.stride, g.x0, g.y0, g.x1, g.y1, g.levels, g.cut, g.margin, g.reversible ? 1 : 0, tmp);
  const last = levelParts(g)[g.levels - 1]!;
  const rb = last.wL * 4;
  const ll = new ArrayBuffer(Math.max(0, last.nL - last.lowFrom) * rb);
  const out = new Uint8Array(ll), mem = new Uint8Array(c.memory.buffer);
  for (let r = last.lowFrom, o = 0; r < last.nL; r++, o += rb) out.set(mem.subarray(buf + r * rowBytes, buf + r * rowBytes + rb), o);
  return { buf, bytes, ll, bits };
}
