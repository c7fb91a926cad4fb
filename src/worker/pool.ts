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
import { startNodeWorker } from "./exec_argv.js";
import { initModule, onInit, sharedModule, type CoreFlavor } from "../wasm/load.js";

interface AnyWorker {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  terminate(): unknown;
  /** Node only: keep the process alive while the worker has a job. */
  ref?(): void;
  unref?(): void;
}

interface Slot {
  worker: AnyWorker;
  /** Jobs posted to this worker and not answered yet (it runs them one after the other). */
  jobs: number;
  /** Their weights (see {@link runInWorker}). */
  weight: number;
}

interface Pending {
  req: WorkerRequest;
  transfer: Transferable[];
  /** Most jobs the worker taking this one may hold at once, this one included (see {@link runInWorker}). */
  depth: number;
  weight: number;
  group?: WorkerGroup;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Jobs that run on at most `max` workers of the pool, the first ones they were posted to (threaded
 * encoding: threads - 1 workers beside the calling thread, however many workers the pool has, so
 * that the job's threads never outnumber the cores it asked for).
 */
export interface WorkerGroup {
  max: number;
  /** The workers the group's jobs were posted to (kept by the pool). */
  slots?: Set<unknown>;
}

/** A request before it gets its id (distributes over the union). */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

let wanted: number | undefined;
let slots: Slot[] = [];
let queue: Pending[] = [];
const inFlight = new Map<number, { slot: Slot; job: Pending; early?: boolean }>();
/** Jobs of {@link inFlight} whose caller has their result another way ({@link answeredElsewhere}). */
let answeredEarly = 0;
let nextId = 1;
let jobsDone = 0;
let broken = false;
/** Workers being started, and the promise that settles when the first of a start-up is ready. */
let starting = 0;
let firstReady: Promise<boolean> | null = null;
/** Resolves {@link firstReady} (set while a start-up is under way): terminateWorkers answers its waiters with false. */
let settleFirst: ((ok: boolean) => void) | null = null;
let allStarted: Promise<unknown> | null = null;
/** Bumped by terminateWorkers(): a worker that finishes starting after that is stopped. */
let generation = 0;
let cachedCount: number | undefined;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return !!p?.versions?.node;
}

const NODE_OS = ["node", "os"].join(":");

/** Cores of this machine (Node: os.availableParallelism; browsers: navigator.hardwareConcurrency). */
export async function coreCount(): Promise<number> {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number } };
  if (isNode()) {
    try {
      const os = (await import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_OS)) as { availableParallelism?: () => number; cpus: () => unknown[] };
      return Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
    } catch {
      /* fall through */
    }
  }
  return Math.max(1, g.navigator?.hardwareConcurrency ?? 1);
}

/** Default pool size: one worker per core, at most 8. */
async function defaultCount(): Promise<number> {
  cachedCount ??= Math.min(8, await coreCount());
  return cachedCount;
}

// workers started before init(module) must switch to that module too
onInit(() => {
  const module = initModule();
  if (module) for (const s of slots) s.worker.postMessage({ init: module });
});

/**
 * Number of workers used by the asynchronous API (default: the number of cores, at most 8).
 * 0 runs asynchronous jobs on the calling thread. When the count changes, existing workers are
 * stopped (their pending jobs rejected); setting the count it already has changes nothing.
 */
export function setWorkerCount(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new J2kError("INVALID_ARGUMENT", `worker count must be 0..64 (got ${n})`);
  if (n === wanted) return;
  terminateWorkers();
  wanted = n;
}

/**
 * Workers running, jobs they completed, whether workers can be used here, and `running`: jobs posted
 * to workers and not answered yet (a worker may hold several; for tests and diagnostics).
 */
export function workerPoolInfo(): { workers: number; jobsDone: number; available: boolean; running: number } {
  return { workers: slots.length, jobsDone, available: !broken, running: inFlight.size };
}

/** Jobs queued or running (threads.ts splits an image automatically only when the pool is idle). */
export function jobsPending(): number {
  return queue.length + inFlight.size - answeredEarly;
}

/** Filled in by {@link runInWorker} with the job's id once it is queued (for {@link answeredElsewhere}). */
export interface JobTicket {
  id?: number;
}

