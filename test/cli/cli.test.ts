// The `j2kit` CLI run as a subprocess (`node bin/j2kit.js ...`) on real files. Needs the compiled
// library (dist/), which `npm test` builds in `pretest`; this file builds nothing itself.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { decodePngIndependently } from "../io/independent_png.js";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const BENCH = resolve(ROOT, "../shared/benchcorpus");
const TESTDATA = resolve(ROOT, "../shared/testdata");
const KODIM = join(BENCH, "kodim03.ppm");
const CT = join(BENCH, "ct_693_512x512_14bit.pgm");
const CT_RAW = join(BENCH, "ct_693_512x512_s16le.raw");
const P0_01 = join(TESTDATA, "conformance/part4_j2k/p0_01.j2k");
const C1P0_01 = join(TESTDATA, "conformance/part4_j2k_ref/c1p0_01_0.pgx");

const tmp = mkdtempSync(join(tmpdir(), "j2kit-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const out = (name: string): string => join(tmp, name);

interface Run { status: number | null; stdout: string; stderr: string }

function j2kit(...args: string[]): Run {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/j2kit.js"), ...args], { encoding: "utf8", cwd: ROOT, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Success: exit 0 and nothing on stderr (the stderr text is shown when it fails). */
function ok(r: Run): Run {
  expect(r.stderr, "stderr").toBe("");
  expect(r.status).toBe(0);
  return r;
}

/** Failure: non-zero exit and exactly one stderr line `j2kit: ...`, no stack trace. */
function failsWithOneLine(r: Run, pattern?: RegExp): string {
  expect(r.status).not.toBe(0);
  expect(r.status).not.toBe(null);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^j2kit: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (pattern) expect(lines[0]).toMatch(pattern);
  return lines[0]!;
}

const bytes = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

function expectSameBytes(actual: string, expected: string): void {
  const a = bytes(actual);
  const b = bytes(expected);
  expect(a.length, `${actual} vs ${expected}: length`).toBe(b.length);
  const first = a.findIndex((v, i) => v !== b[i]);
  expect(first, `${actual} vs ${expected}: first differing byte`).toBe(-1);
}

describe("j2kit help and command-line errors", () => {
  it("prints help and exits 0 at the top level and for every command", () => {
    expect(ok(j2kit("--help")).stdout).toMatch(/j2kit encode .*\n.*j2kit decode/);
    for (const command of ["encode", "decode", "info", "dicom"]) {
      const r = ok(j2kit(command, "--help"));
      expect(r.stdout, command).toMatch(new RegExp(`^Usage: j2kit ${command}`));
    }
    expect(ok(j2kit("encode", "--help")).stdout).toContain("--cblk-style");
    expect(ok(j2kit("decode", "-h")).stdout).toContain("--allow-partial");
  });

  it("rejects unknown options, commands and missing arguments with one line", () => {
    failsWithOneLine(j2kit("encode", KODIM, out("x.j2k"), "--bogus"), /^j2kit: \[INVALID_ARGUMENT\] unknown option '--bogus'/);
    failsWithOneLine(j2kit("decode", P0_01, out("x.pgx"), "--levels", "3"), /unknown option '--levels'/);
    failsWithOneLine(j2kit("info", P0_01, "--tiles-only"), /unknown option/);
    failsWithOneLine(j2kit("frobnicate"), /unknown command 'frobnicate'/);
    failsWithOneLine(j2kit("transcode"), /expected an input and an output file/);
    failsWithOneLine(j2kit(), /no command/);
    failsWithOneLine(j2kit("encode", KODIM), /expected an input and an output file/);
    failsWithOneLine(j2kit("encode", KODIM, out("x.j2k"), "--levels"), /--levels' needs a value/);
    failsWithOneLine(j2kit("encode", KODIM, out("x.j2k"), "--levels", "many"), /bad value 'many' for --levels/);
    failsWithOneLine(j2kit("encode", KODIM, out("x.j2k"), "--order", "XYZW"), /LRCP, RLCP, RPCL, PCRL, CPRL/);
    failsWithOneLine(j2kit("encode", KODIM, out("x.bmp")), /output format of .*x\.bmp/);
    failsWithOneLine(j2kit("decode", P0_01, out("x.tiff")), /output format of .*x\.tiff/);
    expect(j2kit("encode", KODIM, out("x.j2k"), "--bogus").status).toBe(2);
  });

  it("reports a missing or unreadable input file in one line", () => {
    failsWithOneLine(j2kit("encode", out("missing.ppm"), out("x.j2k")), /cannot read .*missing\.ppm.*no such file/);
    failsWithOneLine(j2kit("decode", out("missing.j2k"), out("x.pgm")), /cannot read .*missing\.j2k/);
    failsWithOneLine(j2kit("info", out("missing.jp2")), /cannot read/);
    failsWithOneLine(j2kit("encode", out("nothing.pgx"), out("x.j2k")), /nothing\.pgx.*nothing_0\.pgx/);
  });

  it("reports a malformed input image as INPUT_FORMAT", () => {
    writeFileSync(out("bad.pgm"), "P5\n10 10\n255\nshort");
    failsWithOneLine(j2kit("encode", out("bad.pgm"), out("bad.j2k")), /^j2kit: \[INPUT_FORMAT\] PNM file is truncated/);
    writeFileSync(out("bad.pgx"), "PG ML +8 2 2\n\u0001");
    failsWithOneLine(j2kit("encode", out("bad.pgx"), out("bad.j2k")), /^j2kit: \[INPUT_FORMAT\]/);
  });

  it("reports a file that is not JPEG 2000 as NOT_A_CODESTREAM", () => {
    writeFileSync(out("text.j2k"), "this is not a codestream\n");
    failsWithOneLine(j2kit("decode", out("text.j2k"), out("text.pgm")), /^j2kit: \[NOT_A_CODESTREAM\]/);
    failsWithOneLine(j2kit("info", out("text.j2k")), /^j2kit: \[NOT_A_CODESTREAM\]/);
  });
});

describe("j2kit encode/decode round trips through files", () => {
  it("kodim03.ppm -> .j2k -> .ppm is byte-identical", () => {
    ok(j2kit("encode", KODIM, out("kodim03.j2k")));
    const size = bytes(out("kodim03.j2k")).length;
    expect(size).toBeGreaterThan(1000);
    expect(size).toBeLessThan(768 * 512 * 3);
    ok(j2kit("decode", out("kodim03.j2k"), out("kodim03.ppm")));
    expectSameBytes(out("kodim03.ppm"), KODIM);
  });

  it("the 14-bit CT .pgm -> .j2k (with options) -> .pgm is byte-identical", () => {
    ok(j2kit("encode", CT, out("ct.j2c"), "--levels", "3", "--block", "32x32"));
    const info = JSON.parse(ok(j2kit("info", out("ct.j2c"), "--json")).stdout);
    expect([info.width, info.height, info.components, info.bitDepth, info.levels]).toEqual([512, 512, 1, 14, 3]);
    expect([info.codeBlockWidth, info.codeBlockHeight]).toEqual([32, 32]);
    ok(j2kit("decode", out("ct.j2c"), out("ct.pgm")));
    expectSameBytes(out("ct.pgm"), CT);
  });

  it("signed raw CT -> .j2k -> .raw is byte-identical, and its .pgm equals the offset PGM", () => {
    ok(j2kit("encode", CT_RAW, out("ct_signed.j2k"), "--size", "512x512", "--bits", "14", "--signed", "--endian", "little"));
    const info = JSON.parse(ok(j2kit("info", out("ct_signed.j2k"), "--json")).stdout);
    expect([info.bitDepth, info.signed]).toEqual([14, true]);
    ok(j2kit("decode", out("ct_signed.j2k"), out("ct_signed.raw")));
    expectSameBytes(out("ct_signed.raw"), CT_RAW);
    // The benchcorpus PGM holds value + 8192 (README): exactly what decode writes for signed 14-bit.
    ok(j2kit("decode", out("ct_signed.j2k"), out("ct_signed.pgm")));
    expectSameBytes(out("ct_signed.pgm"), CT);
  });

  it(".jp2 output is a JP2 file that decodes back to the same PPM", () => {
    ok(j2kit("encode", KODIM, out("kodim03.jp2"), "--levels", "4"));
    const jp2 = bytes(out("kodim03.jp2"));
    expect(Array.from(jp2.subarray(0, 12))).toEqual([0, 0, 0, 12, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]);
    const info = JSON.parse(ok(j2kit("info", out("kodim03.jp2"), "--json")).stdout);
    expect([info.format, info.width, info.height, info.components]).toEqual(["jp2", 768, 512, 3]);
    expect(info.jp2.boxes.map((b: { type: string }) => b.type)).toContain("jp2c");
    ok(j2kit("decode", out("kodim03.jp2"), out("kodim03_jp2.ppm")));
    expectSameBytes(out("kodim03_jp2.ppm"), KODIM);
  });

  it("PGX input name.pgx reads name_0.pgx.., and PGX output writes <base>_<c>.pgx per component", () => {
    const width = 37, height = 23;
    const header = `PG ML +8 ${width} ${height}\n`;
    const planes: Uint8Array[] = [];
    for (let c = 0; c < 3; c++) {
      const body = new Uint8Array(width * height);
      for (let i = 0; i < body.length; i++) body[i] = (i * (c + 3) + c * 50) & 0xff;
      const file = Buffer.concat([Buffer.from(header, "latin1"), body]);
      planes.push(new Uint8Array(file));
      writeFileSync(out(`trio_${c}.pgx`), file);
    }
    ok(j2kit("encode", out("trio.pgx"), out("trio.j2k")));
    const info = JSON.parse(ok(j2kit("info", out("trio.j2k"), "--json")).stdout);
    expect([info.width, info.height, info.components]).toEqual([width, height, 3]);
    ok(j2kit("decode", out("trio.j2k"), out("back.pgx")));
    for (let c = 0; c < 3; c++) expect(bytes(out(`back_${c}.pgx`))).toEqual(planes[c]);
    expect(existsSync(out("back.pgx"))).toBe(false);
    expect(existsSync(out("back_3.pgx"))).toBe(false);
  });

  it("PGX components of different sizes are encoded as sub-sampled components and decoded at their own size", () => {
    const sizes = [[17, 13], [9, 7]] as const; // 9 = ceil(17/2), 7 = ceil(13/2): sub-sampling 2x2
    const files = sizes.map(([w, h], c) => {
      const body = Uint8Array.from({ length: w * h }, (_, i) => (i * (5 + c) + 40 * c) & 0xff);
      const file = Buffer.concat([Buffer.from(`PG ML +8 ${w} ${h}\n`, "latin1"), body]);
      writeFileSync(out(`sub_${c}.pgx`), file);
      return new Uint8Array(file);
    });
    ok(j2kit("encode", out("sub.pgx"), out("sub.j2k")));
    const info = JSON.parse(ok(j2kit("info", out("sub.j2k"), "--json")).stdout);
    expect(info.componentInfo.map((c: { dx: number; dy: number }) => [c.dx, c.dy])).toEqual([[1, 1], [2, 2]]);
    ok(j2kit("decode", out("sub.j2k"), out("sub_back.pgx")));
    for (let c = 0; c < 2; c++) expect(bytes(out(`sub_back_${c}.pgx`))).toEqual(files[c]);
  });

  it("a single signed 12-bit PGX round-trips, and one component still gets the _0 suffix", () => {
    const width = 19, height = 11;
    const body = Buffer.alloc(width * height * 2);
    for (let i = 0; i < width * height; i++) body.writeInt16BE(((i * 397) % 4096) - 2048, 2 * i);
    const file = Buffer.concat([Buffer.from(`PG ML -12 ${width} ${height}\n`, "latin1"), body]);
    writeFileSync(out("s12.pgx"), file);
    ok(j2kit("encode", out("s12.pgx"), out("s12.j2k")));
    ok(j2kit("decode", out("s12.j2k"), out("s12_out.pgx")));
    expect(bytes(out("s12_out_0.pgx"))).toEqual(new Uint8Array(file));
    expect(existsSync(out("s12_out.pgx"))).toBe(false);
  });

  it("PNG output of an RGB image holds the input samples", () => {
    ok(j2kit("encode", KODIM, out("kodim_png.j2k")));
    ok(j2kit("decode", out("kodim_png.j2k"), out("kodim03.png")));
    const d = decodePngIndependently(bytes(out("kodim03.png")));
    expect([d.width, d.height, d.depth, d.colourType]).toEqual([768, 512, 8, 2]);
    const ppm = bytes(KODIM);
    const raster = ppm.subarray(ppm.length - 768 * 512 * 3); // "P6\n768 512\n255\n" header, then samples
    expect(d.samples.length).toBe(raster.length);
    for (let i = 0; i < raster.length; i++) if (d.samples[i] !== raster[i]) throw new Error(`sample ${i} differs`);
  });

  it("PNG output of the 14-bit CT is 16-bit with sBIT 14 and the samples in the top bits", () => {
    ok(j2kit("encode", CT, out("ct_png.j2k")));
    ok(j2kit("decode", out("ct_png.j2k"), out("ct.png")));
    const d = decodePngIndependently(bytes(out("ct.png")));
    expect([d.width, d.height, d.depth, d.colourType]).toEqual([512, 512, 16, 0]);
    expect(Array.from(d.chunks.find((c) => c.type === "sBIT")!.data)).toEqual([14]);
    const pgm = bytes(CT);
    const raster = pgm.subarray(pgm.length - 512 * 512 * 2); // "P5\n512 512\n16383\n", then big-endian samples
    for (let i = 0; i < 512 * 512; i++) {
      const v = raster[2 * i]! * 256 + raster[2 * i + 1]!;
      if (d.samples[i]! >> 2 !== v) throw new Error(`sample ${i}: PNG ${d.samples[i]} vs PGM ${v}`);
    }
  });

  it("a truncated codestream fails in one line pointing at --allow-partial, which then decodes it", () => {
    const p0_04 = bytes(join(TESTDATA, "conformance/part4_j2k/p0_04.j2k"));
    writeFileSync(out("trunc.j2k"), p0_04.subarray(0, 20000));
    failsWithOneLine(j2kit("decode", out("trunc.j2k"), out("trunc.ppm")), /^j2kit: \[PACKET_TRUNCATED\].*--allow-partial/);
    const r = j2kit("decode", out("trunc.j2k"), out("trunc.ppm"), "--allow-partial");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^j2kit: warning: .*truncated/);
    expect(bytes(out("trunc.ppm")).length).toBe("P6\n640 480\n255\n".length + 640 * 480 * 3);
  });

  it("refuses to write 3 components as .pgm, suggesting a format that fits", () => {
    ok(j2kit("encode", KODIM, out("kodim_pgm.j2k")));
    failsWithOneLine(j2kit("decode", out("kodim_pgm.j2k"), out("kodim.pgm")), /3 components.*\.ppm.*\.pgx/);
  });
});

describe("j2kit on the conformance codestream p0_01.j2k", () => {
  it("decodes to .pgx byte-identical to the class-1 reference c1p0_01_0.pgx", () => {
    ok(j2kit("decode", P0_01, out("p0_01.pgx")));
    expectSameBytes(out("p0_01_0.pgx"), C1P0_01);
    expect(existsSync(out("p0_01_1.pgx"))).toBe(false);
  });

  it("decodes with --reduce 1 to a 64x64 component", () => {
    ok(j2kit("decode", P0_01, out("p0_01_r1.pgx"), "--reduce", "1"));
    const head = new TextDecoder().decode(bytes(out("p0_01_r1_0.pgx")).subarray(0, 20)).split("\n")[0];
    expect(head).toBe("PG ML +8 64 64");
  });

  it("info --json reports the header the README gives (128x128, 3 levels, 1 layer, RLCP, 64x64)", () => {
    const info = JSON.parse(ok(j2kit("info", P0_01, "--json")).stdout);
    expect(info).toMatchObject({
      format: "j2k", width: 128, height: 128, components: 1, bitDepth: 8, signed: false,
      levels: 3, layers: 1, progression: "RLCP", codeBlockWidth: 64, codeBlockHeight: 64, reversible: true,
      tilesX: 1, tilesY: 1,
    });
    expect(info.markers[0]).toMatchObject({ name: "SOC", offset: 0, tilePart: -1 });
    expect(info.markers[1]).toMatchObject({ name: "SIZ", offset: 2, tilePart: -1 });
    expect(info.tileParts).toHaveLength(1);
    expect(info.tileParts[0]).toMatchObject({ tile: 0, TPsot: 0 });
    const text = ok(j2kit("info", P0_01)).stdout;
    expect(text).toMatch(/128 x 128/);
    expect(text).toMatch(/RLCP/);
    expect(text).toMatch(/SIZ/);
  });
});
