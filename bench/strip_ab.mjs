#!/usr/bin/env node
/**
 * A/B of two j2kit builds on decoding through strips (src/strip/strip_decoder.ts), without the
 * page-fault noise of decode(): each call decodes into one reused, pre-faulted output array
 * (StripDecoder.fillInto, as decode() does into a fresh array). A fresh 18 MB result array is
 * faulted in by the copy-out, and whether glibc hands back mapped memory depends on when the
 * collector freed the last one: 0 or ~4,400 page faults per saw decode, ±5 % of the call, which
 * hides 1-3 % effects in bench/ht_ab.mjs. On a loaded machine an A/A control still reads 0.99-1.013
 * here: repeat runs before trusting a 1 % effect. Each build is a directory holding a copy of the built
 * library (`cp -r dist wasm package.json /tmp/A/`). Calls alternate in one process (the order
 * flips every round); CPU time per call (process.cpuUsage), median of the per-round ratios A/B
 * (> 1: B is faster). The whole run is repeated in a second process with the builds loaded in the
 * other order (the first build loaded has measured up to 2 % faster), and the geometric mean of the
 * two ratios is the estimate.
 *
 *   node --no-liftoff bench/strip_ab.mjs DIR_A DIR_B FILE.j2c [FILE2.j2c ...] [--runs 31]
 *
 * Streams: any codestream (e.g. an ojph_compress HT stream of saw as in bench/ht_cpu.mjs, or
 * j2kit's own lossless encode). Timings stay out of tests.
 */
import { readFileSync } from "node:fs";
import { resolve, join, basename } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";

const argv = process.argv.slice(2);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(value("--runs") ?? 31);
const child = argv.includes("--child");
const positional = argv.filter((a, i) => !a.startsWith("--") && !(i > 0 && ["--runs"].includes(argv[i - 1])));
const [dirA, dirB, ...files] = positional;
if (!dirA || !dirB || files.length === 0) {
  console.error("usage: node --no-liftoff bench/strip_ab.mjs DIR_A DIR_B FILE.j2c [...] [--runs 31]");
  process.exit(2);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

if (child) {
  // one process: A and B alternating on every file; prints JSON lines
  const load = async (d) => {
    const lib = await import(pathToFileURL(join(resolve(d), "dist/index.js")).href);
    if (typeof lib.init === "function") await lib.init();
    return (await import(pathToFileURL(join(resolve(d), "dist/strip/strip_decoder.js")).href)).StripDecoder;
  };
  const libs = [await load(dirA), await load(dirB)];
  for (const file of files) {
    const bytes = new Uint8Array(readFileSync(file));
    const spare = [undefined, undefined];
    let target;
    const call = (k) => {
      const dec = libs[k].openSync(bytes, spare[k] ? { reuse: spare[k] } : {});
      const { width, height, components, bitDepth, signed } = dec.info;
      const n = width * height * components;
      if (!target || target.length < n * 4) {
        target = new Uint8Array(n * 4);
        target.fill(1); // faulted in once, before timing
      }
      const t = bitDepth <= 8 ? target.subarray(0, n) : signed ? new Int16Array(target.buffer, 0, n) : new Uint16Array(target.buffer, 0, n);
      const c0 = process.cpuUsage();
      dec.fillInto(t);
      const c = process.cpuUsage(c0);
      spare[k] = dec;
      return (c.user + c.system) / 1000;
    };
    for (let i = 0; i < 3; i++) call(0), call(1);
    const ta = [], tb = [], r = [];
    for (let i = 0; i < runs; i++) {
      let a, b;
      if (i & 1) {
        b = call(1);
        a = call(0);
      } else {
        a = call(0);
        b = call(1);
      }
      ta.push(a);
      tb.push(b);
      r.push(a / b);
    }
    console.log(JSON.stringify({ file, a: median(ta), b: median(tb), ratio: median(r) }));
  }
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const once = (x, y) => {
  const out = spawnSync(process.execPath, [...process.execArgv, self, x, y, ...files, "--runs", String(runs), "--child"], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`strip_ab child failed: ${out.stderr}`);
  return out.stdout.trim().split("\n").map((l) => JSON.parse(l));
};
const ab = once(dirA, dirB);
const ba = once(dirB, dirA);
console.log(`node ${process.version}, runs ${runs}, A ${dirA}, B ${dirB}; CPU ms of StripDecoder.fillInto (median)`);
console.log("| stream | A ms | B ms | A/B (A loaded first) | A/B (B loaded first) | A/B estimate |");
console.log("|---|---|---|---|---|---|");
for (let i = 0; i < files.length; i++) {
  const r1 = ab[i].ratio, r2 = 1 / ba[i].ratio;
  console.log(`| ${basename(files[i])} | ${ab[i].a.toFixed(1)} | ${ab[i].b.toFixed(1)} | ${r1.toFixed(3)} | ${r2.toFixed(3)} | ${Math.sqrt(r1 * r2).toFixed(3)} |`);
}
