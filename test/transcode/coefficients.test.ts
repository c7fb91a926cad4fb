/**
 * Coefficient-level transcoding (codec/transcode.ts via transcodeBlockCoder, method "coefficients"):
 * the quantised coefficients of every code-block re-coded by the other block coder, no DWT. The output
 * must decode to exactly the input's samples — reversible AND irreversible input — with j2kit's
 * decoder and with independent decoders (opj_decompress, grk_decompress; ojph_expand for HT output,
 * which OpenJPH reads because it is one HT set per block in one layer):
 * - every Part 1 conformance stream (part4_j2k, kakadu_j2c) → HT → Part 1;
 * - every HTJ2K conformance stream → Part 1 → HT;
 * - lossy, rate-controlled, multi-layer j2kit streams (truncated code-blocks: the core re-codes them up
 *   to the same pass and checks each one), Part 1 and HT, with the vertically causal style and tall
 *   thin code-blocks;
 * - what it refuses: typed errors, nothing written.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decode, encode, isJ2kError, readHeader, transcodeBlockCoder } from "../../src/index.js";
import type { J2kImage } from "../../src/types.js";
import { interleaveImage, readPnm } from "../helpers/images.js";
import { BENCHCORPUS, TESTDATA, readTestdata } from "../helpers/paths.js";
import { nativeDecode } from "../helpers/peers.js";
import { has } from "../helpers/tools.js";
import { ojphExpand } from "../ht/helpers.js";

const OPJ = has("opj_decompress");
const GRK = has("grk_decompress");
const OJPH = has("ojph_expand");

function samePlanes(a: ArrayLike<number>[], b: ArrayLike<number>[]): boolean {
  if (a.length !== b.length) return false;
  for (let c = 0; c < a.length; c++) {
    const x = a[c]!, y = b[c]!;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

/** j2kit's decode, component planes at their own resolution. */
function own(bytes: Uint8Array): ArrayLike<number>[] {
  return decode(bytes, { layout: "components" }).componentData!;
}

/** A native tool's decode (PGX planes), or undefined when the tool refuses the stream. */
function native(bytes: Uint8Array, tool: "opj" | "grk"): Int32Array[] | undefined {
  try {
    return nativeDecode(bytes, { tool }).planes.map((p) => p.data);
  } catch {
    return undefined;
  }
}

/**
 * Output of j2kit's codestream writer that OpenJPEG 2.5 (and Grok) refuse; its HT stream is checked with
 * ojph_expand instead. Empty since the writer stopped writing tile-parts for tiles without samples
 * (b2_mono.j2c was here: image origin (1,160), 379x161 tiles, 5x3 sub-sampling).
 */
const OPJ_MAY_REFUSE_OUR_OUTPUT = new Set<string>([]);

/** Inputs above this size are left out (ds0_ht_07_b11 3.3 MB, ds0_ht_08_b11 2.4 MB): seconds, not minutes. */
const HUGE = 2_000_000;
/** Inputs above this size get the OpenJPEG check of the output only (not of the way back), and no Grok check: seconds, not minutes. */
const BIG = 1_000_000;

/**
 * Independent decoders agree on the input, the output and the way back (the same coefficients, so
 * every correct decoder gives the same samples). OpenJPEG reads all of them (Part 1, and HT with one
 * set per block) except OPJ_MAY_REFUSE_OUR_OUTPUT. Grok checks the Part 1 streams only (input and
 * way back of a Part 1 input): its HT decoder disagrees with OpenJPEG and j2kit on several HT streams
 * whose Part 1 twins all three decode alike (ds0_ht_05_b11, ds0_ht_08_b11, ds1_ht_03_b11 among the
 * conformance set, seen with grokj2k-tools on Debian 12), and refuses HT refinement passes (even the
 * conformance stream hifi_ht1_02). Returns the decoders that checked something.
 */
