/**
 * What a decode request needs: the tiles it meets, and in each the packets whose code-blocks the
 * decoder will use — with every earlier layer of a needed precinct, since a precinct's packets can
 * only be read in layer order (B.10: tag trees and Lblock carry over from layer to layer).
 *
 * The selection mirrors the core exactly (src/decode.ts plan(), codec/decoder.ts decodeSetup and
 * decodeTile, codec/structure/window.ts): the region on the reference grid (widened one sample
 * period for sub-sampled components), the components the inverse MCT pulls in, the window of every
 * resolution grown by the inverse DWT's reach (2 samples for 5/3, 4 for 9/7) and halved level by
 * level into sub-band windows. A precinct is needed when one of its sub-band rectangles meets its
 * band's window, which is a superset of the code-blocks the core marks as needed.
 * @module
 */
import { J2kError } from "../errors.js";
import type { DecodeOptions } from "../types.js";
import { tileBounds, type TileCompGeom, type TileGeom } from "./geometry.js";
import type { MainHeader } from "./markers.js";
import { mergeRanges, type ByteRange } from "./source.js";
import type { CodestreamIndex, TilePackets, TilePartInfo } from "./codestream_index.js";

/** The part of a decode request the index needs (the fields of {@link DecodeOptions} that select data). */
export type DecodeRequest = Pick<DecodeOptions, "region" | "reduce" | "layers" | "components" | "layout">;

/** One tile of a {@link DecodePlan}. */
export interface PlannedTile {
  tile: number;
  /** The tile's tile-parts, in order. */
  parts: TilePartInfo[];
  /** Absent when every packet is needed: the tile-parts are read whole. */
  packets?: TilePackets;
  /** With `packets`: 1 for each packet (in the tile's order) the decode needs. */
  needed?: Uint8Array;
}

/** What a decode request needs (see {@link planDecode}). */
export interface DecodePlan {
  tiles: PlannedTile[];
  /** File ranges to read: main header, tile-part headers, needed packets (sorted, adjacent ones joined). */
  ranges: ByteRange[];
  /** Total bytes of `ranges`. */
  bytes: number;
}

/** The decoded area as the core sees it. */
export interface DecodeArea {
  reduce: number;
  /** Layers to decode (all when 0). */
  layers: number;
  /** Region on the reference grid the core decodes [x0, x1) x [y0, y1). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Per component: decoded (requested, or needed by the inverse MCT). */
  decoded: boolean[];
}

function checkInt(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) {
    throw new J2kError("INVALID_ARGUMENT", `${name} must be an integer in ${lo}..${hi} (got ${String(v)})`);
  }
  return v;
}

/** The area and components the core decodes for `o` (as src/decode.ts and codec/decoder.ts compute them). */
export function decodeArea(main: MainHeader, o: DecodeRequest): DecodeArea {
  const siz = main.siz;
  const C = siz.components.length;
  const reduce = o.reduce === undefined ? 0 : checkInt("reduce", o.reduce, 0, 32);
  const layers = o.layers === undefined ? 0 : checkInt("layers", o.layers, 1, 65535);
  let rx0 = siz.XOsiz, ry0 = siz.YOsiz, rx1 = siz.Xsiz, ry1 = siz.Ysiz;
  if (o.region) {
    const r = o.region;
    const W = siz.Xsiz - siz.XOsiz, H = siz.Ysiz - siz.YOsiz;
    checkInt("region.x", r.x, 0, W - 1);
    checkInt("region.y", r.y, 0, H - 1);
    checkInt("region.width", r.width, 1, 2 ** 32);
    checkInt("region.height", r.height, 1, 2 ** 32);
    rx0 = siz.XOsiz + r.x;
    ry0 = siz.YOsiz + r.y;
    rx1 = Math.min(siz.Xsiz, rx0 + r.width);
    ry1 = Math.min(siz.Ysiz, ry0 + r.height);
  }
  let comps: number[];
  if (o.components) {
    if (!Array.isArray(o.components) || o.components.length === 0) throw new J2kError("INVALID_ARGUMENT", "components must be a non-empty array of component indices");
    for (const c of o.components) checkInt("components[]", c, 0, C - 1);
    comps = [...o.components];
  } else {
    comps = siz.components.map((_, i) => i);
  }
  const decoded = new Array<boolean>(C).fill(false);
  for (const c of comps) decoded[c] = true;
  if (main.global.mct !== 0 && C >= 3 && (decoded[0] || decoded[1] || decoded[2])) decoded[0] = decoded[1] = decoded[2] = true;
  let x0 = rx0, y0 = ry0;
  if ((o.layout ?? "interleaved") !== "components") {
    const mdx = Math.max(...comps.map((i) => siz.components[i]!.dx));
    const mdy = Math.max(...comps.map((i) => siz.components[i]!.dy));
    if (mdx > 1) x0 = Math.max(siz.XOsiz, rx0 - mdx * 2 ** reduce);
    if (mdy > 1) y0 = Math.max(siz.YOsiz, ry0 - mdy * 2 ** reduce);
  }
  return { reduce, layers, x0, y0, x1: rx1, y1: ry1, decoded };
}

