/**
 * Lossless round trip (issue 2): encode with the reversible 5/3 path, decode, and require the exact
 * input back — with both WebAssembly builds, which must also write the same codestream bytes
 * (docs/ARCHITECTURE.md "SIMD": the scalar kernel is the reference, the SIMD twin gives identical output).
 *
 * The cases cover sizes 1×1..300×300 (odd and prime sizes on purpose), precision 1-16 bits and some
 * 17-24, signed and unsigned, 1-4 components, 0-8 decomposition levels, code-block sizes from 4×4 to
 * 1024×4, RCT on and off, now and then an image origin and a tile grid, pixel-interleaved and planar
 * input, and content from several generators (full-range noise, gradients, constant, sparse, the
 * extremes of the range, a checkerboard).
 *
 * Reproduce a failure with the seed and path fast-check prints: FC_SEED=<seed> FC_PATH=<path>.
 */
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { decode, encode, readHeader } from "../../src/index.js";
import type { EncodeOptions, J2kImage } from "../../src/types.js";
import { coreFlavor, useFlavor, type CoreFlavor } from "../../src/wasm/load.js";
import { CONTENT_KINDS, makeImage, type ContentKind } from "../helpers/synthetic.js";

const fcParams = {
  seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined,
  path: process.env.FC_PATH,
  endOnFailure: true,
};

/** Legal code-block sizes (A.6.1: powers of two, 4 ≤ w,h ≤ 1024, w·h ≤ 4096), square and elongated. */
const CODE_BLOCKS: Array<[number, number]> = [
  [64, 64],
  [32, 32],
  [16, 16],
  [4, 4],
  [128, 32],
  [32, 128],
  [1024, 4],
  [4, 1024],
  [8, 512],
  [256, 16],
];

/** Sides: tiny, the usual suspects around powers of two, primes, anything up to 300. */
const side = fc.oneof(
  fc.integer({ min: 1, max: 17 }),
  fc.constantFrom(2, 3, 5, 7, 13, 31, 61, 63, 64, 65, 127, 128, 129, 131, 251, 257, 293),
  fc.integer({ min: 1, max: 300 }),
);

/** Where the image sits on the reference grid and how it is tiled. */
interface Geometry {
  origin?: { x: number; y: number };
  tile?: { width: number; height: number; x0: number; y0: number };
}

interface Case {
  width: number;
  height: number;
  components: number;
  bitDepth: number;
  signed: boolean;
  content: ContentKind;
  seed: number;
  levels: number;
  codeBlock: [number, number];
  mct: boolean;
  planar: boolean;
  geometry: Geometry;
}

/** Raw numbers from which a geometry is derived once the image size is known. */
interface GeometryRaw {
  ox: number;
  oy: number;
  tiled: boolean;
  tx: number;
  ty: number;
  tw: number;
  th: number;
}

const geometryRaw: fc.Arbitrary<GeometryRaw | null> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.record({
      ox: fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 300 })),
      oy: fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 300 })),
      tiled: fc.boolean(),
      // tile-grid origin: how far before the image origin (fraction of what A.5.1 allows); tile size
      tx: fc.double({ min: 0, max: 1, noNaN: true }),
      ty: fc.double({ min: 0, max: 1, noNaN: true }),
      tw: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 300 })),
      th: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 300 })),
    }),
  },
);

/** At most this many tiles per direction, to keep the runtime modest. */
const MAX_TILES_PER_SIDE = 6;

