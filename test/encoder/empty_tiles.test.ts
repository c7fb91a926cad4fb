/**
 * Tiles that hold no sample of any component (ISO/IEC 15444-1 B.3: with sub-sampling, a tile narrower
 * or shorter than the sampling period can contain no sample position of a component; its
 * tile-components are empty and it has no packets, B.6/B.9). The encoder writes no tile-part for such
 * a tile, as Kakadu does (b2_mono.j2c of the conformance set omits 9 of its 25 tiles): OpenJPEG 2.5
 * and Grok refuse an SOT + SOD with an empty body ("Failed to decode tile 1/25").
 *
 * Every case is encoded losslessly with both block coders and must come back bit-exactly from j2kit,
 * opj_decompress and grk_decompress (and ojph_expand for 8-bit HT); the tile-parts, TLM and PLT are
 * read independently (test/encoder/codestream_facts.ts) and the tiles with tile-parts must be exactly
 * the tiles the geometry gives packets (computed here from B.3-B.6, not by the encoder).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decode, encode, readHeader } from "../../src/index.js";
import { openJpip } from "../../src/jpip/index.js";
import { openImage } from "../../src/range/open_image.js";
import type { EncodeOptions, J2kImage } from "../../src/types.js";
import { nativeDecode } from "../helpers/peers.js";
import { has } from "../helpers/tools.js";
import { ojphExpand } from "../ht/helpers.js";
import { startJpip } from "../jpip/fixtures.js";
import { codestreamFacts, packetsPerTile } from "./codestream_facts.js";

const OPJ = has("opj_decompress");
const GRK = has("grk_decompress");
const OJPH = has("ojph_expand");

interface Geometry {
  name: string;
  /** Image area size and origin on the reference grid. */
  width: number;
  height: number;
  origin: { x: number; y: number };
  tile: { width: number; height: number; x0: number; y0: number };
  /** [dx, dy] per component. */
  sub: Array<[number, number]>;
  bitDepth: number;
  signed?: boolean;
  /** Whether some tiles hold no sample at all (else: only some tile-components are empty). */
  emptyTiles: boolean;
}

/** Size of component c (B-2): ceil(Xsiz / dx) - ceil(XOsiz / dx). */
function compSize(g: Geometry, c: number): { w: number; h: number } {
  const [dx, dy] = g.sub[c]!;
  return {
    w: Math.ceil((g.origin.x + g.width) / dx) - Math.ceil(g.origin.x / dx),
    h: Math.ceil((g.origin.y + g.height) / dy) - Math.ceil(g.origin.y / dy),
  };
}

/** A planar image with smooth content plus noise (seeded), each component at its own size. */
function makeImage(g: Geometry, seed: number): { image: J2kImage; planes: Int32Array[] } {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const max = 2 ** g.bitDepth - 1;
  const lo = g.signed ? -(2 ** (g.bitDepth - 1)) : 0;
  const planes = g.sub.map((_, c) => {
    const { w, h } = compSize(g, c);
    const p = new Int32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = (0.5 + 0.3 * Math.sin((x + 3 * c) / 9) * Math.cos(y / 13) + 0.15 * rnd()) * max;
        p[y * w + x] = Math.max(0, Math.min(max, Math.round(v))) + lo;
      }
    }
    return p;
  });
  const total = planes.reduce((a, p) => a + p.length, 0);
  const data = g.bitDepth <= 8 ? (g.signed ? new Int8Array(total) : new Uint8Array(total)) : g.signed ? new Int16Array(total) : new Uint16Array(total);
  let o = 0;
  for (const p of planes) {
    data.set(p, o);
    o += p.length;
  }
  const image = { width: g.width, height: g.height, components: g.sub.length, bitDepth: g.bitDepth, signed: !!g.signed, data } as unknown as J2kImage;
  return { image, planes };
}

function options(g: Geometry, extra: EncodeOptions): EncodeOptions {
  return { planar: true, origin: g.origin, tile: g.tile, subsampling: g.sub, mct: false, ...extra };
}

