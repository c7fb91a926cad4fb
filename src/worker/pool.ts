/**
 * A small pool of workers behind `decodeAsync` / `encodeAsync`: jobs run off the calling thread,
 * several at once (one per worker). Works with Node's worker_threads and with Web Workers; where
 * neither is available (or workers are disabled with {@link setWorkerCount}(0)) jobs run on the
 * calling thread. Results are the same as the synchronous API's.
 * @module
 */
import { J2kError } from "../errors.js";

/**
 * Node's worker_threads, named at run time so that browser bundlers never try to resolve it; it is
 * only loaded when running under Node.
 */
const NODE_WORKER_THREADS = ["node", "worker_threads"].join(":");
import type { WorkerRequest, WorkerResponse } from "./protocol.js";
import { initModule, onInit } from "../wasm/load.js";

interface AnyWorker {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  terminate(): unknown;
  /** Node only: keep the process alive while the worker has a job. */
  ref?(): void;
  unref?(): void;
}

interface Slot {
  worker: AnyWorker;
  busy: boolean;
}

interface Pending {
  req: WorkerRequest;
  transfer: Transferable[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** A request before it gets its id (distributes over the union). */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

let wanted: number | undefined;
let slots: Slot[] = [];
let queue: Pending[] = [];
const inFlight = new Map<number, { slot: Slot; job: Pending }>();
let nextId = 1;
let jobsDone = 0;
let broken = false;
let creating: Promise<boolean> | null = null;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return !!p?.versions?.node;
}

function defaultCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const n = nav?.hardwareConcurrency ?? 2;
  return Math.max(1, Math.min(8, n));
}

// workers started before init(module) must switch to that module too
onInit(() => {
  const module = initModule();
  if (module) for (const s of slots) s.worker.postMessage({ init: module });
});

/**
 * Number of workers used by the asynchronous API (default: the number of cores, at most 8).
 * 0 runs asynchronous jobs on the calling thread. Existing workers are stopped.
 */
export function setWorkerCount(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new J2kError("INVALID_ARGUMENT", `worker count must be 0..64 (got ${n})`);
  terminateWorkers();
  wanted = n;
}

/** Workers running and jobs they completed (for tests and diagnostics). */
export function workerPoolInfo(): { workers: number; jobsDone: number; available: boolean } {
  return { workers: slots.length, jobsDone, available: !broken };
}

/** Jobs queued or running (threads.ts splits an image automatically only when the pool is idle). */
export function jobsPending(): number {
  return queue.length + inFlight.size;
}

/** Stop all workers (pending jobs are rejected). Later asynchronous calls start new ones. */
export function terminateWorkers(): void {
  for (const s of slots) void s.worker.terminate();
  for (const { job } of inFlight.values()) job.reject(new J2kError("INTERNAL", "the worker was terminated"));
  for (const job of queue) job.reject(new J2kError("INTERNAL", "the worker was terminated"));
  inFlight.clear();
  queue = [];
  slots = [];
  creating = null;
}