/**
 * The job of `ticket` has given its caller its result another way (threaded decoding: a band job's
 * rows and answer on its own port, src/worker/threads.ts) and only its answer to the pool is still
 * on the way: from now on it counts neither in {@link jobsPending} nor in its worker's load, so the
 * next job may go to that worker (it queues there behind the answer) and an automatic thread count
 * sees an idle pool. Its promise still settles when the answer comes. Nothing for a job not running.
 */
export function answeredElsewhere(ticket: JobTicket): void {
  const entry = ticket.id === undefined ? undefined : inFlight.get(ticket.id);
  if (!entry || entry.early) return;
  entry.early = true;
  answeredEarly++;
  jobsDone++; // (its work is done: only the answer is on the way)
  release(entry.slot, entry.job.weight);
  pump();
}

/** A job of `weight` no longer held by `slot`. */
function release(slot: Slot, weight: number): void {
  slot.weight -= weight;
  if (--slot.jobs === 0) {
    slot.weight = 0; // (no drift)
    slot.worker.unref?.();
  }
}

/** Stop all workers (pending jobs are rejected). Later asynchronous calls start new ones. */
export function terminateWorkers(): void {
  for (const s of slots) void s.worker.terminate();
  for (const { job } of inFlight.values()) job.reject(new J2kError("INTERNAL", "the worker was terminated"));
  for (const job of queue) job.reject(new J2kError("INTERNAL", "the worker was terminated"));
  inFlight.clear();
  answeredEarly = 0;
  queue = [];
  slots = [];
  starting = 0;
  // (callers waiting for the workers being started hear "none": they run the job themselves or
  // start new workers; without this their promise never settled)
  settleFirst?.(false);
  settleFirst = null;
  firstReady = null;
  allStarted = null;
  generation++;
}

/** Start one worker and wait for its "ready" message (a worker that cannot start rejects). */
async function createWorker(shared: Promise<{ module: WebAssembly.Module; flavor: CoreFlavor | null } | null>): Promise<AnyWorker> {
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
        const wt = mod as unknown as { Worker: new (u: URL, o: { execArgv?: string[] }) => AnyWorker & { on(e: string, f: (x: unknown) => void): void; unref(): void } };
        let w;
        try {
          w = startNodeWorker(wt.Worker, url);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e))); // (a throw here was an unhandled rejection)
          return;
        }
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
    // a module given to init() (custom build, strict CSP) is used by the workers too; otherwise the
    // module compiled once on this thread is shared, so the worker only instantiates it
    const module = initModule();
    if (module) worker!.postMessage({ init: module });
    else {
      const s = await shared;
      if (s) worker!.postMessage({ shared: s.module, flavor: s.flavor });
    }
    worker!.unref?.();
  } catch (e) {
    if (worker!) void worker.terminate();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return worker!;
}

/**
 * Start the missing workers, all at once; resolves true as soon as one is ready (jobs go to each
 * worker as it becomes ready), false when none can start here.
 */
async function ensureWorkers(): Promise<boolean> {
  if (broken) return false;
  const n = wanted ?? (await defaultCount());
  if (n === 0) return false;
  const missing = n - slots.length - starting;
  if (missing <= 0) return slots.length > 0 || (firstReady ?? Promise.resolve(false));
  const gen = generation;
  // compile the core once, on this thread, while the workers load their modules
  const shared = sharedModule().catch(() => null);
  let failed = 0;
  let settle!: (ok: boolean) => void;
  const first = new Promise<boolean>((resolve) => (settle = resolve));
  firstReady = first;
  settleFirst = settle;
  starting += missing;
  const started: Promise<unknown>[] = [];
  for (let i = 0; i < missing; i++) {
    const p = createWorker(shared);
    started.push(p);
    p.then(
      (worker) => {
        if (gen !== generation) return void worker.terminate();
        starting--;
        slots.push({ worker, jobs: 0, weight: 0 });
        settle(true);
        pump();
      },
      () => {
        if (gen !== generation) return;
        starting--;
        if (++failed === missing && slots.length === 0) {
          broken = true; // no workers here: run on the calling thread from now on
          settle(false);
        }
      },
    );
  }
  allStarted = Promise.allSettled(started);
  return first;
}

