#!/usr/bin/env node
/**
 * HT decode CPU time against OpenJPH-WASM (and j2kit's own Part-1 decode of the same image), one
 * process, calls alternating, median of `--runs` (default 9) per-call CPU times (process.cpuUsage,
 * less sensitive than wall time to other processes on a shared machine). Also decode() through the
 * whole-image path and through strips separately, with the peak RSS growth of one call of each.
 *
 *   npm run build && node --no-liftoff bench/ht_cpu.mjs [--images saw,dx] [--runs 9]
 *
 * Streams: `ojph_compress` lossless, 64x64 blocks, LRCP (as `bench/run.mjs --only ht`); Part 1:
 * j2kit's own lossless encode with the same levels.
 */
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
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
const j2kit = await import(join(repoRoot, "dist/index.js"));
const { setStripDecodeThreshold } = await import(join(repoRoot, "dist/strip/assemble.js"));
const { readPnm } = await import(join(repoRoot, "dist/io/pnm.js"));
if (typeof j2kit.init === "function") await j2kit.init();
const ojph = await loadOpenJphWasm();

const CORPUS = [
  ["ct", 5, "ct_693_512x512_14bit.pgm"],
  ["dx", 6, "dx_chest_966_2000x2128_12bit.pgm"],
  ["kodim03", 5, "kodim03.ppm"],
  ["kodim04", 5, "kodim04.ppm"],
  ["kodim07", 5, "kodim07.ppm"],
  ["kodim08", 5, "kodim08.ppm"],
  ["saw", 6, "saw_2725x2225.ppm"],
].filter(([n]) => !filter || filter.includes(n));

const cpu = (fn) => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

const dir = mkdtempSync(join(tmpdir(), "j2kit-ht-cpu-"));
console.log(`node ${process.version}, runs ${runs}, HT peer ${ojph.version}`);
console.log("| image | ours ms | ours whole ms | ours strips ms | OpenJPH ms | ours/OpenJPH speed | Part-1 ms | HT÷Part-1 speed | exact |");
console.log("|---|---|---|---|---|---|---|---|---|");
try {
  for (const [name, levels, file] of CORPUS) {
    const src = join(corpusDir, file);
    const img = readPnm(new Uint8Array(readFileSync(src)));
    const out = join(dir, `${name}.j2c`);
    const args = ["-i", src, "-o", out, "-num_decomps", String(levels), "-block_size", "{64,64}", "-prog_order", "LRCP", "-reversible", "true"];
    if (img.components === 1) args.push("-colour_trans", "false");
    const r = spawnSync("ojph_compress", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ojph_compress: ${r.stderr}`);
    const ht = new Uint8Array(readFileSync(out));
    const p1 = j2kit.encode(img, { levels, codeBlock: [64, 64], progression: "LRCP" });
    const whole = () => {
      const old = setStripDecodeThreshold(Infinity);
      try { return j2kit.decode(ht); } finally { setStripDecodeThreshold(old); }
    };
    const strips = () => {
      const old = setStripDecodeThreshold(0);
      try { return j2kit.decode(ht); } finally { setStripDecodeThreshold(old); }
    };
    const exact = same(j2kit.decode(ht).data, img.data) && same(whole().data, img.data) && same(strips().data, img.data);
    const fns = { ours: () => j2kit.decode(ht), whole, strips, peer: () => ojph.decode(ht), p1: () => j2kit.decode(p1) };
    const t = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
    for (const f of Object.values(fns)) f();
    for (let i = 0; i < runs; i++) for (const [k, f] of Object.entries(fns)) t[k].push(cpu(f));
    const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
    console.log(`| ${name} | ${m.ours.toFixed(1)} | ${m.whole.toFixed(1)} | ${m.strips.toFixed(1)} | ${m.peer.toFixed(1)} | ${(m.peer / m.ours).toFixed(2)} | ${m.p1.toFixed(1)} | ${(m.p1 / m.ours).toFixed(2)} | ${exact ? "yes" : "NO"} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