/** Tiles meeting the area (as codec/decoder.ts decodeTiles selects them). */
export function tilesOf(main: MainHeader, a: DecodeArea): number[] {
  const siz = main.siz;
  const out: number[] = [];
  const p0 = Math.max(0, Math.floor((a.x0 - siz.XTOsiz) / siz.XTsiz)), p1 = Math.min(siz.tilesX - 1, Math.floor((a.x1 - 1 - siz.XTOsiz) / siz.XTsiz));
  const q0 = Math.max(0, Math.floor((a.y0 - siz.YTOsiz) / siz.YTsiz)), q1 = Math.min(siz.tilesY - 1, Math.floor((a.y1 - 1 - siz.YTOsiz) / siz.YTsiz));
  for (let q = q0; q <= q1; q++) {
    for (let p = p0; p <= p1; p++) {
      const t = q * siz.tilesX + p;
      const b = tileBounds(siz, t);
      if (b.tx1 <= a.x0 || b.tx0 >= a.x1 || b.ty1 <= a.y0 || b.ty0 >= a.y1) continue;
      out.push(t);
    }
  }
  return out;
}

/**
 * Needed precincts of one tile-component: `out[r][p]` = 1 when precinct p of resolution r holds a
 * code-block the decoder uses. Empty arrays for resolutions above the decoded one.
 */
