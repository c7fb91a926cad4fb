/**
 * Damaged index structures (issue 10: "every index path gives typed J2kErrors"): TLM, PLT and SOT
 * fields changed one at a time in a small multi-tile file with TLM, PLT, tile-parts, SOP and EPH.
 * Damage the decoder itself ignores (TLM, PLT are hints) must be survived: the range decode then
 * equals a decode of the whole file, with a warning naming what was ignored. Damage that breaks
 * the codestream (SOT) must be a J2kError — never another exception, never a different image.
 * Lengths are 32-bit fields pushed to 2^32 - 1 (checked in 64-bit arithmetic). Then random
 * structure-aware mutations: every outcome is a J2kError or an image.
 */
import { describe, expect, test } from "vitest";
import { decode, encode, J2kError } from "../../src/index.js";
import { openImage } from "../../src/range/open_image.js";
import type { DecodeOptions, DecodedImage } from "../../src/types.js";
import { walkMarkers } from "../helpers/jp2_boxes.js";
import { mutate, regionsOf } from "../helpers/mutations.js";
import { Prng } from "../helpers/prng.js";
import { syntheticImage } from "./fixtures.js";

const W = 300, H = 200;
const FILE = encode(
  { width: W, height: H, components: 3, bitDepth: 8, signed: false, data: syntheticImage(W, H, 3) },
  { tile: { width: 128, height: 128 }, levels: 3, ratios: [30, 8, 1], tileParts: "R", tlm: true, plt: true, sop: true, eph: true, progression: "RPCL", precincts: [[32, 32]] },
);
const REQUESTS: DecodeOptions[] = [{ region: { x: 100, y: 90, width: 60, height: 50 } }, { reduce: 2 }, { layers: 2, region: { x: 200, y: 10, width: 90, height: 180 } }];

const segments = () => walkMarkers(FILE);
const u32 = (b: Uint8Array, o: number, v: number) => {
  b[o] = Math.floor(v / 2 ** 24) & 255;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
};

/** Outcome of a range decode: the image, or the J2kError code; anything else fails the test. */
async function rangeDecode(bytes: Uint8Array, o: DecodeOptions): Promise<{ image?: DecodedImage; code?: string; warnings: readonly string[] }> {
  try {
    const img = await openImage(bytes, { worker: false });
    const image = await img.decode(o);
    return { image, warnings: img.warnings };
  } catch (e) {
    if (!(e instanceof J2kError)) throw new Error(`not a J2kError: ${String(e)}`, { cause: e });
    return { code: e.code, warnings: [] };
  }
}

function wholeDecode(bytes: Uint8Array, o: DecodeOptions): { image?: DecodedImage; code?: string } {
  try {
    return { image: decode(bytes, o) };
  } catch (e) {
    if (!(e instanceof J2kError)) throw e;
    return { code: e.code };
  }
}

const same = (a: DecodedImage, b: DecodedImage) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));

/**
 * Damage the decoder ignores: every range decode must equal the whole decode, and the requests
 * that read the damaged part must warn (a request not touching it cannot know).
 */
async function expectSurvives(bytes: Uint8Array, what: string, warning: RegExp): Promise<void> {
  const warnings: string[] = [];
  for (const o of [...REQUESTS, {}]) {
    const want = wholeDecode(bytes, o);
    expect(want.image, `${what}: the whole file still decodes`).toBeDefined();
    const got = await rangeDecode(bytes, o);
    expect(got.code, `${what} ${JSON.stringify(o)}`).toBeUndefined();
    expect(same(got.image!, want.image!), `${what} ${JSON.stringify(o)}: samples`).toBe(true);
    warnings.push(...got.warnings);
  }
  expect(warnings.join(" | "), what).toMatch(warning);
}

