/**
 * HT encoder (ISO/IEC 15444-15), lossless: `encode(image, { ht: true })` output decodes bit-exactly
 * with our decoder (both builds), opj_decompress (libopenjp2-tools), ojph_expand (openjph-tools)
 * and OpenJPH-WASM (@cornerstonejs/codec-openjph), over sizes, bit depths 1–16, signed and
 * unsigned, 1–4 components and every code-block size (non-square included); the encoder's two
 * builds write the same bytes; the header says HT (CAP, Ccap15, Rsiz bit 14); JPH output.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { encode, readHeader } from "../../src/index.js";
import { useFlavor } from "../../src/wasm/load.js";
import type { EncodeOptions, J2kImage } from "../../src/types.js";
import { makeImage, CONTENT_KINDS, type ImageSpec } from "../helpers/synthetic.js";
import { deinterleave } from "../helpers/images.js";
import { nativeDecode } from "../helpers/peers.js";
import { decodeBoth, has, ojphExpand } from "../ht/helpers.js";
import { openJphDecode } from "./helpers.js";

/** Encode with both builds; they must write the same bytes. */
function encodeBoth(image: J2kImage, options: EncodeOptions): Uint8Array {
  useFlavor("scalar");
  const a = encode(image, options);
  useFlavor("simd");
  const b = encode(image, options);
  useFlavor(null);
  expect(Buffer.from(a).equals(Buffer.from(b)), "scalar and SIMD encoders differ").toBe(true);
  return a;
}

/** Our decoder must give the image back exactly. */
function expectExact(image: J2kImage, bytes: Uint8Array): void {
  const out = decodeBoth(bytes);
  const planes = deinterleave(image.data, image.width, image.height, image.components);
  for (let c = 0; c < image.components; c++) {
    const got = out.componentData![c]!;
    const want = planes[c]!.data;
    let bad = -1;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) { bad = i; break; }
    expect(bad, `component ${c}: first difference at sample ${bad}`).toBe(-1);
  }
}

const CODE_BLOCKS: Array<[number, number]> = [
  [4, 4], [8, 8], [16, 16], [32, 32], [64, 64], [4, 1024], [1024, 4], [16, 256], [128, 32], [8, 64],
];

const specArb = fc.record({
  width: fc.integer({ min: 1, max: 97 }),
  height: fc.integer({ min: 1, max: 83 }),
  components: fc.integer({ min: 1, max: 4 }),
  bitDepth: fc.integer({ min: 1, max: 16 }),
  signed: fc.boolean(),
  content: fc.constantFrom(...CONTENT_KINDS),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});
const optArb = fc.record({
  codeBlock: fc.constantFrom(...CODE_BLOCKS),
  levels: fc.integer({ min: 0, max: 5 }),
  vcausal: fc.boolean(),
});

function optionsOf(o: { codeBlock: [number, number]; levels: number; vcausal: boolean }): EncodeOptions {
  return { ht: true, codeBlock: o.codeBlock, levels: o.levels, ...(o.vcausal ? { codeBlockStyle: ["vcausal"] } : {}) };
}

