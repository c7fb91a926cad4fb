// Tiled sources converted one row of tiles at a time (issue 9): each row's sparse codestream is
// decoded on its own, and the JPEG written must be byte for byte the one the whole-codestream
// path writes — with a non-zero image and tile-grid origin (thin first rows of tiles), at full
// size, with resolution levels dropped and Lanczos resampling, for 8-bit RGB and 12-bit grey.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "../../src/index.js";
import { convertToJpeg, type ConvertOptions } from "../../src/migrate/convert.js";
import { fileSink } from "../../src/migrate/sinks.js";
import { StripDecoder } from "../../src/strip/strip_decoder.js";

let tmp: string;

function pattern(width: number, height: number, components: number, depth: number): Uint8Array | Uint16Array {
  const maxv = 2 ** depth - 1;
  const data = depth > 8 ? new Uint16Array(width * height * components) : new Uint8Array(width * height * components);
  let s = 987;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < components; c++) {
        s = (s * 1103515245 + 12345) >>> 0;
        const v = (x * (c + 1)) / width / 2 + y / height / 3 + (((x >> 3) + (y >> 4) + c) % 3 === 0 ? 0.2 : 0) + ((s >>> 16) / 65536 - 0.5) * 0.1;
        data[(y * width + x) * components + c] = Math.max(0, Math.min(maxv, Math.round(v * maxv)));
      }
    }
  }
  return data;
}

async function convert(src: string, name: string, o: ConvertOptions) {
  const target = join(tmp, name);
  const spy = vi.spyOn(StripDecoder, "open");
  try {
    const r = await convertToJpeg(src, await fileSink(target), o);
    return { r, bytes: readFileSync(target), decoders: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "j2kit-tilerows-"));
  const rgb = encode(
    { width: 300, height: 262, components: 3, bitDepth: 8, signed: false, data: pattern(300, 262, 3, 8) },
    { format: "jp2", ratios: [6], tile: { width: 64, height: 48, x0: 5, y0: 7 }, origin: { x: 13, y: 53 } },
  );
  writeFileSync(join(tmp, "rgb.jp2"), rgb);
  const grey = encode(
    { width: 190, height: 301, components: 1, bitDepth: 12, signed: false, data: pattern(190, 301, 1, 12) },
    { format: "jp2", tile: { width: 96, height: 40, x0: 0, y0: 3 }, origin: { x: 2, y: 5 } },
  );
  writeFileSync(join(tmp, "grey12.jp2"), grey);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("migrate by rows of tiles", () => {
  const cases: Array<[string, string, ConvertOptions]> = [
    ["RGB full size", "rgb.jp2", {}],
    ["RGB, reduce 1 then Lanczos", "rgb.jp2", { maxSize: 120 }],
    ["RGB, reduce 2 (a thin first row of tiles has no rows)", "rgb.jp2", { maxSize: 82 }],
    ["grey 12-bit full size", "grey12.jp2", { quality: 80 }],
    ["grey 12-bit reduce 1", "grey12.jp2", { maxSize: 151 }],
  ];
  test.each(cases)("%s: the same JPEG bytes as the whole-codestream path", async (_, file, o) => {
    const src = join(tmp, file);
    const whole = await convert(src, "whole.jpg", { ...o, tileRowThreshold: Infinity });
    const rows = await convert(src, "rows.jpg", { ...o, tileRowThreshold: 0, verify: true });
    expect(whole.decoders).toBe(1);
    expect(rows.decoders).toBeGreaterThan(3); // one decoder per row of tiles
    expect(rows.r.width).toBe(whole.r.width);
    expect(rows.r.height).toBe(whole.r.height);
    expect(rows.r.reduce).toBe(whole.r.reduce);
    expect(rows.bytes.length).toBeGreaterThan(1000);
    expect(Buffer.compare(rows.bytes, whole.bytes)).toBe(0);
    expect(rows.r.sha256).toBe(whole.r.sha256);
    expect(rows.r.verify?.hash).toBeTruthy();
    expect(rows.r.notes).toEqual(whole.r.notes);
  });
});
