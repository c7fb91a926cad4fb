/**
 * The migration's worker pool: `jobs` worker threads, one conversion each at a time, and a memory
 * budget shared by all of them. A worker reads a file's headers, asks for a reservation (what the
 * file would like, what it needs at least) and waits; reservations are granted first come, first
 * served: the full wish when it fits, what is free when that still covers the minimum, and
 * everything to a file alone when nothing else runs — so a large image waits for memory instead
 * of running the machine out of it (what `parallel --memsuspend` did by hand).
 * @module
 */
import { Worker } from "node:worker_threads";
import { startNodeWorker } from "../worker/exec_argv.js";
import type { ConvertOptions, ConvertResult } from "./convert.js";
import type { FromWorker, ToWorker } from "./worker.js";
import type { MigrateS3Options } from "./s3.js";

/** Outcome of one conversion in the pool. */
export type PoolOutcome = { ok: true; result: ConvertResult } | { ok: false; code: string; message: string };

interface Slot {
  worker: Worker;
  busy: boolean;
  job?: Running;
}

interface Running {
  id: number;
  resolve: (o: PoolOutcome) => void;
  granted: number;
}

interface Waiting {
  id: number;
  want: number;
  min: number;
  slot: Slot;
}

/** Memory in use by reservations now and at most (for progress and tests). */
export interface PoolMemory {
  budget: number;
  reserved: number;
  peakReserved: number;
  waiting: number;
}

export class MigratePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Array<{ msg: Omit<Extract<ToWorker, { type: "job" }>, "id">; resolve: (o: PoolOutcome) => void; onStart?: () => void }> = [];
  private readonly waiting: Waiting[] = [];
  private reserved = 0;
  private peakReserved = 0;
  private nextId = 1;
  private closed = false;

  constructor(
    readonly jobs: number,
    /** Bytes all running conversions may use together. */
    readonly budget: number,
    private readonly workerUrl: URL = new URL("./worker.js", import.meta.url),
  ) {
    for (let i = 0; i < jobs; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = startNodeWorker(Worker, this.workerUrl);
    const slot: Slot = { worker, busy: false };
    worker.on("message", (m: FromWorker) => this.onMessage(slot, m));
    worker.on("error", (e) => this.onCrash(slot, e));
    worker.on("exit", (code) => {
      if (!this.closed) this.onCrash(slot, new Error(`the worker exited with status ${code}`));
    });
    return slot;
  }

  /**
   * Convert `source` to `target` in a worker. Never rejects: failures are outcomes. `onStart` runs
   * when a worker takes the job (the ledger's start record is written then); `provenance` goes
   * into an S3 output's metadata.
   */
  convert(source: string, target: string, options: Omit<ConvertOptions, "reserve" | "s3">, s3: MigrateS3Options, onStart?: () => void, provenance?: string): Promise<PoolOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ msg: { type: "job", source, target, options, s3, ...(provenance ? { provenance } : {}) }, resolve, ...(onStart ? { onStart } : {}) });
      this.pump();
    });
  }

  memory(): PoolMemory {
    return { budget: this.budget, reserved: this.reserved, peakReserved: this.peakReserved, waiting: this.waiting.length };
  }

  /** Jobs running or queued. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.busy).length;
  }

  /** Stop the workers (jobs in flight are abandoned). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const next = this.queue.shift();
      if (!next) return;
      const id = this.nextId++;
      slot.busy = true;
      slot.job = { id, resolve: next.resolve, granted: 0 };
      try {
        next.onStart?.();
      } catch (e) {
        // the ledger could not record the start: do not convert unrecorded
        slot.busy = false;
        slot.job = undefined;
        next.resolve({ ok: false, code: (e as { code?: string }).code ?? "INTERNAL", message: (e as Error).message ?? String(e) });
        continue;
      }
      slot.worker.postMessage({ ...next.msg, id } satisfies ToWorker);
    }
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    const job = slot.job;
    if (!job || job.id !== m.id) return;
    if (m.type === "reserve") {
      this.waiting.push({ id: m.id, want: m.want, min: m.min, slot });
      this.grant();
      return;
    }
    this.finish(slot, m.type === "done" ? { ok: true, result: m.result } : { ok: false, code: m.code, message: m.message });
  }

  private finish(slot: Slot, outcome: PoolOutcome): void {
    const job = slot.job!;
    this.reserved -= job.granted;
    slot.busy = false;
    slot.job = undefined;
    job.resolve(outcome);
    this.grant();
    this.pumpAfterOutcome();
  }

  /**
   * Start the next job only after the finished job's outcome has been handled: `resolve` runs its
   * continuation (which writes the `done`/`failed` ledger record) as a microtask, and `setImmediate`
   * runs after the microtask queue is drained. So the ledger never shows a worker's next `start` before
   * its previous outcome, and a crash leaves at most one open record per worker.
   */
  private pumpAfterOutcome(): void {
    setImmediate(() => {
      if (!this.closed) this.pump();
    });
  }

  /** First come, first served (a large file is not starved by small ones behind it). */
  private grant(): void {
    while (this.waiting.length > 0) {
      const w = this.waiting[0]!;
      const free = this.budget - this.reserved;
      const running = this.slots.some((s) => s.job && s.job.granted > 0);
      let bytes: number;
      if (w.want <= free) bytes = w.want;
      else if (w.min <= free) bytes = free;
      else if (!running) bytes = Math.min(w.want, this.budget);
      else return;
      this.waiting.shift();
      const job = w.slot.job;
      if (!job || job.id !== w.id) continue;
      job.granted = bytes;
      this.reserved += bytes;
      this.peakReserved = Math.max(this.peakReserved, this.reserved);
      w.slot.worker.postMessage({ type: "grant", id: w.id, bytes } satisfies ToWorker);
    }
  }

  private onCrash(slot: Slot, e: unknown): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const idx = this.waiting.findIndex((w) => w.slot === slot);
    if (idx >= 0) this.waiting.splice(idx, 1);
    if (slot.job) {
      const job = slot.job;
      this.reserved -= job.granted;
      job.resolve({ ok: false, code: "WORKER_FAILED", message: `the conversion's worker stopped: ${(e as Error)?.message ?? String(e)}` });
    }
    void slot.worker.terminate();
    if (!this.closed) {
      this.slots.push(this.spawn());
      this.grant();
      this.pumpAfterOutcome();
    }
  }
}
