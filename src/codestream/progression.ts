/**
 * The order of the packets of a tile (B.12, Table A.16) including progression order changes
 * (A.6.6, POC), mirroring codec/t2/progression.ts: a packet (l, r, c, p) is visited only when
 * every earlier layer of its precinct was (B.12), and POC ranges that revisit a packet skip it.
 * @module
 */
import { J2kError } from "../errors.js";
import type { TileGeom } from "./geometry.js";

/** Packets of a tile in codestream order: parallel arrays. */
export interface PacketOrder {
  count: number;
  layer: Uint16Array;
  resolution: Uint8Array;
  component: Uint16Array;
  precinct: Uint32Array;
}

/** Bound on loop iterations (as the core's MAX_LOOP) and on packets per tile. */
const MAX_LOOP = 2 ** 28;
const MAX_PACKETS = 2 ** 26;

class Builder {
  count = 0;
  layer = new Uint16Array(64);
  resolution = new Uint8Array(64);
  component = new Uint16Array(64);
  precinct = new Uint32Array(64);
  /** Per (c, r): layers visited for each precinct. */
  done: Uint16Array[][];
  constructor(g: TileGeom) {
    this.done = g.comps.map((tc) => tc.res.map((res) => new Uint16Array(res.pw * res.ph)));
  }
  visit(c: number, r: number, p: number, l: number): void {
    const d = this.done[c]![r]!;
    if (d[p] !== l) return;
    d[p] = l + 1;
    if (this.count === this.layer.length) this.grow();
    const i = this.count++;
    this.layer[i] = l;
    this.resolution[i] = r;
    this.component[i] = c;
    this.precinct[i] = p;
  }
  private grow(): void {
    const n = this.layer.length * 2;
    if (n > MAX_PACKETS * 2) throw new J2kError("LIMIT_CODEBLOCKS", `a tile has more than ${MAX_PACKETS} packets`);
    const g16 = (a: Uint16Array) => {
      const b = new Uint16Array(n);
      b.set(a);
      return b;
    };
    this.layer = g16(this.layer);
    this.component = g16(this.component);
    const r = new Uint8Array(n);
    r.set(this.resolution);
    this.resolution = r;
    const p = new Uint32Array(n);
    p.set(this.precinct);
    this.precinct = p;
  }
}

/** The packet sequence of tile `g` (POC list if any, else the COD progression). */
export function packetOrder(g: TileGeom): PacketOrder {
  const b = new Builder(g);
  const C = g.comps.length;
  const L = g.global.layers;
  let maxRes = 0;
  for (const tc of g.comps) maxRes = Math.max(maxRes, tc.res.length);
  if (g.poc.length === 0) {
    runOne(b, g, g.global.progression, 0, L, 0, maxRes, 0, C);
  } else {
    for (const e of g.poc) runOne(b, g, e.Ppoc, 0, Math.min(e.LYEpoc, L), e.RSpoc, Math.min(e.REpoc, maxRes), e.CSpoc, Math.min(e.CEpoc, C));
  }
  return { count: b.count, layer: b.layer.subarray(0, b.count), resolution: b.resolution.subarray(0, b.count), component: b.component.subarray(0, b.count), precinct: b.precinct.subarray(0, b.count) };
}

function runOne(b: Builder, g: TileGeom, order: number, l0: number, l1: number, r0: number, r1: number, c0: number, c1: number): void {
  if (l1 <= l0 || r1 <= r0 || c1 <= c0) return;
  if ((l1 - l0) * (r1 - r0) * (c1 - c0) > MAX_LOOP) throw new J2kError("LIMIT_CODEBLOCKS", "progression loop bounds exceed the limit");
  const all = (l: number, r: number, c: number) => {
    const tc = g.comps[c]!;
    if (r >= tc.res.length) return;
    const res = tc.res[r]!;
    const np = res.pw * res.ph;
    for (let p = 0; p < np; p++) b.visit(c, r, p, l);
  };
  if (order === 0) {
    for (let l = l0; l < l1; l++) for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) all(l, r, c);
  } else if (order === 1) {
    for (let r = r0; r < r1; r++) for (let l = l0; l < l1; l++) for (let c = c0; c < c1; c++) all(l, r, c);
  } else {
    positional(b, g, order, l0, l1, r0, r1, c0, c1);
  }
}

const shl = (v: number, s: number) => (s >= 40 ? 2 ** 55 : v * 2 ** s);

/**
 * What {@link atPosition} needs of one resolution of one tile-component, computed once per
 * progression instead of at every position.
 */
interface PositionStep {
  /** Precinct grid on the reference grid: positions that start a precinct row / column (B.12.1.3). */
  my: number;
  mx: number;
  /** The tile's first row / column starts a precinct even when not a multiple of my / mx. */
  edgeY: boolean;
  edgeX: boolean;
  /** dx·2^lev, dy·2^lev: reference grid to resolution grid. */
  sx: number;
  sy: number;
  ppx: number;
  ppy: number;
  /** floor(res.x0 / 2^ppx), floor(res.y0 / 2^ppy). */
  px0: number;
  py0: number;
  pw: number;
  ph: number;
}