function samePlanes(a: ArrayLike<number>[], b: ArrayLike<number>[]): boolean {
  if (a.length !== b.length) return false;
  for (let c = 0; c < a.length; c++) {
    const x = a[c]!, y = b[c]!;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

const GEOMETRIES: Geometry[] = [
  {
    // b2_mono.j2c's geometry: the first tile row is one grid row (160..161) and the last tile column
    // three grid columns (1516..1519) wide, neither holding a multiple of 3 / 5
    name: "b2_mono's: origin (1,160), 379x161 tiles, 5x3 sub-sampling",
    width: 1518,
    height: 537,
    origin: { x: 1, y: 160 },
    tile: { width: 379, height: 161, x0: 0, y0: 0 },
    sub: [[5, 3]],
    bitDepth: 8,
    emptyTiles: true,
  },
  {
    // tile columns [13,16), [25,28), ... and rows [2,3), [9,12), [21,24), ... hold no multiple of 4:
    // empty tiles inside the grid, not only at its edges; two components, 12 bits
    name: "empty tiles inside the grid: 3x3 tiles, 4x4 sub-sampling, 2 components, 12-bit",
    width: 58,
    height: 43,
    origin: { x: 3, y: 2 },
    tile: { width: 3, height: 3, x0: 1, y0: 0 },
    sub: [
      [4, 4],
      [4, 4],
    ],
    bitDepth: 12,
    emptyTiles: true,
  },
  {
    // the first tile row holds one row of component 0 and none of component 1: the tile is written
    // (it has samples), with one empty tile-component
    name: "tiles with one empty tile-component: components 1x1 and 2x3, signed 8-bit",
    width: 70,
    height: 60,
    origin: { x: 0, y: 40 },
    tile: { width: 32, height: 41, x0: 0, y0: 0 },
    sub: [
      [1, 1],
      [2, 3],
    ],
    bitDepth: 8,
    signed: true,
    emptyTiles: false,
  },
];

/** Tile indices whose tile-components hold samples (packets > 0), from the geometry alone. */
function tilesWithSamples(bytes: Uint8Array, levels: number): number[] {
  const f = codestreamFacts(bytes);
  return packetsPerTile(f.siz, levels, 1)
    .map((n, t) => [n, t] as const)
    .filter(([n]) => n > 0)
    .map(([, t]) => t);
}

describe("tiles without samples get no tile-part; every decoder reads the rest bit-exactly", () => {
  for (const g of GEOMETRIES) {
    for (const ht of [false, true]) {
      it.skipIf(!OPJ || !GRK || !OJPH)(`${g.name}, ${ht ? "HT" : "Part 1"} (needs opj_decompress, grk_decompress, ojph_expand)`, () => {
        const { image, planes } = makeImage(g, 7 + g.width);
        const bytes = encode(image, options(g, { lossless: true, ht, levels: 2, codeBlock: [32, 32], tlm: true, plt: true, tileParts: "R", progression: "RPCL" }));
        const f = codestreamFacts(bytes);
        const h = readHeader(bytes);
        const present = [...new Set(f.tileParts.map((p) => p.Isot))];
        const want = tilesWithSamples(bytes, h.levels);
        if (g.emptyTiles) expect(want.length, "some tiles of this geometry are empty").toBeLessThan(h.tilesX * h.tilesY);
        else expect(want.length, "every tile of this geometry has samples").toBe(h.tilesX * h.tilesY);
        expect(present, "tiles with tile-parts = tiles with samples").toEqual(want);
        expect(
          f.tlm.map((e) => [e.Ttlm, e.Ptlm]),
          "TLM lists exactly the tile-parts written",
        ).toEqual(f.tileParts.map((p) => [p.Isot, p.Psot]));
        for (const p of f.tileParts) {
          expect(p.bodyEnd, `tile ${p.Isot} part ${p.TPsot}: non-empty body`).toBeGreaterThan(p.bodyStart);
          expect(p.pltLengths.reduce((a, b) => a + b, 0), `tile ${p.Isot} part ${p.TPsot}: PLT = body`).toBe(p.bodyEnd - p.bodyStart);
        }
        expect(f.eoc).toBe(true);
        expect(samePlanes(decode(bytes, { layout: "components" }).componentData!, planes), "j2kit").toBe(true);
        expect(samePlanes(nativeDecode(bytes).planes.map((p) => p.data), planes), "opj_decompress").toBe(true);
        expect(samePlanes(nativeDecode(bytes, { tool: "grk" }).planes.map((p) => p.data), planes), "grk_decompress").toBe(true);
        if (ht && g.bitDepth === 8 && !g.signed) {
          const sizes = g.sub.map((_, c) => {
            const s = compSize(g, c);
            return { width: s.w, height: s.h };
          });
          expect(samePlanes(ojphExpand(bytes, "yuv", sizes).map((p) => p.data), planes), "ojph_expand").toBe(true);
        }
      });
    }
  }

  for (const ht of [false, true]) {
    it.skipIf(!OPJ)(`rate control counts only the tile-parts written: ${ht ? "HT" : "Part 1"} at 8:1 within 97-100 % of the budget (needs opj_decompress)`, () => {
      const g = GEOMETRIES[0]!;
      const { image, planes } = makeImage(g, 11);
      const raw = planes.reduce((a, p) => a + p.length, 0);
      const budget = raw / 8;
      const bytes = encode(image, options(g, { ratios: [8], ht }));
      expect(bytes.length).toBeLessThanOrEqual(budget);
      expect(bytes.length).toBeGreaterThanOrEqual(0.97 * budget);
      expect(new Set(codestreamFacts(bytes).tileParts.map((p) => p.Isot)).size).toBe(tilesWithSamples(bytes, readHeader(bytes).levels).length);
      const ours = decode(bytes, { layout: "components" }).componentData!;
      const theirs = nativeDecode(bytes).planes.map((p) => p.data);
      // (9/7 decoders round differently: the same codestream within one grey level)
      let peak = 0;
      for (let c = 0; c < ours.length; c++) for (let i = 0; i < ours[c]!.length; i++) peak = Math.max(peak, Math.abs(ours[c]![i]! - theirs[c]![i]!));
      expect(theirs.map((p) => p.length), "opj_decompress: component sizes").toEqual(ours.map((p) => p.length));
      expect(peak, "opj_decompress decodes what j2kit decodes (peak difference)").toBeLessThanOrEqual(1);
    });
  }
});

describe("an image whose component holds no sample at all", () => {
  it("is refused (B.2: one column at origin 1 holds no multiple of 5), instead of a codestream without tile-parts", () => {
    const image = { width: 1, height: 4, components: 1, bitDepth: 8, signed: false, data: new Uint8Array(0) } as J2kImage;
    for (const ht of [false, true]) {
      expect(() => encode(image, { planar: true, origin: { x: 1, y: 0 }, subsampling: [[5, 1]], ht })).toThrow(/component 0 has no samples/);
    }
  });
});

describe("readers that index tiles cope with the omitted tiles", () => {
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) => samePlanes([a], [b]);
  it("range reading (with and without TLM) and JPIP give what decode() gives", async () => {
    const g = GEOMETRIES[0]!;
    const { image } = makeImage(g, 5);
    const dir = mkdtempSync(join(tmpdir(), "j2kit-empty-tiles-"));
    const server = await startJpip(dir);
    try {
      for (const ht of [false, true]) {
        for (const tlm of [false, true]) {
          const bytes = encode(image, options(g, { lossless: true, ht, levels: 2, ...(tlm ? { tlm, plt: true, tileParts: "R", progression: "RPCL" } : {}) }));
          const tag = `${ht ? "HT" : "Part 1"}${tlm ? " + TLM" : ""}`;
          const img = await openImage(bytes);
          const region = { x: 300, y: 0, width: 900, height: 200 }; // meets empty and non-empty tiles
          expect(same((await img.decode()).data, decode(bytes).data), `${tag}: openImage whole image`).toBe(true);
          expect(same((await img.decode({ region })).data, decode(bytes, { region }).data), `${tag}: openImage region`).toBe(true);
          expect(img.index.tilePartSource, tag).toBe(tlm ? "TLM" : "SOT");
          expect(img.warnings, tag).toEqual([]);
          const name = `e_${ht ? "ht" : "p1"}_${tlm ? "tlm" : "plain"}.j2c`;
          writeFileSync(join(dir, name), bytes);
          const c = await openJpip(server.url, { target: name });
          const full = await c.fetchWindow({ fsiz: [g.width, g.height] });
          const half = await c.fetchWindow({ fsiz: [Math.ceil(g.width / 2), Math.ceil(g.height / 2)] });
          await c.close();
          expect(full.complete && half.complete, `${tag}: JPIP views complete`).toBe(true);
          expect(same(full.image.data, decode(bytes).data), `${tag}: JPIP whole image`).toBe(true);
          expect(same(half.image.data, decode(bytes, { reduce: 1 }).data), `${tag}: JPIP reduce 1`).toBe(true);
        }
      }
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a truncated file: a region whose tiles are complete decodes by ranges although it meets tiles without tile-parts", async () => {
    const g = GEOMETRIES[0]!;
    const { image } = makeImage(g, 9);
    const bytes = encode(image, options(g, { lossless: true, levels: 2 }));
    const cut = bytes.subarray(0, bytes.length - 300); // inside the last tile-part (tile 23)
    expect(codestreamFacts(bytes).tileParts.at(-1)!.Psot).toBeGreaterThan(300);
    const region = { x: 0, y: 0, width: g.width, height: 100 }; // tile rows 0 (empty) and 1 (tiles 5-8, 9 empty)
    const img = await openImage(cut);
    const got = await img.decode({ region });
    expect(img.index.truncated, "the index saw the truncation").toBe(true);
    expect(same(got.data, decode(bytes, { region }).data)).toBe(true);
    await expect(img.decode(), "the whole image still needs allowPartial").rejects.toMatchObject({ code: "PACKET_TRUNCATED" });
  });
});
