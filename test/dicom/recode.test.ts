/**
 * JPEG 2000 ↔ HTJ2K in `transcode` by re-coding code-blocks (issue 8 item 5): .90 ↔ .201 and
 * .91 ↔ .203 keep each frame's quantised coefficients, so the pixels are exactly the source's (for
 * .91 the same lossy image, with no second loss), the codestream keeps its structure (levels,
 * code-block size) and only the block coder changes. Frames the coefficient path should not take
 * (a codestream that disagrees with the Image Pixel Module) go through decode + encode as before.
 * Output frames are read with dcmjs and decoded by opj_decompress / ojph_expand as well as j2kit.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDicomCommand } from "../../src/cli/dicom_command.js";
import { inspectDicom, transcode } from "../../src/dicom/index.js";
import { decode, readHeader } from "../../src/index.js";
import { has } from "../helpers/tools.js";
import { corpusFile, dcmjsRead, maxAbsDiff, nativePixelBytes, tagValue } from "./helpers.js";
import { dcmjsFrames, ojphInterleaved, opjInterleaved, transferSyntaxOf } from "./ht_helpers.js";

const OPJ = has("opj_decompress");
const OJPH = has("ojph_expand");

const UID = { ".90": "1.2.840.10008.1.2.4.90", ".91": "1.2.840.10008.1.2.4.91", ".201": "1.2.840.10008.1.2.4.201", ".203": "1.2.840.10008.1.2.4.203" } as const;

interface Case {
  file: string;
  to: keyof typeof UID;
  coder: "ht" | "part1";
  bitsAllocated: number;
  signed: boolean;
  lossy: boolean;
}

const CASES: Case[] = [
  { file: "MR2_J2KR.dcm", to: ".201", coder: "ht", bitsAllocated: 16, signed: false, lossy: false },
  { file: "MR_small_jp2klossless.dcm", to: ".201", coder: "ht", bitsAllocated: 16, signed: true, lossy: false },
  { file: "liver_j2k.dcm", to: ".201", coder: "ht", bitsAllocated: 8, signed: false, lossy: false },
  { file: "HTJ2KLossless_08_RGB.dcm", to: ".90", coder: "part1", bitsAllocated: 8, signed: false, lossy: false },
  { file: "MR2_J2KI.dcm", to: ".203", coder: "ht", bitsAllocated: 16, signed: false, lossy: true },
];

/** Native Pixel Data of a Part 10 file, decoded by j2kit's own transcode to Explicit VR LE. */
function nativeOf(part10: Uint8Array): Uint8Array {
  return nativePixelBytes(transcode(part10, { transferSyntax: "explicit-le" }));
}

function frameBytes(frames: Uint8Array[]): number {
  return frames.reduce((n, f) => n + f.length, 0);
}

