/**
 * View-windows (ISO/IEC 15444-9 C.4): which resolution a frame size selects, where the region lies
 * on the reference grid, and which data-bins a window needs. Shared by the server (what to send)
 * and the client (what to decode); no Node built-ins.
 *
 * - `fsiz=fx,fy[,round-down|round-up|closest]` (C.4.2) selects the image resolution obtained by
 *   discarding d of the codestream's decomposition levels: round-down (the default) the largest one
 *   with both dimensions <= fx, fy; round-up the smallest one with both >= fx, fy; closest the one
 *   nearest in size. The frame at d is ceil(Xsiz/2^d) − ceil(XOsiz/2^d) wide (B-14 on the image).
 * - `roff`/`rsiz` (C.4.3, C.4.4) are in the requested frame's coordinates; when the frame the
 *   server uses differs from the one requested they are scaled to it (and returned in the JPIP-fsiz,
 *   JPIP-roff and JPIP-rsiz response headers), then clipped to the frame.
 * - A window needs: the main header, the tile headers of the tiles it meets, and in those tiles
 *   the precincts whose code-blocks the decoder of that region at that resolution uses (the same
 *   selection as `openImage`'s range reads: src/codestream/plan.ts), with layers < `layers`.
 * @module
 */
import { J2kError } from "../errors.js";
import type { MainHeader } from "../codestream/markers.js";
import { decodeArea, neededPrecincts, tilesOf, type DecodeArea } from "../codestream/plan.js";
import type { TileGeom } from "../codestream/geometry.js";
import type { Region } from "../types.js";

/** Rounding of a requested frame size (C.4.2). */
export type FsizRound = "round-down" | "round-up" | "closest";

/** A view-window as requested (the request fields fsiz, roff, rsiz, comps, layers). */
export interface ViewWindow {
  /** Requested frame size; absent: no image data, only headers (and metadata). */
  fsiz?: [number, number];
  round?: FsizRound;
  roff?: [number, number];
  rsiz?: [number, number];
  /** Components (default all). */
  comps?: number[];
  /** Quality layers (default all). */
  layers?: number;
}

/** A view-window resolved against a codestream. */
export interface ResolvedWindow {
  /** Decomposition levels discarded (the `reduce` of a decode). */
  reduce: number;
  /** Frame size at that resolution. */
  fsiz: [number, number];
  /** Region within the frame (clipped). */
  roff: [number, number];
  rsiz: [number, number];
  /** The same region on the full-resolution image (a decode's `region`). */
  region: Region;
  comps?: number[];
  /** Layers to send / decode (clamped to the codestream's; 0 = all). */
  layers: number;
  /** Which fields differ from the request (so the server reports them in JPIP-* headers). */
  changed: { fsiz: boolean; roff: boolean; rsiz: boolean; layers: boolean; comps: boolean };
  /** True when the window holds no image data (no fsiz, or an empty region). */
  empty: boolean;
}

/** Smallest number of decomposition levels over the main header's components (COD/COC). */
export function maxReduce(main: MainHeader): number {
  let m = main.cod.levels;
  for (const c of main.coc) if (c) m = Math.min(m, c.levels);
  return m;
}

/** Frame size of the image with `d` levels discarded (B-14 applied to the image area). */
export function frameSize(main: MainHeader, d: number): [number, number] {
  const s = 2 ** d;
  const siz = main.siz;
  return [Math.ceil(siz.Xsiz / s) - Math.ceil(siz.XOsiz / s), Math.ceil(siz.Ysiz / s) - Math.ceil(siz.YOsiz / s)];
}

/** The `reduce` a requested frame size selects (C.4.2). */
export function selectReduce(main: MainHeader, fx: number, fy: number, round: FsizRound = "round-down"): number {
  const D = maxReduce(main);
  if (round === "round-down") {
    for (let d = 0; d <= D; d++) {
      const [w, h] = frameSize(main, d);
      if (w <= fx && h <= fy) return d;
    }
    return D;
  }
  if (round === "round-up") {
    for (let d = D; d >= 0; d--) {
      const [w, h] = frameSize(main, d);
      if (w >= fx && h >= fy) return d;
    }
    return 0;
  }
  let best = 0, bestErr = Infinity;
  for (let d = 0; d <= D; d++) {
    const [w, h] = frameSize(main, d);
    const err = Math.max(Math.abs(Math.log(Math.max(w, 1) / Math.max(fx, 1))), Math.abs(Math.log(Math.max(h, 1) / Math.max(fy, 1))));
    if (err < bestErr - 1e-12) {
      best = d;
      bestErr = err;
    }
  }
  return best;
}

