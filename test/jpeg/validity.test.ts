// Every output is a valid baseline JPEG for independent tools: jpeginfo -c and djpeg accept it and
// decode the right size, over random sizes (1x1 and odd ones), 1-4 input components, every
// subsampling, restart intervals, qualities 1..100 and optimised tables (fast-check).
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { encodeJpeg } from "../../src/index.js";
import { djpeg, frameOf, has, jpeginfoCheck, jpegSegments, mozjpeg, psnr, synthetic } from "./helpers.js";

const HAS = has("jpeginfo") && has("djpeg");

describe.skipIf(!HAS)("JPEG output accepted by jpeginfo -c and djpeg (needs jpeginfo, libjpeg-turbo-progs)", () => {
  test("random images and options (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 90 })),
        fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 90 })),
        fc.constantFrom(1, 2, 3, 4),
        fc.integer({ min: 1, max: 100 }),
        fc.constantFrom("auto", "444", "422", "420") as fc.Arbitrary<"auto" | "444" | "422" | "420">,
        fc.constantFrom(0, 0, 1, 2, 5, 64),
        fc.boolean(),
        fc.integer({ min: 1, max: 1 << 30 }),
        (w, h, c, quality, subsampling, restartInterval, optimizeHuffman, seed) => {
          const img = synthetic(w, h, c, seed);
          const jpg = encodeJpeg({ width: w, height: h, components: c, bitDepth: 8, signed: false, data: img.data }, { quality, subsampling, restartInterval, optimizeHuffman });
          jpeginfoCheck(jpg);
          const d = djpeg(jpg);
          expect([d.width, d.height, d.components]).toEqual([w, h, c >= 3 ? 3 : 1]);
          const { segments, eoi } = jpegSegments(jpg);
          expect(eoi).toBe(true);
          expect(segments.some((s) => s.marker === 0xdd)).toBe(restartInterval > 0);
          expect(frameOf(jpg).marker).toBe(0xc0);
        },
      ),
      { numRuns: 60, seed: 20260712 },
    );
  });

  test("MozJPEG (@jsquash/jpeg) decodes our files to the same pixels as djpeg", async () => {
    const m = await mozjpeg();
    for (const [w, h, c, q, sub] of [[33, 17, 3, 92, "444"], [40, 40, 3, 60, "420"], [19, 23, 1, 75, "auto"], [1, 1, 3, 100, "420"]] as const) {
      const img = synthetic(w, h, c, w + h);
      const jpg = encodeJpeg({ width: w, height: h, components: c, bitDepth: 8, signed: false, data: img.data }, { quality: q, subsampling: sub });
      const ref = djpeg(jpg);
      const moz = await m.decode(jpg.buffer.slice(jpg.byteOffset, jpg.byteOffset + jpg.byteLength) as ArrayBuffer);
      expect([moz.width, moz.height]).toEqual([w, h]);
      const rgb = new Uint8Array(w * h * ref.components);
      for (let i = 0; i < w * h; i++) for (let k = 0; k < ref.components; k++) rgb[i * ref.components + k] = moz.data[i * 4 + k]!;
      // Same libjpeg lineage, same default IDCT and upsampling: equal, or within rounding.
      expect(psnr(rgb, ref.data)).toBeGreaterThan(50);
    }
  });
});