function crossCheck(name: string, input: Uint8Array, output: Uint8Array, back: Uint8Array): string[] {
  const ok: string[] = [];
  const big = input.length > BIG;
  const a = native(input, "opj");
  if (a !== undefined) {
    for (const [what, x] of (big ? [["output", output]] : [["output", output], ["way back", back]]) as Array<[string, Uint8Array]>) {
      const b = native(x, "opj");
      if (b === undefined && OPJ_MAY_REFUSE_OUR_OUTPUT.has(name)) continue;
      expect(b, `${name}: opj reads the input but not the ${what}`).toBeDefined();
      expect(samePlanes(a, b!), `${name}: opj decodes input and ${what} differently`).toBe(true);
    }
    ok.push("opj");
  }
  if (!big && readHeader(input).blockCoder === "part1" && !OPJ_MAY_REFUSE_OUR_OUTPUT.has(name)) {
    const g = native(input, "grk");
    if (g !== undefined) {
      const gb = native(back, "grk");
      expect(gb, `${name}: grk reads the input but not the way back`).toBeDefined();
      expect(samePlanes(g, gb!), `${name}: grk decodes the input and the way back differently`).toBe(true);
      ok.push("grk");
    }
  }
  return ok;
}

/** Allowed refusals of the coefficient path (the message names the reason). */
const REFUSALS = /tile-part header overrides|region of interest|257 components|mixed HT \/ Part 1/;