/**
 * Start the asynchronous API's workers now (for example when an application starts), so that the
 * first `decodeAsync` / `encodeAsync` calls do not wait for workers to start and the core to compile.
 * Resolves with the number of workers ready to take jobs (0 where workers are unavailable).
 */
export async function startWorkers(): Promise<number> {
  if (!(await ensureWorkers())) return 0;
  await allStarted; // every worker of this start-up is ready (or failed)
  return slots.length;
}

/**
 * Post queued jobs, in order, each to the least loaded worker that may take it (an idle one, or
 * for a job with depth d > 1 one holding fewer than d jobs: it queues them in its message port);
 * least loaded = the least weight of jobs held, then the fewest jobs.
 */
function pump(): void {
  while (queue.length > 0) {
    const job = queue[0]!;
    const group = job.group;
    // a group with all its workers (still running) takes no other one
    const closed = !!group?.slots && slots.filter((s) => group.slots!.has(s)).length >= group.max;
    let slot: Slot | undefined;
    for (const s of slots) {
      if (s.jobs >= job.depth) continue;
      if (closed && !group!.slots!.has(s)) continue;
      if (!slot || s.weight < slot.weight || (s.weight === slot.weight && s.jobs < slot.jobs)) slot = s;
    }
    if (!slot) return;
    queue.shift();
    if (group) (group.slots ??= new Set()).add(slot);
    slot.jobs++;
    slot.weight += job.weight;
    inFlight.set(job.req.id, { slot, job });
    slot.worker.ref?.(); // a job in flight keeps a Node process alive; an idle pool does not
    slot.worker.postMessage(job.req, job.transfer);
  }
}

function onMessage(worker: AnyWorker, msg: WorkerResponse): void {
  const entry = inFlight.get(msg.id);
  if (!entry) return;
  inFlight.delete(msg.id);
  if (entry.early) answeredEarly--;
  else release(entry.slot, entry.job.weight);
  if (!entry.early) jobsDone++;
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
      if (entry.early) answeredEarly--;
      entry.job.reject(new J2kError("INTERNAL", `a j2kit worker failed: ${String((error as { message?: string })?.message ?? error)}`));
    }
  }
  void worker.terminate();
  pump();
}

/**
 * Can jobs run in workers here? Starts the pool if needed; false where workers are unavailable or
 * disabled (threaded encoding then runs on the calling thread).
 */
export async function workersReady(): Promise<boolean> {
  return ensureWorkers();
}

/**
 * Run `req` in a worker; resolves with its result, or with undefined when no worker can be used
 * (the caller then runs the job itself).
 *
 * When workers are running, the job is posted before this returns (not after an `await`), so a
 * caller that goes on with synchronous work keeps the workers busy meanwhile. `depth` > 1 lets a
 * worker hold up to `depth` jobs at once (threaded encoding's batches): the next one is already in
 * its port when it finishes one, even while this thread is busy and cannot hand it a new job.
 * `weight`: the job's work, in any unit its caller uses for all its jobs (threaded encoding: samples):
 * a job goes to the worker holding the least weight. `group`: the job runs on one of the group's
 * workers ({@link WorkerGroup}). `ticket` gets the job's id (see {@link answeredElsewhere}).
 */
export function runInWorker<T>(req: WithoutId<WorkerRequest>, transfer: Transferable[] = [], depth = 1, weight = 1, group?: WorkerGroup, ticket?: JobTicket): Promise<T | undefined> {
  const post = (): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const full = { ...req, id: nextId++ };
      if (ticket) ticket.id = full.id;
      queue.push({ req: full, transfer, depth: Math.max(1, depth), weight: Number.isFinite(weight) && weight > 0 ? weight : 1, group, resolve: resolve as (v: unknown) => void, reject });
      pump();
    });
  if (slots.length > 0 && !broken) {
    // workers are up: post now (ensureWorkers only replaces a worker that failed meanwhile)
    const p = post();
    void ensureWorkers().catch(() => undefined);
    return p;
  }
  return ensureWorkers().then((ok) => (ok ? post() : undefined));
}
