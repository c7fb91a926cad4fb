// The streaming baseline JPEG decoder (src/jpeg/decode.ts, codec/jpeg/decode_*.ts): pixels equal
// libjpeg-turbo's `djpeg -nosmooth` on files written by cjpeg (an independent encoder: standard and
// optimised tables, restart intervals, 4:4:4 / 4:2:2 / 4:2:0, grey) and by our encoder; the block
// hash equals the one our encoder measured while writing; any chunking of the input gives the same
// result; damaged files are typed errors (JPEG_INVALID / UNSUPPORTED), never a crash or a hang.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { createJpegDecoder, createJpegWriter, decodeJpeg, isJ2kError, memoryInUse, releaseMemory } from "../../src/index.js";
import { cjpeg, has, synthetic, tmpFile, parsePnm, type Pixels } from "./helpers.js";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";

const HAS = has("djpeg") && has("cjpeg");

/** djpeg -nosmooth (replicated chroma, as our decoder) → pixels. */
function djpegPlain(jpeg: Uint8Array): Pixels {
  const path = tmpFile(".jpg");
  writeFileSync(path, jpeg);
  const r = spawnSync("djpeg", ["-nosmooth", "-pnm", path], { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`djpeg failed: ${r.stderr?.toString()}`);
  return parsePnm(new Uint8Array(r.stdout));
}

function ourJpeg(p: Pixels, o: Record<string, unknown>): { bytes: Uint8Array; hash: string; sse: number } {
  const chunks: Uint8Array[] = [];
  const w = createJpegWriter({ width: p.width, height: p.height, components: p.components, measure: true, ...o }, (c) => chunks.push(c));
  w.writeRows(p.data);
  w.finish();
  const m = w.measurement()!;
  return { bytes: new Uint8Array(Buffer.concat(chunks)), hash: m.hash, sse: m.sse };
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe("JPEG decoder", () => {
  test.skipIf(!HAS)("cjpeg files (standard/optimised tables, restarts, 4:4:4/4:2:2/4:2:0, grey) decode to djpeg -nosmooth's pixels (needs cjpeg, djpeg)", () => {
    const cases: Array<[number, number, number, string[]]> = [
      [97, 61, 3, ["-quality", "92", "-sample", "1x1"]],
      [97, 61, 3, ["-quality", "75", "-sample", "2x2", "-restart", "2B"]],
      [130, 45, 3, ["-quality", "60", "-sample", "2x1", "-optimize"]],
      [33, 70, 3, ["-quality", "85", "-sample", "1x2", "-restart", "1B"]],
      [71, 29, 1, ["-quality", "50", "-grayscale", "-restart", "3B"]],
      [16, 16, 3, ["-quality", "100", "-sample", "2x2", "-optimize", "-restart", "1"]],
    ];
    for (const [w, h, c, args] of cases) {
      const src = synthetic(w, h, c === 1 ? 3 : c, w + h);
      const jpg = cjpeg(src, ["-baseline", ...args]);
      const ours = decodeJpeg(jpg);
      const ref = djpegPlain(jpg);
      expect([ours.width, ours.height, ours.components], args.join(" ")).toEqual([ref.width, ref.height, ref.components]);
      expect(firstDiff(ours.data, ref.data), `${w}x${h} ${args.join(" ")}: first differing sample`).toBe(-1);
      expect(ours.bytes).toBe(jpg.length);
      expect(ours.trailingBytes).toBe(0);
    }
  });

  test.skipIf(!HAS)("our encoder's files: pixels equal djpeg -nosmooth, the hash equals the encoder's, and so does its squared error (needs djpeg)", () => {
    for (const [w, h, c, o] of [
      [77, 53, 3, { quality: 92 }],
      [77, 53, 3, { quality: 75, subsampling: "420", restartInterval: 4 }],
      [100, 37, 1, { quality: 30 }],
      [129, 65, 3, { quality: 80, subsampling: "422", restartInterval: 1 }],
    ] as const) {
      const src = synthetic(w, h, c, 7);
      const enc = ourJpeg(src, o);
      const ours = decodeJpeg(enc.bytes);
      const ref = djpegPlain(enc.bytes);
      expect(firstDiff(ours.data, ref.data), JSON.stringify(o)).toBe(-1);
      expect(ours.hash).toBe(enc.hash);
      let sse = 0;
      for (let i = 0; i < ref.data.length; i++) sse += (ref.data[i]! - src.data[i]!) ** 2;
      expect(enc.sse, "the encoder's squared error is djpeg's").toBe(sse);
    }
  });

  test("a 20000-row image: measured while encoding and decoded from 256 KiB chunks with WebAssembly memory bounded", () => {
    releaseMemory();
    const width = 1000, height = 20000;
    const strip = synthetic(width, 96, 3, 13).data;
    const chunks: Uint8Array[] = [];
    let peak = 0;
    const w = createJpegWriter({ width, height, components: 3, quality: 80, subsampling: "420", measure: true }, (c) => chunks.push(c));
    for (let y = 0; y < height; y += 96) {
      w.writeRows(strip.subarray(0, Math.min(96, height - y) * width * 3));
      peak = Math.max(peak, memoryInUse());
    }
    w.finish();
    const m = w.measurement()!;
    const file = new Uint8Array(Buffer.concat(chunks));
    let rows = 0, sum = 0;
    const d = createJpegDecoder({
      onRows: (px, y, count) => {
        expect(y).toBe(rows);
        rows += count;
        sum += px[px.length >> 1]!;
        peak = Math.max(peak, memoryInUse());
      },
    });
    for (let o = 0; o < file.length; o += 256 << 10) {
      d.push(file.subarray(o, o + (256 << 10)));
      peak = Math.max(peak, memoryInUse());
    }
    const s = d.end();
    expect(rows).toBe(height);
    expect(sum).toBeGreaterThan(0);
    expect(s.hash).toBe(m.hash);
    expect(m.psnr).toBeGreaterThan(25);
    // input window + 4 MiB of output rows + state, against 57 MiB of pixels
    expect(peak).toBeLessThan(12 << 20);
    console.log(`1000x20000 RGB JPEG (${file.length} bytes): PSNR ${m.psnr.toFixed(2)} dB, peak WebAssembly memory ${(peak / 2 ** 20).toFixed(2)} MiB`);
  });

  test("any chunking of the input gives the same pixels and hash", () => {
    const src = synthetic(150, 90, 3, 3);
    const enc = ourJpeg(src, { quality: 70, subsampling: "420", restartInterval: 3 });
    const whole = decodeJpeg(enc.bytes);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }), (sizes) => {
        const data = new Uint8Array(whole.data.length);
        const d = createJpegDecoder({ onRows: (rows, y) => data.set(rows, y * 150 * 3) });
        let o = 0, i = 0;
        while (o < enc.bytes.length) {
          const n = sizes[i++ % sizes.length]!;
          d.push(enc.bytes.subarray(o, o + n));
          o += n;
        }
        const s = d.end();
        expect(s.hash).toBe(whole.hash);
        expect(firstDiff(data, whole.data)).toBe(-1);
        // hash only, no pixels: the same hash
        const h = createJpegDecoder();
        h.push(enc.bytes);
        expect(h.end().hash).toBe(whole.hash);
      }),
      { numRuns: 25 },
    );
  });

  test("small pushes are gathered: a file fed 1 byte at a time takes about one step per 64 KiB, with the same pixels", () => {
    // before, every push joined the window and called the core with a copy of one MCU row of output
    // (here 16 rows x 6000 x 3 bytes): a step per byte, quadratic in the width
    const src = synthetic(6000, 64, 3, 5);
    const enc = ourJpeg(src, { quality: 97, subsampling: "420" });
    const whole = decodeJpeg(enc.bytes);
    const data = new Uint8Array(whole.data.length);
    const d = createJpegDecoder({ onRows: (rows, y, count) => data.set(rows.subarray(0, count * 6000 * 3), y * 6000 * 3) });
    for (let o = 0; o < enc.bytes.length; o++) d.push(enc.bytes.subarray(o, o + 1));
    const s = d.end();
    expect(s.hash).toBe(whole.hash);
    expect(firstDiff(data, whole.data)).toBe(-1);
    expect(enc.bytes.length, "the file spans several steps").toBeGreaterThan(3 * 65536);
    expect(d.steps).toBeLessThanOrEqual(2 * Math.ceil(enc.bytes.length / 65536) + 4);
  });

  test("a file of several steps: any chunking gives the same pixels and hash (rows continued across steps)", () => {
    const src = synthetic(900, 600, 3, 9);
    const enc = ourJpeg(src, { quality: 97, subsampling: "444", restartInterval: 5 });
    const whole = decodeJpeg(enc.bytes);
    expect(enc.bytes.length).toBeGreaterThan(4 * 65536);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 90000 }), { minLength: 1, maxLength: 6 }), (sizes) => {
        const data = new Uint8Array(whole.data.length);
        const d = createJpegDecoder({ onRows: (rows, y, count) => data.set(rows.subarray(0, count * 900 * 3), y * 900 * 3) });
        let o = 0, i = 0;
        while (o < enc.bytes.length) {
          const n = sizes[i++ % sizes.length]!;
          d.push(enc.bytes.subarray(o, o + n));
          o += n;
        }
        expect(d.end().hash).toBe(whole.hash);
        expect(firstDiff(data, whole.data)).toBe(-1);
        expect(d.steps).toBeGreaterThan(2);
      }),
      { numRuns: 8 },
    );
  });

  test("damaged files: truncation and flipped bytes are typed errors or a different hash, never a crash", () => {
    const src = synthetic(64, 48, 3, 5);
    const enc = ourJpeg(src, { quality: 85, restartInterval: 2 });
    for (const cut of [1, 2, 10, 200, enc.bytes.length - 300, enc.bytes.length - 2, enc.bytes.length - 1]) {
      let err: unknown;
      try {
        decodeJpeg(enc.bytes.subarray(0, cut));
      } catch (e) {
        err = e;
      }
      expect(isJ2kError(err, "JPEG_INVALID"), `cut at ${cut}: ${String(err)}`).toBe(true);
    }
    fc.assert(
      fc.property(fc.integer({ min: 2, max: enc.bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const bad = enc.bytes.slice();
        bad[at]! ^= x;
        try {
          decodeJpeg(bad); // a flip inside APP0 or in padding bits may decode: fine, --verify's SHA-256 sees it
          return true;
        } catch (e) {
          expect(isJ2kError(e) && ["JPEG_INVALID", "UNSUPPORTED", "LIMIT_MEMORY"].includes(e.code), String(e)).toBe(true);
          return true;
        }
      }),
      { numRuns: 300 },
    );
    // a failed decode leaves nothing behind in the core: the good file decodes after the bad ones
    expect(decodeJpeg(enc.bytes).hash).toBe(enc.hash);
  });

  test("a flipped byte in the entropy-coded data changes the block hash or fails the decode", () => {
    const src = synthetic(64, 48, 3, 11);
    const enc = ourJpeg(src, { quality: 85 });
    let sos = 2;
    while (!(enc.bytes[sos] === 0xff && enc.bytes[sos + 1] === 0xda)) sos++;
    const dataStart = sos + 2 + ((enc.bytes[sos + 2]! << 8) | enc.bytes[sos + 3]!);
    let same = 0, errors = 0;
    // every byte but the last one before EOI (whose low bits may be padding)
    for (let at = dataStart; at < enc.bytes.length - 3; at++) {
      const bad = enc.bytes.slice();
      bad[at]! ^= 0x24;
      try {
        if (decodeJpeg(bad).hash === enc.hash) same++;
      } catch (e) {
        expect(isJ2kError(e, "JPEG_INVALID"), String(e)).toBe(true);
        errors++;
      }
    }
    expect(same, `${errors} errors`).toBe(0);
  });

  test.skipIf(!HAS)("progressive JPEGs are refused as UNSUPPORTED, other formats as JPEG_INVALID, oversized whole-image decodes as LIMIT_PIXELS (needs cjpeg)", () => {
    const src = synthetic(40, 40, 3, 9);
    const prog = cjpeg(src, ["-progressive"]);
    expect(() => decodeJpeg(prog)).toThrow(expect.objectContaining({ code: "UNSUPPORTED" }));
    expect(() => decodeJpeg(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toThrow(expect.objectContaining({ code: "JPEG_INVALID" }));
    // a whole-image decode larger than its sample limit is refused before the array is made
    expect(() => decodeJpeg(cjpeg(src, ["-baseline"]), { maxSamples: 40 * 40 * 3 - 1 })).toThrow(expect.objectContaining({ code: "LIMIT_PIXELS" }));
  });
});
