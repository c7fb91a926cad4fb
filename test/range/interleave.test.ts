/**
 * Tile-parts interleaved across tiles (src/codestream/interleave.ts) and the index reading later
 * tile-part headers only when their packets are needed (src/codestream/codestream_index.ts):
 * - `encode(..., { tilePartOrder: "interleaved" })`, the "iiif" preset and `optimize`'s default
 *   write every tile's first tile-part, then every tile's second, ...; TLM lists them in that
 *   order; the samples are the image's (lossless) and OpenJPEG and Grok decode it to them too;
 * - a coarse view of an interleaved file is one contiguous run of bytes: `openImage` reads it in
 *   one request after opening, and leaves the later tile-part headers unread;
 * - a later tile-part header that breaks the rules of reading lazily (no PLT, a POC) makes the
 *   index read all of the tile's headers: the samples still equal a whole-file decode.
 */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { decode, encode, readHeader } from "../../src/index.js";
import { interleaveTileParts } from "../../src/codestream/interleave.js";
import { optimize } from "../../src/range/optimize.js";
import { openImage } from "../../src/range/open_image.js";
import { has } from "../helpers/tools.js";
import { nativeDecode } from "../helpers/peers.js";
import { fixture, RECIPES, syntheticImage } from "./fixtures.js";

const W = 600, H = 500;
const image = { width: W, height: H, components: 3, bitDepth: 8, signed: false, data: syntheticImage(W, H, 3) };
const TILED = { tile: { width: 128, height: 128 }, levels: 4, progression: "RPCL", tileParts: "R", tlm: true, plt: true } as const;

const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const be32 = (b: Uint8Array, o: number) => be16(b, o) * 65536 + be16(b, o + 2);

interface Part {
  tile: number;
  part: number;
  offset: number;
  length: number;
}

/** The tile-parts of codestream `cs` by following Psot from the first SOT. */
function sotChain(cs: Uint8Array): Part[] {
  let pos = 2;
  while (be16(cs, pos) !== 0xff90) pos += 2 + be16(cs, pos + 2);
  const out: Part[] = [];
  while (pos + 12 <= cs.length && be16(cs, pos) === 0xff90) {
    out.push({ tile: be16(cs, pos + 4), part: cs[pos + 10]!, offset: pos, length: be32(cs, pos + 6) });
    pos += be32(cs, pos + 6);
  }
  return out;
}

