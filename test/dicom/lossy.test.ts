/**
 * Native → JPEG 2000 (.91) at ratio 10 and at PSNR 45: the lossy attributes (PS3.3 C.7.6.1.1.5,
 * C.7.6.1.1.2; new SOP Instance UID per PS3.4) and a pixel error consistent with the target.
 */
import { describe, expect, it } from "vitest";
import { readHeader } from "../../src/index.js";
import { inspectDicom, transcode } from "../../src/dicom/index.js";
import {
  corpusFile,
  dcmjsRead,
  nativePixelBytes,
  psnr,
  samples,
  smoothInts,
  syntheticPart10,
  tagValue,
  toLE,
} from "./helpers.js";
import { psnrPeak } from "../helpers/psnr.mjs";

const J2K = "1.2.840.10008.1.2.4.91";
const W = 128;
const H = 96;
const ORIGINAL = smoothInts(W, H, 1, 4095);

function mono12(extra: Record<string, unknown> = {}): Uint8Array {
  return syntheticPart10({
    rows: H,
    columns: W,
    samplesPerPixel: 1,
    photometric: "MONOCHROME2",
    bitsAllocated: 16,
    bitsStored: 12,
    pixelRepresentation: 0,
    pixelData: toLE(ORIGINAL, 16),
    extra: { ImageType: ["ORIGINAL", "PRIMARY", "AXIAL"], ...extra },
  });
}

function decodedSamples(j2k: Uint8Array): number[] {
  const back = transcode(j2k, { transferSyntax: "explicit-le" });
  return samples(nativePixelBytes(back), 16, false, W * H);
}

