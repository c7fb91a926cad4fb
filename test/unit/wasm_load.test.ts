/**
 * The WebAssembly boundary: error tables, traps, instance replacement, copies out of linear
 * memory, initialisation hooks, memory limits, and the scalar/SIMD builds agreeing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decode, encode, init, initSync, J2kError } from "../../src/index.js";
import { CORE_ERRORS } from "../../src/errors.js";
import { callCore, core, coreFlavor, useFlavor } from "../../src/wasm/load.js";
import { REPO_ROOT, readTestdata } from "../helpers/paths.js";

afterEach(() => useFlavor(null));

describe("error codes", () => {
  it("every numeric code of codec/util/error_codes.ts has a J2kError mapping, and no mapping is stale", () => {
    const src = readFileSync(join(REPO_ROOT, "codec/util/error_codes.ts"), "utf8");
    const codes = [...src.matchAll(/export const ERR_\w+ = (\d+);/g)].map((m) => Number(m[1]));
    expect(codes.length).toBeGreaterThan(20);
    expect(new Set(codes).size, "codes are unique").toBe(codes.length);
    expect(Object.keys(CORE_ERRORS).map(Number).sort((a, b) => a - b)).toEqual([...codes].sort((a, b) => a - b));
  });
});

describe("traps never escape", () => {
  it("a trap becomes J2kError INTERNAL, the instance is replaced, and the next call works", () => {
    const before = core();
    let err: unknown;
    try {
      // an out-of-bounds store: pack 16 samples to the last bytes of the address space
      callCore((c) => (c["packComponent"] as (...a: number[]) => void)(0, 16, 16, 1, 0xfffffff8, 1, 16, 4, 1));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(J2kError);
    expect((err as J2kError).code).toBe("INTERNAL");
    expect((err as J2kError).cause).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(core(), "a fresh instance").not.toBe(before);
    const img = decode(readTestdata("conformance/part4_j2k/p0_01.j2k"));
    expect(img.width).toBe(128);
  });

  it("a J2kError raised inside the core leaves the instance in use", () => {
    const before = core();
    expect(() => decode(new Uint8Array([0xff, 0x4f, 0xff, 0x51, 0, 2]))).toThrow(J2kError);
    expect(core()).toBe(before);
  });
});

describe("results are copies", () => {
  it("decoded samples and encoded bytes do not live in WebAssembly memory", () => {
    const j2k = readTestdata("conformance/part4_j2k/p0_14.j2k");
    const a = decode(j2k);
    expect(a.data.buffer).not.toBe(core().memory.buffer);
    const snapshot = a.data.slice();
    // more jobs (and memory growth) must not change an earlier result
    decode(readTestdata("conformance/part4_j2k/p0_04.j2k"));
    expect(a.data).toEqual(snapshot);
    const enc = encode({ width: 8, height: 8, components: 1, bitDepth: 8, signed: false, data: new Uint8Array(64).fill(7) });
    expect(enc.buffer).not.toBe(core().memory.buffer);
  });
});

describe("initialisation", () => {
  it("init(bytes) and initSync(module) accept the builds from wasm/", async () => {
    const bytes = readFileSync(join(REPO_ROOT, "wasm/j2kit.wasm"));
    await init(bytes);
    expect(decode(readTestdata("conformance/part4_j2k/p0_01.j2k")).width).toBe(128);
    initSync(new WebAssembly.Module(readFileSync(join(REPO_ROOT, "wasm/j2kit.simd.wasm"))));
    expect(decode(readTestdata("conformance/part4_j2k/p0_01.j2k")).height).toBe(128);
  });

  it("init with bytes that are not j2kit's core gives a J2kError, and the library keeps working", async () => {
    await expect(init(new Uint8Array([0, 1, 2, 3]))).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(() => initSync(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(decode(readTestdata("conformance/part4_j2k/p0_12.j2k")).width).toBe(3);
  });

  it("the scalar and SIMD builds decode and encode identically", () => {
    const files = ["conformance/part4_j2k/p0_04.j2k", "conformance/part4_j2k/p1_03.j2k", "conformance/kakadu_j2c/d1_colr.j2c"];
    const out: Record<string, Array<ArrayLike<number>>> = { scalar: [], simd: [] };
    const image = { width: 97, height: 61, components: 3, bitDepth: 8, signed: false, data: Uint8Array.from({ length: 97 * 61 * 3 }, (_, i) => (i * 37) % 251) };
    for (const f of ["scalar", "simd"] as const) {
      useFlavor(f);
      for (const file of files) out[f]!.push(decode(readTestdata(file)).data);
      out[f]!.push(encode(image, { ratios: [30, 10] }));
      out[f]!.push(encode(image));
      expect(coreFlavor()).toBe(f);
    }
    out.scalar!.forEach((a, i) => {
      const b = out.simd![i]!;
      let first = -1;
      for (let k = 0; k < a.length && first < 0; k++) if (a[k] !== b[k]) first = k;
      expect(b.length, `output ${i} length`).toBe(a.length);
      expect(first, `output ${i}: first differing sample`).toBe(-1);
    });
  });
});

describe("input types", () => {
  it("decode and readHeader accept an ArrayBuffer or any ArrayBufferView, not only a Uint8Array", async () => {
    const { readHeader } = await import("../../src/index.js");
    const bytes = readTestdata("conformance/part4_j2k/p0_14.j2k");
    const ab = bytes.slice().buffer;
    const ref = decode(bytes);
    expect(decode(ab).data).toEqual(ref.data);
    expect(readHeader(ab).width).toBe(49);
    expect(decode(new DataView(ab)).width).toBe(49);
    expect(() => decode("not bytes" as never)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});

describe("memory", () => {
  it("releaseMemory() gives back the memory a large job grew, and the next call works", async () => {
    const { releaseMemory, memoryInUse } = await import("../../src/index.js");
    decode(readTestdata("conformance/part4_j2k/p0_05.j2k")); // 1024x1024x4
    const big = memoryInUse();
    expect(big).toBeGreaterThan(16 * 2 ** 20);
    releaseMemory();
    expect(memoryInUse()).toBe(0);
    expect(decode(readTestdata("conformance/part4_j2k/p0_12.j2k")).width).toBe(3);
    expect(memoryInUse()).toBeLessThan(big / 4);
  });
});

describe("limits", () => {
  it("maxMemory is enforced with LIMIT_MEMORY, maxPixels with LIMIT_PIXELS, before any large allocation", () => {
    const j2k = readTestdata("conformance/part4_j2k/p0_05.j2k"); // 1024x1024x4
    expect(() => decode(j2k, { limits: { maxMemory: 2 ** 20 } })).toThrow(expect.objectContaining({ code: "LIMIT_MEMORY" }));
    expect(() => decode(j2k, { limits: { maxPixels: 1000 } })).toThrow(expect.objectContaining({ code: "LIMIT_PIXELS" }));
    expect(() => decode(j2k, { limits: { maxComponents: 3 } })).toThrow(expect.objectContaining({ code: "LIMIT_COMPONENTS" }));
    expect(decode(j2k).width, "the instance still works").toBe(1024);
  });
});
