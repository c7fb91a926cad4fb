#!/usr/bin/env node
/**
 * Where a threaded decode's CPU goes, thread by thread (Linux: /proc/self/task/<tid>/schedstat):
 * decodeAsync({ threads: 1 }) against decodeAsync({ threads: N }) (src/worker/threads.ts, one
 * "split" job per row band) on the benchmark corpus' large images, lossless and lossy (ratio 20,
 * OpenJPEG-WASM streams as in bench/run.mjs's threads section). Per call, averaged over the runs:
 * the calling thread, each thread of the process that used CPU (the pool workers first, heaviest
 * first) and the rest (V8's helper threads: GC, compiler). CPU time, so it reads the same on a
 * shared machine; "bound" = 1-thread CPU (all threads) ÷ (the busiest worker + the calling thread)
 * of the N-thread calls (all of the calling thread's work counted as serial, though posting and
 * forwarding overlap the workers; only the stitch of the bands comes after them): about the N threads ÷
 * 1 thread an idle machine gives without messaging latency, and "all" = the
 * N-thread calls' CPU ÷ the 1-thread calls' (what the split costs in total). "load-corrected wall":
 * the median wall time per call of 1 and N threads (called in turn) minus the longest run-queue
 * wait of a busy pool worker in that call (/proc schedstat), and their ratio: on a shared machine
 * it tracks what the calls' own work, messaging and page faults allow (loaded, 15 runs, 2ba6ae8 +
 * 143e7e7: saw lossy 20 176.9 / 98.2 ms: 1.80, DX 52.9 / 28.5 ms: 1.85), not what an idle machine
 * adds (BENCHMARKS.md idle runs read 1.58-1.74 for the same rows).
 *
 *   npm run build && node --no-liftoff bench/split_cpu.mjs [--images saw,dx] [--runs 20] [--threads 2]
 *     [--ops lossless,lossy20] [--repo DIR (another checkout's dist/, for A/B: run both, twice)]
 *     [--gap MS (an idle pause after every call, as run.mjs's other contenders give: decodeAsync
 *     then makes the next band 0 array ahead, src/decode_async.ts; CPU counted within calls only)]
 *
 * On 14aabb3 (2 vCPUs, two other processes busy; --runs 10), CPU ms per call: saw lossy 20: 1 thread
 * 172.0 (worker) + 1.8 (calling) + 2.0; 2 threads 93.2 / 90.9 + 3.2 + 2.2: bound 1.82, all 1.08.
 * DX lossy 20: 48.2 + 0.4 + 0.6; 28.4 / 26.7 + 2.6 + 1.6: bound 1.59, all 1.20. Lossless: saw bound
 * 1.86, all 1.07; DX 1.89, 1.03.
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadOpenJpegWasm } from "./peers/openjpeg_wasm.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const repoRoot = resolve(value("--repo") ?? join(here, ".."));
const corpusDir = resolve(here, "../../shared/benchcorpus");
const runs = Number(value("--runs") ?? 20);
const N = Number(value("--threads") ?? 2);
const imageNames = (value("--images") ?? "saw,dx").split(",");
const ops = (value("--ops") ?? "lossless,lossy20").split(",");
const gap = Number(value("--gap") ?? 0);
if (!existsSync("/proc/self/task")) {
  console.error("bench/split_cpu: needs Linux (/proc/self/task/<tid>/schedstat)");
  process.exit(2);
}

const j2kit = await import(join(repoRoot, "dist/index.js"));
const { readPnm } = await import(join(repoRoot, "dist/io/pnm.js"));
if (typeof j2kit.init === "function") await j2kit.init();
j2kit.setWorkerCount(N);
const opj = await loadOpenJpegWasm();
const corpus = {
  saw: { file: "saw_2725x2225.ppm", levels: 6 },
  dx: { file: "dx_chest_966_2000x2128_12bit.pgm", levels: 6 },
};

/** tid → [name, CPU ms] of every thread of this process now. */
function threads() {
  const m = new Map();
  for (const t of readdirSync("/proc/self/task")) {
    try {
      const ns = Number(readFileSync(`/proc/self/task/${t}/schedstat`, "utf8").split(" ")[0]);
      m.set(Number(t), ns / 1e6);
    } catch {
      // (a thread that ended meanwhile)
    }
  }
  return m;
}

/** An idle pause of `gap` ms between calls (--gap), as the other contenders of a run.mjs row give. */
const pause = () => (gap > 0 ? new Promise((resolve) => setTimeout(resolve, gap)) : undefined);

