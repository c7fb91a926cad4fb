#!/usr/bin/env node
/**
 * JPEG encoder benchmark (`npm run bench -- --only jpeg`, or `node bench/jpeg.mjs`): j2kit's
 * encodeJpeg (SIMD and scalar builds) against MozJPEG compiled to WebAssembly (@jsquash/jpeg,
 * baseline, sequential, Annex K tables; it still applies its trellis quantisation, hence smaller and
 * slower files — not a like-for-like speed peer, but the only JPEG encoder in WebAssembly) in the same process, and against libjpeg-turbo's `cjpeg`
 * as a separate process (its time includes process start and reading the PPM file). Images from
 * ../shared/benchcorpus; settings: quality 92 4:4:4 (the migration setting), quality 75 4:2:0, and
 * quality 92 4:4:4 with optimised Huffman tables. Contenders alternate call by call; the median of
 * the timed calls is reported, MP/s = megapixels / median seconds, ratio = j2kit / peer speed.
 * A last row streams a 40000-row image through the strip writer and reports peak WebAssembly memory.
 *
 * Options: --quick (kodim03 only, 3 runs)  --runs N (default 7)
 * Uses dist/ (npm run build first). The machine may be shared: compare ratios, not absolute times.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");
const corpus = resolve(repo, "../shared/benchcorpus");
const j2kit = await import(join(repo, "dist/index.js"));
const { useFlavor } = await import(join(repo, "dist/wasm/load.js"));

const quick = process.argv.includes("--quick");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : quick ? 3 : 7;

function readPpm(path) {
  const b = readFileSync(path);
  const head = b.toString("latin1", 0, 64).match(/^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/);
  const width = Number(head[1]);
  const height = Number(head[2]);
  const data = new Uint8Array(b.buffer, b.byteOffset + head[0].length, width * height * 3);
  return { width, height, components: 3, bitDepth: 8, signed: false, data };
}

async function loadMozjpeg() {
  try {
    const require = createRequire(import.meta.url);
    const base = require.resolve("@jsquash/jpeg/package.json").replace(/package\.json$/, "");
    if (!globalThis.ImageData) globalThis.ImageData = class { constructor(d, w, h) { this.data = d; this.width = w; this.height = h; } };
    const enc = await import(base + "encode.js");
    await enc.init(new WebAssembly.Module(readFileSync(base + "codec/enc/mozjpeg_enc.wasm")));
    return enc.default;
  } catch (e) {
    console.log(`(MozJPEG WASM unavailable: ${e.message})`);
    return null;
  }
}

const hasCjpeg = spawnSync("cjpeg", ["-version"]).status === 0;
const moz = await loadMozjpeg();
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

const images = (quick ? ["kodim03.ppm"] : ["kodim03.ppm", "kodim08.ppm", "saw_2725x2225.ppm"]).map((f) => ({ name: f.replace(/\.ppm$/, ""), path: join(corpus, f), img: readPpm(join(corpus, f)) }));
const settings = [
  { name: "q92 4:4:4", quality: 92, sub: "444", opt: false },
  { name: "q75 4:2:0", quality: 75, sub: "420", opt: false },
  { name: "q92 4:4:4 optimised", quality: 92, sub: "444", opt: true },
];

console.log(`JPEG encode, ${RUNS} timed runs per cell, median; Node ${process.version}; load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} (shared machine: read the ratios)\n`);
console.log("| image | setting | j2kit SIMD MP/s | j2kit scalar MP/s | MozJPEG-WASM MP/s | cjpeg process MP/s | j2kit/MozJPEG | j2kit/cjpeg | bytes j2kit | bytes MozJPEG | bytes cjpeg |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const { name, path, img } of images) {
  const mp = (img.width * img.height) / 1e6;
  const rgba = new Uint8ClampedArray(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    rgba[4 * i] = img.data[3 * i];
    rgba[4 * i + 1] = img.data[3 * i + 1];
    rgba[4 * i + 2] = img.data[3 * i + 2];
    rgba[4 * i + 3] = 255;
  }
  for (const s of settings) {
    const opts = { quality: s.quality, subsampling: s.sub, optimizeHuffman: s.opt };
    const mozOpts = { quality: s.quality, baseline: true, progressive: false, optimize_coding: s.opt, quant_table: 0, auto_subsample: false, chroma_subsample: s.sub === "444" ? 1 : 2, trellis_multipass: false, trellis_opt_zero: false, trellis_opt_table: false };
    const cjArgs = ["-quality", String(s.quality), "-sample", s.sub === "444" ? "1x1" : "2x2", "-baseline", ...(s.opt ? ["-optimize"] : []), path];
    const contenders = {
      simd: async () => { useFlavor("simd"); return j2kit.encodeJpeg(img, opts).length; },
      scalar: async () => { useFlavor("scalar"); return j2kit.encodeJpeg(img, opts).length; },
    };
    if (moz) contenders.moz = async () => (await moz({ data: rgba, width: img.width, height: img.height }, mozOpts)).byteLength;
    if (hasCjpeg) contenders.cjpeg = async () => spawnSync("cjpeg", cjArgs, { maxBuffer: 1 << 28 }).stdout.length;
    const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
    const bytes = {};
    for (const [k, f] of Object.entries(contenders)) bytes[k] = await f(); // warm-up
    for (let r = 0; r < RUNS; r++) {
      for (const [k, f] of Object.entries(contenders)) {
        const t0 = performance.now();
        await f();
        times[k].push(performance.now() - t0);
      }
    }
    useFlavor(null);
    const speed = (k) => (times[k] ? mp / (median(times[k]) / 1000) : NaN);
    const f1 = (v) => (Number.isFinite(v) ? v.toFixed(1) : "–");
    const f2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : "–");
    console.log(`| ${name} | ${s.name} | ${f1(speed("simd"))} | ${f1(speed("scalar"))} | ${f1(speed("moz"))} | ${f1(speed("cjpeg"))} | ${f2(speed("simd") / speed("moz"))} | ${f2(speed("simd") / speed("cjpeg"))} | ${bytes.simd} | ${bytes.moz ?? "–"} | ${bytes.cjpeg ?? "–"} |`);
  }
}

// Streaming memory: 40000 x 2000 RGB through 64-row strips.
{
  j2kit.releaseMemory();
  const width = 2000;
  const height = quick ? 8000 : 40000;
  const strip = new Uint8Array(width * 64 * 3);
  for (let i = 0; i < strip.length; i++) strip[i] = (i * 2654435761) >>> 24;
  let out = 0;
  let peak = 0;
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const w = j2kit.createJpegWriter({ width, height, components: 3, quality: 92 }, (c) => { out += c.length; });
  for (let y = 0; y < height; y += 64) {
    w.writeRows(strip.subarray(0, Math.min(64, height - y) * width * 3));
    peak = Math.max(peak, j2kit.memoryInUse());
  }
  w.finish();
  const ms = performance.now() - t0;
  console.log(`\nStrip writer: ${width}x${height} RGB (${(width * height * 3 / 2 ** 20).toFixed(0)} MiB of pixels) in 64-row strips, q92 4:4:4: ${(width * height / 1e6 / (ms / 1000)).toFixed(1)} MP/s, ${(out / 2 ** 20).toFixed(1)} MiB out, peak WebAssembly memory ${(peak / 2 ** 20).toFixed(2)} MiB, RSS growth ${((process.memoryUsage().rss - rss0) / 2 ** 20).toFixed(0)} MiB`);
}