describe("native -> .91", () => {
  it("ratio 10: codestream about a tenth of the 12-bit image, lossy but faithful, attributes as PS3.3 asks", () => {
    const input = mono12();
    const j2k = transcode(input, { transferSyntax: "j2k", ratios: [10] });
    const { meta, dict } = dcmjsRead(j2k);
    const src = dcmjsRead(input).dict;

    const frame = inspectDicom(j2k).frames![0]!;
    const h = readHeader(frame);
    expect(h.reversible).toBe(false);
    expect(h.bitDepth).toBe(12);
    expect(h.format).toBe("j2k");
    // Rate targets are relative to the coded precision (12 bits); allow for markers and rounding.
    expect(frame.length).toBeLessThanOrEqual(Math.ceil((W * H * 12) / 8 / 10) * 1.05 + 64);

    expect(tagValue(meta, "00020010")).toBe(J2K);
    expect(tagValue(dict, "00282110")).toBe("01");
    // Ratio recorded against the stored (16-bit) Pixel Data: native bytes / codestream bytes.
    expect(Number(tagValue(dict, "00282112"))).toBeCloseTo((W * H * 2) / frame.length, 1);
    expect(dict["00282114"].Value).toEqual(["ISO_15444_1"]);
    expect(dict["00080008"].Value).toEqual(["DERIVED", "PRIMARY", "AXIAL"]);
    const uid = tagValue(dict, "00080018");
    expect(uid).not.toBe(tagValue(src, "00080018"));
    expect(uid).toMatch(/^2\.25\.\d+$/);
    expect(tagValue(meta, "00020003")).toBe(uid);

    const got = decodedSamples(j2k);
    const quality = psnr(got, ORIGINAL, 12);
    expect(quality).toBeLessThan(Infinity);
    expect(quality).toBeGreaterThan(35);
  });

  it("PSNR 45: the decoded image reaches the target and stays within 1 dB above it (lossy, as few bytes as practical)", () => {
    const j2k = transcode(mono12(), { transferSyntax: J2K, psnr: [45] });
    expect(readHeader(inspectDicom(j2k).frames![0]!).reversible).toBe(false);
    const quality = psnr(decodedSamples(j2k), ORIGINAL, 12);
    expect(quality, `${quality.toFixed(2)} dB`).toBeGreaterThanOrEqual(45);
    expect(quality, `${quality.toFixed(2)} dB`).toBeLessThan(46);
  });

  it("appends to existing lossy compression history and can keep the SOP Instance UID", () => {
    const input = mono12({ LossyImageCompression: "01", LossyImageCompressionRatio: [5], LossyImageCompressionMethod: ["ISO_10918_1"] });
    const j2k = transcode(input, { transferSyntax: "j2k", ratios: [10], keepSopInstanceUid: true });
    const { meta, dict } = dcmjsRead(j2k);
    expect(tagValue(dict, "00282110")).toBe("01");
    expect(dict["00282112"].Value).toHaveLength(2);
    expect(Number(dict["00282112"].Value[0])).toBe(5);
    expect(dict["00282114"].Value).toEqual(["ISO_10918_1", "ISO_15444_1"]);
    expect(tagValue(dict, "00080018")).toBe(tagValue(dcmjsRead(input).dict, "00080018"));
    expect(tagValue(meta, "00020003")).toBe(tagValue(dict, "00080018"));
  });

  it("RGB becomes YBR_ICT (irreversible colour transform), Planar Configuration 0, RGB again on decode", () => {
    // A smooth, noisy image: the corpus's SC_rgb is flat colour bands that 10:1 codes exactly.
    const rgb = smoothInts(100, 100, 3, 255, 21);
    const input = syntheticPart10({ rows: 100, columns: 100, samplesPerPixel: 3, photometric: "RGB", bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, planarConfiguration: 1, pixelData: toLE(planar(rgb), 8) });
    const j2k = transcode(input, { transferSyntax: "j2k", ratios: [10] });
    const dict = dcmjsRead(j2k).dict;
    expect(tagValue(dict, "00280004")).toBe("YBR_ICT");
    expect(tagValue(dict, "00280006")).toBe(0);
    expect(readHeader(inspectDicom(j2k).frames![0]!).mct).toBe(true);
    const back = transcode(j2k, { transferSyntax: "explicit-le" });
    expect(tagValue(dcmjsRead(back).dict, "00280004")).toBe("RGB");
    const quality = psnr(samples(nativePixelBytes(back), 8, false, rgb.length), rgb, 8);
    expect(quality).toBeGreaterThan(25);
    expect(quality).toBeLessThan(Infinity);
  });

  it("JPEG 2000 Lossless (.90) → JPEG 2000 (.91): decoded, re-encoded, marked lossy", () => {
    const j2k = transcode(corpusFile("MR_small_jp2klossless.dcm"), { transferSyntax: "j2k", ratios: [10] });
    const { meta, dict } = dcmjsRead(j2k);
    expect(tagValue(meta, "00020010")).toBe(J2K);
    expect(tagValue(dict, "00282110")).toBe("01");
    expect(readHeader(inspectDicom(j2k).frames![0]!).reversible).toBe(false);
    const got = samples(nativePixelBytes(transcode(j2k, { transferSyntax: "explicit-le" })), 16, true, 64 * 64);
    const ref = samples(nativePixelBytes(corpusFile("MR_small.dcm")), 16, true, 64 * 64);
    const range = Math.max(...ref) - Math.min(...ref);
    // PSNR against the image's own range: lossy but recognisable.
    expect(psnrPeak(ref, got, range)).toBeGreaterThan(25);
  });

  it("decoding a lossy (9/7) file to native keeps Lossy Image Compression 01", () => {
    const back = transcode(corpusFile("MR2_J2KI.dcm"), { transferSyntax: "explicit-le" });
    expect(tagValue(dcmjsRead(back).dict, "00282110")).toBe("01");
  });
});

/** Pixel-interleaved RGB samples rearranged colour-by-plane (Planar Configuration 1). */
function planar(interleaved: number[]): number[] {
  const n = interleaved.length / 3;
  const out: number[] = new Array(interleaved.length);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) out[c * n + p] = interleaved[3 * p + c]!;
  return out;
}
