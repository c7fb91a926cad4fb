/**
 * Helpers of the migration tests: the CLI in a child process with its peak memory (VmHWM polled
 * from /proc, and the process's own maxRSS report), a generated archive (representation folders, a
 * CSV export, ICC profiles, tiles, 10/16-bit, palette, alpha, sYCC, HTJ2K, damaged files) and a
 * large image generated once and kept in a gitignored folder (.scratch/migrate-cache).
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { decode, encode } from "../../src/index.js";
import { writeJp2 } from "../../src/jp2/write.js";
import { readPnm } from "../../src/io/pnm.js";
import { REPO_ROOT, BENCHCORPUS, testdataPath } from "../helpers/paths.js";

export const BIN = join(REPO_ROOT, "bin/j2kit.js");
export const CACHE = join(REPO_ROOT, ".scratch", "migrate-cache");

/** Result of a CLI run. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident memory seen in /proc/<pid>/status (VmHWM), bytes; 0 where /proc is missing. */
  peakRss: number;
}

/** A CLI run in progress (for kill -9 tests). */
export interface CliProcess {
  child: ChildProcess;
  done: Promise<CliRun>;
}

/** Start `node bin/j2kit.js ...args` (its memory polled every 50 ms). */
export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "", peak = 0;
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      /* gone */
    }
  }, 50);
  const done = new Promise<CliRun>((resolve) => {
    child.on("close", (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr, peakRss: peak });
    });
  });
  return { child, done };
}

/** Run the CLI to the end. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return startCli(args, env).done;
}

/** The peak memory the migrate command reports about itself (process.resourceUsage().maxRSS), bytes. */
export function reportedPeak(stdout: string): number {
  const m = /peak memory (\d+) MiB/.exec(stdout);
  return m ? Number(m[1]) * 2 ** 20 : NaN;
}

/** One file of the generated archive. */
export interface ArchiveFile {
  rel: string;
  group: string;
  type: string;
  tiffname: string;
  /** A conversion must fail: the error codes (patterns) it may end with. */
  damaged?: RegExp;
}

/** The generated archive. */
export interface Archive {
  root: string;
  manifest: string;
  files: ArchiveFile[];
  good: ArchiveFile[];
  groups: string[];
}

function kodak(name: string) {
  return readPnm(new Uint8Array(readFileSync(join(BENCHCORPUS, name))));
}

/**
 * Build the archive below `root`: six representations (folders named by UUID) and a CSV export
 * like a repository's (uuid, material type, barcode, record id, original TIFF name, path), with
 * quoting where a field holds a comma. `big` adds a representation holding that large image.
 */
