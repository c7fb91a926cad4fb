#!/usr/bin/env node
/**
 * HT encode CPU time, one process, calls alternating, median of `--runs` per-call CPU times
 * (process.cpuUsage: less sensitive than wall time to other processes on a shared machine):
 *   lossless  j2kit `ht: true` (5/3 + RCT) against OpenJPH-WASM's lossless encode;
 *   ratio     j2kit `ht: true, ratios: [R]` against j2kit at a fixed step (`qstep`) that gives about
 *             the same size (found by bisection on j2kit's own fixed-step encode).
 * 64×64 blocks, LRCP, 5 levels for Kodak and CT, 6 for saw and DX (as bench/run.mjs --only ht).
 * With --stages, the core is the stages build (npm run build:stages) and the j2kit columns are split
 * into shares of HT block coding, DWT, MCT + pack and the rest (wall time of the stage hooks over
 * the call's wall time, medians).
 *
 *   npm run build && node --no-liftoff bench/ht_enc_cpu.mjs [--images ct,dx,saw] [--runs 9]
 *        [--mode lossless|ratio|both] [--ratio 20] [--stages] [--against DIR]
 */
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadOpenJphWasm } from "./peers/openjph_wasm.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const corpusDir = resolve(repoRoot, "../shared/benchcorpus");
const argv = process.argv.slice(2);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(value("--runs") ?? 9);
const filter = value("--images")?.split(",");
const mode = value("--mode") ?? "both";
const ratio = Number(value("--ratio") ?? 20);
const stages = argv.includes("--stages");
/** --against DIR: another build (DIR/dist, DIR/wasm) measured alongside (its speed ÷ this one's). */
const against = value("--against");
const j2kit = await import(join(repoRoot, "dist/index.js"));
const load = await import(join(repoRoot, "dist/wasm/load.js"));
const { readPnm } = await import(join(repoRoot, "dist/io/pnm.js"));
const NAMES = ["T1", "DWT", "MCT+pack", "HT"];
const acc = [0, 0, 0, 0], depth = [0, 0, 0, 0], start = [0, 0, 0, 0];
if (stages) {
  const f = join(repoRoot, "wasm/j2kit.stages.wasm");
  if (!existsSync(f)) throw new Error("run `npm run build:stages` first");
  await j2kit.init(readFileSync(f));
  load.setStageHook((s, enter) => {
    if (enter) {
      if (depth[s]++ === 0) start[s] = performance.now();
    } else if (depth[s] > 0 && --depth[s] === 0) acc[s] += performance.now() - start[s];
  });
} else if (typeof j2kit.init === "function") await j2kit.init();
const ojph = await loadOpenJphWasm();
const other = against ? await import(join(resolve(against), "dist/index.js")) : null;
if (other) await other.init();

function readSigned16Raw(path, width, height) {
  const b = readFileSync(path);
  const data = new Int16Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = b.readInt16LE(2 * i);
  return { width, height, components: 1, bitDepth: 16, signed: true, data };
}
const CORPUS = [
  ["kodim03", 5, () => readPnm(new Uint8Array(readFileSync(join(corpusDir, "kodim03.ppm"))))],
  ["kodim04", 5, () => readPnm(new Uint8Array(readFileSync(join(corpusDir, "kodim04.ppm"))))],
  ["kodim07", 5, () => readPnm(new Uint8Array(readFileSync(join(corpusDir, "kodim07.ppm"))))],
  ["kodim08", 5, () => readPnm(new Uint8Array(readFileSync(join(corpusDir, "kodim08.ppm"))))],
  ["ct", 5, () => readPnm(new Uint8Array(readFileSync(join(corpusDir, "ct_693_512x512_14bit.pgm"))))],
  ["ct_s16", 5, () => readSigned16Raw(join(corpusDir, "ct_693_512x512_s16le.raw"), 512, 512)],
  ["dx", 6, () => readPnm(new Uint8Array(readFileSync(join(corpusDir, "dx_chest_966_2000x2128_12bit.pgm"))))],
  ["saw", 6, () => readPnm(new Uint8Array(readFileSync(join(corpusDir, "saw_2725x2225.ppm"))))],
].filter(([n]) => !filter || filter.includes(n));

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const cpu = (fn) => {
  acc.fill(0);
  depth.fill(0);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  fn();
  const wall = performance.now() - w0;
  const c = process.cpuUsage(c0);
  // stage times are wall time: kept as shares of the call's wall time
  return { ms: (c.user + c.system) / 1000, st: acc.map((v) => (100 * v) / wall) };
};

