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
