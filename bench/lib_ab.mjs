#!/usr/bin/env node
/**
 * A/B of two core builds on whole-image work through the library (bench/t1_ab.mjs does the same
 * for the tier-1 block coder alone): each build gets its own copy of dist/ (in .scratch/lib_ab/,
 * so each has its own instance and memory), the output of both is checked to be identical, then
 * the calls alternate (A B, B A, ...) and CPU time (process.cpuUsage: steadier than wall time on a
 * shared machine) is compared as the median of the pairs' ratios A/B (> 1: B is faster).
 *
 *   npx asc codec/index.ts --target simd -o /tmp/a.wasm      (the "before" core, from the old tree)
 *   npm run build && node --no-liftoff bench/lib_ab.mjs /tmp/a.wasm wasm/j2kit.simd.wasm
 *        [--images kodim03,kodim07,ct,saw,dx] [--cases ld,ld3,dec,enc,e20,e3] [--reps 9]
 * Cases: ld / ld3 decode of OpenJPEG-WASM 9/7 streams at ratio 20 / 40,20,10 (as bench/run.mjs's
 * lossydecode); dec / enc lossless decode / encode; e20 / e3 9/7 encode at ratio 20 / 40,20,10.
 */
import { join } from "node:path";
import { loadOpenJpegWasm } from "./peers/openjpeg_wasm.mjs";
import { repoRoot, argValue, benchImage, privateLibrary } from "./ab_common.mjs";

const args = process.argv.slice(2);
const val = (n, d) => argValue(args, n, d);
const [wa, wb] = args;
if (!wa || !wb || wa.startsWith("--") || wb.startsWith("--")) {
  console.error("usage: node --no-liftoff bench/lib_ab.mjs A.wasm B.wasm [--images kodim03,ct] [--cases ld,ld3,dec,enc,e20,e3] [--reps 9]");
  process.exit(2);
}
/** A private copy of the built library using the core `wasm`. */
const library = async (name, wasm) => (await privateLibrary("lib_ab", name, wasm)).lib;
const A = await library("a", wa);
const B = await library("b", wb);
const { readPnm } = await import(join(repoRoot, "dist/io/pnm.js"));
const opj = await loadOpenJpegWasm();
const images = val("--images", "kodim03,kodim07,ct").split(",");
const cases = val("--cases", "ld,ld3,dec").split(",");
const reps = Number(val("--reps", 9));
const cpu = (fn) => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
console.log(`A ${wa}  B ${wb}  (CPU ms, median of ${reps}; A/B = median of alternating pairs' ratios)`);
for (const name of images) {
  const { img, levels } = benchImage(name, readPnm);
  for (const cs of cases) {
    let fa, fb;
    if (cs === "ld" || cs === "ld3") {
      const bytes = opj.encode(img, { levels, progression: "LRCP", ratios: cs === "ld" ? [20] : [40, 20, 10] });
      fa = () => A.decode(bytes).data;
      fb = () => B.decode(bytes).data;
    } else if (cs === "dec") {
      const bytes = A.encode(img, { levels });
      fa = () => A.decode(bytes).data;
      fb = () => B.decode(bytes).data;
    } else if (cs === "enc") {
      fa = () => A.encode(img, { levels });
      fb = () => B.encode(img, { levels });
    } else if (cs === "e20" || cs === "e3") {
      const o = { levels, codeBlock: [64, 64], progression: "LRCP", ratios: cs === "e20" ? [20] : [40, 20, 10] };
      fa = () => A.encode(img, o);
      fb = () => B.encode(img, o);
    } else throw new Error(`unknown case ${cs}`);
    if (!same(fa(), fb())) {
      console.log(`${name} ${cs}: OUTPUTS DIFFER`);
      process.exitCode = 1;
      continue;
    }
    const ta = [], tb = [];
    for (let k = 0; k < reps; k++) {
      if (k & 1) {
        tb.push(cpu(fb));
        ta.push(cpu(fa));
      } else {
        ta.push(cpu(fa));
        tb.push(cpu(fb));
      }
    }
    const r = ta.map((x, i) => x / tb[i]);
    console.log(`${name.padEnd(8)} ${cs.padEnd(4)} A ${med(ta).toFixed(1)} ms  B ${med(tb).toFixed(1)} ms  A/B ${med(r).toFixed(3)}`);
  }
}
