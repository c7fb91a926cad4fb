/**
 * Helpers of the HTJ2K decoder tests: native tool detection, ojph_expand runs, decoding with both
 * builds, comparisons with the conformance tolerance.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { decode } from "../../src/index.js";
import { useFlavor } from "../../src/wasm/load.js";
import type { DecodeOptions, DecodedImage } from "../../src/types.js";
import { compareComponent, planeOf, readPnm, type Plane } from "../helpers/images.js";

/** Native tool detection is shared by the whole suite (J2KIT_REQUIRE_TOOLS=1 makes a missing tool fail). */
export { has } from "../helpers/tools.js";

/** Decode with the scalar and the SIMD build; both must give the same samples. */
export function decodeBoth(bytes: Uint8Array, options: DecodeOptions = {}): DecodedImage {
  useFlavor("scalar");
  const a = decode(bytes, { layout: "components", ...options });
  useFlavor("simd");
  const b = decode(bytes, { layout: "components", ...options });
  useFlavor(null);
  expect(b.componentData!.length).toBe(a.componentData!.length);
  for (let c = 0; c < a.componentData!.length; c++) {
    expect(Buffer.from(b.componentData![c]!.buffer).equals(Buffer.from(a.componentData![c]!.buffer)), `scalar and SIMD builds differ in component ${c}`).toBe(true);
  }
  return a;
}

/** The decoded components as planes. */
export function planesOf(img: DecodedImage): Plane[] {
  return img.componentData!.map((d, c) => planeOf(d, img.componentInfo[c]!.width, img.componentInfo[c]!.height));
}

/**
 * Tolerance of the HT conformance set: exact for reversible streams; for irreversible ones peak
 * 2·s and MSE 0.5·s², s = 2^(precision − 8) above 8 bits.
 */
export function withinTolerance(ref: Plane, test: Plane, bitDepth: number, reversible: boolean): { ok: boolean; text: string } {
  const e = compareComponent(ref, test);
  const s = 2 ** Math.max(0, bitDepth - 8);
  const ok = reversible ? e.peak === 0 : e.peak <= 2 * s && e.mse <= 0.5 * s * s;
  return { ok, text: `peak ${e.peak} MSE ${e.mse.toFixed(4)}` };
}

/**
 * Decode with OpenJPH's ojph_expand (openjph-tools). Output by kind: `pgm` (one component), `ppm`
 * (three components of one size) or `yuv` (planar components at their own sizes, 8-bit).
 */
export function ojphExpand(bytes: Uint8Array, kind: "pgm" | "ppm" | "yuv", sizes: Array<{ width: number; height: number }>): Plane[] {
  const dir = mkdtempSync(join(tmpdir(), "j2kit-ojph-"));
  try {
    const input = join(dir, "in.j2c");
    writeFileSync(input, bytes);
    const out = join(dir, `out.${kind}`);
    const r = spawnSync("ojph_expand", ["-i", input, "-o", out], { encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) throw new Error(`ojph_expand failed: ${(r.stderr || r.stdout).trim()}`);
    const data = new Uint8Array(readFileSync(out));
    if (kind !== "yuv") {
      const img = readPnm(data);
      return img.planes;
    }
    const planes: Plane[] = [];
    let off = 0;
    for (const s of sizes) {
      const n = s.width * s.height;
      planes.push(planeOf(Int32Array.from(data.subarray(off, off + n)), s.width, s.height));
      off += n;
    }
    return planes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
