/**
 * Strip decoding (codec/strip_decoder.ts, src/strip/): strips equal decode() sample for sample on
 * the conformance and real-world files (tiles, sub-sampling, palettes, channel definitions, reduce,
 * regions, layers), every code-block is decoded once whatever the strip height, decode() of large
 * images goes through strips, and a budget too small says what it needed.
 */
import { readdirSync } from "node:fs";
import { describe, expect, test, afterEach } from "vitest";
import { decode, encode, J2kError } from "../../src/index.js";
import { locateCodestream } from "../../src/decode.js";
import { StripDecoder } from "../../src/strip/strip_decoder.js";
import { setStripDecodeThreshold } from "../../src/strip/assemble.js";
import type { DecodeOptions, SampleArray } from "../../src/types.js";
import { readTestdata, testdataPath } from "../helpers/paths.js";

const DIRS = ["conformance/part4_j2k", "conformance/part4_jp2", "conformance/kakadu_j2c", "conformance/richter_jp2", "realworld", "icc"];
const FILES = DIRS.flatMap((d) => readdirSync(testdataPath(d)).filter((f) => /\.(j2k|j2c|jp2)$/.test(f)).map((f) => `${d}/${f}`));

/** All strips of `bytes` joined into one array, with the strip decoder's stats. */
function viaStrips(bytes: Uint8Array, options: DecodeOptions & { stripRows?: number; maxMemory?: number }) {
  const loc = locateCodestream(bytes);
  const dec = StripDecoder.openSync(loc.codestream, {
    ...options,
    ...(loc.jp2 ? { jp2: loc.jp2 } : {}),
    ...(options.maxMemory ? { limits: { maxMemory: options.maxMemory } } : {}),
  });
  const { width, components } = dec.info;
  const parts: SampleArray[] = [];
  let y = 0;
  for (const s of dec.strips()) {
    expect(s.y, "strips come top to bottom without gaps").toBe(y);
    expect(s.data.length).toBe(s.rows * width * components);
    parts.push(s.data);
    y += s.rows;
  }
  const out = new (parts[0]!.constructor as new (n: number) => SampleArray)(y * width * components);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { info: dec.info, data: out, rows: y, stats: dec.stats() };
}

function expectSame(a: SampleArray, b: SampleArray, what: string): void {
  expect(a.constructor, what).toBe(b.constructor);
  expect(a.length, what).toBe(b.length);
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      first = i;
      break;
    }
  }
  expect(first, `${what}: first differing sample`).toBe(-1);
}

describe("strips equal decode() sample for sample", () => {
  test.each(FILES)("%s: default strips and 16-row strips (reduce 0), default strips at reduce 1", (file) => {
    const bytes = readTestdata(file);
    for (const reduce of [0, 1]) {
      const ref = decode(bytes, { reduce });
      for (const stripRows of reduce === 0 ? [undefined, 16] : [undefined]) {
        const got = viaStrips(bytes, { reduce, ...(stripRows ? { stripRows } : {}) });
        expect([got.info.width, got.rows, got.info.components]).toEqual([ref.width, ref.height, ref.components]);
        expect([got.info.bitDepth, got.info.signed]).toEqual([ref.bitDepth, ref.signed]);
        expectSame(got.data, ref.data, `${file} reduce ${reduce} rows ${stripRows ?? "auto"}`);
      }
    }
  });

  test("regions, layers and component subsets (tiled and sub-sampled files, 1- and 5-row strips)", () => {
    const cases: Array<[string, DecodeOptions]> = [
      ["conformance/kakadu_j2c/b2_mono.j2c", { region: { x: 301, y: 17, width: 700, height: 250 } }],
      ["conformance/kakadu_j2c/e2_colr.j2c", { region: { x: 3, y: 100, width: 500, height: 333 }, layers: 2 }],
      ["conformance/part4_j2k/p0_03.j2k", { layers: 1 }],
      ["conformance/part4_j2k/p1_03.j2k", { components: [2, 0] }],
      ["conformance/kakadu_j2c/g3_colr.j2c", { reduce: 2, region: { x: 10, y: 10, width: 200, height: 150 } }],
    ];
    for (const [file, o] of cases) {
      const bytes = readTestdata(file);
      const ref = decode(bytes, o);
      for (const stripRows of [1, 5]) {
        const got = viaStrips(bytes, { ...o, stripRows });
        expect([got.info.width, got.rows]).toEqual([ref.width, ref.height]);
        expectSame(got.data, ref.data, `${file} ${JSON.stringify(o)} rows ${stripRows}`);
      }
    }
  });
});

