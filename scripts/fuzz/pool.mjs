// Child-process pool of the fuzzer. Each case runs in a worker process (scripts/fuzz/worker.mjs);
// the parent samples the child's RSS (/proc/PID/status VmRSS) and CPU time (/proc/PID/stat utime +
// stime) while the case runs and kills the child as soon as the case passes the memory limit or its
// CPU-time limit, or a wall-clock safety limit (a hang). CPU time, not wall time, is the time limit so
// that a busy machine does not turn slow-but-correct cases into findings. A killed or crashed child
// is replaced; a child whose resident memory stays high after a case is recycled so that every case
// starts from a small process.
import { fork } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("./worker.mjs", import.meta.url));
const TICKS = 100; // USER_HZ on Linux
const SAMPLE_MS = 15;

function procRssMiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Scheduler state of a task (R running/runnable, S sleeping, D disk wait, ...). */
function taskState(path) {
  const s = readFileSync(path, "utf8");
  return s.slice(s.lastIndexOf(")") + 2, s.lastIndexOf(")") + 3);
}

/**
 * The process's scheduling state: "R" when any of its threads is runnable, else its main thread's.
 * A threaded decode's main thread sleeps while its worker thread computes; on a busy machine at nice 19
 * or idle class that worker may wait long for a core (a case of 10-90 ms CPU in 30 s was once called
 * a hang while only the main thread was looked at).
 */
function procState(pid) {
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try {
        if (taskState(`/proc/${pid}/task/${t}/stat`) === "R") return "R";
      } catch {
        // the thread ended meanwhile
      }
    }
    return taskState(`/proc/${pid}/stat`);
  } catch {
    return "?";
  }
}

function procCpuMs(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS;
  } catch {
    return 0;
  }
}

class Worker {
  constructor(opts) {
    this.opts = opts;
    this.child = fork(WORKER, [], {
      execArgv: ["--expose-gc", `--max-old-space-size=${opts.heapMiB}`],
      serialization: "advanced",
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    this.stderr = "";
    this.child.stderr.on("data", (d) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m) => {
        if (m?.type === "ready") {
          this.child.off("message", onMsg);
          this.baseRssMiB = m.rssMiB;
          resolve(this);
        }
      };
      this.child.on("message", onMsg);
      this.child.once("exit", (code, sig) => reject(new Error(`fuzz worker exited before it was ready (${code ?? sig}): ${this.stderr}`)));
    });
    this.nextId = 0;
  }

  kill() {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  /** Run one case; resolves with the worker's report or a kill/crash verdict. */
  run(target, bytes, options) {
    const { timeMs, memMiB, hangMs } = this.opts;
    const id = ++this.nextId;
    const pid = this.child.pid;
    const cpu0 = procCpuMs(pid);
    const t0 = performance.now();
    return new Promise((resolve) => {
      let done = false;
      let peak = 0;
      const finish = (r) => {
        if (done) return;
        done = true;
        clearInterval(timer);
        this.child.off("message", onMsg);
        this.child.off("exit", onExit);
        resolve(r);
      };
      const onMsg = (m) => {
        if (m?.type !== "result" || m.id !== id) return;
        finish({ ...m, peakRssMiB: Math.max(m.peakRssMiB, peak), cpuMsParent: procCpuMs(pid) - cpu0 });
      };
      const onExit = (code, signal) => {
        if (done) return;
        finish({
          outcome: "crash",
          message: `worker process exited (${code ?? signal}) during the case: ${this.stderr.split("\n").filter(Boolean).slice(-3).join(" | ")}`,
          wallMs: performance.now() - t0,
          cpuMs: procCpuMs(pid) - cpu0,
          peakRssMiB: peak,
          dead: true,
        });
      };
      const timer = setInterval(() => {
        const rss = procRssMiB(pid);
        peak = Math.max(peak, rss);
        const cpu = procCpuMs(pid) - cpu0;
        const wall = performance.now() - t0;
        let verdict = null;
        if (rss > memMiB) verdict = { outcome: "memory", message: `RSS ${rss.toFixed(0)} MiB passed the ${memMiB} MiB limit after ${wall.toFixed(0)} ms; killed` };
        else if (cpu > timeMs) verdict = { outcome: "slow", message: `CPU time passed ${timeMs} ms (wall ${wall.toFixed(0)} ms); killed` };
        // a worker that is runnable but not scheduled (a busy machine, nice 19) is not hanging: it
        // gets 10x the wall time before it counts as a hang; one that sleeps with no result does not
        else if (wall > hangMs && (procState(pid) !== "R" || wall > 10 * hangMs)) {
          verdict = { outcome: "hang", message: `no result after ${wall.toFixed(0)} ms wall (${cpu.toFixed(0)} ms CPU, state ${procState(pid)}); killed` };
        }
        if (verdict) {
          this.kill();
          finish({ ...verdict, wallMs: wall, cpuMs: cpu, peakRssMiB: peak, dead: true });
        }
      }, SAMPLE_MS);
      this.child.on("message", onMsg);
      this.child.once("exit", onExit);
      this.child.send({ type: "case", id, target, bytes, options });
    });
  }
}

/** A pool of `jobs` workers with per-case limits { timeMs, memMiB, hangMs }. */
export class Pool {
  constructor({ jobs = 1, timeMs = 2000, memMiB = 512, hangMs = 30000, heapMiB = 1024, recycleMiB = 256 } = {}) {
    this.opts = { timeMs, memMiB, hangMs, heapMiB, recycleMiB };
    this.size = jobs;
    this.busy = 0;
    this.idle = [];
    this.waiters = [];
  }