function positionStep(g: TileGeom, c: number, r: number): PositionStep | undefined {
  const tc = g.comps[c]!;
  if (r >= tc.res.length) return undefined;
  const res = tc.res[r]!;
  if (res.pw === 0 || res.ph === 0) return undefined;
  const lev = tc.res.length - 1 - r;
  const rpx = res.ppx + lev, rpy = res.ppy + lev;
  return {
    my: shl(tc.dy, rpy),
    mx: shl(tc.dx, rpx),
    edgeY: shl(res.y0, lev) % shl(1, rpy) !== 0,
    edgeX: shl(res.x0, lev) % shl(1, rpx) !== 0,
    sx: shl(tc.dx, lev),
    sy: shl(tc.dy, lev),
    ppx: 2 ** res.ppx,
    ppy: 2 ** res.ppy,
    px0: Math.floor(res.x0 / 2 ** res.ppx),
    py0: Math.floor(res.y0 / 2 ** res.ppy),
    pw: res.pw,
    ph: res.ph,
  };
}

/** RPCL, PCRL, CPRL (B.12.1.3-B.12.1.5): positions on the tile's reference grid. */
function positional(b: Builder, g: TileGeom, order: number, l0: number, l1: number, r0: number, r1: number, c0: number, c1: number): void {
  const { tx0, ty0, tx1, ty1 } = g;
  let stepX = Infinity, stepY = Infinity;
  for (let c = c0; c < c1; c++) {
    const tc = g.comps[c]!;
    for (let r = r0; r < Math.min(r1, tc.res.length); r++) {
      const res = tc.res[r]!;
      const lev = tc.res.length - 1 - r;
      stepX = Math.min(stepX, shl(tc.dx, res.ppx + lev));
      stepY = Math.min(stepY, shl(tc.dy, res.ppy + lev));
    }
  }
  if (stepX === Infinity) return;
  const positions = (Math.floor((tx1 - tx0) / stepX) + 2) * (Math.floor((ty1 - ty0) / stepY) + 2);
  if (positions * (c1 - c0) > MAX_LOOP) throw new J2kError("LIMIT_CODEBLOCKS", "progression positions exceed the limit");
  const steps: Array<Array<PositionStep | undefined>> = [];
  for (let c = 0; c < c1; c++) {
    const row: Array<PositionStep | undefined> = [];
    for (let r = 0; r < r1; r++) row.push(c >= c0 && r >= r0 ? positionStep(g, c, r) : undefined);
    steps.push(row);
  }
  const at = (c: number, r: number, x: number, y: number) => {
    const st = steps[c]![r];
    if (st) atPosition(b, st, c, r, x, y, tx0, ty0, l0, l1);
  };
  const nextY = (y: number) => y + stepY - (y % stepY);
  const nextX = (x: number) => x + stepX - (x % stepX);
  if (order === 2) {
    for (let r = r0; r < r1; r++) for (let y = ty0; y < ty1; y = nextY(y)) for (let x = tx0; x < tx1; x = nextX(x)) for (let c = c0; c < c1; c++) at(c, r, x, y);
  } else if (order === 3) {
    for (let y = ty0; y < ty1; y = nextY(y)) for (let x = tx0; x < tx1; x = nextX(x)) for (let c = c0; c < c1; c++) for (let r = r0; r < r1; r++) at(c, r, x, y);
  } else {
    for (let c = c0; c < c1; c++) for (let y = ty0; y < ty1; y = nextY(y)) for (let x = tx0; x < tx1; x = nextX(x)) for (let r = r0; r < r1; r++) at(c, r, x, y);
  }
}

function atPosition(b: Builder, st: PositionStep, c: number, r: number, x: number, y: number, tx0: number, ty0: number, l0: number, l1: number): void {
  if (!(y % st.my === 0 || (y === ty0 && st.edgeY))) return;
  if (!(x % st.mx === 0 || (x === tx0 && st.edgeX))) return;
  const px = Math.floor(Math.ceil(x / st.sx) / st.ppx) - st.px0;
  const py = Math.floor(Math.ceil(y / st.sy) / st.ppy) - st.py0;
  if (px < 0 || py < 0 || px >= st.pw || py >= st.ph) return;
  const p = px + py * st.pw;
  for (let l = l0; l < l1; l++) b.visit(c, r, p, l);
}

/**
 * JPIP precinct sequence number s of precinct p of resolution r (15444-9 A.3.2.1: precincts of a
 * tile-component numbered resolution by resolution, raster order within each).
 */
export function precinctSequence(g: TileGeom, c: number, r: number, p: number): number {
  const tc = g.comps[c]!;
  let s = 0;
  for (let k = 0; k < r; k++) s += tc.res[k]!.pw * tc.res[k]!.ph;
  return s + p;
}
