/**
 * Issue 13 items 2 and 3: contradictory or impossible options are refused or defined, every
 * adjustment the encoder makes to what was asked is a warning (in encodeDetailed().warnings and on
 * the CLI's stderr), and PSNR targets say which peak they use (`psnrPeak: "bits" | "range"`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { decode, encode, encodeDetailed, isJ2kError, readHeader } from "../../src/index.js";
import type { J2kImage } from "../../src/types.js";
import { main } from "../../src/cli/main.js";
import { transcode } from "../../src/dicom/index.js";
import { dcmjsRead } from "../dicom/helpers.js";
import { photoLike } from "./photo_like.js";

const small = photoLike(96, 64, 1, 8, false, 4);
const onePixel: J2kImage = { width: 1, height: 1, components: 1, bitDepth: 8, signed: false, data: new Uint8Array([77]) };

function refused(f: () => unknown, pattern: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(isJ2kError(err, "ENCODE_INVALID_OPTIONS"), String(err)).toBe(true);
  expect((err as Error).message).toMatch(pattern);
}

function sameSamples(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** PSNR with an explicit peak. */
function psnrWithPeak(a: ArrayLike<number>, b: ArrayLike<number>, peak: number): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((peak * peak * a.length) / se);
}

function range(a: ArrayLike<number>): number {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]!);
    hi = Math.max(hi, a[i]!);
  }
  return hi - lo;
}

describe("ratios and lossless", () => {
  test("ratios: [10] with lossless: true is refused (it would truncate a 5/3 stream: no layer lossless)", () => {
    refused(() => encode(small, { ratios: [10], lossless: true }), /final ratio of 1.*ratios: \[10, 1\]/);
    refused(() => encode(small, { ratios: [40, 20], lossless: true }), /final ratio of 1/);
  });

  test("ratios ending with 1 and lossless: true: reversible, lossy first layer, bit-exact last layer", () => {
    const r = encodeDetailed(small, { ratios: [10, 1], lossless: true });
    expect(readHeader(r.data).reversible).toBe(true);
    expect(sameSamples(decode(r.data).data, small.data), "last layer lossless").toBe(true);
    expect(sameSamples(decode(r.data, { layers: 1 }).data, small.data), "first layer lossy").toBe(false);
    expect(r.warnings).toEqual([]);
  });
});

describe("PSNR targets above what lossy coding can promise", () => {
  test("psnr: [200] is coded losslessly, at the lossless size, with a warning (it used to write 6x the lossless size)", () => {
    const r = encodeDetailed(small, { psnr: [200] });
    expect(sameSamples(decode(r.data).data, small.data), "bit-exact").toBe(true);
    expect(r.data.length).toBe(encode(small).length);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/psnr\[0\] = 200 dB is above 58\.9 dB.*layer 1 is coded losslessly/);
  });

  test("psnr: [40, 70, 80]: layer 2 becomes lossless, the 80 dB target is dropped, both said", () => {
    const r = encodeDetailed(small, { psnr: [40, 70, 80] });
    expect(readHeader(r.data).layers).toBe(2);
    expect(sameSamples(decode(r.data).data, small.data)).toBe(true);
    expect(psnrWithPeak(small.data, decode(r.data, { layers: 1 }).data, 255)).toBeGreaterThanOrEqual(40);
    expect(r.warnings.join("\n")).toMatch(/psnr\[1\] = 70 dB.*layer 2 is coded losslessly.*80 dB\) are dropped/);
  });

  test("with lossless: false such a target is refused", () => {
    refused(() => encode(small, { psnr: [200], lossless: false }), /psnr\[0\] = 200 dB.*lossless/);
  });
});

describe("adjustments are warnings", () => {
  test("levels asked beyond the image are clamped and said: 32 on 768x512 gives 9, 10 on 1x1 gives 0", () => {
    const big = encodeDetailed(photoLike(768, 512, 1, 8), { levels: 32 });
    expect(big.levels).toBe(9);
    expect(big.warnings).toEqual([expect.stringMatching(/levels 32 is more than a 768x512 image has room for: 9 decomposition level/)]);
    const one = encodeDetailed(onePixel, { levels: 10 });
    expect(one.levels).toBe(0);
    expect(one.warnings).toEqual([expect.stringMatching(/levels 10 .* 1x1 .*: 0 decomposition level/)]);
    // the default is not something asked: no warning when it is clamped
    expect(encodeDetailed(onePixel).warnings).toEqual([]);
  });

  test("a ratio impossible on a 1x1 image: the headers alone exceed the budget", () => {
    const r = encodeDetailed(onePixel, { ratios: [10] });
    expect(r.warnings).toEqual([expect.stringMatching(/layer 1: ratio 10 allows 0 bytes, less than the headers and empty packets need \(\d+ bytes\)/)]);
  });

  test("precinct sizes beyond the resolutions and a POC layer end beyond the layers are said", () => {
    const p = encodeDetailed(small, { levels: 2, precincts: [[64, 64], [32, 32], [16, 16], [8, 8]] });
    expect(p.warnings).toEqual([expect.stringMatching(/precincts: 4 sizes given for 3 resolutions; the last 1 are not used/)]);
    const q = encodeDetailed(small, { ratios: [20, 10], poc: [{ progression: "RLCP", layerEnd: 5, resolutionEnd: 3, componentEnd: 1 }] });
    expect(q.warnings).toEqual([expect.stringMatching(/layerEnd 5 is more than the 2 layer\(s\)/)]);
  });
});

