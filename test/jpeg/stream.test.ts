// The strip writer: any strip heights give the bytes of a whole-image encode, memory stays bounded
// on a 40000-row image and a 65535-pixel-wide one, encoder state survives other core jobs in
// between, both core builds give identical bytes, and bad options/rows are typed errors.
import { afterAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { createJpegWriter, decode, encode, encodeJpeg, encodeJpegDetailed, isJ2kError, memoryInUse, releaseMemory } from "../../src/index.js";
import { useFlavor } from "../../src/wasm/load.js";
import { asImage, djpeg, has, jpegSegments, psnr, synthetic } from "./helpers.js";

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function viaStrips(img: ReturnType<typeof synthetic>, heights: number[], options: Record<string, unknown>): Uint8Array {
  const chunks: Uint8Array[] = [];
  const w = createJpegWriter({ width: img.width, height: img.height, components: img.components, ...options }, (c) => chunks.push(c));
  const rowLen = img.width * img.components;
  let y = 0;
  let i = 0;
  while (y < img.height) {
    const h = Math.min(heights[i++ % heights.length]!, img.height - y);
    w.writeRows(img.data.subarray(y * rowLen, (y + h) * rowLen));
    y += h;
  }
  w.finish();
  expect(w.rowsWritten).toBe(img.height);
  expect(w.bytesWritten).toBe(chunks.reduce((n, c) => n + c.length, 0));
  return concat(chunks);
}

describe("JPEG strip writer", () => {
  afterAll(() => useFlavor(null));

  test("strips of 1, 3, 7, 8, 16, 17, 33 rows and mixtures give the whole-image bytes", () => {
    for (const [w, h, c, sub] of [[37, 53, 3, "420"], [64, 40, 3, "444"], [20, 31, 1, "444"], [45, 19, 3, "422"]] as const) {
      const img = synthetic(w, h, c, w * h);
      const opts = { quality: 85, subsampling: sub, restartInterval: 2 };
      const whole = encodeJpeg(asImage(img), opts);
      for (const heights of [[1], [3], [7], [8], [16], [17], [33], [5, 11, 2, 16, 1]]) {
        expect(Buffer.from(viaStrips(img, heights, opts)).equals(Buffer.from(whole)), `${w}x${h}x${c} strips ${heights}`).toBe(true);
      }
    }
  });

  test("the sink gets the headers at creation and entropy data as MCU rows complete", () => {
    const img = synthetic(32, 64, 3, 5);
    const chunks: Uint8Array[] = [];
    const w = createJpegWriter({ width: 32, height: 64, components: 3, quality: 90 }, (c) => chunks.push(c));
    expect(chunks.length).toBe(1);
    expect(jpegSegments(concat([chunks[0]!, new Uint8Array([0xff, 0xd9])])).segments.at(-1)!.marker).toBe(0xda);
    w.writeRows(img.data.subarray(0, 7 * 32 * 3)); // less than one MCU row (8 lines at 4:4:4)
    expect(chunks.length).toBe(1);
    w.writeRows(img.data.subarray(7 * 32 * 3, 8 * 32 * 3));
    expect(chunks.length).toBe(2);
    w.writeRows(img.data.subarray(8 * 32 * 3));
    w.finish();
    const out = concat(chunks);
    expect(out.at(-2)).toBe(0xff);
    expect(out.at(-1)).toBe(0xd9);
  });

  test("a 40000-row image through 100-row strips keeps WebAssembly memory bounded", () => {
    releaseMemory();
    const width = 1000;
    const height = 40000;
    const strip = synthetic(width, 100, 3, 11).data;
    let bytes = 0;
    let peak = 0;
    const w = createJpegWriter({ width, height, components: 3, quality: 80 }, (c) => {
      bytes += c.length;
    });
    for (let y = 0; y < height; y += 100) {
      w.writeRows(strip);
      peak = Math.max(peak, memoryInUse());
    }
    w.finish();
    // Input strip 300 KB + output buffer ≤ 1 MiB + state: far below the 120 MB the image holds.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(8 << 20);
    expect(bytes).toBeGreaterThan(1e6);
    console.log(`40000x1000 RGB via strips: ${bytes} bytes out, peak WebAssembly memory ${(peak / 2 ** 20).toFixed(2)} MiB (image ${(width * height * 3 / 2 ** 20).toFixed(0)} MiB)`);
  });

  test("a 65500-pixel-wide image (libjpeg's largest) keeps memory at a few MCU rows and decodes", { timeout: 120_000 }, () => {
    releaseMemory();
    const width = 65500;
    const height = 40;
    const strip = synthetic(width, 8, 3, 2).data;
    const chunks: Uint8Array[] = [];
    let peak = 0;
    const w = createJpegWriter({ width, height, components: 3, quality: 70, subsampling: "420" }, (c) => chunks.push(c));
    for (let y = 0; y < height; y += 8) {
      w.writeRows(strip);
      peak = Math.max(peak, memoryInUse());
    }
    w.finish();
    // One MCU row is 16 x 65500 x 3 = 3 MiB of pixels.
    expect(peak).toBeLessThan(16 << 20);
    if (has("djpeg")) {
      const d = djpeg(concat(chunks));
      expect([d.width, d.height]).toEqual([width, height]);
    }
  });

  test("a writer survives JPEG 2000 jobs and another JPEG writer between its strips", () => {
    const img = synthetic(48, 48, 3, 9);
    const whole = encodeJpeg(asImage(img), { quality: 60 });
    const j2k = encode(asImage(synthetic(16, 16, 1, 4)), {});
    const a: Uint8Array[] = [];
    const b: Uint8Array[] = [];
    const wa = createJpegWriter({ width: 48, height: 48, components: 3, quality: 60 }, (c) => a.push(c));
    const wb = createJpegWriter({ width: 48, height: 48, components: 3, quality: 60 }, (c) => b.push(c));
    for (let y = 0; y < 48; y += 16) {
      const rows = img.data.subarray(y * 48 * 3, (y + 16) * 48 * 3);
      wa.writeRows(rows);
      decode(j2k);
      wb.writeRows(rows);
      encodeJpeg(asImage(synthetic(9, 9, 1, y)), { quality: 10 });
    }
    wa.finish();
    wb.finish();
    expect(Buffer.from(concat(a)).equals(Buffer.from(whole))).toBe(true);
    expect(Buffer.from(concat(b)).equals(Buffer.from(whole))).toBe(true);
  });

  test("scalar and SIMD builds give identical bytes", () => {
    const cases = [
      [synthetic(67, 45, 3, 1), { quality: 92 }],
      [synthetic(67, 45, 3, 2), { quality: 50, subsampling: "420", restartInterval: 3 }],
      [synthetic(30, 70, 1, 3), { quality: 75, optimizeHuffman: true }],
    ] as const;
    const outs: Record<string, Buffer[]> = { scalar: [], simd: [] };
    for (const flavor of ["scalar", "simd"] as const) {
      useFlavor(flavor);
      for (const [img, o] of cases) outs[flavor]!.push(Buffer.from(encodeJpeg(asImage(img), o)));
    }
    useFlavor(null);
    outs.scalar!.forEach((b, i) => expect(b.equals(outs.simd![i]!), `case ${i}`).toBe(true));
  });

  test("scalar and SIMD builds agree on random sizes, 1-4 components and options (fast-check)", () => {
    const cases = fc.sample(
      fc.record({
        w: fc.integer({ min: 1, max: 70 }),
        h: fc.integer({ min: 1, max: 40 }),
        c: fc.constantFrom(1, 2, 3, 4),
        quality: fc.integer({ min: 1, max: 100 }),
        subsampling: fc.constantFrom("auto", "444", "422", "420") as fc.Arbitrary<"auto" | "444" | "422" | "420">,
        restartInterval: fc.constantFrom(0, 1, 3),
        optimizeHuffman: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      { numRuns: 80, seed: 4242 },
    );
    const run = (flavor: "scalar" | "simd") => {
      useFlavor(flavor);
      return cases.map((k) => Buffer.from(encodeJpeg({ width: k.w, height: k.h, components: k.c, bitDepth: 8, signed: false, data: synthetic(k.w, k.h, k.c, k.seed).data }, k)));
    };
    const a = run("scalar");
    const b = run("simd");
    useFlavor(null);
    a.forEach((x, i) => expect(x.equals(b[i]!), JSON.stringify(cases[i])).toBe(true));
  });

  test("more bit depths: 16-bit and 12-bit input scaled to 8 bits (rounded), alpha dropped with a warning", () => {
    const img8 = synthetic(24, 16, 3, 8);
    const rgba16 = new Uint16Array(24 * 16 * 4);
    for (let i = 0; i < 24 * 16; i++) {
      for (let c = 0; c < 3; c++) rgba16[i * 4 + c] = img8.data[i * 3 + c]! * 257; // exact: v * 65535 / 255
      rgba16[i * 4 + 3] = 1234;
    }
    const r = encodeJpegDetailed({ width: 24, height: 16, components: 4, bitDepth: 16, signed: false, data: rgba16 }, { quality: 80 });
    expect(Buffer.from(r.data).equals(Buffer.from(encodeJpeg(asImage(img8), { quality: 80 })))).toBe(true);
    expect(r.warnings.join(" ")).toMatch(/alpha/);
    expect(r.warnings.join(" ")).toMatch(/16-bit samples were scaled to 8 bits/);
    // 12-bit grey: v -> round(v * 255 / 4095)
    const g12 = new Uint16Array(16 * 8);
    const g8 = new Uint8Array(16 * 8);
    for (let i = 0; i < g12.length; i++) {
      g12[i] = (i * 331) % 4096;
      g8[i] = Math.round((g12[i]! * 255) / 4095);
    }
    const a = encodeJpeg({ width: 16, height: 8, components: 1, bitDepth: 12, signed: false, data: g12 }, { quality: 95 });
    const b = encodeJpeg({ width: 16, height: 8, components: 1, bitDepth: 8, signed: false, data: g8 }, { quality: 95 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    // grey + alpha codes the grey channel
    const ga = new Uint8Array(16 * 8 * 2);
    for (let i = 0; i < 16 * 8; i++) {
      ga[2 * i] = g8[i]!;
      ga[2 * i + 1] = 7;
    }
    expect(Buffer.from(encodeJpeg({ width: 16, height: 8, components: 2, bitDepth: 8, signed: false, data: ga }, { quality: 95 })).equals(Buffer.from(b))).toBe(true);
  });

  test.skipIf(!has("djpeg"))("quality 100 at 4:4:4 is close to the input (decoded by djpeg)", () => {
    const img = synthetic(64, 64, 3, 12);
    expect(psnr(img.data, djpeg(encodeJpeg(asImage(img), { quality: 100, subsampling: "444" })).data)).toBeGreaterThan(45);
  });

  test("bad options and misuse are typed errors", () => {
    const img = asImage(synthetic(8, 8, 3, 1));
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(isJ2kError(e), String(e)).toBe(true);
        return (e as { code: string }).code;
      }
      return "no error";
    };
    expect(code(() => encodeJpeg(img, { quality: 0 }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg(img, { quality: 101 }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg(img, { quality: 50.5 }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg(img, { subsampling: "411" as never }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg(img, { restartInterval: 65536 }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg(img, { restartInterval: -1 }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg(img, { xmp: "x".repeat(65503) }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg(img, { icc: new Uint8Array(255 * 65519 + 1) }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg(img, { density: { unit: "dpi", x: 0, y: 72 } }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg(img, { density: { unit: "furlong" as never, x: 1, y: 1 } }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg({ ...img, width: 70000, data: new Uint8Array(70000 * 8 * 3) }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg({ ...img, components: 5 }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg({ ...img, data: new Uint8Array(10) }))).toBe("INVALID_ARGUMENT");
    expect(code(() => encodeJpeg({ ...img, data: new Float32Array(192) as never }))).toBe("INVALID_ARGUMENT");
    expect(code(() => encodeJpeg({ ...img, width: Number.NaN }))).toBe("ENCODE_INVALID_OPTIONS");
    expect(code(() => encodeJpeg(null as never))).toBe("INVALID_ARGUMENT");
    const w = createJpegWriter({ width: 8, height: 8, components: 3 }, () => {});
    expect(code(() => w.writeRows(new Uint8Array(7)))).toBe("INVALID_ARGUMENT");
    w.writeRows(img.data.subarray(0, 24 * 4));
    expect(code(() => w.finish())).toBe("INVALID_ARGUMENT");
    expect(code(() => w.writeRows(img.data))).toBe("INVALID_ARGUMENT"); // 4 + 8 rows > 8
    expect(code(() => createJpegWriter({ width: 8, height: 8, components: 3 }, undefined as never))).toBe("INVALID_ARGUMENT");
  });
});
