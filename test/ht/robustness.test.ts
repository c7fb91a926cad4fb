/**
 * HT decoder on hostile input (ISO/IEC 15444-15 streams mutated):
 * - the HT block decoder alone on random segments (random Scup, MEL/VLC running past their ends,
 *   U_q beyond the precision, random refinement segments, many HT sets): only a typed
 *   CODEBLOCK_CORRUPT or a result, never a trap, never a write outside the w x h output, both builds
 *   alike;
 * - whole HT codestreams mutated structurally (test/helpers/mutations.ts) and inside their packet
 *   data (the code-block segments: Scup, MEL, VLC, MagSgn, SigProp, MagRef bytes): a J2kError (not
 *   INTERNAL) or a valid image, in bounded time.
 * Reproduce with J2K_FUZZ_SEED=<seed> (printed) and J2K_FUZZ_CASES=<n>.
 */
import { describe, expect, test } from "vitest";
import { isJ2kError } from "../../src/index.js";
import type { CoreExports } from "../../src/core_interface.js";
import type { DecodeOptions } from "../../src/types.js";
import { callCore, useFlavor } from "../../src/wasm/load.js";
import { decodeHostile, type HostileOutcome } from "../helpers/hostile.js";
import { mutate, regionsOf } from "../helpers/mutations.js";
import { readTestdata } from "../helpers/paths.js";
import { Prng } from "../helpers/prng.js";

const SEED = process.env.J2K_FUZZ_SEED ? Number(process.env.J2K_FUZZ_SEED) >>> 0 : 0x48544a32;
const CASES = process.env.J2K_FUZZ_CASES ? Number(process.env.J2K_FUZZ_CASES) : 300;
const LIMITS: DecodeOptions["limits"] = { maxPixels: 2 ** 24, maxMemory: 256 * 2 ** 20 };
console.log(`[ht fuzz] seed ${SEED} (J2K_FUZZ_SEED), ${CASES} cases per seed file (J2K_FUZZ_CASES)`);

interface BlockResult {
  error?: string;
  out?: Int32Array;
  paddingKept: boolean;
}

/** Decode one HT block through the dispatch with a guard band around the output. */
function decodeBlock(c: CoreExports, data: Uint8Array, lens: number[], passes: number[], w: number, h: number, numBps: number, style: number): BlockResult {
  const stride = w + 3;
  const dp = c.alloc(data.length + 8);
  new Uint8Array(c.memory.buffer).set(data, dp);
  const lp = c.alloc(4 * Math.max(1, lens.length)), np = c.alloc(4 * Math.max(1, lens.length));
  new Uint32Array(c.memory.buffer, lp, lens.length).set(lens);
  new Uint32Array(c.memory.buffer, np, passes.length).set(passes);
  const guard = 64;
  const op = c.alloc(4 * (stride * h + 2 * guard));
  new Int32Array(c.memory.buffer, op, stride * h + 2 * guard).fill(0x5a5a5a5a);
  const out0 = op + 4 * guard;
  let error: string | undefined;
  try {
    c.decodeCodeBlock(dp, lp, np, lens.length, w, h, 0, numBps, style, out0, stride);
  } catch (e) {
    if (!isJ2kError(e)) throw e;
    error = e.code;
  }
  const all = new Int32Array(c.memory.buffer, op, stride * h + 2 * guard);
  let paddingKept = true;
  for (let i = 0; i < guard; i++) if (all[i] !== 0x5a5a5a5a || all[guard + stride * h + i] !== 0x5a5a5a5a) paddingKept = false;
  const out = new Int32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < stride; x++) {
      const v = all[guard + y * stride + x]!;
      if (x < w) out[y * w + x] = v;
      else if (v !== 0x5a5a5a5a) paddingKept = false;
    }
  }
  return error ? { error, paddingKept } : { out, paddingKept };
}

/** A random HT cleanup segment of `lcup` bytes whose last 12 bits give a plausible Scup. */
function randomCleanup(rng: Prng, lcup: number): Uint8Array {
  const b = new Uint8Array(lcup);
  for (let i = 0; i < lcup; i++) b[i] = rng.int(256);
  if (lcup >= 2 && rng.chance(0.8)) {
    const scup = 2 + rng.int(Math.min(lcup, 4079) - 1);
    b[lcup - 1] = scup >> 4;
    b[lcup - 2] = (b[lcup - 2]! & 0xf0) | (scup & 15);
  }
  return b;
}

