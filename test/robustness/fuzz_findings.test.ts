/**
 * What the fuzz campaigns (npm run fuzz) found, kept as regression tests: each case is the smallest
 * input that shows it, and the test says what the library does now.
 */
import { describe, expect, test } from "vitest";
import { decode, isJ2kError, transcodeBlockCoder } from "../../src/index.js";
import { readTestdata } from "../helpers/paths.js";

function outcome(f: () => { width: number; height: number }): string {
  try {
    const r = f();
    return `image ${r.width}x${r.height}`;
  } catch (e) {
    return isJ2kError(e) ? `${e.code}: ${e.message}` : `not a J2kError: ${String(e)}`;
  }
}

describe("decode", () => {
  test("a reduction that leaves no samples (issue726.j2k is 5 px wide at x0 = 123; reduce 3) is INVALID_ARGUMENT, not a 0-wide image", () => {
    // found by campaign long1, decode case 494 (the unmutated seed shows it too)
    const bytes = readTestdata("edge_cases/openjpeg/issue726.j2k");
    expect(outcome(() => decode(bytes, { reduce: 3, allowPartial: true }))).toMatch(/^INVALID_ARGUMENT: at reduce 3 the image .* has no samples \(0 x 1552\); use reduce <= 2/);
    expect(outcome(() => decode(bytes, { reduce: 2 }))).toBe("image 1x3104");
  });
});

describe("decode of JP2 files with a palette", () => {
  test("a palette over a component with no samples (XOsiz 84, XRsiz 134 on a 124-wide grid) is UNSUPPORTED, not a 0-wide image", () => {
    // found by campaign long1, jp2 case 7630: mem-b2b86b74-2753.jp2 with XOsiz and XRsiz of component 0 changed
    const bytes = readTestdata("edge_cases/openjpeg/mem-b2b86b74-2753.jp2").slice();
    const cs = Buffer.from(bytes).indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
    bytes[cs + 19] = 84; // XOsiz (A.5.1: SIZ at cs + 2, XOsiz at + 14..17 of the segment)
    bytes[cs + 2 + 41] = 134; // XRsiz of component 0
    expect(outcome(() => decode(bytes, { allowPartial: true }))).toMatch(/^UNSUPPORTED: palette or channel definitions on sub-sampled components are not supported \(component 0 has no samples here: XRsiz 134/);
  });
});

/** `bytes` (a raw codestream) with Csiz raised to `C`: components 3.. copy component 0's Ssiz/XRsiz/YRsiz (A.5.1). */
function withComponents(bytes: Uint8Array, C: number): Uint8Array {
  expect([bytes[2], bytes[3]]).toEqual([0xff, 0x51]);
  const lsiz = (bytes[4]! << 8) | bytes[5]!;
  const c0 = (bytes[4 + 36]! << 8) | bytes[4 + 37]!;
  const extra = (C - c0) * 3;
  const out = new Uint8Array(bytes.length + extra);
  out.set(bytes.subarray(0, 4 + lsiz), 0);
  for (let c = c0; c < C; c++) out.set(bytes.subarray(4 + 38, 4 + 41), 4 + 38 + 3 * c);
  out.set(bytes.subarray(4 + lsiz), 4 + lsiz + extra);
  const L = lsiz + extra;
  out[4] = L >> 8;
  out[5] = L & 0xff;
  out[4 + 36] = C >> 8;
  out[4 + 37] = C & 0xff;
  return out;
}

describe("tile-components a short header can declare", () => {
  const seed = "htj2k/conformance/ds1_ht_05_b11.j2k"; // 512 x 512 in 15 x 15 tiles of 37 x 37, 3 components

  test("16384 components in 225 tiles (campaign s5-dec2, case 875: 5.2 s of CPU before) is LIMIT_TILES at once", () => {
    const bytes = withComponents(readTestdata(seed), 16384);
    expect(outcome(() => decode(bytes, { allowPartial: true, components: [0] }))).toMatch(
      /^LIMIT_TILES: the codestream would need 225 tiles x 16384 components = 3686400 tile-components set up, above limits\.maxTileComponents \(1048576\); raise the limit/,
    );
  });

  test("limits.maxTileComponents counts the tiles a region meets, and the components", () => {
    const bytes = readTestdata(seed);
    const all = { maxTileComponents: 225 * 3 };
    expect(outcome(() => decode(bytes, { limits: all }))).toBe("image 512x512");
    expect(outcome(() => decode(bytes, { limits: { maxTileComponents: 225 * 3 - 1 } }))).toMatch(/^LIMIT_TILES: .*225 tiles x 3 components = 675 tile-components/);
    // the image starts at (17, 12) and the tile grid at (8, 2) with 37 x 37 tiles: image x 0..35 is grid x 17..52,
    // tile columns 0 (8..44) and 1 (45..81); image y 0..39 is grid y 12..51, tile rows 0 (2..38) and 1 (39..75)
    expect(outcome(() => decode(bytes, { region: { x: 0, y: 0, width: 36, height: 40 }, limits: { maxTileComponents: 4 * 3 } }))).toBe("image 36x40");
    expect(outcome(() => decode(bytes, { region: { x: 0, y: 0, width: 36, height: 40 }, limits: { maxTileComponents: 4 * 3 - 1 } }))).toMatch(/^LIMIT_TILES: .*4 tiles x 3 components/);
  });

  test("transcodeBlockCoder checks the same limit over every tile", async () => {
    const bytes = readTestdata(seed);
    await expect(transcodeBlockCoder(bytes, { to: "part1", limits: { maxTileComponents: 674 } })).rejects.toMatchObject({ code: "LIMIT_TILES" });
    const ok = await transcodeBlockCoder(bytes, { to: "part1", limits: { maxTileComponents: 675 } });
    expect(ok.to).toBe("part1");
  });
});

describe("component precision beyond the output arrays", () => {
  test("a 38-bit component (SIZ allows it) in a region whose only tile has no tile-part is UNSUPPORTED, not an Int32Array said to hold 38-bit samples", () => {
    // found by campaign s6-all, decode case 55914 (p1_06.j2k with its PPT removed and Csiz 956, one
    // component signed 38-bit, region in the last tile row): the core refuses such a component when it
    // builds a tile, but a tile without data is never built
    const b = Buffer.from(readTestdata("conformance/part4_j2k/p1_06.j2k")); // 12 x 12 in 16 tiles of 3 x 3
    let p = 2;
    while (!(b[p] === 0xff && b[p + 1] === 0x90)) p += 2 + b.readUInt16BE(p + 2);
    const kept = [b.subarray(0, p)];
    while (b[p] === 0xff && b[p + 1] === 0x90) {
      const psot = b.readUInt32BE(p + 6); // A.4.2: SOT, Lsot, Isot, Psot
      if (b.readUInt16BE(p + 4) !== 15) kept.push(b.subarray(p, p + psot));
      p += psot;
    }
    kept.push(b.subarray(p));
    const bytes = new Uint8Array(Buffer.concat(kept));
    const region = { x: 9, y: 9, width: 3, height: 3 }; // tile 15 only
    expect(outcome(() => decode(bytes, { allowPartial: true, region }))).toBe("image 3x3");
    bytes[42] = 37; // Ssiz of component 0: unsigned, 38 bits (A.5.1)
    expect(outcome(() => decode(bytes, { allowPartial: true, region }))).toBe("UNSUPPORTED: component precision of 38 bits; j2kit decodes at most 31 bits per sample");
    expect(outcome(() => decode(bytes, { allowPartial: true }))).toBe("UNSUPPORTED: component precision of 38 bits; j2kit decodes at most 31 bits per sample");
  });
});
