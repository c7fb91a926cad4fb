#!/usr/bin/env node
/**
 * Large-scan benchmark (`node bench/run.mjs --only migrate-large`, or `node bench/migrate_large.mjs`):
 * issue 9 item 2 says a 40000×40000 RGB scan must convert. This converts one such JP2 to JPEG q92
 * with `j2kit migrate --max-memory M --jobs 1` (M = 1024 and 512) and with `vips copy in.jp2 out.jpg[Q=92]` and
 * prints wall time, CPU and peak RSS of each, read from `/usr/bin/time -v` ("Maximum resident set
 * size"). Both outputs are checked with `jpeginfo -c` and their dimensions.
 *
 * The source is made once (kept in .scratch/migrate-large, gitignored; ~0.3 GB) by libvips, which
 * streams: `vips embed saw.ppm big.jp2[tile-width=1024,tile-height=1024,Q=48,subsample-mode=off]
 * 0 0 40000 40000 --extend mirror` — the benchcorpus photo (2725×2225) mirrored to 40000×40000, coded
 * 9/7 by OpenJPEG in 1024×1024 tiles, RGB (no chroma subsampling of the JP2). No JavaScript array
 * can hold this image (4.8 GB of samples), so neither our encoder nor opj_compress (which loads the
 * whole image as 32-bit samples) can make it on a machine of this size.
 *
 * Everything runs under `nice -n 5` (the machine is shared). Options: --size N (default 40000),
 * --memories 1024,512 (the --max-memory values to run j2kit with), --no-vips, --keep (keep the
 * JPEG outputs), --only-generate.
 * Uses bin/j2kit.js and dist/ (npm run build first).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");
const argv = process.argv.slice(2);
const num = (name, d) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
const SIZE = num("--size", 40000);
const MEMORIES = (argv.includes("--memories") ? argv[argv.indexOf("--memories") + 1] : "1024,512").split(",").map(Number);
const DIR = join(repo, ".scratch", "migrate-large");
const SRC_DIR = join(DIR, `src-${SIZE}`);
const SRC = join(SRC_DIR, `scan-${SIZE}.jp2`);
const photo = resolve(repo, "../shared/benchcorpus/saw_2725x2225.ppm");

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 26, ...opts });
  if (r.error) throw r.error;
  return r;
}

function have(tool) {
  return run("sh", ["-c", `command -v ${tool}`]).status === 0;
}

function generate() {
  if (existsSync(SRC)) return;
  mkdirSync(SRC_DIR, { recursive: true });
  const tmp = join(DIR, `scan-${SIZE}.${process.pid}.partial.jp2`);
  console.log(`making ${SRC} (${SIZE}x${SIZE} RGB, 1024x1024 tiles, vips jp2ksave Q=48) ...`);
  const t0 = Date.now();
  const r = run("nice", ["-n", "5", "vips", "embed", photo, `${tmp}[tile-width=1024,tile-height=1024,Q=48,subsample-mode=off]`, "0", "0", String(SIZE), String(SIZE), "--extend", "mirror"], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`vips embed failed (exit ${r.status})`);
  renameSync(tmp, SRC);
  console.log(`made in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${(statSync(SRC).size / 1e6).toFixed(1)} MB`);
}

/** argv under `nice -n 5 /usr/bin/time -v`: wall, CPU and peak RSS from time's report. */
function timed(cmd, args) {
  const r = run("nice", ["-n", "5", "/usr/bin/time", "-v", cmd, ...args]);
  const field = (re) => {
    const m = re.exec(r.stderr);
    return m ? m[1] : undefined;
  };
  const wallText = field(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/) ?? "0";
  const wall = wallText.split(":").map(Number).reduce((a, b) => a * 60 + b, 0);
  const cpu = Number(field(/User time \(seconds\): ([\d.]+)/) ?? 0) + Number(field(/System time \(seconds\): ([\d.]+)/) ?? 0);
  const rssKb = Number(field(/Maximum resident set size \(kbytes\): (\d+)/) ?? 0);
  const code = r.status;
  if (code !== 0) console.log(`  ${cmd} exited ${code}: ${r.stderr.slice(-1500)}`);
  return { wall, cpu, peakMiB: rssKb / 1024, code };
}

function checkJpeg(path) {
  if (!existsSync(path)) return "missing";
  const info = have("jpeginfo") ? run("jpeginfo", ["-c", path]).stdout.trim() : "(no jpeginfo)";
  return info.replace(/\s+/g, " ");
}

if (!have("/usr/bin/time")) throw new Error("/usr/bin/time (Debian package `time`) is needed for peak RSS");
generate();
if (argv.includes("--only-generate")) process.exit(0);

const inBytes = statSync(SRC).size;
const out = join(DIR, `out-${process.pid}`);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const rows = [];
for (const mib of MEMORIES) {
  const j2kitOut = join(out, `j2kit-${mib}`);
  const m1 = timed(process.execPath, [join(repo, "bin/j2kit.js"), "migrate", SRC_DIR, "--to", j2kitOut, "--jobs", "1", "--max-memory", String(mib), "--quality", "92", "--max-pixels", String(SIZE * SIZE)]);
  rows.push({ tool: `j2kit migrate --max-memory ${mib}`, ...m1, check: checkJpeg(join(j2kitOut, `scan-${SIZE}.jpg`)) });
}
if (argv.includes("--no-vips")) console.log("(--no-vips: no vips row)");
else if (have("vips")) {
  const vipsOut = join(out, "vips.jpg");
  const m2 = timed("vips", ["copy", SRC, `${vipsOut}[Q=92]`]);
  rows.push({ tool: "vips copy in.jp2 out.jpg[Q=92]", ...m2, check: checkJpeg(vipsOut) });
} else console.log("(vips missing: no vips row)");

console.log(`\nmigrate-large: ${SIZE}x${SIZE} RGB JP2 (${(inBytes / 1e6).toFixed(1)} MB, 1024x1024 tiles) -> JPEG q92, under nice -n 5; the machine may be shared (compare CPU, not wall)`);
console.log(`${"tool".padEnd(34)} ${"exit".padStart(4)} ${"wall s".padStart(8)} ${"CPU s".padStart(8)} ${"MP/s(CPU)".padStart(9)} ${"peak RSS".padStart(10)}  jpeginfo -c`);
for (const r of rows) {
  console.log(`${r.tool.padEnd(34)} ${String(r.code).padStart(4)} ${r.wall.toFixed(1).padStart(8)} ${r.cpu.toFixed(1).padStart(8)} ${((SIZE * SIZE) / 1e6 / r.cpu).toFixed(1).padStart(9)} ${(r.peakMiB.toFixed(0) + " MiB").padStart(10)}  ${r.check}`);
}
if (!argv.includes("--keep")) rmSync(out, { recursive: true, force: true });
