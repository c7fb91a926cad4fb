/**
 * Partial decoding (issue 3, item 3): `region`, `reduce`, `layers`, `components`, `allowPartial`,
 * and memory that scales with the region.
 *
 * What the standard makes exact, and so what is asserted:
 * - region: the samples of a rectangle do not depend on how much of the image is decoded, so for a
 *   reversible (5/3) codestream a region decode equals the crop of the full decode bit for bit; for
 *   9/7 the same holds up to float rounding (±1 allowed).
 * - reduce N: the reduced image is the reconstruction from resolutions 0 … NL−N (B.5) on the grid
 *   [ceil(x0/2^N), ceil(x1/2^N)). For 5/3 that is exactly the LL band of N forward levels (F.4.2 /
 *   F.4.8), shifted, inverse-RCT'd and clamped — computed independently in reference_53.ts — and
 *   OpenJPEG (`opj_decompress -r N`, the WASM peer's decodeSubResolution) must give the same samples.
 *   It is not a downsampled image, nor the decode of the image encoded at reduced size.
 * - region + reduce: the crop of the reduced image at [ceil((x0+x)/2^N), ceil((x0+x+w)/2^N)).
 * - layers k: the same samples as OpenJPEG `-l k` (exact for 5/3, ±1 for 9/7).
 * - components: each requested component equals that component of the full decode, in the order
 *   requested (the inverse MCT still uses all three when the codestream has one).
 * - allowPartial: a truncated codestream gives an image flagged `partial` (cut exactly after the
 *   packets of layer 1: the same image as `layers: 1`), and J2kError PACKET_TRUNCATED by default.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { decode, encode, readHeader, J2kError } from "../../src/index.js";
import type { DecodedImage, EncodeOptions, J2kImage, ProgressionOrder, Region } from "../../src/types.js";
import { core } from "../../src/wasm/load.js";
import { imageProblems } from "../helpers/decoded.js";
import { deinterleave } from "../helpers/images.js";
import { testdataPath } from "../helpers/paths.js";
import { nativeDecode, nativeTools, NATIVE_HINT, opjDecode, opjDecodeComparable } from "../helpers/peers.js";
import { codestreamFacts } from "../encoder/codestream_facts.js";
import { firstMismatch, peakDifference, photoLike, psnrOf } from "../encoder/photo_like.js";
import { expectedReduce53 } from "./reference_53.js";

const fcParams = {
  seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined,
  path: process.env.FC_PATH,
  endOnFailure: true,
};

const PROGRESSIONS: ProgressionOrder[] = ["LRCP", "RLCP", "RPCL", "PCRL", "CPRL"];

/** Crop of a pixel-interleaved image. */
function crop(img: { width: number; data: ArrayLike<number> }, C: number, x: number, y: number, w: number, h: number): Int32Array {
  const out = new Int32Array(w * h * C);
  for (let r = 0; r < h; r++) for (let k = 0; k < w * C; k++) out[r * w * C + k] = img.data[((y + r) * img.width + x) * C + k]!;
  return out;
}

/** Our decode as one plane per component (interleaved output). */
function planesOfDecoded(d: DecodedImage): Int32Array[] {
  return deinterleave(d.data, d.width, d.height, d.components).map((p) => p.data);
}

function requireNative(): void {
  expect(nativeTools.opjDecompress, `opj_decompress must be on PATH here (${NATIVE_HINT})`).toBeDefined();
}

// ---------------------------------------------------------------------------------------------
// Region == crop of the full decode
// ---------------------------------------------------------------------------------------------

interface RegionCase {
  width: number;
  height: number;
  components: number;
  bitDepth: number;
  seed: number;
  origin: { x: number; y: number };
  tile?: { width: number; height: number; x0: number; y0: number };
  precincts?: Array<[number, number]>;
  progression: ProgressionOrder;
  levels: number;
  codeBlock: [number, number];
  layered: boolean;
  regions: Array<[number, number, number, number]>;
}

