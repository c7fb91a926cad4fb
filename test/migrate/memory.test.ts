/**
 * Memory of large images, measured in child processes (the peak RSS of the child as its parent
 * sees it: getrusage(RUSAGE_CHILDREN).ru_maxrss, read by a tiny python3 wrapper so j2kit and
 * OpenJPEG are measured the same way):
 * - issue 13 item 4: a 30000x30000 8-bit grey JP2 of 225 tiles is refused under the default
 *   --max-pixels with a message that says what was asked and what the limit is, and decodes at full
 *   size with --max-pixels / --max-memory 512, tile row by tile row, the 900 MB output assembled in
 *   the file, never in WebAssembly or JavaScript memory; its rows equal the tiles decoded alone;
 * - issue 9: a 12000x9000 single-tile RGB JP2 migrated with --max-memory 512 peaks below 768 MB;
 * - issue 13: a 7000x5000 RGB JP2 decodes with no more memory than opj_decompress needs for it,
 *   through the CLI and through the library's decode().
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { has } from "../helpers/tools.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { BIN, CACHE, largeImage, ledgerRecords, tiledGrey, tiledGreyTiles, TILED_TILE } from "./helpers.js";

const MB = 2 ** 20;
const OUT = join(CACHE, `out-${process.pid}`);

/** Run a command; its peak RSS (bytes) from getrusage of the waiting parent. */
function measured(cmd: string, args: string[]): { code: number; stdout: string; stderr: string; peak: number } {
  const wrapper = [
    "import resource, subprocess, sys",
    "p = subprocess.run(sys.argv[1:], capture_output=True)",
    "sys.stdout.buffer.write(p.stdout); sys.stderr.buffer.write(p.stderr)",
    "sys.stderr.write('\\nJ2KIT_MAXRSS_KB %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
    "sys.exit(p.returncode)",
  ].join("\n");
  const r = spawnSync("python3", ["-c", wrapper, cmd, ...args], { encoding: "utf8", maxBuffer: 64 * MB });
  const m = /J2KIT_MAXRSS_KB (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no measurement: ${r.error?.message ?? r.stderr}`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.replace(/\nJ2KIT_MAXRSS_KB \d+\n$/, ""), peak: Number(m[1]) * 1024 };
}

beforeAll(() => mkdirSync(OUT, { recursive: true }));
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe("30000x30000 grey, 225 tiles (issue 13 item 4)", () => {
  const SIZE = 30000;
  let file: string;
  beforeAll(() => {
    file = tiledGrey(SIZE);
  }, 120_000);

  test("the default --max-pixels refuses it and says what was asked, the limit and the flag", () => {
    const out = join(OUT, "refused.pgm");
    const r = measured(process.execPath, [BIN, "decode", file, out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/LIMIT_PIXELS.*900\.0 megapixels.*--max-pixels 268435456 \(268\.4 megapixels\).*--max-pixels N/);
    expect(existsSync(out), "nothing written").toBe(false);
  });

  test("decodes at full size with --max-pixels and --max-memory 512, below 768 MB; rows equal the tiles decoded alone", () => {
    const out = join(OUT, "full.pgm");
    const r = measured(process.execPath, [BIN, "decode", file, out, "--max-pixels", String(SIZE * SIZE), "--max-memory", "512", "--verbose"]);
    expect(r.code, r.stderr).toBe(0);
    console.log(`30000x30000 grey (225 tiles) -> PGM: peak RSS ${(r.peak / MB).toFixed(0)} MiB; ${/decoded in .*/.exec(r.stdout)?.[0]}`);
    expect(r.stdout).toMatch(/image {3}30000x30000, 1 component/);
    expect(r.peak).toBeLessThan(768 * MB);
    const header = `P5\n${SIZE} ${SIZE}\n255\n`;
    expect(statSync(out).size).toBe(header.length + SIZE * SIZE);
    // rows across tile boundaries and the edge tiles: each the concatenation of its tiles' rows
    const tiles = tiledGreyTiles(SIZE);
    const T = TILED_TILE, n = Math.ceil(SIZE / T), last = SIZE - (n - 1) * T;
    const fd = openSync(out, "r");
    try {
      const head = Buffer.alloc(header.length);
      readSync(fd, head, 0, head.length, 0);
      expect(head.toString("latin1")).toBe(header);
      const row = Buffer.alloc(SIZE);
      for (const y of [0, 1, T - 1, T, 7 * T + 1000, (n - 1) * T - 1, (n - 1) * T, SIZE - 1]) {
        readSync(fd, row, 0, SIZE, header.length + y * SIZE);
        const ty = Math.floor(y / T), ly = y - ty * T, h = ty === n - 1 ? last : T;
        for (let tx = 0; tx < n; tx++) {
          const w = tx === n - 1 ? last : T;
          const want = tiles.get(`${w}x${h}`)!.subarray(ly * w, ly * w + w);
          expect(Buffer.from(want).equals(row.subarray(tx * T, tx * T + w)), `row ${y}, tile column ${tx}`).toBe(true);
        }
      }
    } finally {
      closeSync(fd);
      rmSync(out, { force: true });
    }
  }, 300_000);
});

describe("12000x9000 single-tile RGB migrated with --max-memory 512 (issue 9)", () => {
  test.skipIf(!has("jpeginfo"))("peak RSS below 768 MB with --verify; the JPEG is whole (needs jpeginfo)", () => {
    const src = join(OUT, "poster");
    mkdirSync(src, { recursive: true });
    copyFileSync(largeImage(12000, 9000), join(src, "big.jp2"));
    const dest = join(OUT, "poster-out");
    // --verify: the encoder measures while it writes, then the file is read back through the streaming JPEG decoder
    const r = measured(process.execPath, [BIN, "migrate", src, "--to", dest, "--jobs", "2", "--max-memory", "512", "--verify"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const done = ledgerRecords(join(dest, "j2kit-migrate.ledger.jsonl")).find((x) => x.kind === "done")!;
    console.log(`12000x9000 RGB migrate --max-memory 512 --verify: peak RSS ${(r.peak / MB).toFixed(0)} MiB, PSNR ${String(done.psnr)} dB`);
    expect(done.verified).toBe(true);
    expect(done.psnr as number).toBeGreaterThan(30);
    expect(r.peak).toBeLessThan(768 * MB);
    const info = spawnSync("jpeginfo", ["-c", join(dest, "big.jpg")], { encoding: "utf8" });
    expect(info.stdout).toMatch(/12000 x 9000 24bit/);
    expect(info.stdout.trim()).toMatch(/OK$/);
  }, 300_000);
});

describe("7000x5000 RGB: decode memory against OpenJPEG (issue 13)", () => {
  test.skipIf(!has("opj_decompress"))("the CLI and decode() need no more than opj_decompress (needs opj_decompress)", () => {
    const file = largeImage(7000, 5000);
    const opj = measured("opj_decompress", ["-i", file, "-o", join(OUT, "opj.ppm")]);
    expect(opj.code, opj.stderr).toBe(0);
    const cli = measured(process.execPath, [BIN, "decode", file, join(OUT, "j2kit.ppm")]);
    expect(cli.code, cli.stderr).toBe(0);
    const script = `import { decode } from ${JSON.stringify(join(REPO_ROOT, "dist/index.js"))}; import { readFileSync } from "node:fs";
      const img = decode(readFileSync(${JSON.stringify(file)})); if (img.width * img.height * img.components !== 7000 * 5000 * 3) process.exit(5);`;
    const lib = measured(process.execPath, ["--input-type=module", "-e", script]);
    expect(lib.code, lib.stderr).toBe(0);
    console.log(`7000x5000 RGB peak RSS: opj_decompress ${(opj.peak / MB).toFixed(0)} MiB, j2kit decode CLI ${(cli.peak / MB).toFixed(0)} MiB, decode() ${(lib.peak / MB).toFixed(0)} MiB`);
    expect(cli.peak).toBeLessThanOrEqual(opj.peak);
    expect(lib.peak).toBeLessThanOrEqual(opj.peak);
    // the same pixels (9/7: OpenJPEG rounds a few samples differently, by at most 1)
    const a = new Uint8Array(statSync(join(OUT, "j2kit.ppm")).size), b = new Uint8Array(statSync(join(OUT, "opj.ppm")).size);
    for (const [p, buf] of [[join(OUT, "j2kit.ppm"), a], [join(OUT, "opj.ppm"), b]] as const) {
      const fd = openSync(p, "r");
      readSync(fd, buf, 0, buf.length, 0);
      closeSync(fd);
    }
    const n = 7000 * 5000 * 3, da = a.length - n, db = b.length - n;
    let worst = 0;
    for (let i = 0; i < n; i += 7) worst = Math.max(worst, Math.abs(a[da + i]! - b[db + i]!));
    expect(worst).toBeLessThanOrEqual(1);
  }, 300_000);
});