describe("transcode between JPEG 2000 and HTJ2K re-codes code-blocks", () => {
  for (const c of CASES) {
    it(`${c.file} → ${c.to}: ${c.coder} frames with the source's structure and exactly the source's pixels`, () => {
      const input = corpusFile(c.file);
      const out = transcode(input, { transferSyntax: UID[c.to] });
      expect(transferSyntaxOf(out)).toBe(UID[c.to]);
      const before = inspectDicom(input).frames!;
      const after = dcmjsFrames(out);
      expect(after.length).toBe(before.length);
      after.forEach((f, k) => {
        const h = readHeader(f);
        const src = readHeader(before[k]!);
        expect(h.blockCoder).toBe(c.coder);
        // the codestream's structure is the source's: nothing was encoded from pixels
        expect({ levels: h.levels, cb: [h.codeBlockWidth, h.codeBlockHeight], reversible: h.reversible, progression: h.progression }).toEqual({
          levels: src.levels,
          cb: [src.codeBlockWidth, src.codeBlockHeight],
          reversible: src.reversible,
          progression: src.progression,
        });
        // every frame decodes to the source frame's samples (coefficients unchanged)
        expect(Buffer.from(decode(f).data.buffer).equals(Buffer.from(decode(before[k]!).data.buffer)), `frame ${k}`).toBe(true);
      });
      expect(Buffer.from(nativeOf(out)).equals(Buffer.from(nativeOf(input)))).toBe(true);
      const { dict } = dcmjsRead(out);
      if (c.lossy) {
        expect(tagValue(dict, "00282110")).toBe("01");
        // the same lossy image: about the source's size, far below a lossless coding of its pixels
        const pixels = dcmjsFrames(transcode(input, { transferSyntax: UID[c.to], recode: "pixels" }));
        expect(frameBytes(after)).toBeLessThan(frameBytes(before) * 1.1);
        expect(frameBytes(after)).toBeLessThan(frameBytes(pixels) * 0.8);
      }
    });
  }

  it.skipIf(!OPJ || !OJPH)("the re-coded frames decode alike with opj_decompress and ojph_expand (needs opj_decompress, ojph_expand)", () => {
    for (const c of CASES.filter((x) => !x.signed)) {
      const input = corpusFile(c.file);
      const out = dcmjsFrames(transcode(input, { transferSyntax: UID[c.to] }));
      const src = inspectDicom(input).frames!;
      const h = readHeader(out[0]!);
      const ours = Array.from(decode(src[0]!).data);
      const opj = opjInterleaved(out[0]!);
      const tol = c.lossy ? 1 : 0;
      expect(opj.length).toBe(ours.length);
      expect(maxAbsDiff(opj, ours), `${c.file} opj_decompress`).toBeLessThanOrEqual(tol);
      if (c.coder === "ht" && (h.components === 1 || h.components === 3)) {
        const ojph = ojphInterleaved(out[0]!, h.width, h.height, h.components as 1 | 3);
        expect(ojph.length).toBe(ours.length);
        expect(maxAbsDiff(ojph, ours), `${c.file} ojph_expand`).toBeLessThanOrEqual(tol);
      }
    }
  });

  // emri_small_jpeg_2k_lossless: 16-bit codestreams for Bits Stored 12; GDCMJ2K_TextGBR: JP2 files as frames
  for (const file of ["emri_small_jpeg_2k_lossless.dcm", "GDCMJ2K_TextGBR.dcm"]) {
    it(`${file}: frames the coefficient path does not take go through decode + encode, as recode: "pixels"`, () => {
      const input = corpusFile(file);
      const auto = transcode(input, { transferSyntax: UID[".201"] });
      const pixels = transcode(input, { transferSyntax: UID[".201"], recode: "pixels" });
      const a = dcmjsFrames(auto);
      expect(a.map((f) => Buffer.from(f).toString("hex"))).toEqual(dcmjsFrames(pixels).map((f) => Buffer.from(f).toString("hex")));
      expect(readHeader(a[0]!).blockCoder).toBe("ht");
      expect(Buffer.from(nativeOf(auto)).equals(Buffer.from(nativeOf(input)))).toBe(true);
    });
  }

  it("recode: \"pixels\" on a file the coefficient path takes encodes from pixels", () => {
    // and "pixels" on a file the coefficient path would take: encoded with the dicom preset's levels
    const mr = corpusFile("MR2_J2KR.dcm");
    expect(readHeader(dcmjsFrames(transcode(mr, { transferSyntax: UID[".201"], recode: "pixels" }))[0]!).levels).not.toBe(readHeader(dcmjsFrames(mr)[0]!).levels);
  });

  it("CLI: j2kit dicom MR2_J2KI.dcm out.dcm --to htj2k re-codes (no --ratio needed); --recode pixels encodes the decoded pixels losslessly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "j2kit-recode-"));
    try {
      const input = corpusFile("MR2_J2KI.dcm");
      const inPath = join(dir, "in.dcm");
      writeFileSync(inPath, input);
      const io = { stdout: () => undefined, stderr: () => undefined };
      expect(await runDicomCommand([inPath, join(dir, "a.dcm"), "--to", "htj2k"], io)).toBe(0);
      expect(await runDicomCommand([inPath, join(dir, "b.dcm"), "--to", "htj2k", "--recode", "pixels"], io)).toBe(0);
      const a = dcmjsFrames(new Uint8Array(readFileSync(join(dir, "a.dcm"))));
      const b = dcmjsFrames(new Uint8Array(readFileSync(join(dir, "b.dcm"))));
      const src = inspectDicom(input).frames!;
      expect(readHeader(a[0]!).reversible, "re-coded: still the source's 9/7 coefficients").toBe(false);
      expect(readHeader(b[0]!).reversible, "from pixels: .203 without targets is reversible").toBe(true);
      expect(frameBytes(a)).toBeLessThan(frameBytes(src) * 1.1);
      expect(frameBytes(b)).toBeGreaterThan(frameBytes(a));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