describe("conformance streams: Part 1 → HT → Part 1 and HT → Part 1 → HT at the coefficient level", () => {
  const sets = [
    { dir: "conformance/part4_j2k", pattern: /\.j2k$/, minDone: 11, minIrreversible: 5, tools: ["grk", "opj"] },
    { dir: "conformance/kakadu_j2c", pattern: /\.j2c$/, minDone: 11, minIrreversible: 0, tools: ["grk", "opj"] },
    { dir: "htj2k/conformance", pattern: /\.j2k$/, minDone: 18, minIrreversible: 9, tools: ["opj"] },
  ];
  for (const set of sets) {
    it.skipIf(!OPJ || !GRK)(`${set.dir}: j2kit, opj_decompress and grk_decompress decode the output as the input (needs opj_decompress, grk_decompress)`, async () => {
      const files = readdirSync(join(TESTDATA, set.dir)).filter((f) => set.pattern.test(f)).sort();
      const done: string[] = [];
      const refused: string[] = [];
      const leftOut: string[] = [];
      let irreversible = 0;
      const crossChecked = new Set<string>();
      for (const f of files) {
        const input = readTestdata(`${set.dir}/${f}`);
        if (input.length > HUGE) {
          leftOut.push(f);
          continue;
        }
        const h = readHeader(input);
        const to = h.blockCoder === "ht" ? "part1" : "ht";
        const back = to === "ht" ? "part1" : "ht";
        let r;
        try {
          r = await transcodeBlockCoder(input, { to, method: "coefficients" });
        } catch (e) {
          expect(isJ2kError(e, "UNSUPPORTED"), `${f}: ${String(e)}`).toBe(true);
          expect((e as Error).message, f).toMatch(REFUSALS);
          refused.push(f);
          continue;
        }
        expect(r.method, f).toBe("coefficients");
        const hOut = readHeader(r.data);
        expect(hOut.blockCoder, f).toBe(to);
        expect([hOut.width, hOut.height, hOut.levels, hOut.reversible, hOut.progression, hOut.tileWidth, hOut.tileHeight, hOut.codeBlockWidth, hOut.codeBlockHeight], f)
          .toEqual([h.width, h.height, h.levels, h.reversible, h.progression, h.tileWidth, h.tileHeight, h.codeBlockWidth, h.codeBlockHeight]);
        expect(hOut.layers, f).toBe(1);
        const want = own(input);
        expect(samePlanes(own(r.data), want), `${f}: j2kit decode of the output`).toBe(true);
        // the way back, except for the few inputs above BIG (their outputs are checked one way)
        const again = input.length > BIG ? r.data : (await transcodeBlockCoder(r.data, { to: back, method: "coefficients" })).data;
        if (again !== r.data) {
          expect(readHeader(again).blockCoder, f).toBe(back);
          expect(samePlanes(own(again), want), `${f}: j2kit decode after the way back`).toBe(true);
        }
        for (const t of crossCheck(f, input, r.data, again)) crossChecked.add(t);
        if (OJPH && OPJ_MAY_REFUSE_OUR_OUTPUT.has(f) && native(r.data, "opj") === undefined) {
          const sizes = h.componentInfo.map((c) => ({ width: c.width, height: c.height }));
          const ht = to === "ht" ? r.data : again;
          expect(samePlanes(ojphExpand(ht, "yuv", sizes).map((p) => p.data), want), `${f}: ojph_expand of the HT stream`).toBe(true);
        }
        if (!h.reversible) irreversible++;
        done.push(f);
      }
      const summary = `transcoded: ${done.join(", ")}; refused: ${refused.join(", ")}; left out (size): ${leftOut.join(", ")}`;
      expect(done.length, summary).toBeGreaterThanOrEqual(set.minDone);
      expect(irreversible, summary).toBeGreaterThanOrEqual(set.minIrreversible);
      expect([...crossChecked].sort(), summary).toEqual(set.tools);
    });
  }

  it.skipIf(!OJPH)("HT output reads in OpenJPH: ojph_expand decodes it as the input's HT original (needs ojph_expand)", async () => {
    // single-component 8-bit HT streams OpenJPH reads: Part 1 → back to HT must match ojph_expand of the original
    const names = readdirSync(join(TESTDATA, "htj2k/conformance")).filter((f) => f.endsWith(".j2k")).sort();
    let checked = 0;
    for (const f of names) {
      const input = readTestdata(`htj2k/conformance/${f}`);
      const h = readHeader(input);
      const sizes = h.componentInfo.map((c) => ({ width: c.width, height: c.height }));
      if (h.blockCoder !== "ht" || h.bitDepth > 8) continue; // ojph_expand's .yuv output is 8-bit here
      let want;
      try {
        want = ojphExpand(input, "yuv", sizes).map((p) => p.data);
      } catch {
        continue; // OpenJPH refuses the original (e.g. more than one layer)
      }
      let p1;
      try {
        p1 = await transcodeBlockCoder(input, { to: "part1", method: "coefficients" });
      } catch {
        continue; // refused (tile-part overrides, ROI): the conformance test above lists those
      }
      const ht = await transcodeBlockCoder(p1.data, { to: "ht", method: "coefficients" });
      expect(samePlanes(ojphExpand(ht.data, "yuv", sizes).map((p) => p.data), want), f).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});

const kodim03 = (): J2kImage => interleaveImage(readPnm(new Uint8Array(readFileSync(join(BENCHCORPUS, "kodim03.ppm"))))) as J2kImage;

describe("lossy, rate-controlled input: truncated code-blocks re-coded up to the same pass", () => {
  const variants: Array<{ name: string; options: Parameters<typeof encode>[1] }> = [
    { name: "9/7, 3 layers", options: { ratios: [80, 30, 12] } },
    { name: "9/7, vcausal, 8x64 code-blocks, 2 layers", options: { ratios: [40, 10], codeBlockStyle: ["vcausal"], codeBlock: [8, 64] } },
    { name: "9/7, 2 layers, RPCL, 64x64 precincts, tiles", options: { ratios: [30, 8], progression: "RPCL", precincts: [[64, 64]], tile: { width: 256, height: 256 } } },
  ];
  const img = kodim03();
  for (const v of variants) {
    for (const ht of [false, true]) {
      it.skipIf(!OPJ || !GRK)(`${ht ? "HT" : "Part 1"} ${v.name}: pixel-identical with j2kit and opj_decompress (grk_decompress for Part 1 input) (needs both)`, async () => {
        const input = encode(img, { ...v.options, ht });
        const to = ht ? "part1" : "ht";
        const r = await transcodeBlockCoder(input, { to, method: "coefficients" });
        expect(r.blocks!.truncated, "the rate control truncated blocks").toBeGreaterThan(0);
        expect(r.blocks!.checked).toBeGreaterThanOrEqual(r.blocks!.truncated);
        expect(r.warnings.join("\n")).toMatch(/quality layers; the output has one layer/);
        expect(samePlanes(own(r.data), own(input))).toBe(true);
        const back = await transcodeBlockCoder(r.data, { to: ht ? "ht" : "part1", method: "coefficients" });
        expect(samePlanes(own(back.data), own(input))).toBe(true);
        // j2kit's multi-layer HT input (several HT sets per block) is read by neither OpenJPEG nor
        // Grok: then the output and the way back (one set per block) are what OpenJPEG compares
        const checked = ht ? crossCheck(v.name, r.data, back.data, r.data) : crossCheck(v.name, input, r.data, back.data);
        expect(checked).toContain("opj");
        if (!ht) expect(checked).toContain("grk");
        if (OJPH) {
          // OpenJPH reads the single-set HT stream; its 9/7 synthesis may round differently from
          // OpenJPEG's: the HT stream read again after a round trip through Part 1 must decode alike
          const htStream = ht ? back.data : r.data;
          const p1 = await transcodeBlockCoder(htStream, { to: "part1", method: "coefficients" });
          const htAgain = await transcodeBlockCoder(p1.data, { to: "ht", method: "coefficients" });
          expect(Buffer.from(htAgain.data).equals(Buffer.from(htStream)), "HT → Part 1 → HT gives the same HT codestream").toBe(true);
          const planes = ojphExpand(htStream, "ppm", [{ width: img.width, height: img.height }]);
          expect(planes.length).toBe(3);
        }
      });
    }
  }

  it("the verify option decodes both and agrees; a truncated codestream is a typed error, not a transcode", async () => {
    const input = encode(img, { ratios: [20] });
    const r = await transcodeBlockCoder(input, { to: "ht", verify: true });
    expect([r.method, r.verified]).toEqual(["coefficients", true]);
    const cut = input.subarray(0, Math.floor(input.length * 0.6));
    const e = await transcodeBlockCoder(cut, { to: "ht" }).catch((x: unknown) => x);
    expect(isJ2kError(e), String(e)).toBe(true);
    expect((e as { code: string }).code).not.toBe("INTERNAL");
  });
});

describe("refusals and fallbacks", () => {
  it("irreversible input the coefficient path refuses is UNSUPPORTED with the reason; reversible input falls back to decode + re-encode with a warning", async () => {
    // ds1_ht_04_b9: 9/7 with tile-part COD/QCD overrides
    const irr = readTestdata("htj2k/conformance/ds1_ht_04_b9.j2k");
    const e = await transcodeBlockCoder(irr, { to: "part1" }).catch((x: unknown) => x);
    expect(isJ2kError(e, "UNSUPPORTED")).toBe(true);
    expect((e as Error).message).toMatch(/tile-part header overrides .*irreversibly \(9\/7\) coded/);
    // p0_03: reversible with tile-part overrides
    const rev = readTestdata("conformance/part4_j2k/p0_03.j2k");
    const r = await transcodeBlockCoder(rev, { to: "ht" });
    expect(r.method).toBe("reencode");
    expect(r.verified).toBe(true);
    expect(r.warnings[0]).toMatch(/^coefficient-level transcoding is not possible \(a tile-part header overrides/);
    expect(samePlanes(own(r.data), own(rev))).toBe(true);
    const strict = await transcodeBlockCoder(rev, { to: "ht", method: "coefficients" }).catch((x: unknown) => x);
    expect(isJ2kError(strict, "UNSUPPORTED")).toBe(true);
    const lossyReencode = await transcodeBlockCoder(encode(kodim03(), { ratios: [20] }), { to: "ht", method: "reencode" }).catch((x: unknown) => x);
    expect(isJ2kError(lossyReencode, "UNSUPPORTED")).toBe(true);
    const bad = await transcodeBlockCoder(rev, { to: "ht", method: "fast" as "auto" }).catch((x: unknown) => x);
    expect(isJ2kError(bad, "INVALID_ARGUMENT")).toBe(true);
  });

  it("an input already in the target block coder comes back unchanged", async () => {
    const input = readTestdata("conformance/part4_j2k/p0_01.j2k");
    const r = await transcodeBlockCoder(input, { to: "part1" });
    expect(r.method).toBe("unchanged");
    expect(Buffer.from(r.data).equals(Buffer.from(input))).toBe(true);
    expect(r.warnings).toEqual(["the input is already Part 1 coded; it is returned unchanged"]);
  });
});