describe("TLM damage: ignored with a warning, same samples", () => {
  const tlm = () => segments().find((s) => s.marker === 0xff55)!;
  test("a length off by one (entries no longer end at the codestream's end)", async () => {
    const b = FILE.slice();
    const at = tlm().offset + 6 + 6 * 3 + 2; // entry 3's Ptlm (ST=2, SP=1)
    u32(b, at, ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) + 1);
    await expectSurvives(b, "TLM length +1", /TLM .*ignored/);
  });
  test("two lengths swapped (the total still fits; caught at the SOT)", async () => {
    const b = FILE.slice();
    const base = tlm().offset + 6;
    const e1 = base + 6 * 1 + 2, e2 = base + 6 * 2 + 2;
    const t = b.slice(e1, e1 + 4);
    b.copyWithin(e1, e2, e2 + 4);
    b.set(t, e2);
    expect(b.subarray(e1, e1 + 4)).not.toEqual(FILE.subarray(e1, e1 + 4));
    await expectSurvives(b, "TLM lengths swapped", /TLM .*ignored/);
  });
  test("tile index beyond the tiles, ST = 3, a length of 2^32 - 1, a body that is not whole entries", async () => {
    const s = tlm();
    const variants: Array<[string, (b: Uint8Array) => void]> = [
      ["tile index 9999", (b) => void (b[s.offset + 6] = 0x27)],
      ["ST = 3", (b) => void (b[s.offset + 5] = 0x70)],
      ["Ptlm 2^32-1", (b) => u32(b, s.offset + 6 + 2, 0xffffffff)],
      ["Stlm SP=0 (16-bit lengths: entries of 4 bytes misread)", (b) => void (b[s.offset + 5] = 0x20)],
    ];
    for (const [what, f] of variants) {
      const b = FILE.slice();
      f(b);
      await expectSurvives(b, what, /TLM .*ignored/);
    }
  });
});

describe("PLT damage: ignored with a warning, same samples", () => {
  const plts = () => segments().filter((s) => s.marker === 0xff58);
  test("a length changed (the total no longer matches the tile-part)", async () => {
    const b = FILE.slice();
    const p = plts()[2]!;
    b[p.offset + 5]! ^= 0x01;
    await expectSurvives(b, "PLT length changed", /PLT.*ignored/);
  });
  test("an unfinished last length (continuation bit set)", async () => {
    const b = FILE.slice();
    const p = plts()[1]!;
    b[p.offset + p.length - 1]! |= 0x80;
    await expectSurvives(b, "PLT unfinished", /PLT.*ignored/);
  });
  test("two lengths swapped inside a tile-part (the total still fits: caught by parsing the packets)", async () => {
    // the first PLT with two different single-byte lengths
    for (const p of plts()) {
      const L = p.offset + 5;
      const vals = Array.from(FILE.subarray(L, p.offset + p.length));
      const i = vals.findIndex((v, k) => k > 0 && v < 0x80 && vals[k - 1]! < 0x80 && v !== vals[k - 1]);
      if (i < 0) continue;
      const b = FILE.slice();
      b[L + i - 1] = vals[i]!;
      b[L + i] = vals[i - 1]!;
      await expectSurvives(b, "PLT lengths swapped", /PLT.*ignored/);
      return;
    }
    expect.fail("no PLT with two adjacent one-byte lengths that differ");
  });
});

/**
 * SOT damage: the whole decode fails (the core checks every tile-part). A range decode reads only
 * the tile-parts it needs: it must fail with a J2kError when it reads the damaged one, and when it
 * does not, give exactly the undamaged file's image.
 */
describe("SOT damage: a typed error where it is read, else the undamaged image", () => {
  const sots = () => segments().filter((s) => s.marker === 0xff90);
  const variants: Array<[string, (b: Uint8Array, at: number) => void]> = [
    ["Lsot 9", (b, at) => void (b[at + 3] = 9)],
    ["tile index 65535", (b, at) => void (b[at + 4] = b[at + 5] = 0xff)],
    ["Psot 2^32 - 1 (past the end)", (b, at) => u32(b, at + 6, 0xffffffff)],
    ["Psot 13", (b, at) => u32(b, at + 6, 13)],
    ["TPsot out of order", (b, at) => void (b[at + 10] = 7)],
  ];
  for (const [what, f] of variants) {
    test(what, async () => {
      for (const which of [0, 3, 9]) {
        const s = sots()[which]!;
        const b = FILE.slice();
        f(b, s.offset);
        for (const o of REQUESTS) {
          const got = await rangeDecode(b, o);
          if (got.image) expect(same(got.image, decode(FILE, o)), `${what} @${which} ${JSON.stringify(o)}: an image other than the undamaged file's`).toBe(true);
          else expect(got.code, `${what} @${which} ${JSON.stringify(o)}`).toMatch(/^[A-Z_]+$/);
        }
      }
    });
  }
});

test("random structure-aware damage: a J2kError or an image, never anything else", async () => {
  const regions = regionsOf(FILE);
  const rng = new Prng(20250710);
  for (let i = 0; i < 150; i++) {
    const m = mutate(FILE, regions, rng);
    const o = REQUESTS[i % REQUESTS.length]!;
    await rangeDecode(m.bytes, o).catch((e: unknown) => expect.fail(`case ${i} (${m.what}): ${String(e)}`));
  }
});
