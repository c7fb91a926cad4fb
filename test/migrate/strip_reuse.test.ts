/**
 * decode() through strips keeps the closed WebAssembly instance of one call for the next
 * (src/strip/assemble.ts): a fresh instance per call faulted its whole linear memory in again and
 * cost saw (2725x2225 RGB) about a quarter of its decode time. The reused instance must carry no
 * state from the call before: different images, layouts and options, a failed call and an HT stream
 * in between all decode exactly as the one-piece path does.
 */
import { afterEach, describe, expect, test } from "vitest";
import { decode, encode, J2kError } from "../../src/index.js";
import { setStripDecodeThreshold, stripSpareBytes } from "../../src/strip/assemble.js";
import type { DecodeOptions } from "../../src/types.js";
import { readTestdata } from "../helpers/paths.js";

function image(w: number, h: number, components: number, seed: number): Uint8Array {
  const px = new Uint8Array(w * h * components);
  for (let i = 0; i < px.length; i++) px[i] = (i * seed + (i >> 7) * 13) & 255;
  return px;
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe("decode() in strips reuses one WebAssembly instance across calls", () => {
  afterEach(() => setStripDecodeThreshold(64 * 2 ** 20));

  test("calls in a row (Part 1, HT, other sizes, layouts, a failure) equal the one-piece decode and keep an instance", () => {
    const rgb = encode({ width: 300, height: 200, components: 3, bitDepth: 8, signed: false, data: image(300, 200, 3, 7) }, { lossless: true });
    const grey = encode({ width: 123, height: 457, components: 1, bitDepth: 8, signed: false, data: image(123, 457, 1, 11) }, { lossless: true, codeBlock: [32, 32] });
    const ht = encode({ width: 257, height: 129, components: 3, bitDepth: 8, signed: false, data: image(257, 129, 3, 5) }, { lossless: true, ht: true });
    const tiled = readTestdata("conformance/part4_j2k/p0_03.j2k");
    const corrupt = rgb.slice(0, 200);
    const calls: [Uint8Array, DecodeOptions, string][] = [
      [rgb, {}, "rgb"],
      [grey, { layout: "planar" }, "grey planar"],
      [ht, {}, "ht"],
      [rgb, { reduce: 1, region: { x: 10, y: 20, width: 150, height: 90 } }, "rgb region reduce 1"],
      [tiled, {}, "tiled conformance stream"],
      [corrupt, {}, "truncated (fails)"],
      [ht, { layout: "planar" }, "ht planar after a failure"],
      [rgb, {}, "rgb again"],
    ];
    const expected = calls.map(([bytes, options]) => {
      setStripDecodeThreshold(Infinity);
      try {
        return decode(bytes, options).data;
      } catch (e) {
        return e;
      }
    });
    setStripDecodeThreshold(0);
    let kept = 0;
    calls.forEach(([bytes, options, what], i) => {
      const want = expected[i];
      if (want instanceof Error) {
        expect(() => decode(bytes, options), what).toThrow(J2kError);
        return;
      }
      const got = decode(bytes, options);
      expect(same(got.data, want as ArrayLike<number>), what).toBe(true);
      // the call's instance is kept for the next one, and it is the same instance: linear memory
      // never shrinks, while a fresh instance for a smaller image would be smaller
      expect(stripSpareBytes(), what).toBeGreaterThan(0);
      expect(stripSpareBytes(), what).toBeGreaterThanOrEqual(kept);
      kept = stripSpareBytes();
    });
    expect(expected.filter((e) => e instanceof Error)).toHaveLength(1);
    expect(kept).toBeGreaterThan(2 ** 20);
  });
});
