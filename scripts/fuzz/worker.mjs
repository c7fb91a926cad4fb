// Fuzz worker: a child process that runs one case at a time for scripts/fuzz.mjs and reports what
// came out. The parent watches this process's RSS and CPU time from /proc and kills it when a case
// goes past the limits; here each case resets the kernel's peak-RSS counter (clear_refs 5) and
// reports VmHWM afterwards, so a short spike is seen too.
import { readFileSync, writeFileSync } from "node:fs";
import { runTarget } from "./targets.mjs";

function resetPeak() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // not Linux: the parent's sampling is all there is
  }
}

function statusKiB(field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return Math.round(process.memoryUsage().rss / 1024);
  }
}

const lib = await import("./library.mjs");

process.on("message", async (msg) => {
  if (msg?.type !== "case") return;
  const bytes = msg.bytes instanceof Uint8Array ? msg.bytes : new Uint8Array(msg.bytes);
  resetPeak();
  const startRss = statusKiB("VmRSS");
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let result;
  try {
    result = await runTarget(lib, msg.target, bytes, msg.options ?? {});
  } catch (e) {
    result = { outcome: "untyped", detail: `runner failed: ${e?.stack ?? e}` };
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const peakKiB = Math.max(statusKiB("VmHWM"), statusKiB("VmRSS"));
  process.send({ type: "result", id: msg.id, ...result, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMiB: peakKiB / 1024, startRssMiB: startRss / 1024 });
  // give the case's memory back before the next one
  try {
    lib.releaseMemory();
    // a threaded case's workers keep the memory their bands grew to (linear memory only grows): stop
    // them, so that one case's peak does not count against the next (the pool starts again on use)
    if (msg.options?.threads) lib.terminateWorkers();
  } catch {
    // ignore
  }
  globalThis.gc?.();
});

process.send({ type: "ready", rssMiB: statusKiB("VmRSS") / 1024 });
