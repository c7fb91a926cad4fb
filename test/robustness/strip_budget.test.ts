/**
 * decode() of a large image goes through strips (src/strip/assemble.ts); the output array and the
 * strips' working memory share `limits.maxMemory`. Found while fuzzing the strip path: with
 * maxMemory <= 512 MiB the strips took all of it and every such image was refused with a
 * LIMIT_MEMORY whose "needs" figure was the limit plus the output (a 4200x4200 grey image, 17 MB of
 * output, "needs 273 MiB" under 256 MiB). The tests force the strip path (threshold 0) on small images.
 */
import { afterEach, describe, expect, test } from "vitest";
import { decode, encode, J2kError } from "../../src/index.js";
import { setStripDecodeThreshold } from "../../src/strip/assemble.js";
import { readTestdata } from "../helpers/paths.js";

const MiB = 2 ** 20;

function grey(w: number, h: number): Uint8Array {
  const px = new Uint8Array(w * h);
  for (let i = 0; i < px.length; i++) px[i] = (i * 7 + (i >> 9)) & 255;
  return encode({ width: w, height: h, components: 1, bitDepth: 8, signed: false, data: px }, { lossless: true });
}

describe("strip decoding within limits.maxMemory", () => {
  afterEach(() => setStripDecodeThreshold(64 * MiB));

  test("an image whose output fits beside 16 MiB of strip memory decodes under a small maxMemory, equal to the one-piece decode", () => {
    const cs = grey(1024, 768);
    setStripDecodeThreshold(Infinity);
    const one = decode(cs);
    setStripDecodeThreshold(0);
    for (const maxMemory of [24 * MiB, 64 * MiB, 256 * MiB]) {
      const img = decode(cs, { limits: { maxMemory } });
      expect([img.width, img.height, img.components]).toEqual([1024, 768, 1]);
      expect(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).equals(Buffer.from(one.data.buffer, one.data.byteOffset, one.data.byteLength)), `maxMemory ${maxMemory / MiB} MiB`).toBe(true);
    }
  });

  test("an output that leaves less than 16 MiB of the limit is a LIMIT_MEMORY naming output + 16 MiB", () => {
    const cs = grey(3000, 2000); // 6 MB of output
    setStripDecodeThreshold(0);
    let err: unknown;
    try {
      decode(cs, { limits: { maxMemory: 20 * MiB } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(J2kError);
    expect((err as J2kError).code).toBe("LIMIT_MEMORY");
    // 6,000,000 bytes + 16 MiB = 21.7 MiB
    expect((err as J2kError).message).toMatch(/needs 2[12](\.\d+)? MiB, above the memory limit of 20 MiB/);
  });
});

describe("strip sessions visit only the tiles of their rows", () => {
  afterEach(() => setStripDecodeThreshold(64 * MiB));

  function expectSameDecode(bytes: Uint8Array, options: Parameters<typeof decode>[1], what: string): void {
    setStripDecodeThreshold(Infinity);
    const one = decode(bytes, options);
    setStripDecodeThreshold(0);
    const strips = decode(bytes, options);
    expect([strips.width, strips.height, strips.components, strips.partial], what).toEqual([one.width, one.height, one.components, one.partial]);
    expect(Buffer.from(strips.data.buffer, strips.data.byteOffset, strips.data.byteLength).equals(Buffer.from(one.data.buffer, one.data.byteOffset, one.data.byteLength)), what).toBe(true);
  }

  test("a 203x2097304 image of 13,798 tile rows without data (fuzz case 1204-decode-strips #28918) decodes in strips as in one piece", () => {
    // edge_cases/openjpeg/broken.jpc with byte 163 set to 0x77 (the fuzz mutation): it was quadratic
    // in strips (a session per row of tiles, each visiting every tile); `npm run fuzz -- --replay` of
    // the saved case measures it, this checks the tiles each session picks
    const b = readTestdata("edge_cases/openjpeg/broken.jpc").slice();
    b[163] = 0x77;
    expectSameDecode(b, { allowPartial: true, reduce: 3, layout: "planar", limits: { maxPixels: 2 ** 26, maxMemory: 128 * MiB } }, "broken.jpc#163");
  });

  test("a codestream truncated among the packets of resolutions a reduced decode does not use (RLCP, RPCL) decodes in strips as in one piece (fuzz case 1406-20718: strips read them and refused)", () => {
    // in a resolution-major order every packet of resolution r comes after those of 0..r-1
    // (B.12.1.2-3): a decode at reduce 1 needs none of the top resolution's, and one piece stops
    // before them; the strip sessions read every packet and refused with PACKET_TRUNCATED
    const px = new Uint8Array(192 * 160);
    for (let i = 0; i < px.length; i++) px[i] = (i * 13 + (i >> 7) * 5) & 255;
    for (const progression of ["RLCP", "RPCL"] as const) {
      const full = encode({ width: 192, height: 160, components: 1, bitDepth: 8, signed: false, data: px }, { lossless: true, levels: 3, progression });
      for (const keep of [0.8, 0.9, 0.97]) {
        const cut = full.subarray(0, Math.floor(full.length * keep));
        const what = `${progression} cut to ${keep}`;
        expect(() => decode(cut), `${what}: truncated in the top resolution`).toThrow(J2kError);
        expectSameDecode(cut, { reduce: 1 }, what);
      }
    }
  });

  test("tiled images with image and tile origins, whole and by region, decode in strips as in one piece", () => {
    for (const file of ["conformance/part4_j2k/p1_01.j2k", "conformance/kakadu_j2c/b3_mono.j2c", "conformance/part4_j2k/p0_03.j2k", "conformance/kakadu_j2c/f2_mono.j2c"]) {
      const bytes = readTestdata(file);
      expectSameDecode(bytes, {}, file);
      expectSameDecode(bytes, { region: { x: 37, y: 21, width: 61, height: 45 } }, `${file} region`);
      expectSameDecode(bytes, { region: { x: 5, y: 60, width: 200, height: 7 }, reduce: 1 }, `${file} region reduce 1`);
    }
  });
});
