/**
 * The row-streamed forward levels (codec/transform/dwt97.ts dwt97ForwardLevel, dwt53.ts
 * dwt53ForwardLevel: one pass over the rows, stage rings, high rows held until their place in the
 * quadrant layout has been read) against the whole-level forms they replaced
 * (dwt97ForwardLevelWhole / dwt53ForwardLevelWhole: VER_SD over the level, then HOR_SD over every
 * row; ISO/IEC 15444-1 F.4.2, F.4.8.1 / F.4.8.2), bit for bit. Awkward sizes: every height
 * up to 40 and tall ones whose hold ring wraps, widths 1–9 and odd, both parities (B-15: origin
 * parity), row strides wider than the level (the samples right of and below the level must stay
 * untouched), several levels from odd origins (B-14 bounds), and the fallback when the hold buffer
 * does not fit under the memory limit.
 */
import { afterAll, describe, expect, it } from "vitest";
import { callCore, useFlavor, type CoreExports } from "../../src/wasm/load.js";
import { Prng } from "../helpers/prng.js";

type Level = (buf: number, stride: number, w: number, h: number, xOdd: number, yOdd: number, tmp: number) => void;
interface Kernels {
  dwtScratchBytes(maxDim: number): number;
  dwt97ForwardLevel: Level;
  dwt97ForwardLevelWhole: Level;
  dwt53ForwardLevel: Level;
  dwt53ForwardLevelWhole: Level;
  memoryUsed(): number;
}
const k = (c: CoreExports): Kernels & CoreExports => c as unknown as Kernels & CoreExports;

type Kernel = "97" | "53";

interface Case {
  kernel: Kernel;
  w: number;
  h: number;
  stride: number;
  rows: number;
  xo: number;
  yo: number;
  /** Sample bits: f32 for the 9/7, i32 for the 5/3. */
  data: Uint32Array;
}

function fill(kernel: Kernel, rng: Prng, n: number): Uint32Array {
  if (kernel === "97") {
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) f[i] = rng.range(-4096, 4095) + rng.int(4) * 0.25;
    return new Uint32Array(f.buffer);
  }
  const v = new Int32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.range(-65536, 65535);
  return new Uint32Array(v.buffer);
}

function makeCase(kernel: Kernel, rng: Prng, w: number, h: number, xo: number, yo: number, pad: number, below: number): Case {
  const stride = w + pad;
  const rows = h + below;
  return { kernel, w, h, stride, rows, xo, yo, data: fill(kernel, rng, stride * rows) };
}

function level(c: Kernels, kernel: Kernel, whole: boolean): Level {
  if (kernel === "97") return whole ? c.dwt97ForwardLevelWhole : c.dwt97ForwardLevel;
  return whole ? c.dwt53ForwardLevelWhole : c.dwt53ForwardLevel;
}

/** Bits of the buffer after `f` ran on the case (a fresh buffer each time; `limit`: memory limit). */
function run(cs: Case, whole: boolean, limit?: (used: number) => number): Uint32Array {
  return callCore((c0) => {
    const c = k(c0);
    const buf = c.alloc(cs.data.length * 4);
    const tmp = c.alloc(c.dwtScratchBytes(Math.max(cs.w, cs.h)));
    new Uint32Array(c.memory.buffer, buf, cs.data.length).set(cs.data);
    if (limit) c.setMemoryLimit(limit(c.memoryUsed()));
    level(c, cs.kernel, whole)(buf, cs.stride, cs.w, cs.h, cs.xo, cs.yo, tmp);
    return new Uint32Array(c.memory.buffer, buf, cs.data.length).slice();
  });
}