describe("nothing is decoded twice", () => {
  test("every code-block is decoded once whatever the strip height (one tile, 5 levels, 9/7 and 5/3)", () => {
    const w = 300, h = 700;
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    for (const o of [{ lossless: true }, { quality: 70 }]) {
      const bytes = encode({ width: w, height: h, components: 3, bitDepth: 8, signed: false, data }, { ...o, codeBlock: [32, 32] });
      const ref = decode(bytes);
      const counts = [h, 128, 17, 4, 1].map((stripRows) => {
        const got = viaStrips(bytes, { stripRows });
        expectSame(got.data, ref.data, `rows ${stripRows}`);
        if (stripRows < h) expect(got.stats.strips).toBe(Math.ceil(h / stripRows));
        return got.stats.blocksDecoded;
      });
      expect(counts[0]).toBeGreaterThan(0);
      expect(new Set(counts).size, `blocks decoded per strip height ${counts.join(", ")}`).toBe(1);
    }
  });
});

describe("decode() of large images goes through strips", () => {
  afterEach(() => setStripDecodeThreshold(64 * 2 ** 20));

  test("the strip path and the one-piece path give the same image for every layout it serves", () => {
    for (const file of ["conformance/kakadu_j2c/e2_colr.j2c", "conformance/part4_jp2/file8.jp2", "realworld/erdas-sandiego3i_5.5.jp2", "conformance/part4_j2k/p0_12.j2k"]) {
      const bytes = readTestdata(file);
      for (const layout of ["interleaved", "planar"] as const) {
        setStripDecodeThreshold(Infinity);
        const one = decode(bytes, { layout });
        setStripDecodeThreshold(0);
        const strips = decode(bytes, { layout });
        expect([strips.width, strips.height, strips.components, strips.layout]).toEqual([one.width, one.height, one.components, one.layout]);
        expect(strips.componentInfo).toEqual(one.componentInfo);
        expect(strips.colorSpace).toEqual(one.colorSpace);
        expectSame(strips.data, one.data, `${file} ${layout}`);
      }
    }
  });

  test("a budget too small for the shortest strips is a LIMIT_MEMORY that says what was asked, what is in use and the limit", () => {
    const w = 2000, h = 64;
    const bytes = encode({ width: w, height: h, components: 3, bitDepth: 8, signed: false, data: new Uint8Array(w * h * 3).fill(77) }, { lossless: true });
    let err: unknown;
    try {
      viaStrips(bytes, { maxMemory: 2 * 2 ** 20 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(J2kError);
    const m = (err as J2kError).message;
    expect((err as J2kError).code).toBe("LIMIT_MEMORY");
    const need = /needs ([\d.]+) (KiB|MiB) more with ([\d.]+) (KiB|MiB) already in use, even with strips of 8 rows .*--max-memory, now 2 MiB\)/.exec(m);
    expect(need, m).not.toBeNull();
    expect(Number(need![1]), "a request is never 0").toBeGreaterThan(0);
    expect(m).toMatch(/strips of 8 rows/);
    expect(m).toMatch(/--max-memory/);
    expect(m, "decode advice, not encode advice").not.toMatch(/encode with tiles/);
  });
});
