/**
 * `encode(image, { preset: "iiif" })`: the layout range readers read fastest — RPCL, at least 6
 * levels, 256x256 precincts, 1024x1024 tiles above that size, one tile-part per resolution, TLM and PLT — checked in the written
 * codestream by the index (not by the encoder's own report), round-tripping losslessly, decodable
 * by OpenJPEG, and explicit options win over the preset's.
 */
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode, encode, readHeader } from "../../src/index.js";
import { openImage } from "../../src/range/open_image.js";
import { nativeTools, NATIVE_HINT } from "../helpers/peers.js";
import { syntheticImage } from "./fixtures.js";

const W = 1200, H = 900;
const image = { width: W, height: H, components: 3, bitDepth: 8, signed: false, data: syntheticImage(W, H, 3) };

describe('encode preset "iiif"', () => {
  test("RPCL, >= 6 levels, 256x256 precincts, tile-parts by resolution, TLM, PLT; lossless round trip", async () => {
    const j2k = encode(image, { preset: "iiif" });
    const h = readHeader(j2k);
    expect(h.progression).toBe("RPCL");
    expect(h.levels).toBeGreaterThanOrEqual(6);
    expect(h.precincts!.every(([w, hh]) => w === 256 && hh === 256)).toBe(true);
    const img = await openImage(j2k, { worker: false });
    expect(img.index.tilePartSource).toBe("TLM");
    const pk = await img.index.packets(0);
    expect(pk.source).toBe("PLT");
    expect(pk.parts.length).toBe(h.levels + 1);
    for (const [i, p] of pk.parts.entries()) expect(p.part).toBe(i);
    expect(Buffer.from(decode(j2k).data as Uint8Array).equals(Buffer.from(image.data))).toBe(true);
    await img.close();
  });

  test("1024x1024 tiles above one tile's size, one tile below; an explicit tile wins", () => {
    const h = readHeader(encode(image, { preset: "iiif" }));
    expect([h.tileWidth, h.tileHeight, h.tilesX, h.tilesY]).toEqual([1024, 1024, 2, 1]);
    const small = { width: 800, height: 600, components: 1, bitDepth: 8, signed: false, data: syntheticImage(800, 600, 1) };
    const s = readHeader(encode(small, { preset: "iiif" }));
    expect([s.tilesX, s.tilesY]).toEqual([1, 1]);
    const one = readHeader(encode(image, { preset: "iiif", tile: { width: W, height: H } }));
    expect([one.tilesX, one.tilesY]).toEqual([1, 1]);
  });

  test("explicit options win; JP2 output works", () => {
    const h = readHeader(encode(image, { preset: "iiif", progression: "LRCP", levels: 7, format: "jp2" }));
    expect(h.progression).toBe("LRCP");
    expect(h.levels).toBe(7);
    expect(h.format).toBe("jp2");
  });

  test.skipIf(!nativeTools.opjDecompress)(`opj_decompress decodes it to the image (requires ${NATIVE_HINT})`, () => {
    const dir = mkdtempSync(join(tmpdir(), "j2kit-iiif-"));
    try {
      writeFileSync(join(dir, "a.j2k"), encode(image, { preset: "iiif" }));
      const r = spawnSync("opj_decompress", ["-i", join(dir, "a.j2k"), "-o", join(dir, "a.ppm")], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const ppm = readFileSync(join(dir, "a.ppm"));
      expect(ppm.subarray(0, 2).toString()).toBe("P6");
      const samples = ppm.subarray(ppm.length - W * H * 3);
      expect(Buffer.from(samples).equals(Buffer.from(image.data))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
