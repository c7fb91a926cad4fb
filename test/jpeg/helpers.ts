/**
 * Helpers of the JPEG encoder tests: native tool detection, PNM files, cjpeg/djpeg/jpeginfo runs,
 * an independent JPEG marker parser, PSNR, synthetic images and the MozJPEG (@jsquash/jpeg) peer.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/** Native tool detection is shared by the whole suite (J2KIT_REQUIRE_TOOLS=1 makes a missing tool fail). */
export { has } from "../helpers/tools.js";
import { psnr as psnr8 } from "../helpers/psnr.mjs";

export const TMP = mkdtempSync(join(tmpdir(), "j2kit-jpeg-"));
// (one folder per test file that imports these helpers, removed when that file's tests are done:
// the folders held up to 28 MB each and were left behind by every run)
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
let fileCounter = 0;

/** A fresh file name in the test's temporary folder. */
export function tmpFile(ext: string): string {
  return join(TMP, `f${process.pid}_${fileCounter++}${ext}`);
}

/** An 8-bit image for the tests. */
export interface Pixels {
  width: number;
  height: number;
  components: number;
  data: Uint8Array;
}

/** Write binary PGM (1 component) or PPM (3); returns the path. */
export function writePnm(p: Pixels): string {
  const path = tmpFile(p.components === 1 ? ".pgm" : ".ppm");
  const head = Buffer.from(`${p.components === 1 ? "P5" : "P6"}\n${p.width} ${p.height}\n255\n`, "latin1");
  writeFileSync(path, Buffer.concat([head, Buffer.from(p.data.buffer, p.data.byteOffset, p.data.length)]));
  return path;
}

/** Parse binary PGM/PPM (maxval 255). */
export function parsePnm(b: Uint8Array): Pixels {
  let pos = 0;
  const tok: string[] = [];
  while (tok.length < 4) {
    while (b[pos] === 0x20 || b[pos] === 0x0a || b[pos] === 0x0d || b[pos] === 0x09) pos++;
    if (b[pos] === 0x23) {
      while (b[pos] !== 0x0a) pos++;
      continue;
    }
    const s = pos;
    while (pos < b.length && b[pos]! > 0x20) pos++;
    tok.push(Buffer.from(b.subarray(s, pos)).toString("latin1"));
  }
  pos++;
  const components = tok[0] === "P6" ? 3 : 1;
  if (tok[3] !== "255") throw new Error(`PNM maxval ${tok[3]} not handled`);
  const width = Number(tok[1]);
  const height = Number(tok[2]);
  return { width, height, components, data: b.slice(pos, pos + width * height * components) };
}

/** Read a corpus PPM/PGM. */
export function readPnm(path: string): Pixels {
  return parsePnm(new Uint8Array(readFileSync(path)));
}

function run(tool: string, args: string[], input?: Uint8Array): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(tool, args, { input, maxBuffer: 1 << 30 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr?.toString() ?? "" };
}