  /** A worker for one session: an idle one, or a new one (always new when `fresh`). */
  async acquire(fresh = false) {
    while (this.busy >= this.size) await new Promise((r) => this.waiters.push(r));
    this.busy++;
    if (!fresh && this.idle.length > 0) return this.idle.pop();
    if (fresh) for (const w of this.idle.splice(0)) w.kill();
    try {
      return await new Worker(this.opts).ready;
    } catch (e) {
      this.busy--;
      this.waiters.shift()?.();
      throw e;
    }
  }

  release(w, discard) {
    if (discard || procRssMiB(w.child.pid) > this.opts.recycleMiB) w.kill();
    else this.idle.push(w);
    this.busy--;
    this.waiters.shift()?.();
  }

  /** Run a case on some worker. `fresh`: in a worker that has run nothing else (replay isolation). */
  async run(target, bytes, options, { fresh = false } = {}) {
    return (await this.session([{ target, bytes, options }], { fresh }))[0];
  }

  /**
   * Run several probes one after the other in one worker (a fresh one when `fresh`, discarded after:
   * the probes of one replayed file share a process of their own). A probe that kills the worker
   * ends the session; the remaining probes run in a new worker.
   */
  async session(probes, { fresh = false } = {}) {
    const results = [];
    let i = 0;
    while (i < probes.length) {
      const w = await this.acquire(fresh);
      let dead = false;
      for (; i < probes.length && !dead; i++) {
        const { target, bytes, options } = probes[i];
        const r = await w.run(target, bytes, options);
        dead = !!r.dead;
        results.push(r.dead ? r : this.judge(r));
      }
      this.release(w, dead || fresh);
    }
    return results;
  }

  /** A worker's report turned into a verdict on the time and memory limits too. */
  judge(r) {
    const cpu = Math.max(r.cpuMs ?? 0, r.cpuMsParent ?? 0);
    if (r.peakRssMiB > this.opts.memMiB) return { ...r, limitOutcome: r.outcome, outcome: "memory", message: `peak RSS ${r.peakRssMiB.toFixed(0)} MiB > ${this.opts.memMiB} MiB (${r.outcome} ${r.code ?? ""} ${r.message ?? ""})` };
    if (cpu > this.opts.timeMs) return { ...r, limitOutcome: r.outcome, outcome: "slow", message: `CPU ${cpu.toFixed(0)} ms > ${this.opts.timeMs} ms (${r.outcome} ${r.code ?? ""})` };
    return r;
  }

  close() {
    for (const w of this.idle.splice(0)) w.kill();
  }
}

/** Outcomes that are findings. */
export function isFinding(outcome) {
  return !(outcome === "ok" || outcome === "error");
}