function geometryOf(raw: GeometryRaw | null, width: number, height: number): Geometry {
  if (raw === null) return {};
  const origin = { x: raw.ox, y: raw.oy };
  if (!raw.tiled) return { origin };
  // Tiles at least 1/(MAX_TILES_PER_SIDE - 1) of the image, so there are at most MAX_TILES_PER_SIDE per side.
  const tw = Math.max(1, raw.tw, Math.ceil(width / (MAX_TILES_PER_SIDE - 1)));
  const th = Math.max(1, raw.th, Math.ceil(height / (MAX_TILES_PER_SIDE - 1)));
  // A.5.1: XTOsiz ≤ XOsiz and the first tile contains the image origin (XTOsiz + XTsiz > XOsiz)
  const x0 = raw.ox - Math.floor(raw.tx * Math.min(raw.ox, tw - 1));
  const y0 = raw.oy - Math.floor(raw.ty * Math.min(raw.oy, th - 1));
  return { origin, tile: { width: tw, height: th, x0, y0 } };
}

const cases: fc.Arbitrary<Case> = fc
  .record({
    width: side,
    height: side,
    components: fc.integer({ min: 1, max: 4 }),
    bitDepth: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 16 }) }, { weight: 1, arbitrary: fc.integer({ min: 17, max: 24 }) }),
    signed: fc.boolean(),
    content: fc.constantFrom(...CONTENT_KINDS),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    levels: fc.integer({ min: 0, max: 8 }),
    codeBlock: fc.constantFrom(...CODE_BLOCKS),
    mct: fc.boolean(),
    planar: fc.boolean(),
    geometry: geometryRaw,
  })
  .filter((c) => c.width * c.height * c.components <= 120_000)
  .map((c) => ({ ...c, mct: c.mct && c.components >= 3, geometry: geometryOf(c.geometry, c.width, c.height) }));

function describeCase(c: Case): string {
  const g = c.geometry;
  const where = g.origin ? ` origin ${g.origin.x},${g.origin.y}` : "";
  const tiles = g.tile ? ` tile ${g.tile.width}x${g.tile.height}@${g.tile.x0},${g.tile.y0}` : "";
  return (
    `${c.width}x${c.height}x${c.components} ${c.signed ? "s" : "u"}${c.bitDepth} ${c.content} seed ${c.seed} ` +
    `L${c.levels} cb${c.codeBlock.join("x")} mct=${c.mct} planar=${c.planar}${where}${tiles}`
  );
}

function optionsOf(c: Case): EncodeOptions {
  return {
    levels: c.levels,
    codeBlock: c.codeBlock,
    mct: c.mct,
    planar: c.planar,
    ...(c.geometry.origin ? { origin: c.geometry.origin } : {}),
    ...(c.geometry.tile ? { tile: c.geometry.tile } : {}),
  };
}

/** Component planes one after another (the `planar: true` input layout). */
function toPlanar(image: J2kImage): J2kImage {
  const { width, height, components: C, data } = image;
  const n = width * height;
  const out = new (data.constructor as new (n: number) => typeof data)(data.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) out[c * n + i] = data[i * C + c]!;
  return { ...image, data: out };
}

/** The typed array class the README promises for decoded data. */
function documentedClass(bitDepth: number, signed: boolean): string {
  if (bitDepth > 16) return "Int32Array";
  if (signed) return "Int16Array";
  return bitDepth <= 8 ? "Uint8Array" : "Uint16Array";
}

