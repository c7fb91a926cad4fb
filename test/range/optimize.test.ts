/**
 * `optimize` (re-packing without re-coding): for lossless and lossy inputs with tiles, tile-parts,
 * layers, precincts, POC, PPM, PPT, SOP/EPH and PLT, every progression order and tile-part split
 * gives a file that decodes to exactly the input's samples; the default layout (RPCL, tile-parts
 * by resolution interleaved across tiles, TLM, PLT) is what the index then reads (TLM and PLT used,
 * one tile-part per resolution, a reduced resolution read as one run), and OpenJPEG's opj_decompress decodes the output to the same samples it decodes
 * the input to (the original image, for lossless inputs). The CLI writes the file and refuses bad
 * options.
 */
import { afterAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode, readHeader } from "../../src/index.js";
import { optimize, RANGE_FRIENDLY, type OptimizeOptions } from "../../src/range/optimize.js";
import { openImage } from "../../src/range/open_image.js";
import { main } from "../../src/cli/main.js";
import { testdataPath } from "../helpers/paths.js";
import { nativeTools, NATIVE_HINT } from "../helpers/peers.js";
import { readPgx } from "../helpers/images.js";
import { fixture, RECIPES } from "./fixtures.js";

const tmp = mkdtempSync(join(tmpdir(), "j2kit-optimize-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const INPUTS = [
  "conformance/kakadu_j2c/e1_colr.j2c", // lossless, tiles, tile-part POC, 4 layers
  "conformance/kakadu_j2c/g2_colr.j2c", // lossless, PPM, SOP/EPH, precincts
  "conformance/part4_j2k/p1_02.j2k", // lossy, PPT, 19 layers, precincts
  "conformance/part4_j2k/p0_05.j2k", // lossy, sub-sampled components, COC
  "icc/sample.jp2", // lossy JP2 with ICC, 20 tiles, TLM, PLT, SOP/EPH
] as const;

function sameSamples(a: ReturnType<typeof decode>, b: ReturnType<typeof decode>): boolean {
  return a.width === b.width && a.height === b.height && a.components === b.components &&
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
}

const VARIANTS: OptimizeOptions[] = [
  RANGE_FRIENDLY,
  { progression: "LRCP", tileParts: "L" },
  { progression: "CPRL", tileParts: "C", plt: true },
  { progression: "PCRL", tlm: true },
  { tlm: true, plt: true }, // order kept (POC too)
];

describe("optimize keeps every sample", () => {
  for (const name of INPUTS) {
    test(name, async () => {
      const input = new Uint8Array(readFileSync(testdataPath(name)));
      // large inputs: the default layout at full resolution, the others at reduce 2 (test time)
      const big = input.length > 1_000_000;
      const want = decode(input, { layout: "components" });
      const wantSmall = big ? decode(input, { layout: "components", reduce: 2 }) : want;
      for (const [vi, v] of VARIANTS.entries()) {
        const out = await optimize(input, v);
        const small = big && vi > 0;
        const got = decode(out, { layout: "components", ...(small ? { reduce: 2 } : {}) });
        const ref = small ? wantSmall : want;
        got.componentData!.forEach((d, c) => {
          const w = ref.componentData![c]!;
          expect(Buffer.from(d.buffer, d.byteOffset, d.byteLength).equals(Buffer.from(w.buffer, w.byteOffset, w.byteLength)), `${name} ${JSON.stringify(v)} component ${c}`).toBe(true);
        });
        if (v.progression) expect(readHeader(out).progression).toBe(v.progression);
        // layers and reductions too (packets of each precinct stay in layer order)
        const h = readHeader(input);
        if (h.layers > 1) expect(sameSamples(decode(out, { layers: 1, reduce: 1 }), decode(input, { layers: 1, reduce: 1 })), `${name} layers 1`).toBe(true);
        if (h.levels > 2 && !big) expect(sameSamples(decode(out, { reduce: 1 }), decode(input, { reduce: 1 })), `${name} reduce 1`).toBe(true);
      }
    });
  }
});

describe("the default layout is what range reading uses", () => {
  test("TLM and PLT read by the index, one tile-part per resolution, reduce reads a prefix of each tile", async () => {
    const input = new Uint8Array(readFileSync(fixture(RECIPES.rgbLayers)));
    const out = await optimize(input);
    const img = await openImage(out, { worker: false });
    expect(img.index.tilePartSource).toBe("TLM");
    expect(img.warnings).toEqual([]);
    const pk = await img.index.packets(0);
    expect(pk.source).toBe("PLT");
    expect(pk.parts.length).toBe(img.header.levels + 1);
    const before = img.stats();
    const plan = await img.plan({ reduce: 3 });
    expect(sameSamples(await img.decode({ reduce: 3 }), decode(input, { reduce: 3 }))).toBe(true);
    expect(plan.bytes).toBeLessThan(out.length / 10);
    // the tile-parts of resolutions 0..2 of every tile are the first rounds of the interleaved
    // tile-parts: one run of the file (test/range/interleave.test.ts checks the headers left unread)
    expect(img.stats().requests - before.requests).toBeLessThanOrEqual(1);
    await img.close();
  });
});

describe("OpenJPEG decodes optimized files", () => {
  test.skipIf(!nativeTools.opjDecompress)(`opj_decompress gives the same samples before and after (requires ${NATIVE_HINT})`, async () => {
    const cases: Array<{ name: string; bytes: Uint8Array; ext: string }> = [
      { name: "rgb_layers (lossy)", bytes: new Uint8Array(readFileSync(fixture(RECIPES.rgbLayers))), ext: "jp2" },
      { name: "e1_colr (lossless, POC)", bytes: new Uint8Array(readFileSync(testdataPath("conformance/kakadu_j2c/e1_colr.j2c"))), ext: "j2k" },
      { name: "g2_colr (lossless, PPM, SOP/EPH)", bytes: new Uint8Array(readFileSync(testdataPath("conformance/kakadu_j2c/g2_colr.j2c"))), ext: "j2k" },
    ];
    for (const c of cases) {
      const out = await optimize(c.bytes);
      const a = join(tmp, `in.${c.ext}`), b = join(tmp, `out.${c.ext}`);
      writeFileSync(a, c.bytes);
      writeFileSync(b, out);
      const pa = join(tmp, "a.pgx"), pb = join(tmp, "b.pgx");
      for (const [src, dst] of [[a, pa], [b, pb]] as const) {
        const r = spawnSync("opj_decompress", ["-i", src, "-o", dst], { encoding: "utf8" });
        expect(r.status, `${c.name}: ${r.stderr}`).toBe(0);
      }
      const comps = readHeader(c.bytes).components;
      for (let k = 0; k < comps; k++) {
        const fa = join(tmp, `a_${k}.pgx`), fb = join(tmp, `b_${k}.pgx`);
        expect(existsSync(fb), `${c.name}: component ${k} written`).toBe(true);
        const ia = readPgx(new Uint8Array(readFileSync(fa)));
        const ib = readPgx(new Uint8Array(readFileSync(fb)));
        expect(Buffer.from(ib.data.buffer).equals(Buffer.from(ia.data.buffer)), `${c.name} component ${k}`).toBe(true);
        // and j2kit's decode of the output agrees with OpenJPEG's (lossless: both are the original)
        if (!c.name.includes("lossy")) {
          const ours = decode(out, { layout: "components" }).componentData![k]!;
          expect(Array.from(ours)).toEqual(Array.from(ib.data));
        }
      }
    }
  });
});

describe("j2kit optimize (CLI)", () => {
  const run = async (...argv: string[]) => {
    let stdout = "", stderr = "";
    const status = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    return { status, stdout, stderr };
  };
  test("writes the re-packed file; bad options are usage errors; a failure leaves no output", async () => {
    const src = testdataPath("conformance/kakadu_j2c/e1_colr.j2c");
    const dst = join(tmp, "cli.j2k");
    const r = await run("optimize", src, dst, "--verbose");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/RPCL, tile-parts by R, interleaved across tiles, TLM, PLT/);
    expect(sameSamples(decode(new Uint8Array(readFileSync(dst))), decode(new Uint8Array(readFileSync(src))))).toBe(true);
    expect((await run("optimize", src, dst, "--order", "XYZ")).status).toBe(2);
    const bad = join(tmp, "bad.j2k");
    writeFileSync(join(tmp, "garbage.j2k"), new Uint8Array([0xff, 0x4f, 0xff, 0x51, 0, 2]));
    const f = await run("optimize", join(tmp, "garbage.j2k"), bad);
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/^j2kit: \[[A-Z_]+\]/);
    expect(existsSync(bad)).toBe(false);
  });
});