function expectSame(cs: Case, got: Uint32Array, want: Uint32Array, what: string): void {
  const label = `${cs.kernel} ${what} ${cs.w}x${cs.h} stride ${cs.stride} parity (${cs.xo},${cs.yo})`;
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      const r = Math.floor(i / cs.stride), x = i % cs.stride;
      expect(`${label}: row ${r} col ${x} ${got[i]}`).toBe(`${label}: row ${r} col ${x} ${want[i]}`);
    }
  }
  // the samples outside the level are the input's
  const input = cs.data;
  for (let r = 0; r < cs.rows; r++) {
    for (let x = 0; x < cs.stride; x++) {
      if (r < cs.h && x < cs.w) continue;
      const i = r * cs.stride + x;
      if (got[i] !== input[i]) expect(`${label}: outside at row ${r} col ${x} changed`).toBe("");
    }
  }
}

afterAll(() => useFlavor(null));

for (const flavor of ["scalar", "simd"] as const) {
  for (const kernel of ["97", "53"] as const) describe(`row-streamed forward ${kernel === "97" ? "9/7" : "5/3"} level (${flavor} build)`, () => {
    it("equals the whole-level form on every height up to 40, widths 1-9 and 37, both parities", () => {
      useFlavor(flavor);
      const rng = new Prng(0x57e1);
      let n = 0;
      for (let h = 1; h <= 40; h++) {
        for (const w of [1, 2, 3, 4, 5, 6, 7, 8, 9, 37]) {
          const xo = rng.int(2), yo = (h + w) & 1;
          const cs = makeCase(kernel, rng, w, h, xo, yo, rng.int(3), rng.int(2));
          expectSame(cs, run(cs, false), run(cs, true), "level");
          n++;
        }
      }
      expect(n).toBe(400);
    });

    it("equals the whole-level form on tall and wide levels (the hold ring wraps)", () => {
      useFlavor(flavor);
      const rng = new Prng(0x57e2);
      const sizes: Array<[number, number]> = [[3, 301], [5, 300], [64, 257], [131, 129], [257, 66], [1, 199], [2, 400], [17, 1000]];
      for (const [w, h] of sizes) {
        for (const yo of [0, 1]) {
          const cs = makeCase(kernel, rng, w, h, rng.int(2), yo, rng.int(5), 1);
          expectSame(cs, run(cs, false), run(cs, true), "level");
        }
      }
    });

    it("equals the whole-level form over several levels from odd origins (B-14 bounds)", () => {
      useFlavor(flavor);
      const rng = new Prng(0x57e3);
      for (let t = 0; t < 24; t++) {
        const w = rng.range(1, 160), h = rng.range(1, 160);
        const u0 = rng.range(0, 9), v0 = rng.range(0, 9);
        const levels = rng.range(1, 6);
        const data = fill(kernel, rng, w * h);
        const both = [false, true].map((whole) =>
          callCore((c0) => {
            const c = k(c0);
            const buf = c.alloc(data.length * 4);
            const tmp = c.alloc(c.dwtScratchBytes(Math.max(w, h)));
            new Uint32Array(c.memory.buffer, buf, data.length).set(data);
            for (let r = 0; r < levels; r++) {
              const d = 2 ** r;
              const x0 = Math.ceil(u0 / d), y0 = Math.ceil(v0 / d);
              const rw = Math.ceil((u0 + w) / d) - x0, rh = Math.ceil((v0 + h) / d) - y0;
              level(c, kernel, whole)(buf, w, rw, rh, x0 & 1, y0 & 1, tmp);
            }
            return new Uint32Array(c.memory.buffer, buf, data.length).slice();
          }),
        );
        expect(Array.from(both[0]!), `${w}x${h} origin (${u0},${v0}) ${levels} levels`).toEqual(Array.from(both[1]!));
      }
    });

    it("falls back to the whole-level form, with the same result, when the hold buffer does not fit", () => {
      useFlavor(flavor);
      const rng = new Prng(0x57e4);
      const cs = makeCase(kernel, rng, 300, 200, 1, 0, 3, 1);
      const want = run(cs, true);
      // the limit leaves 4 KiB: the hold buffer (about 50 rows of 1200 bytes) does not fit
      expectSame(cs, run(cs, false, (used) => used + 4096), want, "fallback");
      expectSame(cs, run(cs, false), want, "streamed");
    });
  });
}