describe("psnrPeak", () => {
  // the case: a 12-bit MR whose values span 0..595
  const mr = ((): J2kImage => {
    const base = photoLike(160, 128, 1, 8, false, 11);
    const lo = Math.min(...base.data), span = range(base.data);
    const data = new Uint16Array(base.data.length);
    for (let i = 0; i < data.length; i++) data[i] = Math.round(((base.data[i]! - lo) * 595) / span);
    return { width: 160, height: 128, components: 1, bitDepth: 12, signed: false, data };
  })();

  test('"range": the target holds with the image\'s max - min as the peak; the default 2^12 - 1 peak does not give that', () => {
    const peak = range(mr.data);
    expect(peak).toBe(595);
    const byRange = encodeDetailed(mr, { psnr: [45], psnrPeak: "range" });
    const dbRange = psnrWithPeak(mr.data, decode(byRange.data).data, peak);
    expect(dbRange).toBeGreaterThanOrEqual(45);
    expect(dbRange).toBeLessThan(46);
    const byBits = encodeDetailed(mr, { psnr: [45] });
    expect(psnrWithPeak(mr.data, decode(byBits.data).data, 4095), "default: peak 2^bits - 1").toBeGreaterThanOrEqual(45);
    expect(psnrWithPeak(mr.data, decode(byBits.data).data, peak), "the same target against the range is missed").toBeLessThan(40);
    expect(byRange.data.length).toBeGreaterThan(2 * byBits.data.length);
  });

  test("psnrPeak must be bits or range", () => {
    refused(() => encode(mr, { psnr: [45], psnrPeak: "max" as never }), /psnrPeak must be "bits" or "range"/);
  });

  test("the README's DICOM example: MR2 (12-bit, values 0..595) at psnr [45] with psnrPeak range keeps 45 dB against its range", () => {
    const input = new Uint8Array(readFileSync(resolve(process.cwd(), "../shared/testdata/dicom/MR2_UNCR.dcm")));
    const original = new Uint16Array(dcmjsRead(input).dict["7FE00010"].Value[0]);
    const lossy = transcode(input, { transferSyntax: "j2k", psnr: [45], psnrPeak: "range" }) as Uint8Array;
    const back = transcode(lossy, { transferSyntax: "explicit-le" }) as Uint8Array;
    const decoded = new Uint16Array(dcmjsRead(back).dict["7FE00010"].Value[0]);
    expect(decoded.length).toBe(original.length);
    const db = psnrWithPeak(original, decoded, range(original));
    expect(db, `${db.toFixed(2)} dB against the range 0..595`).toBeGreaterThanOrEqual(45);
    expect(input.length / lossy.length, "compressed, not near-lossless").toBeGreaterThan(4);
  });
});

describe("the CLI prints every warning on stderr", () => {
  const dir = mkdtempSync(join(tmpdir(), "j2kit-adjust-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pgm = (name: string, img: J2kImage): string => {
    const path = join(dir, name);
    writeFileSync(path, Buffer.concat([Buffer.from(`P5\n${img.width} ${img.height}\n255\n`), Buffer.from(img.data as Uint8Array)]));
    return path;
  };

  async function run(...argv: string[]): Promise<{ status: number; stderr: string }> {
    let stderr = "";
    const status = await main(argv, { stdout: () => {}, stderr: (t) => void (stderr += t) });
    return { status, stderr };
  }

  test("--levels 32 on 768x512 and --ratio 10 on 1x1", async () => {
    const a = await run("encode", pgm("big.pgm", photoLike(768, 512, 1, 8)), join(dir, "big.j2k"), "--levels", "32");
    expect(a.status).toBe(0);
    expect(a.stderr).toMatch(/^j2kit: warning: levels 32 is more than a 768x512 image has room for: 9 decomposition level/m);
    const b = await run("encode", pgm("one.pgm", onePixel), join(dir, "one.j2k"), "--ratio", "10");
    expect(b.status).toBe(0);
    expect(b.stderr).toMatch(/^j2kit: warning: layer 1: ratio 10 allows 0 bytes, less than the headers/m);
  });

  test("--psnr-peak range", async () => {
    const img = photoLike(96, 64, 1, 8, false, 2);
    const data = new Uint8Array(img.data.length);
    for (let i = 0; i < data.length; i++) data[i] = 100 + Math.round(img.data[i]! / 8); // values span ~32 levels
    const src = pgm("narrow.pgm", { ...img, data });
    const out = join(dir, "narrow.j2k");
    const r = await run("encode", src, out, "--psnr", "40", "--psnr-peak", "range");
    expect(r.status).toBe(0);
    const db = psnrWithPeak(data, decode(new Uint8Array(readFileSync(out))).data, range(data));
    expect(db).toBeGreaterThanOrEqual(40);
    const bad = await run("encode", src, out, "--psnr", "40", "--psnr-peak", "max");
    expect(bad.status).not.toBe(0);
  });
});
