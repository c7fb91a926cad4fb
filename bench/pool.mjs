// Worker pool start-up: speed-up of a batch of decodeAsync calls over the same decodes done one
// after another with decode(), in a fresh process (cold: the pool starts and the core compiles
// during the batch) and for a second batch in the same process (warm). Each mode runs in its own
// child process; the median of several rounds is printed. Uses the built library (dist/).
// Usage: node bench/pool.mjs [rounds=3] [batch=8]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [, , mode, batchArg] = process.argv;

if (mode === "seq" || mode === "par" || mode === "par-started") {
  const lib = await import(join(root, "dist", "index.js"));
  // the parent encoded the inputs once, so the timed part is decoding only
  const streams = JSON.parse(readFileSync(process.env.J2KIT_BENCH_STREAMS, "utf8")).map((s) => new Uint8Array(Buffer.from(s, "base64")));
  const n = Number(batchArg);
  const batch = Array.from({ length: n }, (_, i) => streams[i % streams.length]);
  const run = async () => {
    const t = performance.now();
    if (mode === "seq") for (const s of batch) lib.decode(s);
    else await Promise.all(batch.map((s) => lib.decodeAsync(s)));
    return performance.now() - t;
  };
  if (mode === "par-started") await lib.startWorkers();
  const cold = await run();
  const warm = await run();
  console.log(JSON.stringify({ cold, warm }));
  lib.terminateWorkers?.();
  process.exit(0);
}

const rounds = Number(process.argv[2] ?? 3);
const n = Number(process.argv[3] ?? 8);
// The batch: the four Kodak photos, lossless, encoded once here.
const lib = await import(join(root, "dist", "index.js"));
const corpus = join(root, "..", "shared", "benchcorpus");
const streams = ["kodim03.ppm", "kodim04.ppm", "kodim07.ppm", "kodim08.ppm"].map((name) => {
  const b = readFileSync(join(corpus, name));
  const m = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(b.subarray(0, 64).toString("latin1"));
  const w = +m[1], h = +m[2];
  const data = new Uint8Array(b.subarray(m[0].length, m[0].length + w * h * 3));
  return Buffer.from(lib.encode({ width: w, height: h, components: 3, bitDepth: 8, signed: false, data })).toString("base64");
});
const tmp = mkdtempSync(join(tmpdir(), "j2kit-bench-pool-"));
writeFileSync(join(tmp, "streams.json"), JSON.stringify(streams));
const env = { ...process.env, J2KIT_BENCH_STREAMS: join(tmp, "streams.json") };
const child = (m) => JSON.parse(spawnSync(process.execPath, [fileURLToPath(import.meta.url), m, String(n)], { env, encoding: "utf8" }).stdout);
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const res = { seq: [], par: [], "par-started": [] };
for (let r = 0; r < rounds; r++) for (const m of Object.keys(res)) res[m].push(child(m));
rmSync(tmp, { recursive: true, force: true });
const pick = (m, k) => median(res[m].map((x) => x[k]));
const seqCold = pick("seq", "cold"), seqWarm = pick("seq", "warm");
console.log(`worker pool, batch of ${n} lossless 768x512 RGB decodes, ${availableParallelism()} cores, median of ${rounds} fresh processes`);
console.log(`  sequential decode():          cold ${seqCold.toFixed(0)} ms, warm ${seqWarm.toFixed(0)} ms`);
console.log(`  decodeAsync batch:            cold ${pick("par", "cold").toFixed(0)} ms (${(seqCold / pick("par", "cold")).toFixed(2)}x), warm ${pick("par", "warm").toFixed(0)} ms (${(seqWarm / pick("par", "warm")).toFixed(2)}x)`);
console.log(`  after await startWorkers():   first batch ${pick("par-started", "cold").toFixed(0)} ms (${(seqCold / pick("par-started", "cold")).toFixed(2)}x)`);
