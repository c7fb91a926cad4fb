/**
 * Lossless round trip of every benchmark image (issue 2, "Real images"): the Kodak photos, the large
 * photo, the 12-bit radiograph, the 14-bit CT and the signed CT raw, with the settings of
 * ../shared/benchcorpus/PEERS.md (5 levels for Kodak and CT, 6 for saw and DX, 64×64 code-blocks,
 * one tile, LRCP).
 *
 * The images are read by the tests' own PNM reader (benchcorpus_images.ts), so the reference samples
 * never pass through the library's src/io.
 */
import { describe, expect, test } from "vitest";
import { decode, encode, readHeader } from "../../src/index.js";
import type { EncodeOptions, J2kImage } from "../../src/types.js";
import { CORPUS_PNM, corpusImage, readSignedCt } from "./benchcorpus_images.js";

function firstMismatch(want: ArrayLike<number>, got: ArrayLike<number>): string | undefined {
  if (want.length !== got.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) if (want[i] !== got[i]) return `sample ${i}: got ${got[i]}, expected ${want[i]}`;
  return undefined;
}

/** PEERS.md: 5 decomposition levels for Kodak and CT, 6 for saw and DX; 64×64; LRCP; one tile. */
function peersSettings(levels: number): EncodeOptions {
  return { levels, codeBlock: [64, 64], progression: "LRCP" };
}

function checkRoundTrip(image: J2kImage, levels: number, arrayClass: string): number {
  const bytes = encode(image, peersSettings(levels));
  const h = readHeader(bytes);
  expect([h.width, h.height, h.components, h.bitDepth, h.signed], "header geometry").toEqual([
    image.width,
    image.height,
    image.components,
    image.bitDepth,
    image.signed,
  ]);
  expect([h.levels, h.codeBlockWidth, h.codeBlockHeight, h.progression, h.tilesX * h.tilesY, h.reversible, h.layers]).toEqual([
    levels,
    64,
    64,
    "LRCP",
    1,
    true,
    1,
  ]);
  const back = decode(bytes);
  expect(back.data.constructor.name).toBe(arrayClass);
  expect([back.width, back.height, back.components, back.bitDepth, back.signed]).toEqual([
    image.width,
    image.height,
    image.components,
    image.bitDepth,
    image.signed,
  ]);
  expect(firstMismatch(image.data, back.data)).toBeUndefined();
  return bytes.length;
}

/** What the corpus README says each file is, and the decoded array class the README promises. */
const EXPECTED: Record<string, { bitDepth: number; components: number; arrayClass: string }> = {
  "kodim03.ppm": { bitDepth: 8, components: 3, arrayClass: "Uint8Array" },
  "kodim04.ppm": { bitDepth: 8, components: 3, arrayClass: "Uint8Array" },
  "kodim07.ppm": { bitDepth: 8, components: 3, arrayClass: "Uint8Array" },
  "kodim08.ppm": { bitDepth: 8, components: 3, arrayClass: "Uint8Array" },
  "ct_693_512x512_14bit.pgm": { bitDepth: 14, components: 1, arrayClass: "Uint16Array" },
  "dx_chest_966_2000x2128_12bit.pgm": { bitDepth: 12, components: 1, arrayClass: "Uint16Array" },
  "saw_2725x2225.ppm": { bitDepth: 8, components: 3, arrayClass: "Uint8Array" },
};

describe("benchcorpus lossless round trip (PEERS.md settings)", () => {
  for (const f of CORPUS_PNM) {
    test(`${f.file}: ${f.levels} levels, 64x64, LRCP — bit-exact`, () => {
      const image = corpusImage(f.file);
      const want = EXPECTED[f.file]!;
      expect([image.bitDepth, image.components], "reader sanity").toEqual([want.bitDepth, want.components]);
      const size = checkRoundTrip(image, f.levels, want.arrayClass);
      const raw = (image.width * image.height * image.components * image.bitDepth) / 8;
      console.log(`[benchcorpus] ${f.file}: ${size} bytes, ratio ${(raw / size).toFixed(3)}`);
    });
  }

  test("ct_693_512x512_s16le.raw as Int16Array: signed 16-bit and declared signed 14-bit — bit-exact", () => {
    const data = readSignedCt();
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    // README of the corpus: values -2000 … 2492, so they fit a signed 14-bit range (-8192 … 8191)
    expect([lo, hi]).toEqual([-2000, 2492]);
    for (const bitDepth of [16, 14]) {
      const image: J2kImage = { width: 512, height: 512, components: 1, bitDepth, signed: true, data };
      const size = checkRoundTrip(image, 5, "Int16Array");
      console.log(`[benchcorpus] CT signed as ${bitDepth}-bit: ${size} bytes`);
    }
  });

  test("the 14-bit PGM holds the signed CT + 8192 (the two CT files agree; guards the PNM reader)", () => {
    const pgm = corpusImage("ct_693_512x512_14bit.pgm");
    const signed = readSignedCt();
    expect(firstMismatch(Array.from(signed, (v) => v + 8192), pgm.data)).toBeUndefined();
  });
});
