/**
 * Wavelet kernels (codec/transform/dwt53.ts, dwt97.ts) against straightforward TypeScript
 * implementations of ISO/IEC 15444-1 Annex F: 2D_SR / 2D_SD with 1D_SR / 1D_SD, the periodic
 * symmetric extension of F.3.7 materialised explicitly, and the lifting steps of
 * F.3.8 / F.4.8 evaluated literally (5/3 with floor, 9/7 in f64).
 */
import { afterAll, describe, expect, it } from "vitest";
import { callCore, useFlavor, type CoreExports } from "../../src/wasm/load.js";
import { Prng } from "../helpers/prng.js";

type Level = (buf: number, stride: number, w: number, h: number, xOdd: number, yOdd: number, tmp: number) => void;
interface DwtKernels {
  dwtScratchBytes(maxDim: number): number;
  dwt53InverseLevel: Level;
  dwt53InverseLevelTo(src: number, dst: number, stride: number, w: number, h: number, xOdd: number, yOdd: number, tmp: number): void;
  dwt53ForwardLevel: Level;
  dwt97InverseLevel: Level;
  dwt97ForwardLevel: Level;
}
const k = (c: CoreExports): DwtKernels & CoreExports => c as unknown as DwtKernels & CoreExports;

// ------------------------------------------------------------------------------------------
// Reference: Annex F, written from the text
// ------------------------------------------------------------------------------------------

/** PSE_O (F.3.7): index of the sample that extended index i takes, signal [i0, i1). */
function pse(i: number, i0: number, i1: number): number {
  const span = 2 * (i1 - i0 - 1);
  const m = (((i - i0) % span) + span) % span;
  return i0 + Math.min(m, span - m);
}

const ALPHA = -1.586134342059924;
const BETA = -0.052980118572961;
const GAMMA = 0.882911075530934;
const DELTA = 0.443506852043971;
const KAPPA = 1.230174104914001;
const E = 8; // extension on each side: more than any filter needs

/**
 * Apply lifting steps to the PSE-extended signal `x` (coordinates i0 .. i0+n-1). Each step is
 * [parity, f(w, p)] and updates every position p of that parity whose neighbours are still valid
 * (the valid window shrinks by one sample per side per step), which yields on [i0, i1) exactly the
 * values of the standard's procedure.
 */
function lift1d(x: number[], i0: number, scale: ((p: number, v: number) => number) | null, steps: Array<[number, (w: Map<number, number>, p: number) => number]>): number[] {
  const n = x.length;
  const i1 = i0 + n;
  const w = new Map<number, number>();
  for (let i = i0 - E; i < i1 + E; i++) w.set(i, x[pse(i, i0, i1) - i0]!);
  if (scale) for (let i = i0 - E; i < i1 + E; i++) w.set(i, scale(i, w.get(i)!));
  let lo = i0 - E;
  let hi = i1 + E;
  for (const [parity, f] of steps) {
    lo++;
    hi--;
    const upd: Array<[number, number]> = [];
    for (let p = lo; p < hi; p++) if ((((p % 2) + 2) % 2) === parity) upd.push([p, f(w, p)]);
    for (const [p, v] of upd) w.set(p, v);
  }
  const out: number[] = [];
  for (let i = i0; i < i1; i++) out.push(w.get(i)!);
  return out;
}

const g = (w: Map<number, number>, p: number): number => w.get(p)!;

/** 1D_SR with 1D_FILTR_5-3R (F.3.8.1); single sample per F.3.7. */
function sr53(y: number[], i0: number): number[] {
  if (y.length === 1) return [i0 % 2 === 0 ? y[0]! : Math.trunc(y[0]! / 2)];
  return lift1d(y, i0, null, [
    [0, (w, p) => g(w, p) - Math.floor((g(w, p - 1) + g(w, p + 1) + 2) / 4)],
    [1, (w, p) => g(w, p) + Math.floor((g(w, p - 1) + g(w, p + 1)) / 2)],
  ]);
}

/** 1D_SD with 1D_FILTD_5-3R (F.4.8.1); single sample per F.4.7. */
function sd53(x: number[], i0: number): number[] {
  if (x.length === 1) return [i0 % 2 === 0 ? x[0]! : 2 * x[0]!];
  return lift1d(x, i0, null, [
    [1, (w, p) => g(w, p) - Math.floor((g(w, p - 1) + g(w, p + 1)) / 2)],
    [0, (w, p) => g(w, p) + Math.floor((g(w, p - 1) + g(w, p + 1) + 2) / 4)],
  ]);
}