export function neededPrecincts(tc: TileCompGeom, a: DecodeArea, siz: MainHeader["siz"]): Uint8Array[] {
  const out = tc.res.map((res) => new Uint8Array(res.pw * res.ph));
  if (!a.decoded[tc.c]) return out;
  const R = tc.res.length - 1 - a.reduce;
  if (R < 0) return out;
  const k = siz.components[tc.c]!;
  const s = 2 ** a.reduce;
  const px0 = Math.ceil(Math.ceil(a.x0 / k.dx) / s), px1 = Math.ceil(Math.ceil(a.x1 / k.dx) / s);
  const py0 = Math.ceil(Math.ceil(a.y0 / k.dy) / s), py1 = Math.ceil(Math.ceil(a.y1 / k.dy) / s);
  const top = tc.res[R]!;
  const ox0 = Math.max(top.x0, px0), ox1 = Math.min(top.x1, px1);
  const oy0 = Math.max(top.y0, py0), oy1 = Math.min(top.y1, py1);
  if (ox1 <= ox0 || oy1 <= oy0) return out;
  const m = tc.style.reversible ? 2 : 4;
  let wa = ox0, wb = ox1, wc = oy0, wd = oy1;
  for (let r = R; r >= 0; r--) {
    const res = tc.res[r]!;
    if (r > 0) {
      wa = Math.max(wa - m, res.x0);
      wb = Math.min(wb + m, res.x1);
      wc = Math.max(wc - m, res.y0);
      wd = Math.min(wd + m, res.y1);
    }
    const windows: Array<[number, number, number, number]> = [];
    let na = wa, nb = wb, nc = wc, nd = wd;
    if (r === 0) {
      windows.push([wa, wb, wc, wd]);
    } else {
      const lx0 = Math.ceil(wa / 2), lx1 = Math.ceil(wb / 2), hx0 = Math.floor(wa / 2), hx1 = Math.floor(wb / 2);
      const ly0 = Math.ceil(wc / 2), ly1 = Math.ceil(wd / 2), hy0 = Math.floor(wc / 2), hy1 = Math.floor(wd / 2);
      for (const bd of res.bands) {
        const o = bd.orient;
        windows.push([o & 1 ? hx0 : lx0, o & 1 ? hx1 : lx1, o & 2 ? hy0 : ly0, o & 2 ? hy1 : ly1]);
      }
      na = lx0;
      nb = lx1;
      nc = ly0;
      nd = ly1;
    }
    // The precincts meeting a band window form a rectangle of the precinct grid (B.6: precinct px
    // covers band columns [px, px + 1) · 2^pbw); a band window lies inside its band, so every
    // precinct of that rectangle has code-blocks in it. Cost: the needed precincts, not the tile's.
    const mask = out[r]!;
    if (res.pw * res.ph > 0) {
      const pbw = r === 0 ? res.ppx : res.ppx - 1, pbh = r === 0 ? res.ppy : res.ppy - 1;
      const prx0 = Math.floor(res.x0 / 2 ** res.ppx), pry0 = Math.floor(res.y0 / 2 ** res.ppy);
      for (let b = 0; b < res.bands.length; b++) {
        const w = windows[b]!;
        const bd = res.bands[b]!;
        if (w[1] <= w[0] || w[3] <= w[2] || bd.x1 <= bd.x0 || bd.y1 <= bd.y0) continue;
        const pxa = Math.max(Math.floor(w[0] / 2 ** pbw) - prx0, 0), pxb = Math.min(Math.floor((w[1] - 1) / 2 ** pbw) - prx0, res.pw - 1);
        const pya = Math.max(Math.floor(w[2] / 2 ** pbh) - pry0, 0), pyb = Math.min(Math.floor((w[3] - 1) / 2 ** pbh) - pry0, res.ph - 1);
        for (let py = pya; py <= pyb; py++) mask.fill(1, py * res.pw + pxa, py * res.pw + pxb + 1);
      }
    }
    wa = na;
    wb = nb;
    wc = nc;
    wd = nd;
  }
  return out;
}

/**
 * Per packet of an order, the number of its precinct in a flat numbering of the tile's precincts
 * (component by component, resolution by resolution), built once per order: needed packets are
 * then one table look-up each.
 */
const flatPrecincts = new WeakMap<TilePackets["order"], { flat: Uint32Array; total: number }>();

function flatPrecinctsOf(g: TileGeom, order: TilePackets["order"]): { flat: Uint32Array; total: number; base: number[][] } {
  const base: number[][] = [];
  let total = 0;
  for (const tc of g.comps) {
    const b: number[] = [];
    for (const res of tc.res) {
      b.push(total);
      total += res.pw * res.ph;
    }
    base.push(b);
  }
  let hit = flatPrecincts.get(order);
  if (!hit || hit.total !== total) {
    const flat = new Uint32Array(order.count);
    for (let k = 0; k < order.count; k++) flat[k] = base[order.component[k]!]![order.resolution[k]!]! + order.precinct[k]!;
    hit = { flat, total };
    flatPrecincts.set(order, hit);
  }
  return { ...hit, base };
}

/** 1 per packet of `order` that the area needs. */
export function neededPackets(g: TileGeom, order: TilePackets["order"], a: DecodeArea, siz: MainHeader["siz"]): Uint8Array {
  const { flat, total, base } = flatPrecinctsOf(g, order);
  const mask = new Uint8Array(total);
  g.comps.forEach((tc, c) => neededPrecincts(tc, a, siz).forEach((m, r) => mask.set(m, base[c]![r]!)));
  const out = new Uint8Array(order.count);
  const n = order.count;
  if (a.layers) {
    for (let k = 0; k < n; k++) if (order.layer[k]! < a.layers) out[k] = mask[flat[k]!]!;
  } else {
    for (let k = 0; k < n; k++) out[k] = mask[flat[k]!]!;
  }
  return out;
}

/** True when every packet of every precinct is needed (the tile can be read whole). */
function needsEverything(g: TileGeom, a: DecodeArea, siz: MainHeader["siz"]): boolean {
  if (a.layers && a.layers < g.global.layers) return false;
  for (const tc of g.comps) {
    const masks = neededPrecincts(tc, a, siz);
    for (const m of masks) if (m.some((v) => v === 0)) return false;
  }
  return true;
}