const regionCases: fc.Arbitrary<RegionCase> = fc
  .record({
    width: fc.integer({ min: 1, max: 130 }),
    height: fc.integer({ min: 1, max: 130 }),
    components: fc.constantFrom(1, 3),
    bitDepth: fc.constantFrom(8, 12),
    seed: fc.integer({ min: 1, max: 1000 }),
    ox: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 200 })),
    oy: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 200 })),
    tiled: fc.boolean(),
    tw: fc.integer({ min: 8, max: 80 }),
    th: fc.integer({ min: 8, max: 80 }),
    tback: fc.double({ min: 0, max: 1, noNaN: true }),
    precincts: fc.option(fc.array(fc.tuple(fc.constantFrom(4, 8, 16, 32, 64), fc.constantFrom(4, 8, 16, 32, 64)), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    progression: fc.constantFrom(...PROGRESSIONS),
    levels: fc.integer({ min: 0, max: 6 }),
    codeBlock: fc.constantFrom<[number, number]>([64, 64], [16, 16], [8, 32], [4, 4]),
    layered: fc.boolean(),
    // regions as fractions of the image, so they always fit
    regions: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 2, maxLength: 4 }),
  })
  .map((r) => {
    const regions: Array<[number, number, number, number]> = r.regions.map(([fx, fy, fw, fh]) => {
      const x = Math.min(r.width - 1, Math.floor(fx * r.width));
      const y = Math.min(r.height - 1, Math.floor(fy * r.height));
      return [x, y, 1 + Math.floor(fw * (r.width - x - 1)), 1 + Math.floor(fh * (r.height - y - 1))];
    });
    // always: the bottom-right corner pixel and a strip along the right edge
    regions.push([r.width - 1, r.height - 1, 1, 1], [Math.floor(r.width / 2), 0, r.width - Math.floor(r.width / 2), r.height]);
    const tile = r.tiled
      ? { width: r.tw, height: r.th, x0: r.ox - Math.floor(r.tback * Math.min(r.ox, r.tw - 1)), y0: r.oy - Math.floor(r.tback * Math.min(r.oy, r.th - 1)) }
      : undefined;
    return {
      width: r.width,
      height: r.height,
      components: r.components,
      bitDepth: r.bitDepth,
      seed: r.seed,
      origin: { x: r.ox, y: r.oy },
      ...(tile ? { tile } : {}),
      ...(r.precincts ? { precincts: r.precincts } : {}),
      progression: r.progression,
      levels: r.levels,
      codeBlock: r.codeBlock,
      layered: r.layered,
      regions,
    };
  });

function regionOptions(c: RegionCase): EncodeOptions {
  return {
    origin: c.origin,
    ...(c.tile ? { tile: c.tile } : {}),
    ...(c.precincts ? { precincts: c.precincts } : {}),
    progression: c.progression,
    levels: c.levels,
    codeBlock: c.codeBlock,
    ...(c.layered ? { ratios: [12, 4, 1] } : {}),
  };
}