/** 1D_SR with 1D_FILTR_9-7I (F.3.8.2), in f64. */
function sr97(y: number[], i0: number): number[] {
  if (y.length === 1) return [i0 % 2 === 0 ? y[0]! : y[0]! / 2];
  return lift1d(y, i0, (p, v) => (p % 2 === 0 ? KAPPA * v : v / KAPPA), [
    [0, (w, p) => g(w, p) - DELTA * (g(w, p - 1) + g(w, p + 1))],
    [1, (w, p) => g(w, p) - GAMMA * (g(w, p - 1) + g(w, p + 1))],
    [0, (w, p) => g(w, p) - BETA * (g(w, p - 1) + g(w, p + 1))],
    [1, (w, p) => g(w, p) - ALPHA * (g(w, p - 1) + g(w, p + 1))],
  ]);
}

/** 1D_SD with 1D_FILTD_9-7I (F.4.8.2), in f64. */
function sd97(x: number[], i0: number): number[] {
  if (x.length === 1) return [i0 % 2 === 0 ? x[0]! : 2 * x[0]!];
  const y = lift1d(x, i0, null, [
    [1, (w, p) => g(w, p) + ALPHA * (g(w, p - 1) + g(w, p + 1))],
    [0, (w, p) => g(w, p) + BETA * (g(w, p - 1) + g(w, p + 1))],
    [1, (w, p) => g(w, p) + GAMMA * (g(w, p - 1) + g(w, p + 1))],
    [0, (w, p) => g(w, p) + DELTA * (g(w, p - 1) + g(w, p + 1))],
  ]);
  return y.map((v, j) => ((i0 + j) % 2 === 0 ? v / KAPPA : v * KAPPA));
}

type OneD = (v: number[], i0: number) => number[];

/** Position of the k-th low (or high) sample in a signal whose first sample has parity `odd`. */
const lowPos = (k0: number, odd: number): number => 2 * k0 + odd;
const highPos = (k0: number, odd: number): number => 2 * k0 + 1 - odd;
const lowCount = (n: number, odd: number): number => (n + 1 - odd) >> 1;

/** 2D_SR (F.3.2): 2D_INTERLEAVE, HOR_SR on rows, VER_SR on columns. Input/output: row-major w×h. */
function sr2d(q: number[], w: number, h: number, u0: number, v0: number, f: OneD): number[] {
  const xo = u0 & 1;
  const yo = v0 & 1;
  const nLx = lowCount(w, xo);
  const nLy = lowCount(h, yo);
  const a = new Array<number>(w * h);
  // 2D_INTERLEAVE (F.3.3)
  for (let qy = 0; qy < h; qy++) {
    const y = qy < nLy ? lowPos(qy, yo) : highPos(qy - nLy, yo);
    for (let qx = 0; qx < w; qx++) {
      const x = qx < nLx ? lowPos(qx, xo) : highPos(qx - nLx, xo);
      a[y * w + x] = q[qy * w + qx]!;
    }
  }
  for (let y = 0; y < h; y++) {
    const row = f(a.slice(y * w, y * w + w), u0);
    for (let x = 0; x < w; x++) a[y * w + x] = row[x]!;
  }
  for (let x = 0; x < w; x++) {
    const col: number[] = [];
    for (let y = 0; y < h; y++) col.push(a[y * w + x]!);
    const r = f(col, v0);
    for (let y = 0; y < h; y++) a[y * w + x] = r[y]!;
  }
  return a;
}

/** 2D_SD (F.4.2): VER_SD on columns, HOR_SD on rows, 2D_DEINTERLEAVE. */
function sd2d(img: number[], w: number, h: number, u0: number, v0: number, f: OneD): number[] {
  const a = img.slice();
  for (let x = 0; x < w; x++) {
    const col: number[] = [];
    for (let y = 0; y < h; y++) col.push(a[y * w + x]!);
    const r = f(col, v0);
    for (let y = 0; y < h; y++) a[y * w + x] = r[y]!;
  }
  for (let y = 0; y < h; y++) {
    const row = f(a.slice(y * w, y * w + w), u0);
    for (let x = 0; x < w; x++) a[y * w + x] = row[x]!;
  }
  const xo = u0 & 1;
  const yo = v0 & 1;
  const nLx = lowCount(w, xo);
  const nLy = lowCount(h, yo);
  const q = new Array<number>(w * h);
  for (let qy = 0; qy < h; qy++) {
    const y = qy < nLy ? lowPos(qy, yo) : highPos(qy - nLy, yo);
    for (let qx = 0; qx < w; qx++) {
      const x = qx < nLx ? lowPos(qx, xo) : highPos(qx - nLx, xo);
      q[qy * w + qx] = a[y * w + x]!;
    }
  }
  return q;
}

