/** Csiz up to 16384 (A.5.1): two-byte component indices in COC/QCC/POC, and no per-component blow-up. */
import { describe, expect, it } from "vitest";
import { decode, encode, readHeader } from "../../src/index.js";

describe("many components", () => {
  for (const C of [257, 16384]) {
    it(`${C} components round-trip bit-exactly`, () => {
      const W = 3, H = 2;
      const data = Uint8Array.from({ length: W * H * C }, (_, i) => (i * 31 + (i >> 7)) & 255);
      const j2k = encode({ width: W, height: H, components: C, bitDepth: 8, signed: false, data }, { mct: false, levels: 1 });
      expect(readHeader(j2k).components).toBe(C);
      const back = decode(j2k);
      expect(back.components).toBe(C);
      let first = -1;
      for (let i = 0; i < data.length && first < 0; i++) if (back.data[i] !== data[i]) first = i;
      expect(first).toBe(-1);
      // a subset of components, including ones only reachable with two-byte indices
      const sub = decode(j2k, { components: [0, C - 1], layout: "components" });
      expect(Array.from(sub.componentData![1]!)).toEqual(Array.from({ length: W * H }, (_, p) => data[p * C + C - 1]));
    });
  }
});
