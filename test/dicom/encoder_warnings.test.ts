/**
 * The encoder's adjustments to what was asked (EncodeResult.warnings, issue 13 item 2) reach DICOM
 * users too: `encodeFrames(...).warnings` and `transcode(..., { onWarning })`, once per message, with
 * the frames named when not every frame gave it.
 */
import { describe, expect, it } from "vitest";
import { encodeFrames, transcode, type PixelModule } from "../../src/dicom/index.js";
import { smoothInts, syntheticPart10, toLE } from "./helpers.js";

const W = 16;
const H = 16;
/** Image Pixel Module of two 16x16 12-bit frames. */
const pm: PixelModule = { rows: H, columns: W, samplesPerPixel: 1, photometricInterpretation: "MONOCHROME2", bitsAllocated: 16, bitsStored: 12, highBit: 11, pixelRepresentation: 0, planarConfiguration: 0, numberOfFrames: 2 };

describe("encoder warnings in the DICOM path", () => {
  it("encodeFrames: a budget below the headers is reported once for a two-frame image (both frames hit it)", () => {
    const pixels = toLE([...smoothInts(W, H, 1, 4095, 1), ...smoothInts(W, H, 1, 4095, 2)], 16);
    const r = encodeFrames(pixels, pm, { transferSyntax: "j2k", ratios: [400] });
    expect(r.frames.length).toBe(2);
    const budget = r.warnings.filter((w) => /ratio 400 allows \d+ bytes, less than the headers/.test(w));
    expect(budget, r.warnings.join("\n")).toHaveLength(1);
    expect(budget[0]).not.toMatch(/^frame/);
  });

  it("encodeFrames: a warning only some frames give names them", () => {
    // frame 1 is flat (every pass fits the budget), frame 2 is detailed (it does not)
    const flat = new Array<number>(W * H).fill(100);
    const pixels = toLE([...flat, ...smoothInts(W, H, 1, 4095, 3)], 16);
    const r = encodeFrames(pixels, pm, { transferSyntax: "j2k", ratios: [2] });
    const allPasses = r.warnings.filter((w) => /every coding pass takes only/.test(w));
    expect(allPasses, r.warnings.join("\n")).toHaveLength(1);
    expect(allPasses[0]).toMatch(/^frame 1: layer 1: ratio 2 allows/);
  });

  it("transcode passes them to onWarning", () => {
    const input = syntheticPart10({
      rows: H,
      columns: W,
      samplesPerPixel: 1,
      photometric: "MONOCHROME2",
      bitsAllocated: 16,
      bitsStored: 12,
      pixelRepresentation: 0,
      pixelData: toLE(smoothInts(W, H, 1, 4095), 16),
    });
    const seen: string[] = [];
    transcode(input, { transferSyntax: "j2k", ratios: [400], onWarning: (w) => seen.push(w) });
    expect(seen.some((w) => /ratio 400 allows \d+ bytes, less than the headers/.test(w)), seen.join("\n")).toBe(true);
  });
});