/** TLM entries (Stlm 0x60: 16-bit tile, 32-bit length) of the main header, in order. */
function tlmEntries(cs: Uint8Array): Array<{ tile: number; length: number }> {
  const out: Array<{ tile: number; length: number }> = [];
  let pos = 2;
  while (be16(cs, pos) !== 0xff90) {
    const L = be16(cs, pos + 2);
    if (be16(cs, pos) === 0xff55) {
      expect(cs[pos + 5]).toBe(0x60);
      for (let o = pos + 6; o < pos + 2 + L; o += 6) out.push({ tile: be16(cs, o), length: be32(cs, o + 2) });
    }
    pos += 2 + L;
  }
  return out;
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * `cs` with the header of its `index`-th tile-part (codestream order) changed by `edit` (the marker
 * segments between SOT and SOD in, new ones out); Psot and the TLM entry follow.
 */
function editPartHeader(cs: Uint8Array, index: number, edit: (segs: Uint8Array) => Uint8Array): Uint8Array {
  const p = sotChain(cs)[index]!;
  let sod = p.offset + 12;
  while (be16(cs, sod) !== 0xff93) sod += 2 + be16(cs, sod + 2);
  const segs = edit(cs.slice(p.offset + 12, sod));
  const length = p.length - (sod - p.offset - 12) + segs.length;
  const out = new Uint8Array(cs.length - p.length + length);
  out.set(cs.subarray(0, p.offset + 12));
  out.set(segs, p.offset + 12);
  out.set(cs.subarray(sod, p.offset + p.length), p.offset + 12 + segs.length);
  out.set(cs.subarray(p.offset + p.length), p.offset + length);
  const dv = new DataView(out.buffer);
  dv.setUint32(p.offset + 6, length);
  // the TLM entry of this tile-part
  let pos = 2, k = 0;
  while (be16(out, pos) !== 0xff90) {
    const L = be16(out, pos + 2);
    if (be16(out, pos) === 0xff55) {
      for (let o = pos + 6; o < pos + 2 + L; o += 6, k++) if (k === index) dv.setUint32(o + 2, length);
    }
    pos += 2 + L;
  }
  return out;
}

/** Marker segments of `segs` except those with marker `m`. */
function without(segs: Uint8Array, m: number): Uint8Array {
  const keep: number[] = [];
  for (let o = 0; o < segs.length; ) {
    const n = 2 + be16(segs, o + 2);
    if (be16(segs, o) !== m) keep.push(...segs.subarray(o, o + n));
    o += n;
  }
  return new Uint8Array(keep);
}

describe("interleaved tile-parts", () => {
  const tileMajor = encode(image, TILED);
  const interleaved = encode(image, { ...TILED, tilePartOrder: "interleaved" });

  test("round-robin order, TLM in the same order, same bytes per tile-part, lossless", () => {
    const T = Math.ceil(W / 128) * Math.ceil(H / 128);
    const chain = sotChain(interleaved);
    expect(chain.length).toBe(T * 5);
    chain.forEach((p, k) => {
      expect(p.part, `tile-part ${k}`).toBe(Math.floor(k / T));
      expect(p.tile, `tile-part ${k}`).toBe(k % T);
    });
    expect(tlmEntries(interleaved)).toEqual(chain.map((p) => ({ tile: p.tile, length: p.length })));
    // the same tile-parts as the tile-major file, moved
    expect(interleaved.length).toBe(tileMajor.length);
    const before = new Map(sotChain(tileMajor).map((p) => [`${p.tile}/${p.part}`, tileMajor.subarray(p.offset, p.offset + p.length)]));
    for (const p of chain) expect(sameBytes(interleaved.subarray(p.offset, p.offset + p.length), before.get(`${p.tile}/${p.part}`)!)).toBe(true);
    expect(sameBytes(decode(interleaved).data, image.data)).toBe(true);
    expect(sameBytes(decode(interleaved, { reduce: 2 }).data, decode(tileMajor, { reduce: 2 }).data)).toBe(true);
    // one tile-part per tile: nothing to do
    const single = encode(image, { tile: { width: 128, height: 128 } });
    expect(interleaveTileParts(single)).toBe(single);
  });

  test('the "iiif" preset and optimize\'s default interleave', async () => {
    const preset = encode(image, { preset: "iiif", tile: { width: 256, height: 256 } });
    const chain = sotChain(preset);
    expect(chain.slice(0, 6).map((p) => p.part)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(chain[6]!.part).toBe(1);
    const opt = await optimize(tileMajor);
    expect(sotChain(opt).map((p) => `${p.tile}/${p.part}`)).toEqual(chain.length === 0 ? [] : sotChain(interleaved).map((p) => `${p.tile}/${p.part}`));
    expect(sameBytes(decode(opt).data, image.data)).toBe(true);
  });

  test.skipIf(!has("opj_decompress"))("opj_decompress decodes it to the image (needs opj_decompress: libopenjp2-tools)", () => {
    const ref = nativeDecode(interleaved, { tool: "opj" });
    for (let c = 0; c < 3; c++) {
      const plane = ref.planes[c]!.data;
      for (let i = 0; i < W * H; i += 997) expect(plane[i], `component ${c} sample ${i}`).toBe(image.data[i * 3 + c]);
      expect(Array.from(plane).every((v, i) => v === image.data[i * 3 + c])).toBe(true);
    }
  });

  test.skipIf(!has("grk_decompress"))("grk_decompress decodes it to the image (needs grk_decompress: grokj2k-tools)", () => {
    const ref = nativeDecode(interleaved, { tool: "grk" });
    for (let c = 0; c < 3; c++) expect(Array.from(ref.planes[c]!.data).every((v, i) => v === image.data[i * 3 + c]), `component ${c}`).toBe(true);
  });
});

describe("a coarse view of an interleaved file by ranges", () => {
  test("one request after opening; later tile-part headers stay unread; same samples", async () => {
    const input = new Uint8Array(readFileSync(fixture(RECIPES.rgbLayers)));
    const file = await optimize(input); // RPCL, resolution tile-parts interleaved, TLM, PLT
    const h = readHeader(file);
    const reduce = h.levels - 1; // resolutions 0 and 1
    const img = await openImage(file, { worker: false, initialRead: 4096, mergeGap: 0 });
    const before = img.stats();
    const got = await img.decode({ reduce });
    expect(sameBytes(got.data, decode(input, { reduce }).data)).toBe(true);
    expect(img.stats().requests - before.requests).toBe(1);
    // what was read: the main header's rest and the first two rounds of tile-parts, no more
    const parts = await img.index.allTileParts();
    const T = h.tilesX * h.tilesY;
    const wanted = parts.slice(0, 2 * T).reduce((a, p) => a + p.length, 0);
    expect(img.stats().bytes - before.bytes).toBeLessThanOrEqual(wanted + img.index.mainHeaderRange.length);
    for (let t = 0; t < T; t++) {
      const pk = await img.index.packets(t, 0);
      expect(pk.partial, `tile ${t}`).toBe(true);
      expect(pk.parts.length).toBe(2);
    }
    // full resolution: every header read, same samples
    expect(sameBytes((await img.decode({ region: { x: 900, y: 900, width: 300, height: 300 } })).data, decode(input, { region: { x: 900, y: 900, width: 300, height: 300 } }).data)).toBe(true);
    expect((await img.index.packets(0)).partial).toBe(false);
    expect(img.warnings).toEqual([]);
    await img.close();
  });

  test("pinLowResolutions: whole rounds within the budget read at open in one request; coarse views read nothing more", async () => {
    const file = await optimize(new Uint8Array(readFileSync(fixture(RECIPES.rgbLayers))));
    const h = readHeader(file);
    const T = h.tilesX * h.tilesY;
    const parts = await (await openImage(file, { worker: false })).index.allTileParts();
    const rounds = [1, 2, 3].map((r) => parts.slice(0, r * T).reduce((a, p) => a + p.length, 0));
    // a budget between two rounds and a half: the first two rounds
    const img = await openImage(file, { worker: false, pinLowResolutions: Math.floor((rounds[1]! + rounds[2]!) / 2) });
    expect(img.stats().pinnedBytes).toBe(rounds[1]);
    const before = img.stats().requests;
    const want = decode(file, { reduce: h.levels - 1 });
    expect(sameBytes((await img.decode({ reduce: h.levels - 1 })).data, want.data)).toBe(true);
    expect(sameBytes((await img.decode({ reduce: h.levels - 1 })).data, want.data)).toBe(true);
    expect(img.stats().requests).toBe(before);
    await img.close();
    // tile-major files and budgets below round 0 pin nothing
    expect((await openImage(new Uint8Array(readFileSync(fixture(RECIPES.rgbLayers))), { worker: false, pinLowResolutions: 1 << 30 })).stats().pinnedBytes).toBe(0);
    expect((await openImage(file, { worker: false, pinLowResolutions: rounds[0]! - 1 })).stats().pinnedBytes).toBe(0);
  });

  test("a later tile-part without PLT: the tile is indexed from its packet headers, same samples", async () => {
    const interleaved = encode(image, { ...TILED, tilePartOrder: "interleaved" });
    const T = Math.ceil(W / 128) * Math.ceil(H / 128);
    // tile 0's third tile-part (resolution 2) loses its PLT
    const broken = editPartHeader(interleaved, 2 * T, (segs) => without(segs, 0xff58));
    const want = decode(broken);
    expect(sameBytes(want.data, image.data)).toBe(true);
    // (a region inside tile 0, which is then indexed packet by packet rather than read whole)
    const region = { x: 0, y: 0, width: 100, height: 100 };
    for (const reduce of [3, 2, 0]) {
      const img = await openImage(broken, { worker: false });
      const got = await img.decode({ reduce, region });
      expect(sameBytes(got.data, decode(broken, { reduce, region }).data), `reduce ${reduce}`).toBe(true);
      // reduce 3 never reads that header; reduce 2 needs its packets; reduce 0 reads tile 0 whole
      // (every precinct of each resolution meets the region: no packet index needed)
      if (reduce === 2) expect(img.warnings.some((w) => /PLT marker segments of tile 0 ignored/.test(w)), img.warnings.join("; ")).toBe(true);
      else expect(img.warnings).toEqual([]);
      await img.close();
    }
  });

  test("a POC in a later tile-part header: all the tile's headers read, planned again, same samples", async () => {
    const interleaved = encode(image, { ...TILED, tilePartOrder: "interleaved" });
    const T = Math.ceil(W / 128) * Math.ceil(H / 128);
    // tile 1's second tile-part gets a POC that lists the whole tile in RPCL (RSpoc 0, CSpoc 0,
    // LYEpoc 1, REpoc 5, CEpoc 3, Ppoc 2): the same packet order, found only when that header is read
    const poc = new Uint8Array([0xff, 0x5f, 0, 9, 0, 0, 0, 1, 5, 3, 2]);
    const withPoc = editPartHeader(interleaved, T + 1, (segs) => new Uint8Array([...poc, ...segs]));
    expect(sameBytes(decode(withPoc).data, image.data)).toBe(true);
    const img = await openImage(withPoc, { worker: false });
    const coarse = await img.decode({ reduce: 4 });
    expect(sameBytes(coarse.data, decode(withPoc, { reduce: 4 }).data)).toBe(true);
    expect((await img.index.packets(1, 0)).partial).toBe(true);
    const full = await img.decode({ region: { x: 128, y: 0, width: 128, height: 128 } });
    expect(sameBytes(full.data, decode(withPoc, { region: { x: 128, y: 0, width: 128, height: 128 } }).data)).toBe(true);
    const pk = await img.index.packets(1);
    expect(pk.partial).toBe(false);
    expect(pk.geometry.poc.length).toBe(1);
    await img.close();
  });
});
