#!/usr/bin/env node
/**
 * Where j2kit's time goes: per-stage times of encode and decode from a core built with stage timers
 * (`npm run build:stages` → wasm/j2kit.stages.wasm, the SIMD build plus timer calls; the release
 * builds compile them out). Stages: T1 (EBCOT block coding), DWT, MCT + DC shift + clamp + pack,
 * HT block encoding, rate control (layers formed, T2 trial runs), the encoder's 9/7 quantisation
 * of code-blocks with their energy, the encoder's final write (T2 packets, tile-parts), and the rest
 * (copies, JS). Also the whole call's time against
 * OpenJPEG-WASM in the same process (alternating calls), so the per-stage split can be read as a
 * share of the ratio.
 *
 *   npm run build && npm run build:stages && node --no-liftoff bench/stages.mjs [--images saw,dx] [--runs 5]
 *   (also: npm run bench -- --stages)
 */
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadOpenJpegWasm } from "./peers/openjpeg_wasm.mjs";
const { readPnm: parsePnm } = await import(new URL("../dist/io/pnm.js", import.meta.url).href);

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const corpusDir = resolve(repoRoot, "../shared/benchcorpus");
const argv = process.argv.slice(2);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(value("--runs") ?? 5);
const imageFilter = value("--images")?.split(",");

const stagesWasm = join(repoRoot, "wasm/j2kit.stages.wasm");
if (!existsSync(stagesWasm)) {
  console.error("bench/stages: wasm/j2kit.stages.wasm not found: run `npm run build:stages` first");
  process.exit(1);
}
const j2kit = await import(join(repoRoot, "dist/index.js"));
const load = await import(join(repoRoot, "dist/wasm/load.js"));
await j2kit.init(readFileSync(stagesWasm));
const opj = await loadOpenJpegWasm();

// (codec/util/stages.ts STAGE_*: HT enc is HT block encoding, rate the rate control runs)
const NAMES = ["T1", "DWT", "MCT+pack", "HT enc", "rate", "quant", "write"];
const depth = NAMES.map(() => 0);
const start = NAMES.map(() => 0);
const acc = NAMES.map(() => 0);
load.setStageHook((s, enter) => {
  if (enter) {
    if (depth[s]++ === 0) start[s] = performance.now();
  } else if (depth[s] > 0 && --depth[s] === 0) acc[s] += performance.now() - start[s];
});

/** A PGM/PPM file of the corpus, read by the library's own reader (src/io/pnm.ts). */
function readPnm(path) {
  return parsePnm(new Uint8Array(readFileSync(path)));
}

const CORPUS = [
  ["kodim03", "kodim03.ppm", 5],
  ["saw", "saw_2725x2225.ppm", 6],
  ["ct", "ct_693_512x512_14bit.pgm", 5],
  ["dx", "dx_chest_966_2000x2128_12bit.pgm", 6],
].filter(([n]) => !imageFilter || imageFilter.includes(n));

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Median total ms and median per-stage ms of `fn`, alternating with the peer's `peerFn`. */
function measure(fn, peerFn) {
  fn();
  peerFn();
  const totals = [], peer = [], per = NAMES.map(() => []);
  for (let r = 0; r < runs; r++) {
    depth.fill(0);
    acc.fill(0);
    const t0 = performance.now();
    fn();
    totals.push(performance.now() - t0);
    acc.forEach((a, i) => per[i].push(a));
    const t1 = performance.now();
    peerFn();
    peer.push(performance.now() - t1);
  }
  return { total: median(totals), peer: median(peer), stages: per.map(median) };
}

console.log(`# j2kit time per stage (stages build, SIMD) — ${new Date().toISOString()}, Node ${process.version}, ${runs} runs, medians\n`);
console.log("| image | operation | j2kit ms | OpenJPEG-WASM ms | peer/j2kit | " + NAMES.map((n) => `${n} ms (%)`).join(" | ") + " | rest ms (%) |");
console.log("| --- | --- | --- | --- | --- | " + NAMES.map(() => "---").join(" | ") + " | --- |");
for (const [name, file, levels] of CORPUS) {
  const img = readPnm(join(corpusDir, file));
  const lossless = { levels, progression: "LRCP" };
  const lossy = { levels, progression: "LRCP", ratios: [20] };
  const peerLL = opj.encode(img, lossless);
  const peerLY = opj.encode(img, lossy);
  const ops = [
    ["lossless encode", () => j2kit.encode(img, lossless), () => opj.encode(img, lossless)],
    ["lossless decode", () => j2kit.decode(peerLL), () => opj.decode(peerLL)],
    ["lossy encode 20", () => j2kit.encode(img, lossy), () => opj.encode(img, lossy)],
    ["lossy decode 20", () => j2kit.decode(peerLY), () => opj.decode(peerLY)],
  ];
  for (const [op, fn, peerFn] of ops) {
    const m = measure(fn, peerFn);
    const rest = m.total - m.stages.reduce((a, b) => a + b, 0);
    const pct = (x) => `${x.toFixed(1)} (${((100 * x) / m.total).toFixed(0)} %)`;
    console.log(`| ${name} | ${op} | ${m.total.toFixed(1)} | ${m.peer.toFixed(1)} | ${(m.peer / m.total).toFixed(2)} | ${m.stages.map(pct).join(" | ")} | ${pct(rest)} |`);
  }
}