// ------------------------------------------------------------------------------------------
// Running the kernels
// ------------------------------------------------------------------------------------------

type Kind = "53" | "97";

interface Case {
  w: number;
  h: number;
  u0: number;
  v0: number;
  pad: number;
  data: number[]; // w*h region values, row-major
}

/** Run one level in the core on a buffer with row padding; returns the region and checks the padding. */
function runLevel(kind: Kind, dir: "Inverse" | "Forward", cs: Case): number[] {
  const { w, h, pad } = cs;
  const stride = w + pad;
  const rows = Math.max(h, 1);
  return callCore((c0) => {
    const c = k(c0);
    const n = stride * rows + 4;
    const buf = c.alloc(n * 4);
    const tmp = c.alloc(c.dwtScratchBytes(Math.max(w, h)));
    const Arr = kind === "53" ? Int32Array : Float32Array;
    const view = new Arr(c.memory.buffer, buf, n);
    const sentinel = kind === "53" ? 0x5a5a5a5 : 12345.5;
    view.fill(sentinel);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) view[y * stride + x] = cs.data[y * w + x]!;
    const fn = c[`dwt${kind}${dir}Level` as `dwt${Kind}${typeof dir}Level`];
    fn(buf, stride, w, h, cs.u0 & 1, cs.v0 & 1, tmp);
    const out = new Arr(c.memory.buffer, buf, n);
    const res: number[] = [];
    let untouched = true;
    for (let i = 0; i < n; i++) {
      const y = Math.floor(i / stride);
      const x = i % stride;
      if (y < h && x < w) res.push(out[i]!);
      else if (out[i] !== sentinel) untouched = false;
    }
    expect(untouched, `samples outside ${w}x${h} (stride ${stride}) were modified`).toBe(true);
    return res;
  });
}

/**
 * Run dwt53InverseLevelTo (out of place) on a padded copy of the case: returns the `w × h` result
 * and checks that the source and the destination's samples outside the region are not written.
 */
function runInverseTo53(cs: Case): number[] {
  const { w, h, pad } = cs;
  const stride = w + pad;
  const n = stride * Math.max(h, 1) + 4;
  return callCore((c0) => {
    const c = k(c0);
    const src = c.alloc(n * 4);
    const dst = c.alloc(n * 4);
    const tmp = c.alloc(c.dwtScratchBytes(Math.max(w, h)));
    const sentinel = 0x5a5a5a5;
    new Int32Array(c.memory.buffer, src, n).fill(-sentinel);
    new Int32Array(c.memory.buffer, dst, n).fill(sentinel);
    const sv = new Int32Array(c.memory.buffer, src, n);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sv[y * stride + x] = cs.data[y * w + x]!;
    const before = sv.slice();
    c.dwt53InverseLevelTo(src, dst, stride, w, h, cs.u0 & 1, cs.v0 & 1, tmp);
    expect(Array.from(new Int32Array(c.memory.buffer, src, n)), "source written").toEqual(Array.from(before));
    const out = new Int32Array(c.memory.buffer, dst, n);
    const res: number[] = [];
    let untouched = true;
    for (let i = 0; i < n; i++) {
      const y = Math.floor(i / stride);
      const x = i % stride;
      if (y < h && x < w) res.push(out[i]!);
      else if (out[i] !== sentinel) untouched = false;
    }
    expect(untouched, `samples outside ${w}x${h} (stride ${stride}) were modified`).toBe(true);
    return res;
  });
}

function makeCase(rng: Prng, w: number, h: number, range: number): Case {
  const data: number[] = [];
  for (let i = 0; i < w * h; i++) data.push(rng.range(-range, range - 1));
  return { w, h, u0: rng.int(6), v0: rng.int(6), pad: rng.int(5), data };
}

const SIZES: Array<[number, number]> = [
  [1, 1], [1, 2], [2, 1], [2, 2], [1, 7], [7, 1], [3, 3], [2, 5], [5, 2], [4, 4], [8, 8], [9, 9],
  [13, 17], [16, 3], [3, 16], [31, 29], [64, 64], [65, 33], [127, 5], [5, 127], [100, 101], [257, 9], [300, 300],
];

function cases(seed: number, range: number): Case[] {
  const rng = new Prng(seed);
  const out: Case[] = [];
  for (const [w, h] of SIZES) {
    for (let p = 0; p < 4; p++) {
      const cs = makeCase(rng, w, h, range);
      cs.u0 = 2 * rng.int(3) + (p & 1);
      cs.v0 = 2 * rng.int(3) + (p >> 1);
      out.push(cs);
    }
  }
  // a few random sizes
  for (let i = 0; i < 12; i++) out.push(makeCase(rng, rng.range(1, 120), rng.range(1, 120), range));
  return out;
}