describe("HT lossless encoding", () => {
  test("round trip through our decoder: sizes, depths 1-16, signed, 1-4 components, every code-block size; both builds identical", () => {
    fc.assert(
      fc.property(specArb, optArb, (spec: ImageSpec, o) => {
        const image = makeImage(spec);
        const bytes = encodeBoth(image, optionsOf(o));
        expectExact(image, bytes);
      }),
      { numRuns: 60, seed: 8015 },
    );
  });

  test.skipIf(!has("opj_decompress"))("opj_decompress decodes the output bit-exactly (needs opj_decompress: libopenjp2-tools)", () => {
    fc.assert(
      fc.property(specArb, optArb, (spec: ImageSpec, o) => {
        const image = makeImage(spec);
        const bytes = encode(image, optionsOf(o));
        const ref = nativeDecode(bytes);
        const planes = deinterleave(image.data, image.width, image.height, image.components);
        expect(ref.components).toBe(image.components);
        for (let c = 0; c < image.components; c++) {
          expect(Buffer.from(Int32Array.from(ref.planes[c]!.data).buffer).equals(Buffer.from(Int32Array.from(planes[c]!.data).buffer)), `component ${c}`).toBe(true);
        }
      }),
      { numRuns: 25, seed: 151 },
    );
  });

  test.skipIf(!has("ojph_expand"))("ojph_expand decodes the output bit-exactly (needs ojph_expand: openjph-tools)", () => {
    // ojph_expand writes PGM (1 component) and PPM (3 components) for unsigned samples up to 16 bits
    const spec = fc.record({
      width: fc.integer({ min: 1, max: 97 }),
      height: fc.integer({ min: 1, max: 83 }),
      components: fc.constantFrom(1, 3),
      bitDepth: fc.integer({ min: 1, max: 16 }),
      signed: fc.constant(false),
      content: fc.constantFrom(...CONTENT_KINDS),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
    });
    fc.assert(
      fc.property(spec, optArb, (s: ImageSpec, o) => {
        const image = makeImage(s);
        const bytes = encode(image, optionsOf(o));
        const got = ojphExpand(bytes, image.components === 1 ? "pgm" : "ppm", []);
        const planes = deinterleave(image.data, image.width, image.height, image.components);
        for (let c = 0; c < image.components; c++) {
          expect(Array.from(got[c]!.data)).toEqual(Array.from(planes[c]!.data));
        }
      }),
      { numRuns: 20, seed: 1515 },
    );
  });

  test("OpenJPH-WASM (@cornerstonejs/codec-openjph) decodes the output bit-exactly", async () => {
    const specs: ImageSpec[] = [
      { width: 97, height: 61, components: 1, bitDepth: 8, signed: false, content: "gradient", seed: 1 },
      { width: 64, height: 64, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 2 },
      { width: 33, height: 70, components: 1, bitDepth: 12, signed: false, content: "sparse", seed: 3 },
      { width: 50, height: 40, components: 1, bitDepth: 16, signed: true, content: "noise", seed: 4 },
      { width: 77, height: 13, components: 3, bitDepth: 10, signed: false, content: "checker", seed: 5 },
    ];
    for (const spec of specs) {
      for (const codeBlock of [[64, 64], [32, 128], [16, 16]] as Array<[number, number]>) {
        const image = makeImage(spec);
        const bytes = encode(image, { ht: true, codeBlock });
        const got = await openJphDecode(bytes);
        expect(got.width).toBe(image.width);
        expect(Array.from(got.data), `${JSON.stringify(spec)} ${codeBlock}`).toEqual(Array.from(image.data));
      }
    }
  });

  test("header: Rsiz bit 14, CAP with Ccap15 (all HT, reversible), COD style 0x40; JPH brand", () => {
    const image = makeImage({ width: 40, height: 30, components: 1, bitDepth: 12, signed: false, content: "gradient", seed: 9 });
    const bytes = encode(image, { ht: true });
    // SIZ Rsiz at offset 6; CAP right after SIZ
    expect(bytes[6]! & 0x40).toBe(0x40);
    const sizEnd = 4 + ((bytes[4]! << 8) | bytes[5]!);
    expect([bytes[sizEnd], bytes[sizEnd + 1]]).toEqual([0xff, 0x50]);
    const ccap15 = (bytes[sizEnd + 8]! << 8) | bytes[sizEnd + 9]!;
    expect(ccap15 & 0xc000).toBe(0);
    expect(ccap15 & 0x0020).toBe(0);
    const h = readHeader(bytes);
    expect(h.blockCoder).toBe("ht");
    expect(h.htCapabilities?.codeBlocks).toBe("all-ht");
    // B_p covers the 12-bit data (lossless 5/3: at least bitDepth + 1 bit-planes in HH bands)
    expect(h.htCapabilities!.magnitudeBound).toBeGreaterThanOrEqual(13);
    const jph = encode(image, { format: "jph" });
    expect(Buffer.from(jph.subarray(20, 24)).toString("latin1")).toBe("jph ");
    expectExact(image, jph);
  });

  test("Part 1 code-block styles are refused with ht", () => {
    const image = makeImage({ width: 8, height: 8, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 1 });
    expect(() => encode(image, { ht: true, codeBlockStyle: ["bypass"] })).toThrow(/Part 1 block coder/);
    expect(() => encode(image, { ht: false, format: "jph" })).toThrow(/jph/);
  });
});
