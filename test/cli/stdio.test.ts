// `-` for standard input and output (issue 13, item 5) and what the CLI says about image formats it
// does not read (JPEG, TIFF, ...). Runs `node bin/j2kit.js` as a subprocess with real pipes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, TESTDATA } from "../helpers/paths.js";
import { has } from "../helpers/tools.js";
import { decodePngIndependently } from "../io/independent_png.js";

const KODIM = join(REPO_ROOT, "../shared/benchcorpus/kodim03.ppm");
const P0_01 = join(TESTDATA, "conformance/part4_j2k/p0_01.j2k");
const tmp = mkdtempSync(join(tmpdir(), "j2kit-stdio-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (name: string): string => join(tmp, name);

interface Run { status: number | null; stdout: Buffer; stderr: string }
function j2kit(args: string[], input?: Uint8Array): Run {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/j2kit.js"), ...args], { input, timeout: 60_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
}
const file = (path: string) => new Uint8Array(readFileSync(path));

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

describe("'-' is standard input and output", () => {
  it("encode - - --format jp2 writes the same bytes as encode in.ppm out.jp2", () => {
    const byName = j2kit(["encode", KODIM, at("k.jp2"), "--ratio", "20"]);
    expect(byName.status, byName.stderr).toBe(0);
    const piped = j2kit(["encode", "-", "-", "--format", "jp2", "--ratio", "20"], file(KODIM));
    expect(piped.stderr).toBe("");
    expect(piped.status).toBe(0);
    expect(sameBytes(new Uint8Array(piped.stdout), file(at("k.jp2"))), "piped output equals the file output").toBe(true);
  });

  it("decode - - --output-format png gives the PNG that decode in.j2k out.png writes; pgm too", () => {
    expect(j2kit(["decode", P0_01, at("p.png")]).status).toBe(0);
    const piped = j2kit(["decode", "-", "-", "--output-format", "png"], file(P0_01));
    expect(piped.stderr).toBe("");
    expect(piped.status).toBe(0);
    expect(sameBytes(new Uint8Array(piped.stdout), file(at("p.png")))).toBe(true);
    expect(decodePngIndependently(new Uint8Array(piped.stdout)).width).toBe(128);
    const pgm = j2kit(["decode", "-", "-", "--output-format", "pgm"], file(P0_01));
    expect(pgm.stdout.subarray(0, 2).toString("latin1")).toBe("P5");
  });

  it("--verbose goes to stderr when the image goes to stdout", () => {
    const r = j2kit(["decode", P0_01, "-", "--output-format", "pgm", "--verbose"]);
    expect(r.status).toBe(0);
    expect(r.stdout.subarray(0, 2).toString("latin1")).toBe("P5");
    expect(r.stderr).toMatch(/^input {3}.*p0_01\.j2k/);
    expect(r.stderr).toMatch(/output {2}standard output/);
  });

  it("a pipeline: ppm | encode | decode to PNG | encode again gives the first lossless codestream back", () => {
    const first = j2kit(["encode", "-", "-", "--format", "j2k"], file(KODIM));
    const png = j2kit(["decode", "-", "-", "--output-format", "png"], new Uint8Array(first.stdout));
    const again = j2kit(["encode", "-", "-", "--format", "j2k"], new Uint8Array(png.stdout));
    expect([first.status, png.status, again.status]).toEqual([0, 0, 0]);
    expect(first.stdout.length).toBeGreaterThan(1000);
    expect(sameBytes(new Uint8Array(again.stdout), new Uint8Array(first.stdout))).toBe(true);
  });

  it("info - reads standard input and calls it so", () => {
    const r = j2kit(["info", "-"], file(P0_01));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString("utf8")).toMatch(/^file {10}standard input \(7390 bytes\)\n/);
    const json = JSON.parse(j2kit(["info", "-", "--json"], file(P0_01)).stdout.toString("utf8")) as { width: number; file: string };
    expect([json.width, json.file]).toEqual([128, "-"]);
  });

  it("'-' as output needs the format: one usage line and exit 2, nothing on stdout", () => {
    const enc = j2kit(["encode", KODIM, "-"]);
    expect(enc.status).toBe(2);
    expect(enc.stdout.length).toBe(0);
    expect(enc.stderr).toMatch(/^j2kit: \[INVALID_ARGUMENT\] writing to standard output \('-'\) needs --format j2k or --format jp2 .*\n$/);
    const dec = j2kit(["decode", P0_01, "-"]);
    expect(dec.status).toBe(2);
    expect(dec.stderr).toMatch(/needs --output-format pgm, ppm, png, raw or jpg/);
    expect(j2kit(["decode", P0_01, "-", "--output-format", "pgx"]).stderr).toMatch(/PGX output is one file per component and cannot go to standard output/);
    expect(j2kit(["encode", KODIM, at("x.j2k"), "--format", "jp2"]).stderr).toMatch(/--format jp2 contradicts the output name/);
  });
});

describe("formats the CLI does not read are named", () => {
  const jpeg = at("photo.jpg");
  // A minimal JFIF start is enough to be recognised: SOI, APP0 "JFIF".
  writeFileSync(jpeg, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]));

  it("encode of a JPEG says 'JPEG input is not supported' and how to convert, not 'cannot tell the format'", () => {
    for (const [args, input] of [[["encode", jpeg, at("o.jp2")]], [["encode", "-", at("o.jp2")], file(jpeg)]] as Array<[string[], Uint8Array?]>) {
      const r = j2kit(args, input);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^j2kit: \[INPUT_FORMAT\] JPEG input is not supported .*convert it first, e.g. djpeg -pnm in\.jpg > in\.ppm.*\n$/);
      expect(r.stderr).not.toMatch(/cannot tell/);
    }
    const noExtension = at("photo");
    writeFileSync(noExtension, file(jpeg));
    expect(j2kit(["encode", noExtension, at("o.jp2")]).stderr).toMatch(/JPEG input is not supported/);
  });

  it("decode and info of a JPEG say it is JPEG, not JPEG 2000", () => {
    expect(j2kit(["decode", jpeg, at("o.png")]).stderr).toMatch(/^j2kit: \[NOT_A_CODESTREAM\] '.*photo\.jpg' is a JPEG file, not JPEG 2000/);
    expect(j2kit(["info", "-"], file(jpeg)).stderr).toMatch(/^j2kit: \[NOT_A_CODESTREAM\] standard input is a JPEG file, not JPEG 2000/);
  });

  it("encode of a JP2 says it is already JPEG 2000; unknown bytes still list the formats read", () => {
    expect(j2kit(["encode", P0_01, at("o.jp2")]).stderr).toMatch(/is already JPEG 2000: .*j2kit decode/);
    const junk = at("junk.bin");
    writeFileSync(junk, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(j2kit(["encode", junk, at("o.jp2")]).stderr).toMatch(/^j2kit: \[INPUT_FORMAT\] cannot tell the image format of '.*junk\.bin': use a \.pgm, \.ppm, \.pgx, \.png or \.raw file/);
  });

  it.skipIf(!has("cjpeg"))("a real JPEG from cjpeg is refused the same way (needs cjpeg: libjpeg-turbo-progs)", () => {
    const made = spawnSync("cjpeg", ["-quality", "80", KODIM]);
    expect(made.status).toBe(0);
    const r = j2kit(["encode", "-", "-", "--format", "jp2"], new Uint8Array(made.stdout));
    expect(r.stderr).toMatch(/JPEG input is not supported/);
    expect(r.stdout.length).toBe(0);
  });
});
