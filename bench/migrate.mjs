#!/usr/bin/env node
/**
 * Migration benchmark (`npm run bench -- --only migrate`, or `node bench/migrate.mjs`): JP2 → JPEG
 * over a generated archive, three ways, each with two conversions at once:
 *   j2kit   `j2kit migrate SRC --to OUT --jobs 2` (quality 92, ledger and all);
 *   vips    `parallel -j 2 vips copy {} OUT/{/.}.jpg[Q=92] ::: files` (libvips + OpenJPEG);
 *   magick  `parallel -j 2 convert {} -quality 92 OUT/{/.}.jpg ::: files` (ImageMagick 6 + OpenJPEG).
 * The archive (made once, kept in .scratch/migrate-bench): natural images (Kodak, mirrored up to
 * 3072×2048 RGB) coded 9/7 at ratio 12 single-tile, 5/3 lossless, and 4096×3072 grey 9/7 with
 * 1024×1024 tiles.
 *
 * Reported per tool (best of --runs, default 2; the tools alternate run by run): wall seconds,
 * files/s, MB/s of JP2 input, JPEG output MB, CPU seconds of all its processes, and peak RSS. Peak
 * RSS is getrusage(RUSAGE_CHILDREN).ru_maxrss: for j2kit the one process holding both workers; for
 * vips and convert the largest single process — two run at once, so their combined peak is up to
 * twice that. "others" is the CPU other processes on the machine used meanwhile (cores): the
 * machine may be shared, compare ratios and read that column.
 *
 * Options: --files N (default 24)  --runs N (default 2)
 * Uses dist/ and bin/j2kit.js (npm run build first).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");
const corpus = resolve(repo, "../shared/benchcorpus");
const argv = process.argv.slice(2);
const arg = (name, d) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
const FILES = arg("--files", 24);
const RUNS = arg("--runs", 2);
const DIR = join(repo, ".scratch", "migrate-bench");
const SRC = join(DIR, `archive-${FILES}`);

function have(tool) {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

function readPpm(path) {
  const b = readFileSync(path);
  const head = b.toString("latin1", 0, 64).match(/^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/);
  return { width: Number(head[1]), height: Number(head[2]), data: new Uint8Array(b.buffer, b.byteOffset + head[0].length) };
}

/** `src` (RGB) mirrored to w×h with `c` components (grey: the green channel). */
function mirrored(src, w, h, c) {
  const data = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++) {
    const sy = Math.floor(y / src.height) % 2 ? src.height - 1 - (y % src.height) : y % src.height;
    for (let x = 0; x < w; x++) {
      const sx = Math.floor(x / src.width) % 2 ? src.width - 1 - (x % src.width) : x % src.width;
      const s = (sy * src.width + sx) * 3, d = (y * w + x) * c;
      if (c === 1) data[d] = src.data[s + 1];
      else data.set(src.data.subarray(s, s + 3), d);
    }
  }
  return { width: w, height: h, components: c, bitDepth: 8, signed: false, data };
}

async function makeArchive() {
  if (existsSync(SRC)) return;
  const { encode } = await import(join(repo, "dist/index.js"));
  const tmp = `${SRC}.${process.pid}.partial`;
  mkdirSync(tmp, { recursive: true });
  const kodak = readdirSync(corpus).filter((n) => /^kodim\d+\.ppm$/.test(n)).sort();
  process.stdout.write(`making ${FILES} JP2 files in ${SRC} `);
  for (let i = 0; i < FILES; i++) {
    const src = readPpm(join(corpus, kodak[i % kodak.length]));
    const kind = i % 4;
    const bytes =
      kind === 3
        ? encode(mirrored(src, 4096, 3072, 1), { format: "jp2", ratios: [12], tile: { width: 1024, height: 1024 } })
        : kind === 2
          ? encode(mirrored(src, 3072, 2048, 3), { format: "jp2" })
          : encode(mirrored(src, 3072, 2048, 3), { format: "jp2", ratios: [12] });
    writeFileSync(join(tmp, `f${String(i).padStart(3, "0")}_${["lossy", "lossy", "lossless", "grey_tiled"][kind]}.jp2`), bytes);
    process.stdout.write(".");
  }
  renameSync(tmp, SRC);
  process.stdout.write("\n");
}

/** /proc/stat busy CPU seconds of the whole machine. */
function busySeconds() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return (f.reduce((a, b) => a + b, 0) - f[3] - (f[4] ?? 0)) / 100;
}

