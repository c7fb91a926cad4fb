/**
 * The decoder's direct output path (codec/decode_output.ts): when every component is decoded on one
 * grid into the interleaved or planar layout, the core runs the inverse MCT, DC shift, clamp and
 * packing strip by strip straight into the host layout instead of filling i32 planes that are packed
 * afterwards. `layout: "components"` still goes through the planes, so it is the reference here: the
 * direct path must give exactly its samples, for lossless and lossy streams, 1/3/4 components, 8-16
 * bits signed and unsigned, tiles, regions, reductions, layers, and a tile missing from a truncated
 * stream (left at 0 by both paths).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decode, encode, J2kError } from "../../src/index.js";
import type { DecodedImage, DecodeOptions } from "../../src/types.js";
import { callCore } from "../../src/wasm/load.js";
import { photoLike, firstMismatch } from "../encoder/photo_like.js";

const fcParams = {
  seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined,
  path: process.env.FC_PATH,
  endOnFailure: true,
};

/** The components-layout decode (planes path), arranged as `layout` by hand. */
function reference(bytes: Uint8Array, options: DecodeOptions, layout: "interleaved" | "planar"): number[] {
  const d = decode(bytes, { ...options, layout: "components" });
  const comps = d.componentData!;
  const n = comps.length;
  const N = d.width * d.height;
  const out = new Array<number>(N * n);
  for (let k = 0; k < n; k++) {
    const c = comps[k]!;
    for (let i = 0; i < N; i++) out[layout === "interleaved" ? i * n + k : k * N + i] = c[i]!;
  }
  return out;
}

function direct(bytes: Uint8Array, options: DecodeOptions, layout: "interleaved" | "planar"): DecodedImage {
  return decode(bytes, { ...options, layout });
}

describe("direct output path = planes path", () => {
  test("property: random images, codings, tiles, regions, reductions and layers", () => {
    fc.assert(
      fc.property(
        fc.record({
          w: fc.integer({ min: 1, max: 70 }),
          h: fc.integer({ min: 1, max: 70 }),
          comps: fc.constantFrom(1, 3, 4),
          depth: fc.constantFrom(8, 12, 16),
          signed: fc.boolean(),
          lossy: fc.boolean(),
          tiled: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1000 }),
          rx: fc.double({ min: 0, max: 1, noNaN: true }),
          ry: fc.double({ min: 0, max: 1, noNaN: true }),
          rw: fc.double({ min: 0, max: 1, noNaN: true }),
          rh: fc.double({ min: 0, max: 1, noNaN: true }),
          region: fc.boolean(),
          reduce: fc.integer({ min: 0, max: 2 }),
          layers: fc.integer({ min: 0, max: 2 }),
        }),
        (c) => {
          const image = photoLike(c.w, c.h, c.comps, c.depth, c.signed, c.seed);
          const levels = Math.min(3, Math.floor(Math.log2(Math.min(c.w, c.h))));
          const bytes = encode(image, {
            levels,
            ...(c.lossy ? { ratios: [30, 10] } : { layers: 2 }),
            ...(c.tiled ? { tile: { width: 24, height: 20 } } : {}),
          });
          const reduce = Math.min(c.reduce, levels);
          const options: DecodeOptions = { reduce, layers: c.layers };
          if (c.region) {
            const x = Math.floor(c.rx * (c.w - 1)), y = Math.floor(c.ry * (c.h - 1));
            options.region = { x, y, width: 1 + Math.floor(c.rw * (c.w - x - 1)), height: 1 + Math.floor(c.rh * (c.h - y - 1)) };
          }
          let ok = true;
          try {
            decode(bytes, { ...options, layout: "components" });
          } catch (e) {
            ok = !(e instanceof J2kError && e.code === "INVALID_ARGUMENT"); // a region without samples at this reduce
            if (ok) throw e;
          }
          if (!ok) return;
          for (const layout of ["interleaved", "planar"] as const) {
            const got = direct(bytes, options, layout);
            expect(got.layout).toBe(layout);
            expect(firstMismatch(reference(bytes, options, layout), got.data), `${layout} ${JSON.stringify(c)}`).toBeUndefined();
          }
        },
      ),
      { ...fcParams, numRuns: 60 },
    );
  });

  test("a tile missing from a truncated stream is 0 in both paths (allowPartial)", () => {
    const image = photoLike(80, 60, 3, 8, false, 7);
    for (const lossy of [false, true]) {
      const bytes = encode(image, { tile: { width: 40, height: 30 }, levels: 2, ...(lossy ? { ratios: [12] } : {}) });
      // cut inside tile 2: tile 3 has no tile-part at all
      const sots: number[] = [];
      for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === 0x90) sots.push(i);
      expect(sots.length).toBe(4);
      const cut = bytes.subarray(0, sots[3]!);
      for (const layout of ["interleaved", "planar"] as const) {
        const got = direct(cut, { allowPartial: true }, layout);
        expect(got.partial).toBe(true);
        const want = reference(cut, { allowPartial: true }, layout);
        expect(firstMismatch(want, got.data), `${layout} lossy=${lossy}`).toBeUndefined();
        // the last tile [40,80) x [30,60) is 0 (and the first one is not)
        const at = (x: number, y: number, k: number) => (layout === "interleaved" ? (y * 80 + x) * 3 + k : k * 4800 + y * 80 + x);
        let zeros = 0, firstTile = 0;
        for (let y = 30; y < 60; y++) for (let x = 40; x < 80; x++) for (let k = 0; k < 3; k++) zeros += got.data[at(x, y, k)] === 0 ? 1 : 0;
        for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) firstTile += got.data[at(x, y, 0)]!;
        expect(zeros).toBe(40 * 30 * 3);
        expect(firstTile).toBeGreaterThan(0);
      }
    }
  });

  test("the core refuses a layout that does not fit the room given (typed error, no write past it)", () => {
    const bytes = encode(photoLike(16, 8, 3, 8, false, 3), { levels: 2 });
    const err = (() => {
      try {
        callCore((c) => {
          const ptr = c.alloc(bytes.length);
          new Uint8Array(c.memory.buffer, ptr, bytes.length).set(bytes);
          c.decoderParse(ptr, bytes.length);
          const dst = c.alloc(16 * 8 * 3);
          c.decoderSetPacked(dst, 16 * 8 * 3 - 1, 1, 3, 16 * 3, 1, 0); // one byte short
          c.decoderRun(0, 0, 0, 0, 16, 8, 0, 0, 1e6);
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(J2kError);
    expect((err as J2kError).code).toBe("INVALID_ARGUMENT");
  });
});