/** Index and values of the first differing sample, or undefined when equal. */
function firstMismatch(want: ArrayLike<number>, got: ArrayLike<number>): string | undefined {
  if (want.length !== got.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) if (want[i] !== got[i]) return `sample ${i}: got ${got[i]}, expected ${want[i]}`;
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Encode + decode with one WebAssembly build. */
function roundTrip(flavor: CoreFlavor, input: J2kImage, options: EncodeOptions, layout: "planar" | "interleaved") {
  useFlavor(flavor);
  const bytes = encode(input, options);
  const loaded = coreFlavor();
  const decoded = decode(bytes, { layout });
  return { bytes, loaded, decoded };
}

describe("lossless round trip (property)", () => {
  afterAll(() => useFlavor(null));

  test("encode → decode is bit-exact; scalar and SIMD builds write the same bytes and decode the same samples", () => {
    let runs = 0;
    fc.assert(
      fc.property(cases, (c) => {
        runs++;
        const what = describeCase(c);
        const image = makeImage(c);
        const input = c.planar ? toPlanar(image) : image;
        const layout = c.planar ? "planar" : "interleaved";
        const options = optionsOf(c);

        const scalar = roundTrip("scalar", input, options, layout);
        const simd = roundTrip("simd", input, options, layout);
        expect(scalar.loaded, "the scalar build is the one in use").toBe("scalar");
        expect(simd.loaded, "the SIMD build is the one in use (Node 20 validates SIMD)").toBe("simd");
        expect(sameBytes(scalar.bytes, simd.bytes), `${what}: scalar ${scalar.bytes.length} B vs SIMD ${simd.bytes.length} B codestreams differ`).toBe(true);

        for (const [name, r] of [["scalar", scalar], ["simd", simd]] as const) {
          const d = r.decoded;
          expect([d.width, d.height, d.components, d.bitDepth, d.signed, d.layout], `${what} [${name}] geometry`).toEqual([
            c.width,
            c.height,
            c.components,
            c.bitDepth,
            c.signed,
            layout,
          ]);
          expect(d.data.constructor.name, `${what} [${name}] data type`).toBe(documentedClass(c.bitDepth, c.signed));
          expect(d.partial, `${what} [${name}] partial`).toBe(false);
          expect(firstMismatch(input.data, d.data), `${what} [${name}] bit-exact`).toBeUndefined();
        }

        // The header says what was asked for (levels clamped to the smallest of image and tile sides).
        const h = readHeader(scalar.bytes);
        const tile = c.geometry.tile;
        const minSide = Math.min(c.width, c.height, tile?.width ?? Infinity, tile?.height ?? Infinity);
        expect([h.x0, h.y0], `${what} origin`).toEqual([c.geometry.origin?.x ?? 0, c.geometry.origin?.y ?? 0]);
        expect(h.levels, `${what} levels`).toBe(Math.min(c.levels, Math.floor(Math.log2(minSide))));
        expect([h.codeBlockWidth, h.codeBlockHeight, h.reversible, h.mct], `${what} coding`).toEqual([...c.codeBlock, true, c.mct]);

        // Planar input is only a layout: the codestream is the one interleaved input gives.
        if (c.planar) {
          useFlavor("scalar");
          const interleaved = encode(image, { ...options, planar: false });
          expect(sameBytes(interleaved, scalar.bytes), `${what}: planar and interleaved input give different codestreams`).toBe(true);
        }
      }),
      { ...fcParams, numRuns: 400 },
    );
    expect(runs).toBeGreaterThanOrEqual(400);
  });

  test("extreme shapes: 1×1, 1×N, N×1 at every precision 1-24, signed and unsigned, both builds", () => {
    const shapes: Array<[number, number]> = [
      [1, 1],
      [1, 300],
      [300, 1],
      [2, 1],
      [1, 2],
      [3, 257],
    ];
    for (const [width, height] of shapes) {
      for (let bitDepth = 1; bitDepth <= 24; bitDepth++) {
        for (const signed of [false, true]) {
          const image = makeImage({ width, height, components: 3, bitDepth, signed, content: "extremes", seed: bitDepth * 7 + width });
          const options = { levels: 8, mct: true };
          const scalar = roundTrip("scalar", image, options, "interleaved");
          const simd = roundTrip("simd", image, options, "interleaved");
          const what = `${width}x${height}x3 ${signed ? "s" : "u"}${bitDepth}`;
          expect(sameBytes(scalar.bytes, simd.bytes), `${what}: builds differ`).toBe(true);
          expect(scalar.decoded.data.constructor.name, what).toBe(documentedClass(bitDepth, signed));
          expect(firstMismatch(image.data, scalar.decoded.data), `${what} scalar`).toBeUndefined();
          expect(firstMismatch(image.data, simd.decoded.data), `${what} simd`).toBeUndefined();
        }
      }
    }
  });
});