/** Run argv; wall, CPU of the process tree, peak RSS (getrusage of the children). */
function measured(cmd, args) {
  const wrapper = [
    "import resource, subprocess, sys, time",
    "t = time.monotonic()",
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)",
    "w = time.monotonic() - t",
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)",
    "sys.stderr.buffer.write(p.stderr[-2000:])",
    "print('%f %f %d %d' % (w, r.ru_utime + r.ru_stime, r.ru_maxrss, p.returncode))",
  ].join("\n");
  const b0 = busySeconds();
  const r = spawnSync("python3", ["-c", wrapper, cmd, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  const b1 = busySeconds();
  const [wall, cpu, rssKb, code] = r.stdout.trim().split(" ").map(Number);
  if (code !== 0) console.log(`  ${cmd} exited ${code}: ${r.stderr.slice(-400)}`);
  return { wall, cpu, peak: rssKb * 1024, code, others: Math.max(0, (b1 - b0 - cpu) / wall) };
}

function dirBytes(d) {
  return readdirSync(d, { recursive: true }).filter((n) => n.endsWith(".jpg")).reduce((s, n) => s + statSync(join(d, n)).size, 0);
}

await makeArchive();
const files = readdirSync(SRC).filter((n) => n.endsWith(".jp2")).sort().map((n) => join(SRC, n));
const inBytes = files.reduce((s, f) => s + statSync(f).size, 0);

const tools = [
  { name: "j2kit migrate --jobs 2", run: (out) => measured(process.execPath, [join(repo, "bin/j2kit.js"), "migrate", SRC, "--to", out, "--jobs", "2", "--quality", "92"]) },
];
if (have("vips") && have("parallel")) tools.push({ name: "parallel -j2 vips copy [Q=92]", run: (out) => measured("parallel", ["-j", "2", "vips", "copy", "{}", `${out}/{/.}.jpg[Q=92]`, ":::", ...files]) });
else console.log("(vips or GNU parallel missing: no vips row)");
if (have("convert") && have("parallel")) tools.push({ name: "parallel -j2 convert -quality 92", run: (out) => measured("parallel", ["-j", "2", "convert", "{}", "-quality", "92", `${out}/{/.}.jpg`, ":::", ...files]) });
else console.log("(ImageMagick convert or GNU parallel missing: no ImageMagick row)");

console.log(`\nmigrate: ${files.length} JP2 files, ${(inBytes / 1e6).toFixed(1)} MB (3072x2048 RGB 9/7 and 5/3, 4096x3072 grey tiled) -> JPEG q92, 2 at once; best of ${RUNS}`);
const best = new Map();
for (let run = 0; run < RUNS; run++) {
  for (const t of tools) {
    const out = join(DIR, `out-${process.pid}`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const m = t.run(out);
    m.outBytes = dirBytes(out);
    m.made = readdirSync(out, { recursive: true }).filter((n) => n.endsWith(".jpg")).length;
    rmSync(out, { recursive: true, force: true });
    if (m.code === 0 && (!best.has(t.name) || m.wall < best.get(t.name).wall)) best.set(t.name, m);
  }
}
const rows = [];
const ref = best.get(tools[0].name);
console.log(`${"tool".padEnd(34)} ${"wall s".padStart(7)} ${"files/s".padStart(8)} ${"MB/s in".padStart(8)} ${"out MB".padStart(7)} ${"CPU s".padStart(6)} ${"peak RSS".padStart(9)} ${"others".padStart(7)}  j2kit speed ratio`);
for (const t of tools) {
  const m = best.get(t.name);
  if (!m) {
    console.log(`${t.name.padEnd(34)} failed`);
    continue;
  }
  const row = { tool: t.name, files: m.made, wall: m.wall, filesPerSec: m.made / m.wall, mbPerSec: inBytes / 1e6 / m.wall, outMB: m.outBytes / 1e6, cpu: m.cpu, peakMiB: m.peak / 2 ** 20, others: m.others };
  rows.push(row);
  console.log(
    `${t.name.padEnd(34)} ${m.wall.toFixed(2).padStart(7)} ${row.filesPerSec.toFixed(2).padStart(8)} ${row.mbPerSec.toFixed(2).padStart(8)} ${row.outMB.toFixed(1).padStart(7)} ${m.cpu.toFixed(1).padStart(6)} ${(row.peakMiB.toFixed(0) + " MiB").padStart(9)} ${m.others.toFixed(2).padStart(7)}  ${ref && t !== tools[0] ? (m.wall / ref.wall).toFixed(2) + "x" : ""}`,
  );
}
console.log("(peak RSS: j2kit = its one process with both workers; vips/convert = largest single process, two ran at once)");