describe("HT block decoder on random segments", () => {
  const SIZES: Array<[number, number]> = [[64, 64], [1024, 4], [4, 1024], [1, 1], [3, 5], [33, 17], [2, 2048 / 2]];
  test("typed error or a result inside the block; scalar and SIMD builds agree", () => {
    const rng = new Prng(SEED);
    const codes = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const [w, h] = SIZES[i % SIZES.length]!;
      const lcup = rng.chance(0.1) ? rng.int(3) : 2 + rng.int(600);
      const cup = randomCleanup(rng, lcup);
      const sets = rng.int(3);
      const lens: number[] = [];
      const passes: number[] = [];
      const parts: Uint8Array[] = [];
      for (let s = 0; s < sets; s++) {
        lens.push(0, 0);
        passes.push(0, 0);
      }
      lens.push(lcup);
      passes.push(1);
      parts.push(cup);
      if (rng.chance(0.6)) {
        const lref = rng.int(200);
        const ref = new Uint8Array(lref).map(() => rng.int(256));
        lens.push(lref);
        passes.push(1 + rng.int(2));
        parts.push(ref);
      }
      const data = new Uint8Array(lens.reduce((a, b) => a + b, 0));
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.length;
      }
      const numBps = 1 + rng.int(30);
      const style = 0x40 | (rng.chance(0.3) ? 0x08 : 0);
      const results = (["scalar", "simd"] as const).map((flavor) => {
        useFlavor(flavor);
        return callCore((c) => decodeBlock(c, data, lens, passes, w, h, numBps, style));
      });
      useFlavor(null);
      const context = `case ${i} (seed ${SEED}): ${w}x${h}, Lcup ${lcup}, ${lens.length} segments, numBps ${numBps}`;
      for (const r of results) {
        expect(r.paddingKept, `${context}: wrote outside the block`).toBe(true);
        if (r.error) expect(r.error, context).toBe("CODEBLOCK_CORRUPT");
      }
      expect(results[1]!.error, context).toBe(results[0]!.error);
      if (results[0]!.out) expect(Buffer.from(results[1]!.out!.buffer).equals(Buffer.from(results[0]!.out.buffer)), `${context}: builds differ`).toBe(true);
      const k = results[0]!.error ?? "decoded";
      codes.set(k, (codes.get(k) ?? 0) + 1);
    }
    // both outcomes must occur, or the cases test nothing
    expect(codes.get("decoded") ?? 0).toBeGreaterThan(50);
    expect(codes.get("CODEBLOCK_CORRUPT") ?? 0).toBeGreaterThan(10);
  });
});

/** HT seed streams: between them HT, mixed, multi-layer, placeholder passes, RGN, POC, PPT/PPM, VSC, tiles, sub-sampling. */
const SEEDS = [
  "htj2k/conformance/ds0_ht_02_b11.j2k", // 9/7, LRCP, 6 layers, SOP, COC/QCC
  "htj2k/conformance/ds0_hm_15_b8.j2k", // mixed HT/Part 1 blocks, 4 tiles, POC, CRG, RGN, SOP
  "htj2k/conformance/ds0_ht_12_b11.j2k", // 3x5
  "htj2k/conformance/ds1_ht_07_b11.j2k", // sub-sampled components
  "htj2k/conformance/ds0_ht_10_b11.j2k", // 4 tiles, 2 layers, RCT
  "htj2k/byte_causal.jhc", // vertically causal HT
  "htj2k/simple_enc_rev53_tall_narrow1.j2c", // image origin, 2 tiles, MCT
];

function check(out: HostileOutcome, context: string): void {
  expect(out.kind, `${context}: ${out.detail}`).not.toBe("violation");
  expect(out.ms, `${context}: decode took ${out.ms.toFixed(0)} ms of CPU`).toBeLessThan(5000);
}

/** Offset of the first SOD marker (start of the packet data) of a raw codestream. */
function firstSod(b: Uint8Array): number {
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0x93) return i + 2;
  return b.length;
}

describe("mutated HT codestreams", () => {
  for (const [index, file] of SEEDS.entries()) {
    test(`${file}: ${CASES} structural and ${CASES} packet-data mutations`, () => {
      const src = readTestdata(file);
      const control = decodeHostile(src, { limits: LIMITS });
      expect(control, `unmutated ${file}`).toMatchObject({ kind: "image" });
      const regions = regionsOf(src);
      const rng = new Prng((SEED + index * 0x9e3779b9) >>> 0);
      const sod = firstSod(src);
      const outcomes = new Map<string, number>();
      for (let i = 0; i < CASES; i++) {
        const m = mutate(src, regions, rng);
        const options: DecodeOptions = { limits: LIMITS, allowPartial: rng.chance(0.3) };
        check(decodeHostile(m.bytes, options), `seed ${SEED} ${file} structural case ${i}: ${m.what}`);
      }
      for (let i = 0; i < CASES; i++) {
        // change 1-8 bytes of the packet data (headers and code-block segments alike)
        const b = src.slice();
        const n = 1 + rng.int(8);
        const what: string[] = [];
        for (let k = 0; k < n && sod < b.length; k++) {
          const at = sod + rng.int(b.length - sod);
          const v = rng.chance(0.3) ? 0xff : rng.int(256);
          what.push(`${at}=${v}`);
          b[at] = v;
        }
        const options: DecodeOptions = { limits: LIMITS, allowPartial: rng.chance(0.3) };
        const out = decodeHostile(b, options);
        outcomes.set(out.kind === "error" ? out.detail : out.kind, (outcomes.get(out.kind === "error" ? out.detail : out.kind) ?? 0) + 1);
        check(out, `seed ${SEED} ${file} data case ${i}: ${what.join(" ")}`);
      }
      expect(outcomes.get("image") ?? 0, "some data mutants still decode").toBeGreaterThan(0);
    });
  }
});
