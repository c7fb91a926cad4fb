// Forward DWT A/B: two core builds alternate on the same plane in one process (CPU time), and the
// concurrent case that matters on this VM (/work/notes/s11/lead_findings.md): two worker threads each
// transforming a plane at once, for build A and build B in turn (rounds alternate), each worker's
// on-CPU time per transform from /proc/thread-self/schedstat (Linux; memory stalls count, waits for
// the CPU do not) and its wall time.
//
//   node --no-liftoff bench/dwt_ab.mjs A.wasm B.wasm [--w 2725 --h 2225 --levels 5 --reps 9 --rev 0|1]
//        [--mode single,two]
//
// A level runs as codec/encoder.ts forwardDwt runs it (highest resolution first, origin 0). Before
// timing, both builds transform the same random plane and the outputs are compared bit for bit
// (exit code 1 on a difference). Timings are for this report only (never in tests).
import { readFileSync } from "node:fs";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

function instantiate(file) {
  const mod = new WebAssembly.Module(readFileSync(file));
  const inst = new WebAssembly.Instance(mod, {
    env: {
      j2kFail(code) {
        throw new Error(`core failed with code ${code}`);
      },
      abort() {
        throw new Error("abort");
      },
      trace() {},
      seed: () => 1,
      j2kStage() {},
    },
  });
  return inst.exports;
}

/** A core with one plane of w × h f32 samples and the forward DWT of `levels` levels. */
function setup(file, w, h, levels, rev) {
  const c = instantiate(file);
  c.jobBegin();
  c.setMemoryLimit(0xf000_0000);
  const n = w * h;
  const plane = c.alloc(n * 4);
  const tmp = c.alloc(c.dwtScratchBytes(Math.max(w, h) + 2));
  const src = new Float32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    src[i] = ((x >>> 0) % 4096) - 2048 + ((x >>> 20) & 3) * 0.25;
  }
  const srcI = Int32Array.from(src, (v) => Math.round(v));
  const load = () => {
    if (rev) new Int32Array(c.memory.buffer, plane, n).set(srcI);
    else new Float32Array(c.memory.buffer, plane, n).set(src);
  };
  const run = () => {
    let lw = w, lh = h;
    const dims = [];
    for (let l = 0; l < levels; l++) {
      dims.push([lw, lh]);
      lw = (lw + 1) >> 1;
      lh = (lh + 1) >> 1;
    }
    for (const [a, b] of dims) {
      if (rev) c.dwt53ForwardLevel(plane, w, a, b, 0, 0, tmp);
      else c.dwt97ForwardLevel(plane, w, a, b, 0, 0, tmp);
    }
  };
  const out = () => new Uint32Array(c.memory.buffer, plane, n).slice();
  return { load, run, out };
}

function cpuMs(fn) {
  const u0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(u0);
  return (u.user + u.system) / 1000;
}

const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];

if (!isMainThread) {
  const { file, w, h, levels, rev, reps } = workerData;
  const s = setup(file, w, h, levels, rev);
  s.load();
  s.run();
  parentPort.postMessage("ready");
  const onCpu = () => {
    try {
      return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
    } catch {
      return NaN;
    }
  };
  parentPort.once("message", () => {
    const cpu = [], wall = [];
    for (let r = 0; r < reps; r++) {
      s.load();
      const c0 = onCpu(), t = performance.now();
      s.run();
      wall.push(performance.now() - t);
      cpu.push(onCpu() - c0);
    }
    parentPort.postMessage({ cpu, wall });
  });
} else {
  const args = process.argv.slice(2);
  const opt = (k, d) => {
    const i = args.indexOf(`--${k}`);
    return i >= 0 ? args[i + 1] : d;
  };
  const [A, B] = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1].startsWith("--")));
  const w = Number(opt("w", 2725)), h = Number(opt("h", 2225)), levels = Number(opt("levels", 5));
  const reps = Number(opt("reps", 9)), rev = Number(opt("rev", 0));
  const modes = opt("mode", "single,two").split(",");
  const a = setup(A, w, h, levels, rev), b = setup(B, w, h, levels, rev);
  a.load();
  a.run();
  b.load();
  b.run();
  const oa = a.out(), ob = b.out();
  let diff = 0;
  for (let i = 0; i < oa.length; i++) if (oa[i] !== ob[i]) diff++;
  console.log(`${w}x${h} ${rev ? "5/3" : "9/7"} ${levels} levels: outputs ${diff ? `DIFFER in ${diff} samples` : "identical"}`);
  if (diff) process.exitCode = 1;
  if (modes.includes("single")) {
    const ta = [], tb = [], ratio = [];
    for (let r = 0; r < reps; r++) {
      a.load();
      const x = cpuMs(a.run);
      b.load();
      const y = cpuMs(b.run);
      ta.push(x);
      tb.push(y);
      ratio.push(x / y);
    }
    console.log(`single: A ${median(ta).toFixed(2)} ms  B ${median(tb).toFixed(2)} ms  A/B median ${median(ratio).toFixed(3)}`);
  }
  if (modes.includes("two")) {
    const two = async (file) => {
      const ws = [0, 1].map(() => new Worker(new URL(import.meta.url), { workerData: { file, w, h, levels, rev, reps } }));
      await Promise.all(ws.map((x) => new Promise((r) => x.once("message", r))));
      const res = Promise.all(ws.map((x) => new Promise((r) => x.once("message", r))));
      ws.forEach((x) => x.postMessage("go"));
      const out = await res;
      ws.forEach((x) => x.terminate());
      return out;
    };
    const rounds = Number(opt("rounds", 4));
    const all = { A: { cpu: [], wall: [] }, B: { cpu: [], wall: [] } };
    for (let round = 0; round < rounds; round++) {
      for (const [name, file] of round % 2 ? [["B", B], ["A", A]] : [["A", A], ["B", B]]) {
        for (const o of await two(file)) {
          all[name].cpu.push(...o.cpu);
          all[name].wall.push(...o.wall);
        }
      }
    }
    const f = (x) => x.toFixed(2);
    console.log(`two at once (${rounds} rounds x 2 workers x ${reps}): on-CPU median A ${f(median(all.A.cpu))} ms  B ${f(median(all.B.cpu))} ms (A/B ${(median(all.A.cpu) / median(all.B.cpu)).toFixed(3)}); wall median A ${f(median(all.A.wall))}  B ${f(median(all.B.wall))}`);
  }
}