describe("region", () => {
  test("5/3: region decode == crop of the full decode, bit-exact (random regions, origins, tiles, precincts, progressions)", () => {
    fc.assert(
      fc.property(regionCases, (c) => {
        const image = photoLike(c.width, c.height, c.components, c.bitDepth, false, c.seed);
        const options = regionOptions(c);
        const bytes = encode(image, options);
        const full = decode(bytes);
        expect(firstMismatch(image.data, full.data), "full decode is lossless").toBeUndefined();
        for (const [x, y, w, h] of c.regions) {
          const what = `${JSON.stringify(options)} ${c.width}x${c.height}x${c.components}: region ${x},${y} ${w}x${h}`;
          const part = decode(bytes, { region: { x, y, width: w, height: h } });
          expect([part.width, part.height, part.components, part.partial], what).toEqual([w, h, c.components, false]);
          expect(firstMismatch(crop(full, c.components, x, y, w, h), part.data), what).toBeUndefined();
        }
      }),
      { ...fcParams, numRuns: 120 },
    );
  });

  test("9/7: region decode == crop of the full decode within ±1 (tiles, precincts, layers)", () => {
    const image = photoLike(150, 110, 3, 8, false, 21);
    const streams: EncodeOptions[] = [
      { ratios: [20, 8], progression: "RPCL", precincts: [[32, 32], [16, 16]], codeBlock: [16, 16] },
      { ratios: [10], tile: { width: 64, height: 48, x0: 3, y0: 1 }, origin: { x: 5, y: 7 } },
      { quality: 60, progression: "PCRL", levels: 6 },
    ];
    const regions: Region[] = [
      { x: 0, y: 0, width: 1, height: 1 },
      { x: 37, y: 11, width: 64, height: 50 },
      { x: 149, y: 0, width: 1, height: 110 },
      { x: 61, y: 47, width: 89, height: 63 },
    ];
    let differing = 0;
    for (const options of streams) {
      const bytes = encode(image, options);
      const full = decode(bytes);
      for (const r of regions) {
        const part = decode(bytes, { region: r });
        const want = crop(full, 3, r.x, r.y, r.width, r.height);
        expect(peakDifference(want, part.data), `${JSON.stringify(options)} region ${JSON.stringify(r)}`).toBeLessThanOrEqual(1);
        for (let i = 0; i < want.length; i++) if (want[i] !== part.data[i]) differing++;
      }
    }
    console.log(`[partial] 9/7 region vs crop: ${differing} samples differ by 1 (0 = exact)`);
  });

  test("sub-sampled components: the upsampled region == crop of the upsampled full decode", () => {
    // planes given at their own size (B.2: ceil((x0+W)/dx) − ceil(x0/dx) samples per row)
    const shapes: Array<{ subs: Array<[number, number]>; origin: { x: number; y: number } }> = [
      { subs: [[1, 1], [2, 2]], origin: { x: 0, y: 0 } },
      { subs: [[1, 1], [2, 2], [3, 2]], origin: { x: 5, y: 3 } },
    ];
    const W = 37, H = 29;
    const failures: string[] = [];
    for (const { subs, origin } of shapes) {
      const sizes = subs.map(([dx, dy]) => [Math.ceil((origin.x + W) / dx) - Math.ceil(origin.x / dx), Math.ceil((origin.y + H) / dy) - Math.ceil(origin.y / dy)]);
      const total = sizes.reduce((a, [w, h]) => a + w! * h!, 0);
      const data = Uint8Array.from({ length: total }, (_, i) => (i * 37 + (i >> 3)) & 255);
      const C = subs.length;
      const bytes = encode({ width: W, height: H, components: C, bitDepth: 8, signed: false, data }, { subsampling: subs, planar: true, mct: false, origin, levels: 2 });
      const full = decode(bytes);
      for (const [x, y, w, h] of [
        [1, 1, 10, 7],
        [3, 1, 10, 7],
        [36, 28, 1, 1],
        [10, 10, 20, 19],
      ] as Array<[number, number, number, number]>) {
        const part = decode(bytes, { region: { x, y, width: w, height: h } });
        const diff = firstMismatch(crop(full, C, x, y, w, h), part.data);
        if (diff) failures.push(`subsampling ${JSON.stringify(subs)} origin ${origin.x},${origin.y}, region ${x},${y} ${w}x${h}: ${diff}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test("a region reaching past the right/bottom edge is clipped to the image", () => {
    const image = photoLike(40, 30, 1, 8, false, 4);
    const bytes = encode(image, { levels: 3 });
    const part = decode(bytes, { region: { x: 30, y: 25, width: 100, height: 100 } });
    expect([part.width, part.height]).toEqual([10, 5]);
    expect(firstMismatch(crop(image, 1, 30, 25, 10, 5), part.data)).toBeUndefined();
  });

  test("regions outside the image or empty are refused with INVALID_ARGUMENT", () => {
    const bytes = encode(photoLike(40, 30, 1, 8), { levels: 3 });
    for (const region of [
      { x: 40, y: 0, width: 1, height: 1 },
      { x: 0, y: 30, width: 1, height: 1 },
      { x: 0, y: 0, width: 0, height: 1 },
      { x: -1, y: 0, width: 5, height: 5 },
    ]) {
      expect(() => decode(bytes, { region }), JSON.stringify(region)).toThrow(J2kError);
      try {
        decode(bytes, { region });
      } catch (e) {
        expect((e as J2kError).code).toBe("INVALID_ARGUMENT");
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Reduce
// ---------------------------------------------------------------------------------------------

interface ReduceCase {
  name: string;
  image: J2kImage;
  options: EncodeOptions;
}

const REDUCE_CASES: ReduceCase[] = [
  { name: "grey 12-bit 67x53, 5 levels", image: photoLike(67, 53, 1, 12, false, 2), options: { levels: 5 } },
  { name: "RGB 8-bit 61x45 with RCT, odd origin 3,5, 4 levels", image: photoLike(61, 45, 3, 8, false, 3), options: { levels: 4, origin: { x: 3, y: 5 } } },
  {
    name: "grey 10-bit signed, tiles 24x20 at 1,2, origin 7,3, 3 levels",
    image: photoLike(70, 51, 1, 10, true, 4),
    options: { levels: 3, origin: { x: 7, y: 3 }, tile: { width: 24, height: 20, x0: 1, y0: 2 } },
  },
  {
    name: "RGB 8-bit 80x64, RPCL, precincts, 3 layers [20, 10, 1]",
    image: photoLike(80, 64, 3, 8, false, 5),
    options: { levels: 4, progression: "RPCL", precincts: [[16, 16], [8, 8]], ratios: [20, 10, 1] },
  },
  { name: "full-range noise 8-bit 33x47 (LL overshoots are clamped)", image: noise(33, 47, 1, 8, 9), options: { levels: 3, origin: { x: 1, y: 1 } } },
];

function noise(w: number, h: number, C: number, bits: number, seed: number): J2kImage {
  const data = new Uint8Array(w * h * C);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s >>> 24) & (2 ** bits - 1);
  }
  return { width: w, height: h, components: C, bitDepth: bits, signed: false, data };
}

describe("reduce (5/3): the LL band of the forward transform, as OpenJPEG decodes it", () => {
  for (const rc of REDUCE_CASES) {
    test(rc.name, async () => {
      requireNative();
      const bytes = encode(rc.image, rc.options);
      const h = readHeader(bytes);
      const grid = { x0: rc.options.origin?.x ?? 0, y0: rc.options.origin?.y ?? 0, ...(rc.options.tile ? { tile: { x0: 0, y0: 0, ...rc.options.tile } } : {}) };
      const C = rc.image.components;
      for (let N = 0; N <= h.levels; N++) {
        const ours = decode(bytes, { reduce: N });
        const want = expectedReduce53(rc.image, grid, h.mct, N);
        const what = `reduce ${N}`;
        expect([ours.width, ours.height], `${what}: reduced size`).toEqual([want.width, want.height]);
        expect(firstMismatch(want.data, ours.data), `${what}: samples = independent LL reference`).toBeUndefined();
        // native OpenJPEG
        const ref = nativeDecode(bytes, { reduce: N });
        const mine = planesOfDecoded(ours);
        ref.planes.forEach((p, k) => {
          expect([p.width, p.height], `${what}: opj_decompress size`).toEqual([ours.width, ours.height]);
          expect(firstMismatch(p.data, mine[k]!), `${what}: opj_decompress -r ${N} component ${k}`).toBeUndefined();
        });
        // WebAssembly peer where it reproduces the file faithfully
        if (N > 0 && opjDecodeComparable(bytes).ok) {
          const peer = await opjDecode(bytes, { reduce: N });
          expect(firstMismatch(peer.data, ours.data), `${what}: OpenJPEG WASM decodeSubResolution`).toBeUndefined();
        }
        expect(ours.components).toBe(C);
      }
    });
  }

  test("reduce above the number of levels is refused with INVALID_ARGUMENT", () => {
    const bytes = encode(photoLike(32, 32, 1, 8), { levels: 3 });
    expect(() => decode(bytes, { reduce: 4 })).toThrow(/reduce/);
  });
});

describe("region + reduce == crop of the reduced image", () => {
  test("random regions on tiled, offset, layered streams (5/3 exact)", () => {
    fc.assert(
      fc.property(regionCases, fc.integer({ min: 0, max: 6 }), (c, n) => {
        const image = photoLike(c.width, c.height, c.components, c.bitDepth, false, c.seed);
        const bytes = encode(image, regionOptions(c));
        const N = Math.min(n, readHeader(bytes).levels);
        const reduced = decode(bytes, { reduce: N });
        const s = 2 ** N;
        const X0 = c.origin.x, Y0 = c.origin.y;
        for (const [x, y, w, h] of c.regions) {
          // B.5 mapping of the region's corners to the reduced grid
          const rx0 = Math.ceil((X0 + x) / s), ry0 = Math.ceil((Y0 + y) / s);
          const rx1 = Math.ceil((X0 + x + w) / s), ry1 = Math.ceil((Y0 + y + h) / s);
          if (rx1 <= rx0 || ry1 <= ry0) continue; // the region holds no sample at this resolution
          const part = decode(bytes, { reduce: N, region: { x, y, width: w, height: h } });
          const what = `${JSON.stringify(regionOptions(c))} ${c.width}x${c.height}: reduce ${N} region ${x},${y} ${w}x${h}`;
          expect([part.width, part.height], what).toEqual([rx1 - rx0, ry1 - ry0]);
          const want = crop(reduced, c.components, rx0 - Math.ceil(X0 / s), ry0 - Math.ceil(Y0 / s), rx1 - rx0, ry1 - ry0);
          expect(firstMismatch(want, part.data), what).toBeUndefined();
        }
      }),
      { ...fcParams, numRuns: 50 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

describe("layers k == OpenJPEG -l k", () => {
  const LAYER_CASES: Array<{ name: string; image: J2kImage; options: EncodeOptions; tolerance: number }> = [
    { name: "RGB 8-bit 9/7 [40, 20, 10] LRCP", image: photoLike(96, 80, 3, 8, false, 6), options: { ratios: [40, 20, 10] }, tolerance: 1 },
    {
      name: "grey 12-bit 9/7 [30, 15, 8, 4] RPCL, precincts, tiles",
      image: photoLike(90, 70, 1, 12, false, 7),
      options: { ratios: [30, 15, 8, 4], progression: "RPCL", precincts: [[32, 32], [16, 16]], tile: { width: 48, height: 40 } },
      tolerance: 1,
    },
    { name: "grey 12-bit 5/3 [40, 20, 1] CPRL", image: photoLike(90, 70, 1, 12, false, 8), options: { ratios: [40, 20, 1], progression: "CPRL" }, tolerance: 0 },
    { name: "RGB 8-bit 5/3 [30, 10, 1] PCRL", image: photoLike(64, 48, 3, 8, false, 9), options: { ratios: [30, 10, 1], progression: "PCRL" }, tolerance: 0 },
  ];
  for (const lc of LAYER_CASES) {
    test(`${lc.name} (±${lc.tolerance})`, async () => {
      requireNative();
      const bytes = encode(lc.image, lc.options);
      const L = readHeader(bytes).layers;
      expect(L).toBe(lc.options.ratios!.length);
      let prev = -Infinity;
      for (let k = 1; k <= L; k++) {
        const ours = decode(bytes, { layers: k });
        const mine = planesOfDecoded(ours);
        const ref = nativeDecode(bytes, { layers: k });
        ref.planes.forEach((p, c) => expect(peakDifference(p.data, mine[c]!), `layers ${k}: opj_decompress -l ${k} component ${c}`).toBeLessThanOrEqual(lc.tolerance));
        if (opjDecodeComparable(bytes).ok) {
          const peer = await opjDecode(bytes, { layers: k });
          expect(peakDifference(peer.data, ours.data), `layers ${k}: OpenJPEG WASM`).toBeLessThanOrEqual(lc.tolerance);
        }
        const db = psnrOf(lc.image.data, ours.data, lc.image.bitDepth);
        expect(db, `layers ${k}: better than layers ${k - 1}`).toBeGreaterThan(prev);
        prev = db;
      }
      // layers + reduce together
      const both = decode(bytes, { layers: 1, reduce: 2 });
      const ref = nativeDecode(bytes, { layers: 1, reduce: 2 });
      planesOfDecoded(both).forEach((p, c) => expect(peakDifference(ref.planes[c]!.data, p), `layers 1 + reduce 2, component ${c}`).toBeLessThanOrEqual(lc.tolerance));
      // asking for more layers than there are decodes them all
      expect(firstMismatch(decode(bytes).data, decode(bytes, { layers: L + 5 }).data)).toBeUndefined();
      if (lc.tolerance === 0) expect(firstMismatch(lc.image.data, decode(bytes, { layers: L }).data), "all layers: lossless").toBeUndefined();
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------------------------------

describe("components subset == those components of the full decode, in the order asked", () => {
  const FOUR = photoLike(45, 38, 4, 10, true, 5);
  const RGB = photoLike(50, 40, 3, 8, false, 12);
  const cases: Array<{ name: string; image: J2kImage; options: EncodeOptions }> = [
    { name: "4 components, no MCT, signed 10-bit, 5/3", image: FOUR, options: { mct: false } },
    { name: "4 components, RCT on the first three, 5/3", image: FOUR, options: { mct: true } },
    { name: "RGB with RCT, 5/3", image: RGB, options: {} },
    { name: "RGB with ICT, 9/7, 2 layers", image: RGB, options: { ratios: [20, 8] } },
  ];
  const subsets: Record<number, number[][]> = {
    3: [[0], [1], [2], [2, 0], [1, 2]],
    4: [[0], [3], [1, 2], [3, 0], [2, 1, 0, 3]],
  };
  for (const cc of cases) {
    test(cc.name, () => {
      const bytes = encode(cc.image, cc.options);
      const full = planesOfDecoded(decode(bytes));
      for (const subset of subsets[cc.image.components]!) {
        const part = decode(bytes, { components: subset });
        expect(part.components, `components ${subset}`).toBe(subset.length);
        const got = planesOfDecoded(part);
        subset.forEach((c, k) => expect(firstMismatch(full[c]!, got[k]!), `components [${subset}]: output ${k} = component ${c}`).toBeUndefined());
        // planar layout and region + reduce on the subset
        const planar = decode(bytes, { components: subset, layout: "planar" });
        const n = planar.width * planar.height;
        subset.forEach((c, k) => expect(firstMismatch(full[c]!, planar.data.subarray(k * n, (k + 1) * n)), `planar components [${subset}]`).toBeUndefined());
        const reduced = planesOfDecoded(decode(bytes, { reduce: 1 }));
        const small = decode(bytes, { components: subset, reduce: 1, region: { x: 5, y: 3, width: 20, height: 17 } });
        const smallPlanes = planesOfDecoded(small);
        const W1 = Math.ceil(cc.image.width / 2);
        subset.forEach((c, k) => {
          const want = crop({ width: W1, data: reduced[c]! }, 1, 3, 2, small.width, small.height);
          expect(firstMismatch(want, smallPlanes[k]!), `components [${subset}] reduce 1 region`).toBeUndefined();
        });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Truncated codestreams
// ---------------------------------------------------------------------------------------------

function decodeError(bytes: Uint8Array): J2kError | undefined {
  try {
    decode(bytes);
    return undefined;
  } catch (e) {
    if (e instanceof J2kError) return e;
    throw e;
  }
}

describe("allowPartial on truncated codestreams", () => {
  const image = photoLike(128, 96, 3, 8, false, 14);
  const layered = encode(image, { ratios: [40, 20, 10], sop: true, progression: "LRCP" });
  const facts = codestreamFacts(layered);
  const levels = readHeader(layered).levels;
  const perLayer = (levels + 1) * 3;

  test("cut exactly after the packets of layer 1 (located by SOP markers): the layer-1 image, flagged partial", () => {
    const sop = facts.tileParts[0]!.sops[perLayer];
    expect(sop?.Nsop, "SOP of the first packet of layer 2").toBe(perLayer);
    const cut = layered.subarray(0, sop!.offset);
    const partial = decode(cut, { allowPartial: true });
    expect(partial.partial).toBe(true);
    expect(partial.warnings.length, "a warning says the stream was truncated").toBeGreaterThan(0);
    expect(firstMismatch(decode(layered, { layers: 1 }).data, partial.data), "same as layers: 1").toBeUndefined();
    expect(decodeError(cut)?.code, "default: an error").toBe("PACKET_TRUNCATED");
  });

  test("cuts anywhere in the packet data: an image with partial: true, or PACKET_TRUNCATED by default", () => {
    const start = facts.tileParts[0]!.bodyStart;
    const rows: string[] = [];
    for (const f of [0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99]) {
      const at = Math.round(start + f * (layered.length - start));
      const cut = layered.subarray(0, at);
      const err = decodeError(cut);
      expect(err?.code, `cut at ${at}/${layered.length}: default decode`).toBe("PACKET_TRUNCATED");
      expect(err?.message, "the message suggests allowPartial").toMatch(/allowPartial/);
      const img = decode(cut, { allowPartial: true });
      expect(imageProblems(img), `cut at ${at}`).toEqual([]);
      expect([img.width, img.height, img.components, img.partial], `cut at ${at}`).toEqual([128, 96, 3, true]);
      rows.push(`${at} B (${(100 * f).toFixed(0)} % of the data): ${psnrOf(image.data, img.data, 8).toFixed(2)} dB`);
    }
    console.log(`[partial] allowPartial PSNR by cut point (full: ${psnrOf(image.data, decode(layered).data, 8).toFixed(2)} dB):\n  ${rows.join("\n  ")}`);
  });

  test("multi-tile stream cut inside the second tile: the first tile is complete, the rest partial", () => {
    const tiled = encode(image, { tile: { width: 64, height: 48 }, levels: 3 });
    const tf = codestreamFacts(tiled);
    expect(tf.tileParts.length).toBe(4);
    const at = tf.tileParts[1]!.bodyStart + 20;
    const cut = tiled.subarray(0, at);
    expect(decodeError(cut)?.code).toBe("PACKET_TRUNCATED");
    const img = decode(cut, { allowPartial: true });
    expect(img.partial).toBe(true);
    // tile 0 covers [0,64) x [0,48): lossless and complete
    expect(firstMismatch(crop(image, 3, 0, 0, 64, 48), crop(img, 3, 0, 0, 64, 48)), "first tile intact").toBeUndefined();
  });

  test("cut exactly at the end of a tile, before the next tile's SOT (no EOC): still a truncated codestream", () => {
    const tiled = encode(image, { tile: { width: 64, height: 96 }, levels: 3 });
    const tf = codestreamFacts(tiled);
    expect(tf.tileParts.map((p) => p.Isot)).toEqual([0, 1]);
    const end0 = tf.tileParts[1]!.offset; // first byte of tile 1's SOT
    for (const at of [end0, end0 + 1]) {
      const cut = tiled.subarray(0, at);
      const what = `cut at ${at} of ${tiled.length} (tile 1 entirely missing, no EOC)`;
      expect(decodeError(cut)?.code, `${what}: default decode reports the truncation`).toBe("PACKET_TRUNCATED");
      const img = decode(cut, { allowPartial: true });
      expect(img.partial, `${what}: allowPartial flags the image as partial`).toBe(true);
    }
  });

  test("cut anywhere between two tile-parts (incl. inside a PLT length field): allowPartial gives the first tile-part's image", () => {
    // tile-parts by layer: tile-part 0 holds exactly layer 1 (A.4.2), so every cut from its end to the
    // first body byte of tile-part 1 must decode to the layer-1 image
    const bytes = encode(image, { ratios: [20, 8], tlm: true, plt: true, tileParts: "L" });
    const tf = codestreamFacts(bytes);
    expect(tf.tileParts.map((p) => p.TPsot)).toEqual([0, 1]);
    const layer1 = decode(bytes, { layers: 1 }).data;
    const failures: string[] = [];
    for (let at = tf.tileParts[1]!.offset; at <= tf.tileParts[1]!.bodyStart; at++) {
      try {
        const img = decode(bytes.subarray(0, at), { allowPartial: true });
        const diff = firstMismatch(layer1, img.data);
        if (!img.partial || diff) failures.push(`cut at ${at}: partial=${img.partial} ${diff ?? ""}`);
      } catch (e) {
        failures.push(`cut at ${at}: ${e instanceof J2kError ? `${e.code} ${e.message}` : String(e)}`);
      }
    }
    expect(failures, `tile-part 1 spans bytes ${tf.tileParts[1]!.offset}..${tf.tileParts[1]!.bodyStart} (header markers ${tf.tileParts[1]!.headerMarkers.map((m) => m.toString(16))})`).toEqual([]);
  });

  test("a complete codestream decodes with partial: false under allowPartial", () => {
    const img = decode(layered, { allowPartial: true });
    expect(img.partial).toBe(false);
    expect(firstMismatch(decode(layered).data, img.data)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

/** Peak arena bytes of the last core job (the decode just made). */
function peakOfLastJob(): number {
  return (core() as { memoryPeak(): number }).memoryPeak();
}

describe("memory of a region decode scales with the region", () => {
  test("4096x4096 single-tile JP2 (realworld/null_terminated_content_in_xml_box.jp2): 256x256 region < 1/8 of a full decode", () => {
    const bytes = new Uint8Array(readFileSync(testdataPath("realworld/null_terminated_content_in_xml_box.jp2")));
    const h = readHeader(bytes);
    expect([h.width, h.height, h.tilesX * h.tilesY]).toEqual([4096, 4096, 1]);
    const full = decode(bytes);
    const fullPeak = peakOfLastJob();
    const peaks: string[] = [];
    for (const r of [
      { x: 1000, y: 1000, width: 256, height: 256 },
      { x: 0, y: 0, width: 256, height: 256 },
      { x: 3840, y: 3840, width: 256, height: 256 },
    ]) {
      const part = decode(bytes, { region: r });
      const peak = peakOfLastJob();
      peaks.push(`region ${r.x},${r.y} 256x256: ${(peak / 2 ** 20).toFixed(2)} MiB`);
      expect(peak, `region ${JSON.stringify(r)}: ${peak} B vs full ${fullPeak} B`).toBeLessThan(fullPeak / 8);
      expect(peakDifference(crop(full, h.components, r.x, r.y, 256, 256), part.data), "region = crop (9/7: ±1)").toBeLessThanOrEqual(1);
    }
    // and it grows with the region
    const sizes = [128, 512, 1024].map((s) => {
      decode(bytes, { region: { x: 512, y: 512, width: s, height: s } });
      return peakOfLastJob();
    });
    expect(sizes[0]!).toBeLessThan(sizes[2]!);
    console.log(
      `[partial] arena peak: full decode ${(fullPeak / 2 ** 20).toFixed(2)} MiB; ${peaks.join("; ")}; ` +
        `regions 128/512/1024 square: ${sizes.map((p) => (p / 2 ** 20).toFixed(2)).join(" / ")} MiB`,
    );
  });

  test("our own 2048x2048 lossless single tile: beyond the input copy, a 256x256 region < 1/8 of a full decode, and no second copy of the tile data", () => {
    const image = photoLike(2048, 2048, 1, 12, false, 30);
    const bytes = encode(image, { levels: 6 });
    decode(bytes);
    const fullPeak = peakOfLastJob();
    const part = decode(bytes, { region: { x: 900, y: 700, width: 256, height: 256 } });
    const peak = peakOfLastJob();
    decode(bytes, { region: { x: 900, y: 700, width: 16, height: 16 } });
    const tinyPeak = peakOfLastJob();
    console.log(
      `[partial] 2048x2048 5/3 (${bytes.length} B codestream): full ${(fullPeak / 2 ** 20).toFixed(2)} MiB, ` +
        `256x256 region ${(peak / 2 ** 20).toFixed(2)} MiB, 16x16 region ${(tinyPeak / 2 ** 20).toFixed(2)} MiB`,
    );
    expect(firstMismatch(crop(image, 1, 900, 700, 256, 256), part.data)).toBeUndefined();
    // Beyond the copy of the input every decode needs, a 16x16 window should cost little: not
    // another copy of the compressed tile (which only the code-blocks of the window need).
    expect(tinyPeak - bytes.length, "16x16 region: arena bytes beyond the input copy").toBeLessThan(bytes.length / 4 + 2 ** 20);
    // A lossless stream is large next to its decoded image (here ~1/8 of the full decode's peak), and
    // every decode holds a copy of it; what must scale with the region is the rest.
    expect(peak - bytes.length, "256x256 region vs full decode, beyond the input copy").toBeLessThan((fullPeak - bytes.length) / 8);
  });
});
