/**
 * Annex B geometry of a tile for the codestream index: tile (B.3), tile-components (B-12),
 * resolutions (B-14), sub-bands (B-15), precincts (B-16) and code-block grids (B.7). It mirrors
 * codec/structure/tile.ts number for number (the index and the core must agree on every packet);
 * coordinates stay below 2^33 so plain numbers are exact.
 * @module
 */
import { J2kError } from "../errors.js";
import type { CodingStyle, GlobalStyle, MainHeader, PocEntry, Siz, TilePartHeader } from "./markers.js";

/** A sub-band of one resolution. */
export interface BandGeom {
  /** 0 LL, 1 HL, 2 LH, 3 HH. */
  orient: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Code-block size exponents in this band (B.7: limited by the precinct size). */
  cbw: number;
  cbh: number;
}

/** A resolution level of a tile-component. */
export interface ResolutionGeom {
  r: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  ppx: number;
  ppy: number;
  /** Precincts across / down (0 when the resolution is empty). */
  pw: number;
  ph: number;
  bands: BandGeom[];
}

/** A tile-component. */
export interface TileCompGeom {
  c: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  dx: number;
  dy: number;
  style: CodingStyle;
  res: ResolutionGeom[];
}

/** The coding parameters and geometry of one tile, resolved from the main and tile-part headers (A.6). */
export interface TileGeom {
  tile: number;
  tx0: number;
  ty0: number;
  tx1: number;
  ty1: number;
  global: GlobalStyle;
  poc: PocEntry[];
  comps: TileCompGeom[];
}

