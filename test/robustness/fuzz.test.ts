/**
 * Mutation fuzzing of decode(): valid codestreams and JP2 files from ../shared/testdata are
 * mutated (bit flips, byte sets, truncations, length-field changes, marker-segment removal and
 * duplication, header-field extremes, random insertions, splices) and decoded. Only a J2kError
 * (never INTERNAL, i.e. never a trap) or a structurally valid image may come out, each call under
 * 5 s (a bound), RSS growth under 1 GiB. Plus: empty input, random bytes, truncation at every
 * 1/16 of real files.
 *
 * Reproduce: the PRNG seed is printed; run with J2K_FUZZ_SEED=<seed> (and J2K_FUZZ_CASES=<n> for
 * the number of mutations per seed file; default 500, a quick in-process pass — the structure-aware,
 * process-isolated fuzzer is scripts/fuzz.mjs, run in CI by replay.test.ts and for hours by hand).
 * Every failure message names the seed, the case number and the mutation.
 */
import { afterAll, describe, expect, test } from "vitest";
import type { DecodeOptions } from "../../src/types.js";
import { decodeHostile, GIB, rss, type HostileOutcome } from "../helpers/hostile.js";
import { mutate, regionsOf } from "../helpers/mutations.js";
import { readTestdata } from "../helpers/paths.js";
import { Prng } from "../helpers/prng.js";

const SEED = process.env.J2K_FUZZ_SEED ? Number(process.env.J2K_FUZZ_SEED) >>> 0 : 0x6a326b21;
const CASES = process.env.J2K_FUZZ_CASES ? Number(process.env.J2K_FUZZ_CASES) : 500;
const BOUND_MS = 5000;
const LIMITS: DecodeOptions["limits"] = { maxPixels: 2 ** 24, maxMemory: 256 * 2 ** 20 };
console.log(`[fuzz] seed ${SEED} (J2K_FUZZ_SEED), ${CASES} cases per seed file (J2K_FUZZ_CASES)`);

/** Seed files: small, valid, and between them most codestream and box features. */
const SEEDS: Array<{ file: string; weight: number }> = [
  { file: "conformance/part4_j2k/p0_01.j2k", weight: 1 }, // 5/3, RLCP
  { file: "conformance/part4_j2k/p0_03.j2k", weight: 1 }, // tiles, POC, RGN, TLM, CRG, signed 4-bit
  { file: "conformance/part4_j2k/p0_09.j2k", weight: 1 }, // 9/7
  { file: "conformance/part4_j2k/p0_12.j2k", weight: 1 }, // 3x5, TERMALL, SOP
  { file: "conformance/part4_j2k/p0_14.j2k", weight: 1 }, // RCT
  { file: "conformance/part4_j2k/p1_06.j2k", weight: 1 }, // 16 tiles, PPT, VSC/SEGSYM
  { file: "conformance/part4_j2k/p0_02.j2k", weight: 1 }, // sub-sampled, COC, TERMALL+PTERM+SEGSYM, SOP/EPH
  { file: "edge_cases/openjpeg/issue818.jp2", weight: 1 }, // JP2 with cdef
  { file: "edge_cases/openjpeg/basn6a08.jp2", weight: 1 }, // JP2 RGBA
  { file: "edge_cases/openjpeg/tnsot_zero_missing_eoc.jp2", weight: 1 }, // JP2 with uuid/asoc/xml, no EOC
  { file: "edge_cases/openjpeg/issue104_jpxstream.jp2", weight: 0.5 }, // palette, tile-parts
  { file: "conformance/part4_j2k/p0_10.j2k", weight: 0.5 }, // 4x4 sub-sampling, 9 tile-parts, RCT
  { file: "conformance/part4_j2k/p1_01.j2k", weight: 0.5 }, // image/tile origin, sub-sampling
  { file: "conformance/kakadu_j2c/f2_mono.j2c", weight: 0.25 }, // 9 tiles, tile-header COD, SOP/EPH
  { file: "conformance/kakadu_j2c/g1_colr.j2c", weight: 0.25 }, // PPM, precincts
  { file: "conformance/kakadu_j2c/b3_mono.j2c", weight: 0.25 }, // image + tile origin, precincts
  { file: "conformance/part4_jp2/file8.jp2", weight: 0.1 }, // ICC, XML after the codestream
  { file: "conformance/part4_j2k/p1_02.j2k", weight: 0.03 }, // 9/7, 19 layers, PPT, RESET+VSC
];

const baseline = rss();
let peakRss = baseline;
const stats = new Map<string, number>();
let total = 0;

