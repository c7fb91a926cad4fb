/**
 * Interop: j2kit's .90 / .91 output decoded by independent DICOM JPEG 2000 decoders gives the same
 * pixels — dcmjs-codecs (OpenJPEG 2.5 in WebAssembly) always, and GDCM's `gdcmconv --raw` when it
 * is installed (Debian/Ubuntu: `apt-get install -y libgdcm-tools`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { transcode } from "../../src/dicom/index.js";
import {
  corpusFile,
  dcmjsCodecsToNative,
  dcmjsRead,
  maxAbsDiff,
  nativePixelBytes,
  samples,
  smoothInts,
  syntheticPart10,
  tagValue,
  toLE,
} from "./helpers.js";

interface Case {
  title: string;
  input: () => Uint8Array;
  bitsAllocated: number;
  signed: boolean;
}

const CASES: Case[] = [
  { title: "MR_small (16-bit signed)", input: () => corpusFile("MR_small.dcm"), bitsAllocated: 16, signed: true },
  { title: "emri_small (12-bit, 10 frames)", input: () => corpusFile("emri_small.dcm"), bitsAllocated: 16, signed: false },
  { title: "SC_rgb (8-bit RGB)", input: () => corpusFile("SC_rgb_gdcm2k_uncompressed.dcm"), bitsAllocated: 8, signed: false },
  {
    title: "synthetic 12-bit signed, 2 frames",
    input: () =>
      syntheticPart10({
        rows: 40,
        columns: 52,
        samplesPerPixel: 1,
        photometric: "MONOCHROME2",
        bitsAllocated: 16,
        bitsStored: 12,
        pixelRepresentation: 1,
        frames: 2,
        pixelData: toLE(smoothInts(52, 80, 1, 4095).map((v) => v - 2048), 16),
      }),
    bitsAllocated: 16,
    signed: true,
  },
];

function pixelCount(bytes: Uint8Array): number {
  const d = dcmjsRead(bytes).dict;
  return tagValue(d, "00280010") * tagValue(d, "00280011") * tagValue(d, "00280002") * (Number(tagValue(d, "00280008")) || 1);
}

function pixelsOfElements(el: Record<string, any>): Uint8Array {
  const parts: ArrayBuffer[] = el.PixelData;
  const n = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out;
}

/** GDCM's gdcmconv, when installed. */
const GDCMCONV = spawnSync("gdcmconv", ["--version"], { encoding: "utf8" }).status === 0 ? "gdcmconv" : undefined;
const work = mkdtempSync(join(tmpdir(), "j2kit-dicom-interop-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function gdcmRaw(bytes: Uint8Array, name: string): Uint8Array {
  const src = join(work, `${name}.dcm`);
  const dst = join(work, `${name}.raw.dcm`);
  writeFileSync(src, bytes);
  execFileSync(GDCMCONV!, ["--raw", src, dst]);
  return new Uint8Array(readFileSync(dst));
}

describe("interop with independent decoders", () => {
  CASES.forEach((c, k) => {
    it(`${c.title}: .90 decodes bit-exact with dcmjs-codecs${GDCMCONV ? " and GDCM" : ""}`, async () => {
      const input = c.input();
      const n = pixelCount(input);
      const want = samples(nativePixelBytes(input), c.bitsAllocated, c.signed, n);
      const j2k = transcode(input, { transferSyntax: "j2k-lossless" });
      const el = await dcmjsCodecsToNative(j2k);
      expect(samples(pixelsOfElements(el), c.bitsAllocated, c.signed, n)).toEqual(want);
      if (GDCMCONV) {
        const raw = gdcmRaw(j2k, `lossless${k}`);
        expect(samples(nativePixelBytes(raw), c.bitsAllocated, c.signed, n)).toEqual(want);
      }
    });

    it(`${c.title}: .91 at ratio 10 decodes within 1 of j2kit's own decode with dcmjs-codecs${GDCMCONV ? " and GDCM" : ""}`, async () => {
      const input = c.input();
      const n = pixelCount(input);
      const j2k = transcode(input, { transferSyntax: "j2k", ratios: [10] });
      const ours = samples(nativePixelBytes(transcode(j2k, { transferSyntax: "explicit-le" })), c.bitsAllocated, c.signed, n);
      const el = await dcmjsCodecsToNative(j2k);
      expect(maxAbsDiff(samples(pixelsOfElements(el), c.bitsAllocated, c.signed, n), ours)).toBeLessThanOrEqual(1);
      if (GDCMCONV) {
        const raw = gdcmRaw(j2k, `lossy${k}`);
        expect(maxAbsDiff(samples(nativePixelBytes(raw), c.bitsAllocated, c.signed, n), ours)).toBeLessThanOrEqual(1);
      }
    });
  });
});
