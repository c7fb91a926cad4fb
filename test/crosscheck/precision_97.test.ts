/**
 * 9/7 decoding precision at high bit depths. j2kit and OpenJPEG both run the irreversible inverse
 * in 32-bit floats, in a different order, so they differ by rounding that grows with the sample range
 * (the real-world cross-checks allow ±1 up to 12 bits and more above). This suite shows the
 * difference is not an accuracy loss on j2kit's side: against the known original, j2kit's decoded
 * error is never larger than OpenJPEG's (opj_decompress) on the same codestream.
 */
import { describe, expect, it } from "vitest";
import { decode, encode } from "../../src/index.js";
import { nativeDecode } from "../helpers/peers.js";
import { has } from "../helpers/tools.js";
import { Prng } from "../helpers/prng.js";

function synthetic(bits: number, seed: number): Uint16Array {
  const W = 256, H = 256;
  const prng = new Prng(seed);
  const rnd = () => prng.next() / 4294967296;
  const data = new Uint16Array(W * H);
  const max = 2 ** bits - 1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = (Math.sin(x / 13) * Math.cos(y / 7) * 0.4 + 0.5 + (rnd() - 0.5) / 8) * max;
      data[y * W + x] = Math.max(0, Math.min(max, Math.round(v)));
    }
  }
  return data;
}

function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

describe.skipIf(!has("opj_decompress"))("9/7 precision against the original (needs opj_decompress: libopenjp2-tools)", () => {
  for (const bits of [12, 14, 16]) {
    for (const ratio of [4, 16]) {
      it(`${bits}-bit at ${ratio}:1: j2kit's error <= OpenJPEG's`, () => {
        const data = synthetic(bits, bits * 100 + ratio);
        const j2k = encode({ width: 256, height: 256, components: 1, bitDepth: bits, signed: false, data }, { ratios: [ratio] });
        const ours = decode(j2k).data;
        const theirs = nativeDecode(j2k).planes[0]!.data;
        const e1 = mse(data, ours), e2 = mse(data, theirs);
        expect(e1).toBeLessThanOrEqual(e2 * 1.0005 + 1e-9);
      });
    }
  }
});
