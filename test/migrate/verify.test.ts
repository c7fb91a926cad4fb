// `j2kit migrate --verify` (issue 9 item 4): the PSNR in the ledger agrees within 0.05 dB with an
// independent computation — libjpeg-turbo's djpeg decoding the written file against our JP2 decode
// converted to 8 bits here (round(v * 255 / max)); an output whose read-back differs (a byte
// flipped in the entropy data or in a header segment) fails with VERIFY_FAILED and leaves neither
// a target nor a temporary file, and what was at the target before stays.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { decode, encode, isJ2kError } from "../../src/index.js";
import { convertToJpeg } from "../../src/migrate/convert.js";
import { fileSink, type OutputSink } from "../../src/migrate/sinks.js";
import { has } from "../helpers/tools.js";
import { ledgerRecords, runCli } from "./helpers.js";

let tmp: string;
const SRC = () => join(tmp, "src");

/** A textured image of `depth` bits (gradients, edges, noise), as a JP2 (lossy 9/7 at ratio 8 or lossless). */
function makeJp2(name: string, width: number, height: number, components: number, depth: number, lossy: boolean): string {
  const maxv = 2 ** depth - 1;
  const data = depth > 8 ? new Uint16Array(width * height * components) : new Uint8Array(width * height * components);
  let s = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < components; c++) {
        s = (s * 1103515245 + 12345) >>> 0;
        const v = (x * (c + 1)) / width / 2 + y / height / 3 + (((x >> 4) + (y >> 3) + c) % 3 === 0 ? 0.2 : 0) + ((s >>> 16) / 65536 - 0.5) * 0.1;
        data[(y * width + x) * components + c] = Math.max(0, Math.min(maxv, Math.round(v * maxv)));
      }
    }
  }
  const path = join(SRC(), name);
  writeFileSync(path, encode({ width, height, components, bitDepth: depth, signed: false, data }, { format: "jp2", ...(lossy ? { ratios: [8] } : {}) }));
  return path;
}

/** PSNR of djpeg's decode of `jpeg` against our decode of `jp2`, both 8-bit. */
function independentPsnr(jp2: string, jpeg: string, djpegArgs: string[]): number {
  const img = decode(readFileSync(jp2));
  const maxv = 2 ** img.bitDepth - 1;
  const C = Math.min(3, img.components);
  const r = spawnSync("djpeg", [...djpegArgs, "-pnm", jpeg], { maxBuffer: 1 << 28 });
  expect(r.status, r.stderr?.toString()).toBe(0);
  const head = /^P([56])\s+(\d+)\s+(\d+)\s+255\s/.exec(r.stdout.toString("latin1", 0, 40))!;
  const px = r.stdout.subarray(head[0].length);
  expect(Number(head[2]) * Number(head[3]) * C).toBe(px.length);
  let sse = 0;
  for (let i = 0, n = img.width * img.height; i < n; i++) {
    for (let c = 0; c < C; c++) {
      const want = Math.round((img.data[i * img.components + c]! * 255) / maxv);
      sse += (px[i * C + c]! - want) ** 2;
    }
  }
  return 10 * Math.log10((255 * 255) / (sse / px.length));
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "j2kit-verify-"));
  mkdirSync(SRC(), { recursive: true });
  makeJp2("rgb16.jp2", 331, 197, 3, 16, true);
  makeJp2("rgb8.jp2", 250, 120, 3, 8, false);
  makeJp2("grey12.jp2", 140, 95, 1, 12, true);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("migrate --verify: PSNR in the ledger", () => {
  for (const [label, args, djpegArgs] of [
    ["quality 92, 4:4:4 (plain djpeg)", [], []],
    ["quality 75, 4:2:0 (djpeg -nosmooth: replicated chroma)", ["--quality", "75"], ["-nosmooth"]],
  ] as const) {
    test.skipIf(!has("djpeg"))(`${label}: within 0.05 dB of djpeg's decode against our JP2 decode (needs djpeg)`, async () => {
      const out = join(tmp, `out-${args.length}`);
      const r = await runCli(["migrate", SRC(), "--to", out, "--jobs", "2", "--verify", ...args]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const done = ledgerRecords(join(out, "j2kit-migrate.ledger.jsonl")).filter((x) => x.kind === "done");
      expect(done.length).toBe(3);
      for (const d of done) {
        expect(d.verified).toBe(true);
        expect(typeof d.psnr).toBe("number");
        const ind = independentPsnr(d.source as string, d.target as string, [...djpegArgs]);
        expect(Math.abs((d.psnr as number) - ind), `${d.source as string}: ledger ${d.psnr as number} dB, independent ${ind.toFixed(3)} dB`).toBeLessThan(0.05);
        expect(d.psnr as number).toBeGreaterThan(25);
      }
    }, 120_000);
  }
});

/** A file sink whose read-back has one byte flipped (`at` from the end when negative). */
async function corrupting(path: string, at: number): Promise<OutputSink> {
  const s = await fileSink(path);
  let total = 0;
  return {
    ...s,
    write(chunk) {
      total += chunk.length;
      s.write(chunk);
    },
    async *readBack() {
      const flip = at < 0 ? total + at : at;
      let off = 0;
      for await (const c of s.readBack()) {
        const copy = c.slice();
        if (flip >= off && flip < off + c.length) copy[flip - off]! ^= 0x24;
        off += c.length;
        yield copy;
      }
    },
  };
}

describe("migrate --verify: a read-back that differs fails the file", () => {
  for (const [where, at] of [
    ["a byte in the entropy-coded data", -400],
    ["a byte of the JFIF APP0 segment (pixels unchanged: the SHA-256 differs)", 8],
  ] as const) {
    test(`${where}: VERIFY_FAILED, no output, no temporary file, the old target kept`, async () => {
      const dir = join(tmp, `corrupt-${at}`);
      mkdirSync(dir, { recursive: true });
      const target = join(dir, "rgb8.jpg");
      writeFileSync(target, "what was here before");
      let err: unknown;
      try {
        await convertToJpeg(join(SRC(), "rgb8.jp2"), await corrupting(target, at), { verify: true });
      } catch (e) {
        err = e;
      }
      expect(isJ2kError(err, "VERIFY_FAILED"), String(err)).toBe(true);
      expect(String((err as Error).message)).toMatch(/read back/);
      expect(readFileSync(target, "utf8")).toBe("what was here before");
      expect(readdirSync(dir)).toEqual(["rgb8.jpg"]);
    });
  }

  test("the same conversion without corruption passes and reports PSNR and hash", async () => {
    const dir = join(tmp, "clean");
    const target = join(dir, "rgb8.jpg");
    const r = await convertToJpeg(join(SRC(), "rgb8.jp2"), await corrupting(target, 1 << 30), { verify: true });
    expect(r.verify?.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(r.verify?.psnr).toBeGreaterThan(25);
    expect(existsSync(target)).toBe(true);
    expect(readdirSync(dir)).toEqual(["rgb8.jpg"]);
  });
});
