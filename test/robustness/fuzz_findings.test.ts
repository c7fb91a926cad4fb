/**
 * What the fuzz campaigns (npm run fuzz) found, kept as regression tests: each case is the smallest
 * input that shows it, and the test says what the library does now.
 */
import { describe, expect, test } from "vitest";
import { decode, isJ2kError } from "../../src/index.js";
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