function maxAbs(a: number[]): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function expectClose(got: number[], want: number[], rel: number, what: string): void {
  const tol = rel * Math.max(1, maxAbs(want));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `${what}: worst error ${worst} at ${at} (got ${got[at]}, want ${want[at]}), tolerance ${tol}`).toBeLessThanOrEqual(tol);
}

const label = (cs: Case): string => `${cs.w}x${cs.h} origin (${cs.u0},${cs.v0}) pad ${cs.pad}`;

// Outputs per flavour, compared across flavours at the end.
const outputs: Record<string, Map<string, number[]>> = { scalar: new Map(), simd: new Map() };

afterAll(() => useFlavor(null));

for (const flavor of ["scalar", "simd"] as const) {
  describe(`DWT kernels (${flavor} build)`, () => {
    it("5/3 inverse and forward of one level equal the Annex F reference (bit-exact)", () => {
      useFlavor(flavor);
      for (const cs of cases(0x5301, 1 << 15)) {
        const want = sr2d(cs.data, cs.w, cs.h, cs.u0, cs.v0, sr53);
        const inv = runLevel("53", "Inverse", cs);
        expect(inv, `inverse ${label(cs)}`).toEqual(want);
        const invTo = runInverseTo53(cs);
        expect(invTo, `inverse out of place ${label(cs)}`).toEqual(want);
        const fwd = runLevel("53", "Forward", cs);
        expect(fwd, `forward ${label(cs)}`).toEqual(sd2d(cs.data, cs.w, cs.h, cs.u0, cs.v0, sd53));
        outputs[flavor]!.set(`53 ${label(cs)}`, inv.concat(fwd, invTo));
      }
    });

    it("5/3 forward then inverse over 1..N levels is the identity", () => {
      useFlavor(flavor);
      const rng = new Prng(0x5302);
      for (let t = 0; t < 40; t++) {
        const w = t < 4 ? [1, 2, 3, 300][t]! : rng.range(1, 300);
        const h = t < 4 ? [300, 1, 7, 299][t]! : rng.range(1, 300);
        const u0 = rng.range(0, 9);
        const v0 = rng.range(0, 9);
        const levels = rng.range(1, 8);
        const pad = rng.int(3);
        const stride = w + pad;
        const data = new Int32Array(stride * h);
        for (let i = 0; i < data.length; i++) data[i] = rng.range(-32768, 32767);
        const back = callCore((c0) => {
          const c = k(c0);
          const buf = c.alloc(data.length * 4);
          const other = c.alloc(data.length * 4);
          const tmp = c.alloc(c.dwtScratchBytes(Math.max(w, h)));
          new Int32Array(c.memory.buffer, buf, data.length).set(data);
          // resolution r region: [ceil(u0/2^r), ceil(u1/2^r))
          const dims = (r: number): [number, number, number, number] => {
            const d = 2 ** r;
            const x0 = Math.ceil(u0 / d);
            const y0 = Math.ceil(v0 / d);
            return [x0, y0, Math.ceil((u0 + w) / d) - x0, Math.ceil((v0 + h) / d) - y0];
          };
          for (let r = 0; r < levels; r++) {
            const [x0, y0, rw, rh] = dims(r);
            c.dwt53ForwardLevel(buf, stride, rw, rh, x0 & 1, y0 & 1, tmp);
          }
          // odd levels in place, even ones out of place into the other buffer and back
          new Int32Array(c.memory.buffer, other, data.length).set(new Int32Array(c.memory.buffer, buf, data.length));
          let cur = buf;
          let spare = other;
          for (let r = levels - 1; r >= 0; r--) {
            const [x0, y0, rw, rh] = dims(r);
            if (r % 2 === 1) c.dwt53InverseLevel(cur, stride, rw, rh, x0 & 1, y0 & 1, tmp);
            else {
              c.dwt53InverseLevelTo(cur, spare, stride, rw, rh, x0 & 1, y0 & 1, tmp);
              // the samples outside this level's region are the untouched rest of the image
              const a = new Int32Array(c.memory.buffer, cur, data.length);
              const b = new Int32Array(c.memory.buffer, spare, data.length);
              for (let y = 0; y < h; y++) for (let x = 0; x < stride; x++) if (y >= rh || x >= rw) b[y * stride + x] = a[y * stride + x]!;
              [cur, spare] = [spare, cur];
            }
          }
          return new Int32Array(c.memory.buffer, cur, data.length).slice();
        });
        expect(Array.from(back), `${w}x${h} origin (${u0},${v0}) ${levels} levels`).toEqual(Array.from(data));
      }
    });

    it("9/7 inverse and forward of one level match the f64 Annex F reference", () => {
      useFlavor(flavor);
      for (const cs of cases(0x9701, 4096)) {
        const inv = runLevel("97", "Inverse", cs);
        expectClose(inv, sr2d(cs.data, cs.w, cs.h, cs.u0, cs.v0, sr97), 1e-5, `inverse ${label(cs)}`);
        const fwd = runLevel("97", "Forward", cs);
        expectClose(fwd, sd2d(cs.data, cs.w, cs.h, cs.u0, cs.v0, sd97), 1e-5, `forward ${label(cs)}`);
        outputs[flavor]!.set(`97 ${label(cs)}`, inv.concat(fwd));
      }
    });

    it("9/7 forward then inverse over several levels is the identity within f32 precision", () => {
      useFlavor(flavor);
      const rng = new Prng(0x9702);
      for (let t = 0; t < 20; t++) {
        const w = rng.range(1, 200);
        const h = rng.range(1, 200);
        const u0 = rng.range(0, 9);
        const v0 = rng.range(0, 9);
        const levels = rng.range(1, 6);
        const data = new Float32Array(w * h);
        for (let i = 0; i < data.length; i++) data[i] = rng.range(-2048, 2047);
        const back = callCore((c0) => {
          const c = k(c0);
          const buf = c.alloc(data.length * 4);
          const tmp = c.alloc(c.dwtScratchBytes(Math.max(w, h)));
          new Float32Array(c.memory.buffer, buf, data.length).set(data);
          const dims = (r: number): [number, number, number, number] => {
            const d = 2 ** r;
            const x0 = Math.ceil(u0 / d);
            const y0 = Math.ceil(v0 / d);
            return [x0, y0, Math.ceil((u0 + w) / d) - x0, Math.ceil((v0 + h) / d) - y0];
          };
          for (let r = 0; r < levels; r++) {
            const [x0, y0, rw, rh] = dims(r);
            c.dwt97ForwardLevel(buf, w, rw, rh, x0 & 1, y0 & 1, tmp);
          }
          for (let r = levels - 1; r >= 0; r--) {
            const [x0, y0, rw, rh] = dims(r);
            c.dwt97InverseLevel(buf, w, rw, rh, x0 & 1, y0 & 1, tmp);
          }
          return Array.from(new Float32Array(c.memory.buffer, buf, data.length));
        });
        expectClose(back, Array.from(data), 2e-5, `${w}x${h} origin (${u0},${v0}) ${levels} levels`);
      }
    });

    it("a level with w or h equal to 0 is a no-op", () => {
      useFlavor(flavor);
      callCore((c0) => {
        const c = k(c0);
        const buf = c.alloc(64);
        const tmp = c.alloc(c.dwtScratchBytes(4));
        const v = new Int32Array(c.memory.buffer, buf, 16);
        for (let i = 0; i < 16; i++) v[i] = i * 7 - 50;
        const before = Array.from(v);
        for (const [w, h] of [[0, 4], [4, 0], [0, 0]] as const) {
          for (const f of [c.dwt53InverseLevel, c.dwt53ForwardLevel, c.dwt97InverseLevel, c.dwt97ForwardLevel]) {
            f(buf, 4, w, h, 1, 1, tmp);
            f(buf, 4, w, h, 0, 0, tmp);
          }
          c.dwt53InverseLevelTo(buf, buf + 32, 4, w, h, 1, 1, tmp);
        }
        expect(Array.from(new Int32Array(c.memory.buffer, buf, 16))).toEqual(before);
      });
    });
  });
}

describe("DWT scalar and SIMD builds", () => {
  it("give bit-identical outputs", () => {
    const s = outputs.scalar!;
    const v = outputs.simd!;
    expect(s.size).toBeGreaterThan(100);
    expect(v.size).toBe(s.size);
    for (const [key, a] of s) {
      const b = v.get(key);
      expect(b, key).toBeDefined();
      // compare bit patterns (f32 values round-trip exactly through numbers)
      expect(Object.is(a.length, b!.length)).toBe(true);
      for (let i = 0; i < a.length; i++) {
        if (!Object.is(a[i], b![i])) expect(`${key}[${i}] ${b![i]}`).toBe(`${key}[${i}] ${a[i]}`);
      }
    }
  });
});