export function buildArchive(root: string, big?: string): Archive {
  const files: ArchiveFile[] = [];
  const add = (group: string, type: string, name: string, bytes: Uint8Array | string, damaged?: RegExp) => {
    const rel = `reps/${group}/${name}`;
    mkdirSync(join(root, "reps", group), { recursive: true });
    if (typeof bytes === "string") copyFileSync(bytes, join(root, rel));
    else writeFileSync(join(root, rel), bytes);
    files.push({ rel, group, type, tiffname: name.replace(/\.[^.]+$/, ".tif"), ...(damaged ? { damaged } : {}) });
  };
  const k3 = kodak("kodim03.ppm"), k4 = kodak("kodim04.ppm"), k7 = kodak("kodim07.ppm");
  const grey = { ...k7, components: 1, data: (k7.data as Uint8Array).filter((_, i) => i % 3 === 0) };
  // newspaper: lossless, tiled lossy, raw codestream
  const news = "7d0e6a1c-0001-4c5e-9a1e-000000000001";
  add(news, "newspaper", "p001.jp2", encode(k3, { format: "jp2" }));
  add(news, "newspaper", "p002.jp2", encode(k4, { format: "jp2", quality: 80, tile: { width: 256, height: 256 } }));
  add(news, "newspaper", "p003.j2k", encode(grey, { ratios: [10] }));
  // book: 10-bit grey lossless, 16-bit RGB lossy
  const book = "7d0e6a1c-0002-4c5e-9a1e-000000000002";
  add(book, "book", "p001.jp2", encode({ ...grey, bitDepth: 10, data: Uint16Array.from(grey.data, (v) => v * 4 + (v & 3)) }, { format: "jp2" }));
  add(book, "book", "p002.jp2", encode({ ...k3, bitDepth: 16, data: Uint16Array.from(k3.data as Uint8Array, (v) => v * 257) }, { format: "jp2", ratios: [20] }));
  // maps: ICC profiles (one whose curv tags need repair)
  const maps = "7d0e6a1c-0003-4c5e-9a1e-000000000003";
  add(maps, "map", "sheet1.jp2", testdataPath("icc/sample.jp2"));
  add(maps, "map", "sheet2.jp2", testdataPath("conformance/part4_jp2/file5.jp2"));
  // photos: palette, RGBA (alpha dropped), sYCC, HTJ2K
  const photo = "7d0e6a1c-0004-4c5e-9a1e-000000000004";
  add(photo, "photo", "palette.jp2", testdataPath("edge_cases/jpylyzer/palettedImage.jp2"));
  add(photo, "photo", "alpha.jp2", testdataPath("edge_cases/openjpeg/basn6a08.jp2"));
  add(photo, "photo", "sycc.jp2", testdataPath("conformance/part4_jp2/file2.jp2"));
  add(photo, "photo", "ht.jph", testdataPath("htj2k/simple_dec_irv97_64x64_tiles_yuv.jph"));
  // damaged: cut short, not JPEG 2000, broken SIZ; and a good page
  const bad = "7d0e6a1c-0005-4c5e-9a1e-000000000005";
  const whole = encode(k7, { format: "jp2", ratios: [8] });
  add(bad, "newspaper", "cut.jp2", whole.subarray(0, Math.floor(whole.length * 0.4)), /TRUNCATED/);
  add(bad, "newspaper", "notjp2.jp2", new TextEncoder().encode("this is a TIFF export that failed, not a JPEG 2000 file\n".repeat(40)), /NOT_A_CODESTREAM/);
  const siz = encode(grey, { ratios: [10] });
  siz[43] = 0; // XRsiz of component 0 (A.5.1: 1..255)
  add(bad, "newspaper", "badsiz.j2k", siz, /BAD_SIZ/);
  add(bad, "newspaper", "ok.jp2", encode(grey, { format: "jp2", quality: 70 }));
  // one more plain group
  const misc = "7d0e6a1c-0006-4c5e-9a1e-000000000006";
  add(misc, "book", "cover.jp2", testdataPath("conformance/part4_jp2/file1.jp2"));
  if (big) add("7d0e6a1c-0007-4c5e-9a1e-000000000007", "poster", "big.jp2", big);

  const rows = ["representation_uuid,material_type,barcode,record_id,tiffname,path"];
  files.forEach((f, i) => rows.push([f.group, f.type, `"BC,${1000 + i}"`, `rec-${i}`, f.tiffname, f.rel].join(",")));
  const manifest = join(root, "export.csv");
  writeFileSync(manifest, rows.join("\r\n") + "\r\n");
  return { root, manifest, files, good: files.filter((f) => !f.damaged), groups: [...new Set(files.map((f) => f.group))] };
}

/** Target of an archive file under the template "{material_type}/{representation_uuid}/{tiffname.stem}.jpg". */
export function targetOf(f: ArchiveFile): string {
  return `${f.type}/${f.group}/${f.tiffname.replace(/\.tif$/, "")}.jpg`;
}

export const TEMPLATE = "{material_type}/{representation_uuid}/{tiffname.stem}.jpg";

/**
 * A single-tile `width` x `height` RGB JP2 (9/7, quality 40), generated once by the library in a
 * child process and kept in .scratch/migrate-cache.
 */
export function largeImage(width: number, height: number): string {
  const path = join(CACHE, `rgb_${width}x${height}_single_tile.jp2`);
  if (existsSync(path)) return path;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${path}.${process.pid}.partial`;
  const script = `
    import { encode } from ${JSON.stringify(join(REPO_ROOT, "dist/index.js"))};
    import { writeFileSync } from "node:fs";
    const w = ${width}, h = ${height};
    const data = new Uint8Array(w * h * 3);
    let seed = 1;
    for (let y = 0, o = 0; y < h; y++) for (let x = 0; x < w; x++, o += 3) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const n = seed >>> 31;
      data[o] = (Math.sin(x / 397) + Math.cos(y / 261)) * 60 + 128 + n;
      data[o + 1] = 128 + 100 * Math.sin((x + y) / 500) + n;
      data[o + 2] = ((x >> 5) + (y >> 5)) & 1 ? 200 : 60;
    }
    writeFileSync(${JSON.stringify(tmp)}, encode({ width: w, height: h, components: 3, bitDepth: 8, signed: false, data }, { format: "jp2", quality: 40 }));
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`generating ${path} failed`);
  renameSync(tmp, path);
  return path;
}

