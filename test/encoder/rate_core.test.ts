/**
 * Rate control lives in the core (issue 12 item 2): one encoderRun forms the layers from ratio or
 * squared-error targets, refines the 9/7 step itself when a budget needs it (coding the blocks
 * again from the transformed planes, not re-running MCT/DWT from the host), estimates each layer's
 * error from the distortions T1 records, and can form the layers again from tightened targets
 * without coding the blocks again. (That codec/ has no import cycle is
 * test/unit/import_cycles.test.ts.)
 */
import { describe, expect, test } from "vitest";
import { decode, encode, encodeDetailed } from "../../src/index.js";
import { EncoderInfo, EncoderParam, LayerInfo, LayerStatus, type CoreExports } from "../../src/core_interface.js";
import { callCore, useFlavor } from "../../src/wasm/load.js";
import type { J2kImage } from "../../src/types.js";
import { corpusImage } from "../roundtrip/benchcorpus_images.js";
import { photoLike } from "./photo_like.js";

interface Run {
  data: Uint8Array;
  bytes: number[];
  estimates: number[];
  status: number[];
  refinements: number;
  baseStep: number;
}

/** One core encode of an interleaved 8/16-bit unsigned image with the given layer targets (9/7). */
function coreEncode(img: J2kImage, targets: Array<{ bytes?: number; error?: number }>, after?: (c: CoreExports) => number | void): Run {
  return callCore((c) => {
    const C = img.components;
    c.encoderCreate(C, img.width, img.height);
    for (let i = 0; i < C; i++) c.encoderSetComp(i, img.bitDepth, 0, 1, 1);
    c.encoderSet(EncoderParam.reversible, 0);
    c.encoderSet(EncoderParam.layers, targets.length);
    c.encoderSet(EncoderParam.baseStep, 1);
    targets.forEach((t, l) => c.encoderSetLayer(l, t.bytes ?? 0, t.error ?? 0));
    const bps = img.data.BYTES_PER_ELEMENT;
    const src = c.alloc(img.data.byteLength);
    new Uint8Array(c.memory.buffer, src, img.data.byteLength).set(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength));
    for (let i = 0; i < C; i++) {
      c.unpackComponent(src + i * bps, C, img.width * C, bps, 0, img.width, img.height, c.encoderPlane(i), img.width, 2 ** (img.bitDepth - 1));
    }
    let out = c.encoderRun();
    const again = after?.(c);
    if (typeof again === "number") out = again;
    const L = targets.length;
    return {
      data: new Uint8Array(c.memory.buffer, out, c.encoderOutputLength()).slice(),
      bytes: Array.from({ length: L }, (_, l) => c.encoderLayer(l, LayerInfo.bytes)),
      estimates: Array.from({ length: L }, (_, l) => c.encoderLayer(l, LayerInfo.estimatedError)),
      status: Array.from({ length: L }, (_, l) => c.encoderLayer(l, LayerInfo.status)),
      refinements: c.encoderInfo(EncoderInfo.refinements),
      baseStep: c.encoderInfo(EncoderInfo.baseStep),
    };
  });
}

function squaredError(img: J2kImage, data: Uint8Array, layers: number): number {
  const d = decode(data, { layers }).data;
  let se = 0;
  for (let i = 0; i < img.data.length; i++) se += (img.data[i]! - d[i]!) ** 2;
  return se;
}

describe("rate control in the core", () => {
  test("a 2:1 budget on kodim03: one encoderRun refines the 9/7 step itself and fills the budget to 99-100 %", () => {
    const img = corpusImage("kodim03.ppm");
    const budget = img.data.length / 2;
    const r = coreEncode(img, [{ bytes: budget }]);
    expect(r.refinements, "the step was refined inside the core").toBeGreaterThan(0);
    expect(r.baseStep).toBeLessThan(1);
    expect(r.status).toEqual([LayerStatus.met]);
    expect(r.bytes[0]).toBe(r.data.length);
    expect(r.data.length).toBeLessThanOrEqual(budget);
    expect(r.data.length).toBeGreaterThanOrEqual(0.99 * budget);
  });

  test("squared-error targets: each layer's estimate (from T1's per-pass distortions) is within 25 % of the decoded error", () => {
    const img = photoLike(256, 192, 3, 8, false, 5);
    const N = img.data.length;
    const targets = [35, 40, 45].map((db) => (N * 255 * 255) / 10 ** (db / 10));
    const r = coreEncode(img, targets.map((error) => ({ error })));
    expect(r.status).toEqual([LayerStatus.met, LayerStatus.met, LayerStatus.met]);
    r.estimates.forEach((est, l) => {
      const actual = squaredError(img, r.data, l + 1);
      expect(est, `layer ${l + 1}: estimate ${est.toFixed(0)} vs decoded ${actual.toFixed(0)}`).toBeGreaterThan(0.75 * actual);
      expect(est).toBeLessThan(1.25 * actual);
      expect(est, "the estimate aims at the target").toBeLessThanOrEqual(targets[l]!);
      if (l > 0) expect(r.bytes[l]).toBeGreaterThan(r.bytes[l - 1]!);
    });
  });

  test("encoderReallocate forms the layers again from a tightened target without coding the blocks again", () => {
    const img = photoLike(128, 128, 1, 8, false, 9);
    const N = img.data.length;
    const target = (N * 255 * 255) / 10 ** (38 / 10);
    const first = coreEncode(img, [{ error: target }]);
    const second = coreEncode(img, [{ error: target }], (c) => {
      c.encoderSetLayer(0, 0, target / 2);
      return c.encoderReallocate();
    });
    expect(second.refinements).toBe(first.refinements);
    expect(second.data.length).toBeGreaterThan(first.data.length);
    expect(second.estimates[0]!).toBeLessThan(first.estimates[0]!);
    expect(squaredError(img, second.data, 1)).toBeLessThan(squaredError(img, first.data, 1));
  });
});

describe("PSNR targets end to end", () => {
  test("reversible layers reach high targets: psnr [38, 50, Infinity] (a fully coded reversible block decodes exactly)", () => {
    const img = photoLike(300, 200, 3, 8, false, 3);
    const r = encodeDetailed(img, { psnr: [38, 50, Infinity] });
    const N = img.data.length;
    [38, 50].forEach((db, l) => {
      const se = squaredError(img, r.data, l + 1);
      expect(10 * Math.log10((N * 255 * 255) / se), `layer ${l + 1}`).toBeGreaterThanOrEqual(db);
    });
    expect(squaredError(img, r.data, 3)).toBe(0);
  });

  test("the scalar and SIMD builds give identical streams for PSNR targets (estimates, checks and reallocation included)", () => {
    const img = photoLike(200, 160, 1, 12, false, 5);
    const streams = (["scalar", "simd"] as const).map((f) => {
      useFlavor(f);
      try {
        return [encode(img, { psnr: [35, 40, 45] }), encode(img, { psnr: [40], psnrPeak: "range" }), encode(img, { ratios: [2] })];
      } finally {
        useFlavor(null);
      }
    });
    streams[0]!.forEach((s, i) => expect(Buffer.compare(Buffer.from(s), Buffer.from(streams[1]![i]!)), `stream ${i}`).toBe(0));
  });
});