/** Resolve a view-window against the main header (see the module description). */
export function resolveWindow(main: MainHeader, w: ViewWindow): ResolvedWindow {
  const C = main.siz.components.length;
  const fileLayers = main.global.layers;
  let layers = w.layers ?? 0;
  const layersChanged = layers > fileLayers;
  if (layers > fileLayers) layers = fileLayers;
  let comps = w.comps;
  let compsChanged = false;
  if (comps) {
    const kept = [...new Set(comps.filter((c) => c >= 0 && c < C))].sort((a, b) => a - b);
    compsChanged = kept.length !== comps.length;
    comps = kept;
  }
  const changed = { fsiz: false, roff: false, rsiz: false, layers: layersChanged, comps: compsChanged };
  if (!w.fsiz) {
    return { reduce: 0, fsiz: [0, 0], roff: [0, 0], rsiz: [0, 0], region: { x: 0, y: 0, width: 1, height: 1 }, layers, changed, empty: true, ...(comps ? { comps } : {}) };
  }
  const [fx, fy] = w.fsiz;
  const d = selectReduce(main, fx, fy, w.round);
  const [W, H] = frameSize(main, d);
  changed.fsiz = W !== fx || H !== fy;
  const sx = W / fx, sy = H / fy;
  let [ox, oy] = w.roff ?? [0, 0];
  let [rw, rh] = w.rsiz ?? [fx - ox, fy - oy];
  if (changed.fsiz) {
    const x0 = Math.floor(ox * sx), y0 = Math.floor(oy * sy);
    const x1 = Math.ceil((ox + rw) * sx), y1 = Math.ceil((oy + rh) * sy);
    ox = x0;
    oy = y0;
    rw = x1 - x0;
    rh = y1 - y0;
    changed.roff = w.roff !== undefined && (w.roff[0] !== ox || w.roff[1] !== oy);
  }
  const cx0 = Math.min(ox, W), cy0 = Math.min(oy, H);
  const cx1 = Math.min(ox + rw, W), cy1 = Math.min(oy + rh, H);
  if (cx0 !== ox || cy0 !== oy) changed.roff = true;
  const rsiz: [number, number] = [Math.max(0, cx1 - cx0), Math.max(0, cy1 - cy0)];
  if (w.rsiz ? rsiz[0] !== w.rsiz[0] || rsiz[1] !== w.rsiz[1] : changed.fsiz) changed.rsiz = true;
  const empty = rsiz[0] === 0 || rsiz[1] === 0;
  const s = 2 ** d;
  const siz = main.siz;
  const gx = Math.ceil(siz.XOsiz / s) + cx0, gy = Math.ceil(siz.YOsiz / s) + cy0;
  const region: Region = empty
    ? { x: 0, y: 0, width: 1, height: 1 }
    : { x: gx * s - siz.XOsiz, y: gy * s - siz.YOsiz, width: rsiz[0] * s, height: rsiz[1] * s };
  return { reduce: d, fsiz: [W, H], roff: [cx0, cy0], rsiz, region, layers, changed, empty, ...(comps ? { comps } : {}) };
}

/** The decode area of a resolved window (what `decode({ region, reduce, components })` uses). */
export function windowArea(main: MainHeader, rw: ResolvedWindow): DecodeArea {
  return decodeArea(main, { region: rw.region, reduce: rw.reduce, ...(rw.layers ? { layers: rw.layers } : {}), ...(rw.comps && rw.comps.length ? { components: rw.comps } : {}) });
}

/** Tiles a resolved window meets. */
export function windowTiles(main: MainHeader, rw: ResolvedWindow): number[] {
  if (rw.empty) return [];
  return tilesOf(main, windowArea(main, rw));
}

/** A precinct of a tile: component, resolution, index within the resolution, and its JPIP id. */
export interface WindowPrecinct {
  tile: number;
  c: number;
  r: number;
  p: number;
  /** In-class identifier I = t + (c + s·numComponents)·numTiles (A.3.2.1). */
  id: number;
}

/** Sequence number s of precinct p of resolution r: precincts of lower resolutions come first (A.3.2.1). */
export function precinctSeq(g: TileGeom, c: number, r: number, p: number): number {
  const tc = g.comps[c]!;
  let s = 0;
  for (let k = 0; k < r; k++) s += tc.res[k]!.pw * tc.res[k]!.ph;
  return s + p;
}

/** The precinct data-bin identifier of (t, c, r, p) (A.3.2.1). */
export function precinctId(main: MainHeader, g: TileGeom, c: number, r: number, p: number): number {
  const C = main.siz.components.length;
  return g.tile + (c + precinctSeq(g, c, r, p) * C) * main.siz.numTiles;
}

/** Inverse of {@link precinctId}: tile, component and sequence number. */
export function splitPrecinctId(main: MainHeader, id: number): { tile: number; c: number; s: number } {
  const T = main.siz.numTiles, C = main.siz.components.length;
  const tile = id % T;
  const rest = Math.floor(id / T);
  return { tile, c: rest % C, s: Math.floor(rest / C) };
}

/** Precincts of tile `g` the window needs, ordered by resolution, then component, then index. */
export function windowPrecincts(main: MainHeader, g: TileGeom, area: DecodeArea): WindowPrecinct[] {
  const out: WindowPrecinct[] = [];
  const masks = g.comps.map((tc) => neededPrecincts(tc, area, main.siz));
  const R = Math.max(...g.comps.map((tc) => tc.res.length));
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < g.comps.length; c++) {
      const m = masks[c]![r];
      if (!m) continue;
      for (let p = 0; p < m.length; p++) if (m[p]) out.push({ tile: g.tile, c, r, p, id: precinctId(main, g, c, r, p) });
    }
  }
  return out;
}

/** Check a parsed number pair. */
export function checkPair(name: string, v: [number, number], min: number): void {
  if (!v.every((x) => Number.isSafeInteger(x) && x >= min)) throw new J2kError("INVALID_ARGUMENT", `${name} must be two integers >= ${min}`);
}
