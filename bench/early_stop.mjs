#!/usr/bin/env node
/**
 * Early-stopped block coding of rate-controlled 9/7 encodes (codec/rate/caps.ts): per image and
 * ratio set, the blocks whose early stop stood, the blocks coded again in full, the share of bytes
 * the pilots predicted stops would skip (below codec/encoder.ts STOP_WORTH none stop), the stop slope
 * and the last layer's final threshold,
 * and the CPU time of the encode (median; process.cpuUsage) with early stops on and off, so the
 * share of T1 work they save can be read on a shared machine. Outputs with and without are checked
 * to be identical.
 *
 *   npm run build && node --no-liftoff bench/early_stop.mjs [--images kodim03,kodim07,ct,dx] [--reps 5]
 */
import { join } from "node:path";
import { repoRoot, argValue, benchImage } from "./ab_common.mjs";

const args = process.argv.slice(2);
const val = (n, d) => argValue(args, n, d);
const lib = await import(join(repoRoot, "dist/index.js"));
const load = await import(join(repoRoot, "dist/wasm/load.js"));
const { readPnm } = await import(join(repoRoot, "dist/io/pnm.js"));
await lib.init();
const reps = Number(val("--reps", 5));
const cpu = (fn) => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const setStop = (on) => load.callCore((c) => c.encoderSetEarlyStop(on));
console.log("| image | ratios | stopped | coded again | predicted share | stop slope | final threshold | rate control runs | CPU ms, stops on | CPU ms, off | off/on |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const name of val("--images", "kodim03,kodim04,kodim07,kodim08,ct,saw,dx").split(",")) {
  const { img, levels } = benchImage(name, readPnm);
  for (const ratios of [[20], [40, 20, 10]]) {
    const o = { levels, codeBlock: [64, 64], progression: "LRCP", ratios };
    setStop(0);
    const full = lib.encode(img, o);
    setStop(1);
    const on = lib.encode(img, o);
    const [stopped, again, slope, final, runs, share] = load.callCore((c) => [0, 1, 2, 4, 5, 6].map((k) => c.encoderEarlyStops(k)));
    if (!same(full, on)) {
      console.log(`| ${name} | ${ratios.join("/")} | OUTPUTS DIFFER |`);
      process.exitCode = 1;
      continue;
    }
    const tOn = [], tOff = [], r = [];
    for (let k = 0; k < reps; k++) {
      setStop(1);
      const a = cpu(() => lib.encode(img, o));
      setStop(0);
      const b = cpu(() => lib.encode(img, o));
      tOn.push(a);
      tOff.push(b);
      r.push(b / a);
    }
    setStop(1);
    console.log(`| ${name} | ${ratios.join("/")} | ${stopped} | ${again} | ${share.toFixed(3)} | ${slope.toPrecision(4)} | ${final.toPrecision(4)} | ${runs} | ${med(tOn).toFixed(1)} | ${med(tOff).toFixed(1)} | ${med(r).toFixed(3)} |`);
  }
}
