#!/usr/bin/env node
/**
 * A/B of two j2kit builds on HT lossless decode: each build is a directory holding a copy of the
 * built library (`dist/`, `wasm/` and `package.json`, e.g. `cp -r dist wasm package.json /tmp/A/`),
 * imported as separate module instances. Streams are made as in bench/ht_cpu.mjs (`ojph_compress`
 * lossless, 64x64 blocks, LRCP). Calls alternate A, B (and OpenJPH-WASM with --peer) in one process;
 * CPU time per call (process.cpuUsage); prints the medians, the median of the per-round ratios A/B
 * (> 1: B is faster) and whether both builds decode to the same samples as the source image.
 *
 *   node --no-liftoff bench/ht_ab.mjs /tmp/A /tmp/B [--images saw,kodim03] [--runs 11] [--peer]
 *   J2KIT_WASM=scalar node ...   (the scalar builds)
 */
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const corpusDir = resolve(repoRoot, "../shared/benchcorpus");
const argv = process.argv.slice(2);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const [dirA, dirB] = argv;
if (!dirA || !dirB || dirA.startsWith("--")) {
  console.error("usage: node --no-liftoff bench/ht_ab.mjs DIR_A DIR_B [--images a,b] [--runs n] [--peer]");
  process.exit(2);
}
const runs = Number(value("--runs") ?? 11);
const filter = value("--images")?.split(",");
const load = async (d) => {
  const lib = await import(pathToFileURL(join(resolve(d), "dist/index.js")).href);
  if (typeof lib.init === "function") await lib.init();
  return lib;
};
const A = await load(dirA);
const B = await load(dirB);
const { readPnm } = await import(join(repoRoot, "dist/io/pnm.js"));
let ojph = null;
if (argv.includes("--peer")) ojph = await (await import("./peers/openjph_wasm.mjs")).loadOpenJphWasm();

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

const dir = mkdtempSync(join(tmpdir(), "j2kit-ht-ab-"));
console.log(`node ${process.version}, runs ${runs}, A ${dirA}, B ${dirB}, wasm ${process.env.J2KIT_WASM ?? "default"}`);
console.log(`| image | A ms | B ms | A/B (median of rounds) |${ojph ? " OpenJPH ms | OpenJPH/B |" : ""} exact |`);
console.log(`|---|---|---|---|${ojph ? "---|---|" : ""}---|`);
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
    const exact = same(A.decode(ht).data, img.data) && same(B.decode(ht).data, img.data);
    const ta = [], tb = [], tp = [], ratios = [];
    if (ojph) ojph.decode(ht);
    for (let i = 0; i < runs; i++) {
      // alternate which build goes first
      let a, b;
      if (i & 1) { b = cpu(() => B.decode(ht)); a = cpu(() => A.decode(ht)); }
      else { a = cpu(() => A.decode(ht)); b = cpu(() => B.decode(ht)); }
      ta.push(a); tb.push(b); ratios.push(a / b);
      if (ojph) tp.push(cpu(() => ojph.decode(ht)));
    }
    const mb = median(tb);
    console.log(`| ${name} | ${median(ta).toFixed(1)} | ${mb.toFixed(1)} | ${median(ratios).toFixed(3)} |${ojph ? ` ${median(tp).toFixed(1)} | ${(median(tp) / mb).toFixed(2)} |` : ""} ${exact ? "yes" : "NO"} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