/** Median CPU ms of a and b (alternating), and a's median stage split. */
function ab(a, b) {
  a();
  b();
  const ta = [], tb = [], st = NAMES.map(() => []);
  for (let r = 0; r < runs; r++) {
    const x = cpu(a);
    ta.push(x.ms);
    x.st.forEach((v, i) => st[i].push(v));
    tb.push(cpu(b).ms);
  }
  return { a: median(ta), b: median(tb), st: st.map(median) };
}
const split = (m) => (stages ? ` | ${m.st[3].toFixed(0)} | ${m.st[1].toFixed(0)} | ${m.st[2].toFixed(0)} | ${(100 - m.st[1] - m.st[2] - m.st[3]).toFixed(0)}` : "");
const splitHead = stages ? " | HT % | DWT % | MCT+pack % | rest %" : "";

console.log(`node ${process.version}, runs ${runs}, ${ojph.version}${stages ? ", stages build" : ""}; CPU ms medians, shared machine`);
if (mode !== "ratio") {
  console.log(`\n| image | j2kit HT lossless ms | OpenJPH-WASM ms | speed (OpenJPH/j2kit)${splitHead} |`);
  console.log(`|---|---|---|---${splitHead.replace(/[^|]+/g, "---")}|`);
  for (const [name, levels, read] of CORPUS) {
    const img = read();
    const o = { levels, codeBlock: [64, 64], progression: "LRCP", ht: true };
    if (other) {
      const a = j2kit.encode(img, o), b = other.encode(img, o);
      const same = a.length === b.length && a.every((v, i) => v === b[i]);
      const m = ab(() => j2kit.encode(img, o), () => other.encode(img, o));
      console.log(`| ${name} | ${m.a.toFixed(1)} | against ${m.b.toFixed(1)} | ${(m.b / m.a).toFixed(3)} | ${same ? "same bytes" : "DIFFERENT BYTES"} |`);
      continue;
    }
    const m = ab(() => j2kit.encode(img, o), () => ojph.encode(img, { levels }));
    console.log(`| ${name} | ${m.a.toFixed(1)} | ${m.b.toFixed(1)} | ${(m.b / m.a).toFixed(3)}${split(m)} |`);
  }
}
if (mode !== "lossless") {
  console.log(`\n| image | j2kit ratio ${ratio} ms | fixed step ms | ratio/fixed${splitHead} | sizes rate/fixed/budget |`);
  console.log(`|---|---|---|---${splitHead.replace(/[^|]+/g, "---")}|---|`);
  for (const [name, levels, read] of CORPUS) {
    const img = read();
    const base = { levels, codeBlock: [64, 64], progression: "LRCP", ht: true };
    const rated = { ...base, ratios: [ratio] };
    const rcs = j2kit.encode(img, rated);
    if (other) {
      const b = other.encode(img, rated);
      const same = rcs.length === b.length && rcs.every((v, i) => v === b[i]);
      const m = ab(() => j2kit.encode(img, rated), () => other.encode(img, rated));
      console.log(`| ${name} | ${m.a.toFixed(1)} | against ${m.b.toFixed(1)} | ${(m.b / m.a).toFixed(3)} | ${same ? "same bytes" : "DIFFERENT BYTES"} |`);
      continue;
    }
    let lo = Math.log(1e-6), hi = 0, q = 1;
    for (let it = 0; it < 30; it++) {
      const mid = (lo + hi) / 2;
      const n = j2kit.encode(img, { ...base, qstep: Math.exp(mid) }).length;
      if (n <= rcs.length) { hi = mid; q = Math.exp(mid); if (n >= 0.995 * rcs.length) break; } else lo = mid;
    }
    const fixed = { ...base, qstep: q };
    const fl = j2kit.encode(img, fixed).length;
    const m = ab(() => j2kit.encode(img, rated), () => j2kit.encode(img, fixed));
    const budget = (img.width * img.height * img.components * img.bitDepth) / 8 / ratio;
    console.log(`| ${name} | ${m.a.toFixed(1)} | ${m.b.toFixed(1)} | ${(m.a / m.b).toFixed(2)}${split(m)} | ${rcs.length}/${fl}/${Math.floor(budget)} |`);
  }
}
