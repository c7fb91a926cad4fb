/**
 * encode() refuses a sample outside the range bitDepth/signed allow (src/encode.ts checkImage,
 * whose fast path ORs the samples 32 bits at a time): for every sample array type, in-range data
 * at both ends of the range encodes (and decodes back exactly), and one sample just outside it,
 * anywhere (first, last, in the words, in the tail after the last whole word, behind a byteOffset
 * that is not a multiple of 4), gives INVALID_ARGUMENT naming that sample.
 */
import { describe, expect, test } from "vitest";
import { decode, encode, J2kError } from "../../src/index.js";
import type { J2kImage } from "../../src/types.js";

type Ctor = Uint8ArrayConstructor | Uint16ArrayConstructor | Int16ArrayConstructor | Int32ArrayConstructor | Int8ArrayConstructor | Uint32ArrayConstructor | Uint8ClampedArrayConstructor;

const W = 7, H = 3; // 21 samples: odd, so every array type has samples after its last whole 32-bit word

/** In-range samples of `n` from lo..hi, both ends included; `offset` extra leading elements (byteOffset). */
function samples(T: Ctor, n: number, lo: number, hi: number, offset: number): ArrayLike<number> & { [i: number]: number } {
  const a = new T(n + offset).subarray(offset);
  for (let i = 0; i < n; i++) a[i] = i === 0 ? lo : i === 1 ? hi : lo + ((i * 7919) % (hi - lo + 1));
  return a;
}

function refusal(image: J2kImage): J2kError {
  try {
    encode(image);
  } catch (e) {
    return e as J2kError;
  }
  throw new Error("encode accepted an out-of-range sample");
}

const CASES: Array<{ name: string; T: Ctor; bitDepth: number; signed: boolean }> = [
  { name: "Uint8Array, 5-bit", T: Uint8Array, bitDepth: 5, signed: false },
  { name: "Uint8ClampedArray, 7-bit", T: Uint8ClampedArray, bitDepth: 7, signed: false },
  { name: "Uint8Array, signed 6-bit", T: Uint8Array, bitDepth: 6, signed: true },
  { name: "Uint16Array, 12-bit", T: Uint16Array, bitDepth: 12, signed: false },
  { name: "Uint16Array, signed 10-bit", T: Uint16Array, bitDepth: 10, signed: true },
  { name: "Int16Array, signed 12-bit", T: Int16Array, bitDepth: 12, signed: true },
  { name: "Int16Array, 14-bit", T: Int16Array, bitDepth: 14, signed: false },
  { name: "Int8Array, signed 5-bit", T: Int8Array, bitDepth: 5, signed: true },
  { name: "Int32Array, signed 20-bit", T: Int32Array, bitDepth: 20, signed: true },
  { name: "Int32Array, 17-bit", T: Int32Array, bitDepth: 17, signed: false },
  { name: "Uint32Array, 24-bit", T: Uint32Array, bitDepth: 24, signed: false },
];

describe("encode: samples outside bitDepth/signed are refused", () => {
  for (const c of CASES) {
    const holds = (v: number): boolean => {
      const t = new c.T(1);
      t[0] = v;
      return t[0] === v;
    };
    // the lowest in-range value the array can hold (0 for an unsigned array of a signed image)
    const lo = c.signed && holds(-1) ? -(2 ** (c.bitDepth - 1)) : 0;
    const hi = c.signed ? 2 ** (c.bitDepth - 1) - 1 : 2 ** c.bitDepth - 1;
    // values just outside the range the array type can hold
    const outside = [hi + 1, lo - 1].filter(holds);
    test(`${c.name}: ${lo}..${hi} encodes exactly; ${outside.join(" and ")} refused at any position`, () => {
      for (const offset of [0, 1, 2, 3]) {
        const data = samples(c.T, W * H, lo, hi, offset);
        const image = { width: W, height: H, components: 1, bitDepth: c.bitDepth, signed: c.signed, data } as unknown as J2kImage;
        const back = decode(encode(image));
        expect(Array.from(back.data), `offset ${offset}`).toEqual(Array.from(data));
        for (const v of outside) {
          for (const at of [0, 1, 5, 16, W * H - 2, W * H - 1]) {
            const bad = samples(c.T, W * H, lo, hi, offset);
            bad[at] = v;
            const e = refusal({ ...image, data: bad } as unknown as J2kImage);
            expect(e).toBeInstanceOf(J2kError);
            expect(e.code).toBe("INVALID_ARGUMENT");
            expect(e.message, `offset ${offset}, value ${v} at ${at}`).toContain(`sample ${at} is ${v}`);
          }
        }
      }
    });
  }
});

// Without tiles the unsigned arrays are checked by the core (orWords) as the rows are copied into
// its staging buffer (4 MB a step): an image of several steps, pixel-interleaved or planar, with
// the bad sample in the last step (and in a tail of fewer than 4 bytes), is refused the same way;
// with tiles the host scans before coding.
describe("encode: out-of-range samples in images of several staging steps", () => {
  const big: Array<{ name: string; T: Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor; bitDepth: number; w: number; h: number }> = [
    { name: "Uint8Array 7-bit", T: Uint8Array, bitDepth: 7, w: 1201, h: 1203 },
    { name: "Uint16Array 12-bit", T: Uint16Array, bitDepth: 12, w: 1001, h: 701 },
    { name: "Uint32Array 20-bit", T: Uint32Array, bitDepth: 20, w: 601, h: 603 },
  ];
  for (const c of big) {
    const hi = 2 ** c.bitDepth - 1;
    for (const layout of [{ planar: false }, { planar: true }, { planar: false, tile: { width: 512, height: 512 } }]) {
      test(`${c.name} ${c.w}x${c.h}x3 ${JSON.stringify(layout)}: ${hi + 1} refused, ${hi} accepted`, () => {
        const n = c.w * c.h * 3;
        for (const at of [n - 1, n - 2, n - 3 * c.w - 1, 5]) {
          const data = new c.T(n);
          data[at] = hi + 1;
          const e = (() => {
            try {
              encode({ width: c.w, height: c.h, components: 3, bitDepth: c.bitDepth, signed: false, data } as unknown as J2kImage, { ...layout, levels: 1 });
            } catch (err) {
              return err as J2kError;
            }
            throw new Error(`sample ${at} = ${hi + 1} accepted`);
          })();
          expect(e.code).toBe("INVALID_ARGUMENT");
          expect(e.message).toContain(`sample ${at} is ${hi + 1}`);
        }
        const ok = new c.T(n);
        ok[n - 1] = hi;
        expect(encode({ width: c.w, height: c.h, components: 3, bitDepth: c.bitDepth, signed: false, data: ok } as unknown as J2kImage, { ...layout, levels: 1, mct: false }).length).toBeGreaterThan(0);
      });
    }
  }
});