/** Start one worker and wait for its "ready" message (a worker that cannot start rejects). */
async function createWorker(): Promise<AnyWorker> {
  const url = new URL("./worker_entry.js", import.meta.url);
  let worker: AnyWorker;
  const ready = new Promise<void>((resolve, reject) => {
    const onMsg = (m: unknown) => {
      if ((m as { ready?: boolean })?.ready) resolve();
      else onMessage(worker, m as WorkerResponse);
    };
    const onErr = (e: unknown) => {
      reject(e instanceof Error ? e : new Error(String(e)));
      onFailure(worker, e);
    };
    if (isNode()) {
      import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_WORKER_THREADS).then((mod) => {
        const wt = mod as unknown as { Worker: new (u: URL) => AnyWorker & { on(e: string, f: (x: unknown) => void): void; unref(): void } };
        const w = new wt.Worker(url);
        worker = w;
        w.on("message", onMsg);
        w.on("error", onErr);
        // stays referenced while starting; pump() unrefs idle workers so an idle pool never keeps
        // the process alive
      }, reject);
      return;
    }
    if (typeof Worker === "undefined") {
      reject(new Error("no Worker in this environment"));
      return;
    }
    // Written out literally so that bundlers (Vite, webpack 5, Parcel, esbuild plugins) recognise
    // the worker, bundle worker_entry.js with its imports and rewrite the URL.
    const w = new Worker(new URL("./worker_entry.js", import.meta.url), { type: "module" }) as unknown as AnyWorker & {
      onmessage: unknown;
      onerror: unknown;
    };
    worker = w;
    w.onmessage = (ev: { data: unknown }) => onMsg(ev.data);
    w.onerror = onErr;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("worker did not start")), 10_000);
    (timer as { unref?: () => void }).unref?.();
  });
  try {
    await Promise.race([ready, timeout]);
    // a module given to init() (custom build, strict CSP) is used by the workers too
    const module = initModule();
    if (module) worker!.postMessage({ init: module });
    worker!.unref?.();
  } catch (e) {
    if (worker!) void worker.terminate();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return worker!;
}

async function ensureWorkers(): Promise<boolean> {
  if (broken) return false;
  const n = wanted ?? defaultCount();
  if (n === 0) return false;
  if (slots.length >= n) return true;
  if (!creating) {
    creating = (async () => {
      try {
        while (slots.length < n) slots.push({ worker: await createWorker(), busy: false });
        return true;
      } catch {
        broken = true; // no workers here: run on the calling thread from now on
        return false;
      } finally {
        creating = null;
      }
    })();
  }
  return creating;
}

function pump(): void {
  for (const slot of slots) {
    if (slot.busy) continue;
    const job = queue.shift();
    if (!job) return;
    slot.busy = true;
    inFlight.set(job.req.id, { slot, job });
    slot.worker.ref?.(); // a job in flight keeps a Node process alive; an idle pool does not
    slot.worker.postMessage(job.req, job.transfer);
  }
}

function onMessage(worker: AnyWorker, msg: WorkerResponse): void {
  const entry = inFlight.get(msg.id);
  if (!entry) return;
  inFlight.delete(msg.id);
  entry.slot.busy = false;
  entry.slot.worker.unref?.();
  jobsDone++;
  if (msg.ok) entry.job.resolve(msg.result);
  else entry.job.reject(new J2kError(msg.error.code, stripOffset(msg.error.message, msg.error.offset), msg.error.offset !== undefined ? { offset: msg.error.offset } : {}));
  void worker;
  pump();
}

/** The worker's message already ends with " (at byte N)"; J2kError adds it again. */
function stripOffset(message: string, offset?: number): string {
  const tail = ` (at byte ${offset})`;
  return offset !== undefined && message.endsWith(tail) ? message.slice(0, -tail.length) : message;
}

function onFailure(worker: AnyWorker, error: unknown): void {
  const slot = slots.find((s) => s.worker === worker);
  slots = slots.filter((s) => s.worker !== worker);
  for (const [id, entry] of inFlight) {
    if (entry.slot === slot) {
      inFlight.delete(id);
      entry.job.reject(new J2kError("INTERNAL", `a j2kit worker failed: ${String((error as { message?: string })?.message ?? error)}`));
    }
  }
  void worker.terminate();
  pump();
}

/**
 * Run `req` in a worker; resolves with its result. Returns undefined when no worker can be used
 * (the caller then runs the job itself).
 */
export async function runInWorker<T>(req: WithoutId<WorkerRequest>, transfer: Transferable[] = []): Promise<T | undefined> {
  if (!(await ensureWorkers())) return undefined;
  return new Promise<T>((resolve, reject) => {
    const full = { ...req, id: nextId++ };
    queue.push({ req: full, transfer, resolve: resolve as (v: unknown) => void, reject });
    pump();
  });
}
