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
import { encode } from "../../src/index.js";
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