/** Code-block grid of one precinct in one band: first block index and counts. */
export interface PrecinctBandGeom {
  /** Precinct rectangle in band coordinates, clipped to the band (empty when x1 <= x0). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  cbx0: number;
  cby0: number;
  cw: number;
  ch: number;
}

const ceilDiv = (a: number, d: number) => Math.ceil(a / d);
const ceilPow2 = (a: number, e: number) => Math.ceil(a / 2 ** e);
const floorPow2 = (a: number, e: number) => Math.floor(a / 2 ** e);

/** Tile bounds on the reference grid (B-7). */
export function tileBounds(siz: Siz, t: number): { tx0: number; ty0: number; tx1: number; ty1: number } {
  const p = t % siz.tilesX;
  const q = Math.floor(t / siz.tilesX);
  return {
    tx0: Math.max(siz.XTOsiz + p * siz.XTsiz, siz.XOsiz),
    ty0: Math.max(siz.YTOsiz + q * siz.YTsiz, siz.YOsiz),
    tx1: Math.min(siz.XTOsiz + (p + 1) * siz.XTsiz, siz.Xsiz),
    ty1: Math.min(siz.YTOsiz + (q + 1) * siz.YTsiz, siz.Ysiz),
  };
}

/** PPx / PPy of resolution r. */
export function ppOf(style: CodingStyle, r: number): { ppx: number; ppy: number } {
  const v = style.precincts[r] ?? 0xff;
  return { ppx: v & 15, ppy: v >> 4 };
}

/**
 * Resolve the coding parameters of tile `t` (A.6 precedence: tile COC > tile COD > main COC >
 * main COD; a tile-part POC replaces the main POC) and build its geometry. `parts` are the headers
 * of the tile's tile-parts in order (only the first may carry COD/COC, but all are read, as the core does).
 */
export function tileGeometry(main: MainHeader, t: number, parts: readonly TilePartHeader[]): TileGeom {
  const siz = main.siz;
  const C = siz.components.length;
  let global = main.global;
  let tCod: CodingStyle | undefined;
  const tCoc: Array<CodingStyle | undefined> = new Array<CodingStyle | undefined>(C).fill(undefined);
  const tPoc: PocEntry[] = [];
  for (const h of parts) {
    if (h.cod) {
      tCod = h.cod;
      global = h.global!;
    }
    for (const k of h.coc) tCoc[k.component] = k.style;
    tPoc.push(...h.poc);
  }
  const b = tileBounds(siz, t);
  const comps: TileCompGeom[] = [];
  for (let c = 0; c < C; c++) {
    const style = tCoc[c] ?? tCod ?? main.coc[c] ?? main.cod;
    comps.push(tileComp(siz, b, c, style));
  }
  return { tile: t, ...b, global, poc: tPoc.length > 0 ? tPoc : main.poc, comps };
}

function tileComp(siz: Siz, b: { tx0: number; ty0: number; tx1: number; ty1: number }, c: number, style: CodingStyle): TileCompGeom {
  const k = siz.components[c]!;
  const tc: TileCompGeom = {
    c,
    x0: ceilDiv(b.tx0, k.dx),
    y0: ceilDiv(b.ty0, k.dy),
    x1: ceilDiv(b.tx1, k.dx),
    y1: ceilDiv(b.ty1, k.dy),
    dx: k.dx,
    dy: k.dy,
    style,
    res: [],
  };
  const NL = style.levels;
  for (let r = 0; r <= NL; r++) {
    const lev = NL - r;
    const x0 = ceilPow2(tc.x0, lev), y0 = ceilPow2(tc.y0, lev), x1 = ceilPow2(tc.x1, lev), y1 = ceilPow2(tc.y1, lev);
    const { ppx, ppy } = ppOf(style, r);
    if (r > 0 && (ppx === 0 || ppy === 0)) throw new J2kError("BAD_COD", `invalid COD/COC marker segment (precinct exponent 0 at resolution ${r})`);
    const pw = x1 > x0 ? ceilPow2(x1, ppx) - floorPow2(x0, ppx) : 0;
    const ph = y1 > y0 ? ceilPow2(y1, ppy) - floorPow2(y0, ppy) : 0;
    if (pw * ph > 0x1000000) throw new J2kError("LIMIT_CODEBLOCKS", `a resolution declares ${pw * ph} precincts, above the limit (${0x1000000})`);
    const bands: BandGeom[] = [];
    const nb = r === 0 ? 1 : 3;
    for (let i = 0; i < nb; i++) {
      const orient = r === 0 ? 0 : i + 1;
      const n = r === 0 ? NL : NL - r + 1;
      const offx = n > 0 ? (orient & 1) * 2 ** (n - 1) : 0;
      const offy = n > 0 ? (orient >> 1) * 2 ** (n - 1) : 0;
      bands.push({
        orient,
        x0: ceilPow2(tc.x0 - offx, n),
        y0: ceilPow2(tc.y0 - offy, n),
        x1: ceilPow2(tc.x1 - offx, n),
        y1: ceilPow2(tc.y1 - offy, n),
        cbw: r === 0 ? Math.min(style.xcb, ppx) : Math.min(style.xcb, ppx - 1),
        cbh: r === 0 ? Math.min(style.ycb, ppy) : Math.min(style.ycb, ppy - 1),
      });
    }
    tc.res.push({ r, x0, y0, x1, y1, ppx, ppy, pw, ph, bands });
  }
  return tc;
}

/** The code-block grid of precinct `p` of `res` in band `bd` (B.6, B.7); cw = ch = 0 when empty. */
export function precinctBand(res: ResolutionGeom, bd: BandGeom, p: number): PrecinctBandGeom {
  const empty = { x0: 0, y0: 0, x1: 0, y1: 0, cbx0: 0, cby0: 0, cw: 0, ch: 0 };
  if (res.pw * res.ph === 0 || bd.x1 <= bd.x0 || bd.y1 <= bd.y0) return empty;
  const pbw = res.r === 0 ? res.ppx : res.ppx - 1;
  const pbh = res.r === 0 ? res.ppy : res.ppy - 1;
  const px = (p % res.pw) + floorPow2(res.x0, res.ppx);
  const py = Math.floor(p / res.pw) + floorPow2(res.y0, res.ppy);
  const x0 = Math.max(px * 2 ** pbw, bd.x0);
  const y0 = Math.max(py * 2 ** pbh, bd.y0);
  const x1 = Math.min((px + 1) * 2 ** pbw, bd.x1);
  const y1 = Math.min((py + 1) * 2 ** pbh, bd.y1);
  if (x1 <= x0 || y1 <= y0) return empty;
  const cbx0 = floorPow2(x0, bd.cbw);
  const cby0 = floorPow2(y0, bd.cbh);
  return { x0, y0, x1, y1, cbx0, cby0, cw: ceilPow2(x1, bd.cbw) - cbx0, ch: ceilPow2(y1, bd.cbh) - cby0 };
}

/** Code-blocks of a tile (as codec/structure/tile.ts countCblks), to refuse absurd declarations before allocating. */
export function tileCodeBlockCount(g: TileGeom): number {
  let n = 0;
  for (const tc of g.comps) {
    for (const res of tc.res) {
      for (const bd of res.bands) {
        if (bd.x1 <= bd.x0 || bd.y1 <= bd.y0) continue;
        n += (ceilPow2(bd.x1, bd.cbw) - floorPow2(bd.x0, bd.cbw)) * (ceilPow2(bd.y1, bd.cbh) - floorPow2(bd.y0, bd.cbh));
      }
    }
  }
  return n;
}

/** Precincts of resolution r of a tile-component. */
export function precinctCount(res: ResolutionGeom): number {
  return res.pw * res.ph;
}
