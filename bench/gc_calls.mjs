#!/usr/bin/env node
/**
 * Which two-thread decode calls meet a garbage collection: run.mjs's threads-section alternation
 * (decodeAsync({ threads: 1 }), decodeAsync({ threads: 2 }), OpenJPEG-WASM, call after call) on one
 * image's OpenJPEG-WASM ratio-20 stream, with a PerformanceObserver on V8's GC events. Prints the
 * medians, the two-thread calls sorted, and per round each call's wall time with the GCs that
 * overlapped it (k1 scavenge, k4 mark-compact, k8 incremental marking step; duration ms @ start ms
 * into the call). Compare a run under `node --single-threaded-gc` (V8's GC helpers then stay off the
 * second core) to see how much of the spread is GC (BENCHMARKS.md "2026-12-06 early morning").
 * Levels as run.mjs (6 for DX and saw).
 *
 * `--no-peer` leaves OpenJPEG-WASM out of the alternation (its ~8.5 MB copied-out results are garbage
 * in this isolate too: how much of the collections landing in the two-thread calls it brings).
 *
 *   npm run build && node --no-liftoff bench/gc_calls.mjs [--image dx|saw] [--rounds 30] [--no-peer]
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PerformanceObserver } from "node:perf_hooks";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const repoRoot = resolve(here, "..");
const corpusDir = resolve(here, "../../shared/benchcorpus");
const imageName = value("--image") ?? "dx";
const rounds = Number(value("--rounds") ?? 30);
const files = { dx: ["dx_chest_966_2000x2128_12bit.pgm", 6], saw: ["saw_2725x2225.ppm", 6] };
if (!files[imageName]) throw new Error(`--image: one of ${Object.keys(files).join(", ")}`);
const [file, levels] = files[imageName];

const j2kit = await import(join(repoRoot, "dist/index.js"));
const { readPnm } = await import(join(repoRoot, "dist/io/pnm.js"));
const { loadOpenJpegWasm } = await import(join(here, "peers/openjpeg_wasm.mjs"));
const opj = await loadOpenJpegWasm();
const img = readPnm(new Uint8Array(readFileSync(join(corpusDir, file))));
const cs = opj.encode(img, { levels, progression: "LRCP", ratios: [20] });

const withPeer = !process.argv.includes("--no-peer");
const gcs = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.duration, e.detail?.kind]);
}).observe({ entryTypes: ["gc"] });

j2kit.setWorkerCount(2);
for (let i = 0; i < 2; i++) {
  await j2kit.decodeAsync(cs, { threads: 1 });
  await j2kit.decodeAsync(cs, { threads: 2 });
  opj.decode(cs);
}
const timed = async (fn) => {
  const t0 = performance.now();
  await fn();
  return [t0, performance.now() - t0];
};
const one = [];
const many = [];
for (let r = 0; r < rounds; r++) {
  one.push(await timed(() => j2kit.decodeAsync(cs, { threads: 1 })));
  many.push(await timed(() => j2kit.decodeAsync(cs, { threads: 2 })));
  if (withPeer) opj.decode(cs);
}
await new Promise((r) => setTimeout(r, 50)); // (the last GC entries)
j2kit.terminateWorkers();

const gcIn = ([t0, ms]) =>
  gcs
    .filter(([s, d]) => s + d >= t0 && s <= t0 + ms)
    .map(([s, d, k]) => `k${k}:${d.toFixed(1)}@${(s - t0).toFixed(0)}`)
    .join(" ");
const median = (calls) => {
  const s = calls.map((c) => c[1]).sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`${imageName} lossy 20, ${rounds} rounds${withPeer ? " (one / two / peer)" : " (one / two, no peer)"}: ${gcs.length} GCs; 1 thread ${median(one).toFixed(2)} ms, 2 threads ${median(many).toFixed(2)} ms, ratio ${(median(one) / median(many)).toFixed(3)}`);
console.log("2 threads, sorted:", many.map((c) => c[1]).sort((a, b) => a - b).map((x) => x.toFixed(1)).join(" "));
for (let i = 0; i < rounds; i++) console.log(`${i}\t1 thread ${one[i][1].toFixed(1)} ${gcIn(one[i])}\t| 2 threads ${many[i][1].toFixed(1)} ${gcIn(many[i])}`);
