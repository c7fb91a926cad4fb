/**
 * Doubled 9/7 steps for the sub-bands whose last layer never reaches the lowest bit-plane
 * (codec/rate/coarse.ts; issue 14 item 1: the output must be what the uncapped encoder chooses, or
 * provably no worse in PSNR at the same size). Each case encodes with the doubled steps off (every
 * band at the base step: the exact path) and on, in the same core, and asks of the second: every
 * layer's PSNR at least the exact path's (equal when both round to the same 0.001 dB), the size
 * within the byte budget, and that bands really were doubled (else the comparison proves nothing).
 */
import { describe, expect, test } from "vitest";
import { decode, encode } from "../../src/index.js";
import { callCore } from "../../src/wasm/load.js";
import type { J2kImage } from "../../src/types.js";
import { corpusImage, signedCtImage } from "../roundtrip/benchcorpus_images.js";
import { psnr } from "../helpers/psnr.mjs";

function encodeWith(img: J2kImage, ratios: number[], coarse: 0 | 1): { data: Uint8Array; bands: number } {
  callCore((c) => c.encoderSetCoarseSteps(coarse));
  try {
    const data = encode(img, { levels: 5, codeBlock: [64, 64], progression: "LRCP", ratios });
    return { data, bands: callCore((c) => c.encoderEarlyStops(11)) };
  } finally {
    callCore((c) => c.encoderSetCoarseSteps(1));
  }
}

const layerPsnr = (img: J2kImage, data: Uint8Array, layers: number): number[] =>
  Array.from({ length: layers }, (_, k) => psnr(img.data, decode(data, { layers: k + 1 }).data, img.bitDepth));

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

const images: [string, () => J2kImage][] = [
  ["kodim03", () => corpusImage("kodim03.ppm")],
  ["kodim07", () => corpusImage("kodim07.ppm")],
  ["ct 14-bit", () => corpusImage("ct_693_512x512_14bit.pgm")],
  ["ct signed 16-bit", () => signedCtImage(16)],
];

describe("doubled steps where the last layer keeps no lowest bit-plane (rate/coarse.ts)", () => {
  for (const [name, image] of images) {
    for (const ratios of [[20], [40, 20, 10]]) {
      test(`${name} at ${ratios.join("/")}: every layer's PSNR >= the base-step encode's, size within the budget`, () => {
        const img = image();
        const exact = encodeWith(img, ratios, 0);
        const coarse = encodeWith(img, ratios, 1);
        expect(exact.bands, "the exact path doubles nothing").toBe(0);
        // at 20:1 every band of these images is doubled (no layer keeps a lowest bit-plane); at 40/20/10
        // kodim03's 10:1 layer keeps some, and its pilots say so in every band (none doubled)
        if (ratios.length === 1) expect(coarse.bands).toBe(16);
        else if (name === "kodim03") expect(coarse.bands).toBe(0);
        else if (name === "kodim07") expect(coarse.bands).toBeGreaterThan(4); // (its finest bands are the closest call)
        else expect(coarse.bands).toBeGreaterThan(10);
        const budget = (img.width * img.height * img.components * img.bitDepth) / 8 / ratios[ratios.length - 1]!;
        expect(coarse.data.length).toBeLessThanOrEqual(budget);
        const want = layerPsnr(img, exact.data, ratios.length);
        const got = layerPsnr(img, coarse.data, ratios.length);
        for (let k = 0; k < ratios.length; k++) expect(round3(got[k]!), `layer ${k + 1}`).toBeGreaterThanOrEqual(round3(want[k]!));
      });
    }
  }
});