/**
 * Average CPU per call of each thread over `runs` calls of `fn`: { main, workers (heaviest first),
 * others }. With --gap, only the CPU used within the calls counts (not what runs in the pauses).
 */
async function perThread(fn) {
  for (let i = 0; i < 3; i++) {
    await fn();
    await pause();
  }
  const sum = new Map();
  for (let r = 0; r < runs; r++) {
    const a = threads();
    await fn();
    const b = threads();
    for (const [t, v] of b) sum.set(t, (sum.get(t) ?? 0) + v - (a.get(t) ?? v));
    await pause();
  }
  const used = [];
  for (const [t, v] of sum) if (t !== process.pid) used.push(v / runs);
  used.sort((x, y) => y - x);
  const main = (sum.get(process.pid) ?? 0) / runs;
  return { main, workers: used.slice(0, N), others: used.slice(N).reduce((s, x) => s + x, 0) };
}

/** tid → [CPU ms, ms waited runnable on a run queue] of every thread of this process now. */
function schedNow() {
  const m = new Map();
  for (const t of readdirSync("/proc/self/task")) {
    try {
      const v = readFileSync(`/proc/self/task/${t}/schedstat`, "utf8").split(" ");
      m.set(Number(t), [Number(v[0]) / 1e6, Number(v[1]) / 1e6]);
    } catch {
      // (a thread that ended meanwhile)
    }
  }
  return m;
}

/**
 * Load-corrected wall time per call, median over `runs` rounds of `fns` called in turn (so that
 * they see the same load): each call's wall time minus the longest run-queue wait of a thread
 * thread busy in it (more than 1 ms of CPU), i.e. the time the slowest worker was ready to run but
 * another process held the core. Waits for messages, page faults and the calling thread's own work
 * stay in; what an otherwise idle machine would add (a slower clock with both cores busy, wake-ups
 * of idle cores) does not show.
 */
async function correctedWall(fns) {
  for (const fn of fns) for (let i = 0; i < 2; i++) await fn();
  const got = fns.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < fns.length; k++) {
      const a = schedNow();
      const t0 = performance.now();
      await fns[k]();
      const wall = performance.now() - t0;
      const b = schedNow();
      let wait = 0;
      for (const [t, [cpu, queued]] of b) {
        const [cpu0, queued0] = a.get(t) ?? [cpu, queued];
        if (cpu - cpu0 > 1) wait = Math.max(wait, queued - queued0);
      }
      got[k].push(wall - wait);
      await pause();
    }
  }
  return got.map((xs) => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length % 2 ? s[s.length >> 1] : (s[(s.length >> 1) - 1] + s[s.length >> 1]) / 2;
  });
}

const f = (x) => x.toFixed(1);
console.log(`bench/split_cpu: ${repoRoot}, ${N} threads, ${runs} calls each${gap > 0 ? `, ${gap} ms idle after each` : ""}; CPU ms per call`);
for (const name of imageNames) {
  const c = corpus[name];
  if (!c) throw new Error(`unknown image ${name} (saw, dx)`);
  const img = readPnm(readFileSync(join(corpusDir, c.file)));
  for (const op of ops) {
    const cs = opj.encode(img, { levels: c.levels, progression: "LRCP", ...(op === "lossy20" ? { ratios: [20] } : {}) });
    const one = await perThread(() => j2kit.decodeAsync(cs, { threads: 1 }));
    const many = await perThread(() => j2kit.decodeAsync(cs, { threads: N }));
    const total = (t) => t.main + t.workers.reduce((s, x) => s + x, 0) + t.others;
    // (since decodeAsync's threads count the calling thread, it decodes a band: its work is no longer serial)
    const bandHere = many.main > many.workers[0] / 2;
    const bound = total(one) / (bandHere ? Math.max(many.workers[0], many.main) : many.workers[0] + many.main);
    const [w1, wN] = await correctedWall([() => j2kit.decodeAsync(cs, { threads: 1 }), () => j2kit.decodeAsync(cs, { threads: N })]);
    console.log(
      `${name} ${op}: 1 thread: worker ${f(one.workers[0])} calling ${f(one.main)} others ${f(one.others + one.workers.slice(1).reduce((s, x) => s + x, 0))} | ` +
        `${N} threads: workers ${many.workers.map(f).join(" / ")} calling ${f(many.main)} others ${f(many.others)} | bound ${bound.toFixed(2)} all ${(total(many) / total(one)).toFixed(2)} | ` +
        `load-corrected wall ${f(w1)} / ${f(wN)} ms: ${(w1 / wN).toFixed(2)}`,
    );
  }
}
process.exit(0);