/**
 * A hint for files split into one tile-part per resolution (RPCL/RLCP with TNsot = resolutions, as
 * `optimize` and the "iiif" preset write them): the tile-parts of the resolutions below the one
 * decoded, plus the start of that one (its header with PLT), are one contiguous run of the file per
 * tile — read them in one request each (adjacent tiles merge), together with the headers of the
 * later tile-parts, before the index asks for headers and packets one by one. Only a prefetch: if
 * the guess is wrong the index reads what it needs anyway.
 */
async function prefetchResolutionParts(index: CodestreamIndex, tiles: number[], partsOf: Map<number, TilePartInfo[]>, a: DecodeArea): Promise<void> {
  if (!index.source.prefetch || index.main.ppm) return;
  const hints: ByteRange[] = [];
  for (const t of tiles) {
    const parts = partsOf.get(t)!;
    const g = index.nominalGeometry(t);
    const numRes = Math.max(...g.comps.map((c) => c.res.length));
    if (parts.length !== numRes || (g.global.progression !== 1 && g.global.progression !== 2) || g.poc.length > 0) continue;
    const R = numRes - 1 - a.reduce;
    if (R < 0) continue;
    // (tile-major files: one run per tile; interleaved ones: runs that the fetcher joins across tiles)
    for (let i = 0; i < R; i++) hints.push({ offset: parts[i]!.offset, length: parts[i]!.length });
    // a tile inside the area needs every packet of resolution R too
    const inside = a.x0 <= g.tx0 && g.tx1 <= a.x1 && a.y0 <= g.ty0 && g.ty1 <= a.y1;
    hints.push({ offset: parts[R]!.offset, length: inside ? parts[R]!.length : Math.min(parts[R]!.length, 4096) });
    // the later tile-part headers, unless the index reads them only when their packets are asked for
    if (!index.readsHeadersAsNeeded) {
      for (let i = R + 1; i < parts.length; i++) hints.push({ offset: parts[i]!.offset, length: Math.min(parts[i]!.length, 4096) });
    }
  }
  if (hints.length) await index.source.prefetch(hints);
}

/**
 * Plan a decode: the tiles meeting the request and the byte ranges to read. Tiles that need every
 * packet (by the main header's parameters) are read whole; in the others the packets are located
 * (PLT, or reading packet headers) up to the last one needed.
 */
export async function planDecode(index: CodestreamIndex, request: DecodeRequest): Promise<DecodePlan> {
  return index.withTlmFallback(async () => {
    const main = index.main;
    const area = decodeArea(main, request);
    const tiles = tilesOf(main, area);
    const partsOf = await index.tilePartsOf(tiles);
    await prefetchResolutionParts(index, tiles, partsOf, area);
    const planned = await Promise.all(
      tiles.map(async (t): Promise<PlannedTile> => {
        const parts = partsOf.get(t)!;
        if (parts.length === 0) return { tile: t, parts };
        if (!main.ppm && needsEverything(index.nominalGeometry(t), area, main.siz)) return { tile: t, parts };
        let pk = await index.packets(t, 0);
        for (;;) {
          const needed = neededPackets(pk.geometry, pk.order, area, main.siz);
          const last = needed.lastIndexOf(1);
          const packets = await index.packets(t, last + 1, needed);
          // (a tile the index had to start again, all its tile-part headers read: plan it again)
          if (packets.order === pk.order) return { tile: t, parts: packets.parts, packets, needed };
          pk = packets;
        }
      }),
    );
    const ranges: ByteRange[] = [index.mainHeaderRange];
    for (const pt of planned) {
      if (!pt.packets) {
        for (const p of pt.parts) ranges.push({ offset: p.offset, length: p.length });
        continue;
      }
      for (const p of pt.parts) ranges.push({ offset: p.offset, length: p.headerLength! });
      const pk = pt.packets;
      const n = Math.min(pk.located, pk.present);
      for (let k = 0; k < n; k++) if (pt.needed![k]) ranges.push(...pk.ranges(k));
    }
    const merged = mergeRanges(ranges);
    return { tiles: planned, ranges: merged, bytes: merged.reduce((s, r) => s + r.length, 0) };
  });
}