/** `cjpeg ARGS file` → the JPEG bytes. */
export function cjpeg(p: Pixels, args: string[]): Uint8Array {
  const r = run("cjpeg", [...args, writePnm(p)]);
  if (r.status !== 0) throw new Error(`cjpeg failed: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

/** Decode with libjpeg-turbo's djpeg (PNM output). Throws on any complaint. */
export function djpeg(jpeg: Uint8Array): Pixels {
  const path = tmpFile(".jpg");
  writeFileSync(path, jpeg);
  const r = run("djpeg", ["-pnm", path]);
  if (r.status !== 0 || r.stderr.trim() !== "") throw new Error(`djpeg rejected the file: ${r.stderr}`);
  return parsePnm(new Uint8Array(r.stdout));
}

/** `jpeginfo -c`: returns its line; throws unless it says [OK]. */
export function jpeginfoCheck(jpeg: Uint8Array): string {
  const path = tmpFile(".jpg");
  writeFileSync(path, jpeg);
  const r = run("jpeginfo", ["-c", path]);
  const line = r.stdout.toString();
  if (r.status !== 0 || !/\sOK\s/.test(line) || /WARNING|ERROR|BROKEN/i.test(line)) throw new Error(`jpeginfo -c: ${line} ${r.stderr}`);
  return line;
}

/** A marker segment as found by {@link jpegSegments}. */
export interface Segment {
  marker: number;
  offset: number;
  /** Payload after the length field. */
  data: Uint8Array;
}

/**
 * Marker segments from SOI up to and including SOS (ISO/IEC 10918-1 B.1.1.4), parsed here
 * independently of the encoder. `entropy` is the data between SOS and EOI.
 */
export function jpegSegments(b: Uint8Array): { segments: Segment[]; entropy: Uint8Array; eoi: boolean } {
  if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error("no SOI");
  const segments: Segment[] = [];
  let p = 2;
  for (;;) {
    if (b[p] !== 0xff) throw new Error(`expected a marker at ${p}`);
    const m = b[p + 1]!;
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    segments.push({ marker: m, offset: p, data: b.subarray(p + 4, p + 2 + len) });
    p += 2 + len;
    if (m === 0xda) break;
  }
  const eoi = b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;
  return { segments, entropy: b.subarray(p, b.length - 2), eoi };
}

/** DQT tables (zig-zag order) by destination. */
export function quantTables(b: Uint8Array): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const s of jpegSegments(b).segments) {
    if (s.marker !== 0xdb) continue;
    let p = 0;
    while (p < s.data.length) {
      const pq = s.data[p]! >> 4;
      const tq = s.data[p]! & 15;
      const n = pq === 0 ? 1 : 2;
      const vals: number[] = [];
      for (let k = 0; k < 64; k++) vals.push(n === 1 ? s.data[p + 1 + k]! : (s.data[p + 1 + 2 * k]! << 8) | s.data[p + 2 + 2 * k]!);
      out.set(tq, vals);
      p += 1 + 64 * n;
    }
  }
  return out;
}

/** SOF frame: marker and per-component [id, h, v, tq]. */
export function frameOf(b: Uint8Array): { marker: number; precision: number; width: number; height: number; comps: Array<[number, number, number, number]> } {
  const s = jpegSegments(b).segments.find((x) => x.marker >= 0xc0 && x.marker <= 0xcf && x.marker !== 0xc4 && x.marker !== 0xcc && x.marker !== 0xc8);
  if (!s) throw new Error("no SOF");
  const d = s.data;
  const comps: Array<[number, number, number, number]> = [];
  for (let i = 0; i < d[5]!; i++) comps.push([d[6 + 3 * i]!, d[7 + 3 * i]! >> 4, d[7 + 3 * i]! & 15, d[8 + 3 * i]!]);
  return { marker: s.marker, precision: d[0]!, height: (d[1]! << 8) | d[2]!, width: (d[3]! << 8) | d[4]!, comps };
}

/** PSNR in dB over all samples (peak 255). */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  return psnr8(a, b, 8);
}

/** A deterministic test picture: gradients, a few hard edges and noise (seeded). */
export function synthetic(width: number, height: number, components: number, seed = 1): Pixels {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const data = new Uint8Array(width * height * components);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < components; c++) {
        const grad = ((x * (c + 1) * 255) / Math.max(1, width - 1) + (y * 255) / Math.max(1, height - 1)) / 2;
        const edge = ((x >> 3) + (y >> 2) + c) % 5 === 0 ? 60 : 0;
        const v = grad + edge + (rnd() - 0.5) * 40;
        data[(y * width + x) * components + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { width, height, components, data };
}

/** Our image shape for 8-bit pixels. */
export function asImage(p: Pixels) {
  return { width: p.width, height: p.height, components: p.components, bitDepth: 8, signed: false, data: p.data };
}

type ImageDataLike = { data: Uint8ClampedArray; width: number; height: number };
interface Squash {
  decode(b: ArrayBuffer): Promise<ImageDataLike>;
  encode(img: ImageDataLike, o: Record<string, unknown>): Promise<ArrayBuffer>;
}
let squash: Promise<Squash> | null = null;

/** MozJPEG compiled to WebAssembly (@jsquash/jpeg), initialised for Node. */
export function mozjpeg(): Promise<Squash> {
  if (!squash) {
    squash = (async () => {
      const require = createRequire(import.meta.url);
      const base = require.resolve("@jsquash/jpeg/package.json").replace(/package\.json$/, "");
      const g = globalThis as { ImageData?: unknown };
      if (!g.ImageData) {
        g.ImageData = class {
          constructor(
            public data: Uint8ClampedArray,
            public width: number,
            public height: number,
          ) {}
        };
      }
      const dec = await import(base + "decode.js");
      const enc = await import(base + "encode.js");
      await dec.init(new WebAssembly.Module(readFileSync(base + "codec/dec/mozjpeg_dec.wasm")));
      await enc.init(new WebAssembly.Module(readFileSync(base + "codec/enc/mozjpeg_enc.wasm")));
      return { decode: (b: ArrayBuffer) => dec.default(b), encode: (i: ImageDataLike, o: Record<string, unknown>) => enc.default(i, o) };
    })();
  }
  return squash;
}
