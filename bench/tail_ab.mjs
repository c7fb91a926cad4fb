#!/usr/bin/env node
/**
 * A/B of the serial tail of a lossy encode (rate control + the final write: what the calling thread
 * does alone at the end of a two-thread encode, issue 14) between two stages-timer cores: each build
 * gets its own copy of dist/ (in .scratch/tail_ab/), the outputs are checked to be identical, then
 * the encodes alternate (A B, B A, ...) and the CPU time (process.cpuUsage) inside the rate stage
 * (codec/util/stages.ts STAGE_RATE) plus the write stage (STAGE_WRITE) is compared, as the median of
 * the pairs' ratios A/B (> 1: B is faster); the whole encode's CPU too.
 *
 *   (old tree) npx asc codec/index.ts --target stages -o /tmp/a.stages.wasm
 *   npm run build && npm run build:stages && node --no-liftoff bench/tail_ab.mjs /tmp/a.stages.wasm \
 *        wasm/j2kit.stages.wasm [--images saw,dx,kodim03] [--cases e20,e3] [--reps 9]
 * Cases: e20 / e3 9/7 encode at ratio 20 / 40,20,10 (64x64 blocks, LRCP, as bench/lib_ab.mjs), or
 * any ratio list such as 80/40/20/10. Timer calls cost a little: compare stages builds only.
 */
import { join } from "node:path";
import { repoRoot, argValue, benchImage, privateLibrary } from "./ab_common.mjs";

const args = process.argv.slice(2);
const val = (n, d) => argValue(args, n, d);
const [wa, wb] = args;
if (!wa || !wb || wa.startsWith("--") || wb.startsWith("--")) {
  console.error("usage: node --no-liftoff bench/tail_ab.mjs A.stages.wasm B.stages.wasm [--images saw,dx,kodim03] [--cases e20,e3] [--reps 9]");
  process.exit(2);
}
// codec/util/stages.ts
const STAGE_RATE = 4;
const STAGE_WRITE = 6;
const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** A private copy of the built library using the stages core `wasm`, with its rate and write CPU ms per call. */
async function library(name, wasm) {
  const { lib, dir } = await privateLibrary("tail_ab", name, wasm);
  const load = await import(join(dir, "dist/wasm/load.js"));
  const acc = { [STAGE_RATE]: 0, [STAGE_WRITE]: 0 };
  const depth = { [STAGE_RATE]: 0, [STAGE_WRITE]: 0 };
  const start = { [STAGE_RATE]: 0, [STAGE_WRITE]: 0 };
  load.setStageHook((s, enter) => {
    if (!(s in acc)) return;
    if (enter) {
      if (depth[s]++ === 0) start[s] = cpuNow();
    } else if (depth[s] > 0 && --depth[s] === 0) acc[s] += cpuNow() - start[s];
  });
  /** Encode; the output, the whole call's CPU ms, and rate / write CPU ms. */
  const run = (img, opts) => {
    acc[STAGE_RATE] = acc[STAGE_WRITE] = 0;
    depth[STAGE_RATE] = depth[STAGE_WRITE] = 0;
    const c0 = cpuNow();
    const out = lib.encode(img, opts);
    return { out, total: cpuNow() - c0, rate: acc[STAGE_RATE], write: acc[STAGE_WRITE] };
  };
  return { run };
}

const A = await library("a", wa);
const B = await library("b", wb);
const { readPnm } = await import(join(repoRoot, "dist/io/pnm.js"));
const images = val("--images", "saw,dx,kodim03").split(",");
const cases = val("--cases", "e20,e3").split(",");
const reps = Number(val("--reps", 9));
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
console.log(`A ${wa}  B ${wb}  (CPU ms, median of ${reps}; A/B = median of alternating pairs' ratios; tail = rate + write)`);
for (const name of images) {
  const { img, levels } = benchImage(name, readPnm);
  for (const cs of cases) {
    const ratios = cs === "e20" ? [20] : cs === "e3" ? [40, 20, 10] : cs.split("/").map(Number);
    const opts = { levels, codeBlock: [64, 64], progression: "LRCP", ratios };
    const a0 = A.run(img, opts), b0 = B.run(img, opts);
    if (!same(a0.out, b0.out)) {
      console.log(`${name.padEnd(8)} ${cs.padEnd(6)} OUTPUTS DIFFER`);
      continue;
    }
    const ra = [], rb = [], tail = [], whole = [];
    for (let k = 0; k < reps; k++) {
      let a, b;
      if (k & 1) {
        b = B.run(img, opts);
        a = A.run(img, opts);
      } else {
        a = A.run(img, opts);
        b = B.run(img, opts);
      }
      ra.push(a);
      rb.push(b);
      tail.push((a.rate + a.write) / (b.rate + b.write));
      whole.push(a.total / b.total);
    }
    const m = (rs, f) => med(rs.map(f)).toFixed(2);
    console.log(
      `${name.padEnd(8)} ${cs.padEnd(6)} tail A ${m(ra, (r) => r.rate + r.write)} (rate ${m(ra, (r) => r.rate)}, write ${m(ra, (r) => r.write)})` +
        `  B ${m(rb, (r) => r.rate + r.write)} (rate ${m(rb, (r) => r.rate)}, write ${m(rb, (r) => r.write)})  A/B ${med(tail).toFixed(3)}` +
        `  | whole A ${m(ra, (r) => r.total)} B ${m(rb, (r) => r.total)} A/B ${med(whole).toFixed(3)}`,
    );
  }
}