/** Parse ledger text into records. */
export function ledgerRecords(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** Wait until `f()` is true (polling every 50 ms), at most `ms`. */
export async function waitFor(f: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return f();
}

/** Big-endian reads/writes on a codestream. */
const u16 = (b: Uint8Array, p: number) => (b[p]! << 8) | b[p + 1]!;
const u32 = (b: Uint8Array, p: number) => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
function put32(b: Uint8Array, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = (v >>> 16) & 255;
  b[p + 2] = (v >>> 8) & 255;
  b[p + 3] = v & 255;
}

/** The grey test pattern of the tiled image: gradients, rings and a grid, value at tile-local (x, y). */
export function tilePattern(x: number, y: number): number {
  const r = Math.hypot(x - 900, y - 700);
  return (((x + 2 * y) >> 4) + 60 * Math.sin(r / 37) + ((x & 255) < 3 || (y & 255) < 3 ? 90 : 0) + 128) & 255;
}

/** Side of the tiles of {@link tiledGrey}: a multiple of 64 · 2^5, so every tile's code-blocks sit as in an image of its own. */
export const TILED_TILE = 2048;

/**
 * A `size` x `size` 8-bit grey JP2 with {@link TILED_TILE}² tiles (30000: 15 x 15 = 225 tiles), kept in
 * .scratch/migrate-cache. Encoding 900 Mpixels would take minutes, so it is assembled: the four
 * tile shapes (interior, right edge, bottom edge, corner) are encoded by the library as images of
 * their own (9/7, 5 levels, 64x64 code-blocks, one precinct per resolution) and their tile-parts
 * placed under one main header whose SIZ describes the whole grid. Because the tile grid is aligned
 * to 64 · 2^5, each tile's code-blocks and precincts are those of its image alone (B.6, B.7), so
 * the tile decodes to exactly what {@link tiledGreyTiles} gives for its shape.
 */
export function tiledGrey(size: number): string {
  const path = join(CACHE, `grey_${size}x${size}_tiles_${TILED_TILE}.jp2`);
  if (existsSync(path)) return path;
  mkdirSync(CACHE, { recursive: true });
  const T = TILED_TILE, n = Math.ceil(size / T), last = size - (n - 1) * T;
  const shapes = tiledGreyShapes(size);
  const coded = new Map<string, Uint8Array>();
  for (const [w, h] of shapes) coded.set(`${w}x${h}`, encode(patternImage(w, h), { ratios: [60], levels: 5 }));
  const interior = coded.get(`${T}x${T}`)!;
  // main header: everything before the first SOT (no TLM/PLM: tile-part lengths change)
  let p = 2, main: Uint8Array[] = [interior.subarray(0, 2)];
  while (u16(interior, p) !== 0xff90) {
    const len = u16(interior, p + 2), marker = u16(interior, p);
    if (marker !== 0xff55 && marker !== 0xff57) main.push(interior.slice(p, p + 2 + len));
    p += 2 + len;
  }
  const siz = main.find((m) => u16(m, 0) === 0xff51)!;
  put32(siz, 6, size), put32(siz, 10, size), put32(siz, 14, 0), put32(siz, 18, 0), put32(siz, 22, T), put32(siz, 26, T), put32(siz, 30, 0), put32(siz, 34, 0);
  const parts: Uint8Array[] = [];
  for (let ty = 0; ty < n; ty++) {
    for (let tx = 0; tx < n; tx++) {
      const cs = coded.get(`${tx === n - 1 ? last : T}x${ty === n - 1 ? last : T}`)!;
      let q = 2;
      while (u16(cs, q) !== 0xff90) q += 2 + u16(cs, q + 2);
      const psot = u32(cs, q + 6);
      if (u16(cs, q + psot) !== 0xffd9) throw new Error("the tile encoding has more than one tile-part");
      const part = cs.slice(q, q + psot);
      part[4] = (ty * n + tx) >> 8;
      part[5] = (ty * n + tx) & 255;
      parts.push(part);
    }
  }
  main = [...main, ...parts, new Uint8Array([0xff, 0xd9])];
  const codestream = new Uint8Array(main.reduce((s, m) => s + m.length, 0));
  main.reduce((o, m) => (codestream.set(m, o), o + m.length), 0);
  const tmp = `${path}.${process.pid}.partial`;
  writeFileSync(tmp, writeJp2(codestream, { width: size, height: size, components: 1, bitDepths: [8], signed: [false], colorSpace: "greyscale" }));
  renameSync(tmp, path);
  return path;
}

/** The tile shapes of {@link tiledGrey}(size): [width, height] of interior, right, bottom, corner. */
export function tiledGreyShapes(size: number): Array<[number, number]> {
  const T = TILED_TILE, last = size - (Math.ceil(size / T) - 1) * T;
  return [[T, T], [last, T], [T, last], [last, last]];
}

function patternImage(w: number, h: number) {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = tilePattern(x, y);
  return { width: w, height: h, components: 1, bitDepth: 8, signed: false, data };
}

/** Each tile shape of {@link tiledGrey}(size) decoded on its own: the expected pixels of every tile of that shape. */
export function tiledGreyTiles(size: number): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [w, h] of tiledGreyShapes(size)) {
    out.set(`${w}x${h}`, decode(encode(patternImage(w, h), { ratios: [60], levels: 5 })).data as Uint8Array);
  }
  return out;
}
