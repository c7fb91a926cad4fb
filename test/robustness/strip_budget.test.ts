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