function check(out: HostileOutcome, context: string): void {
  total++;
  stats.set(out.kind === "error" ? out.detail : out.kind, (stats.get(out.kind === "error" ? out.detail : out.kind) ?? 0) + 1);
  if (total % 64 === 0) peakRss = Math.max(peakRss, rss());
  expect(out.kind, `${context}: ${out.detail}`).not.toBe("violation");
  expect(out.ms, `${context}: decode took ${out.ms.toFixed(0)} ms of CPU`).toBeLessThan(BOUND_MS);
}

describe("mutated valid files", () => {
  for (const [index, s] of SEEDS.entries()) {
    const cases = Math.max(1, Math.round(CASES * s.weight));
    test(`${s.file}: ${cases} mutations`, () => {
      const src = readTestdata(s.file);
      // Control: the unmutated file decodes, so the mutants test something.
      const control = decodeHostile(src, { limits: LIMITS });
      expect(control, `unmutated ${s.file}: ${control.detail}`).toMatchObject({ kind: "image" });
      const regions = regionsOf(src);
      expect(regions.length).toBeGreaterThan(2);
      const rng = new Prng((SEED + index * 0x9e3779b9) >>> 0);
      for (let i = 0; i < cases; i++) {
        const m = mutate(src, regions, rng);
        const options: DecodeOptions = { limits: LIMITS, allowPartial: rng.chance(0.3) };
        check(decodeHostile(m.bytes, options), `seed ${SEED} file ${s.file} case ${i}: ${m.what}${options.allowPartial ? " (allowPartial)" : ""}`);
      }
      expect(rss() - baseline, "RSS growth").toBeLessThan(GIB);
    });
  }
});

/** The decode path works on a valid file: otherwise "only errors came out" below would mean nothing. */
function expectControl(): void {
  const out = decodeHostile(readTestdata("conformance/part4_j2k/p0_01.j2k"));
  expect(out, `control decode of p0_01.j2k: ${out.detail}`).toMatchObject({ kind: "image" });
}

describe("degenerate inputs", () => {
  test("empty input", () => {
    const out = decodeHostile(new Uint8Array(0));
    expect(out.kind, out.detail).toBe("error");
  });

  test("random bytes, also behind a valid SOC+SIZ or JP2 signature", () => {
    expectControl();
    const rng = new Prng(SEED ^ 0x5a5a5a5a);
    const prefixes = [
      new Uint8Array(0),
      new Uint8Array([0xff, 0x4f, 0xff, 0x51]),
      new Uint8Array([0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]),
    ];
    for (let i = 0; i < 600; i++) {
      const prefix = prefixes[i % 3]!;
      const n = rng.range(0, i < 500 ? 512 : 8192);
      const bytes = new Uint8Array(prefix.length + n);
      bytes.set(prefix);
      for (let k = prefix.length; k < bytes.length; k++) bytes[k] = rng.int(256);
      const out = decodeHostile(bytes, { limits: LIMITS });
      check(out, `seed ${SEED} random case ${i} (${bytes.length} bytes)`);
      // Random bytes are not an image (a valid image from noise would mean nothing was checked).
      expect(out.kind, `random case ${i}`).toBe("error");
    }
  });

  const realFiles = [
    "conformance/part4_j2k/p0_01.j2k",
    "conformance/part4_j2k/p0_04.j2k",
    "conformance/part4_j2k/p1_06.j2k",
    "conformance/part4_jp2/file1.jp2",
    "medical_raw/CT1.j2k",
    "edge_cases/openjpeg/issue104_jpxstream.jp2",
  ];
  test.each(realFiles)("%s truncated at every 1/16 (with and without allowPartial)", (file) => {
    const src = readTestdata(file);
    const whole = decodeHostile(src);
    expect(whole, `${file} uncut: ${whole.detail}`).toMatchObject({ kind: "image" });
    for (let k = 0; k < 16; k++) {
      const cut = Math.floor((src.length * k) / 16);
      for (const allowPartial of [false, true]) {
        const out = decodeHostile(src.subarray(0, cut), { allowPartial });
        check(out, `${file} cut at ${k}/16 = ${cut} bytes${allowPartial ? " (allowPartial)" : ""}`);
        // Without allowPartial a truncated file is an error (issue 3: "a clear error otherwise"),
        // except that the cut may fall after the last packet (nothing is missing then).
        if (!allowPartial && k < 8) expect(out.kind, `${file} cut at ${k}/16 without allowPartial`).toBe("error");
      }
    }
  });
});

afterAll(() => {
  const rows = [...stats.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
  console.log(`[fuzz] seed ${SEED}: ${total} cases; outcomes: ${rows.join(", ")}; RSS growth peak ${((peakRss - baseline) / 2 ** 20).toFixed(0)} MiB`);
});
