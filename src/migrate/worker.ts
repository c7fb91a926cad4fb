/**
 * A migration worker (Node worker_threads): converts the files the pool sends, one at a time,
 * asking the pool for a memory reservation once each file's headers are read.
 * @module
 */
import { parentPort } from "node:worker_threads";
import { J2kError } from "../errors.js";
import { convertToJpeg, type ConvertOptions } from "./convert.js";
import { openSink } from "./sinks.js";
import type { MigrateS3Options } from "./s3.js";

/** pool → worker */
export type ToWorker =
  | { type: "job"; id: number; source: string; target: string; options: Omit<ConvertOptions, "reserve" | "s3">; s3: MigrateS3Options; provenance?: string }
  | { type: "grant"; id: number; bytes: number };

/** worker → pool */
export type FromWorker =
  | { type: "reserve"; id: number; want: number; min: number; pixels: number }
  | { type: "done"; id: number; result: import("./convert.js").ConvertResult }
  | { type: "failed"; id: number; code: string; message: string };

const grants = new Map<number, (bytes: number) => void>();

async function run(job: Extract<ToWorker, { type: "job" }>): Promise<FromWorker> {
  try {
    const sink = await openSink(job.target, job.s3, job.provenance);
    const result = await convertToJpeg(job.source, sink, {
      ...job.options,
      s3: job.s3,
      reserve: (need) =>
        new Promise<number>((resolve) => {
          grants.set(job.id, resolve);
          parentPort!.postMessage({ type: "reserve", id: job.id, ...need } satisfies FromWorker);
        }),
    });
    return { type: "done", id: job.id, result };
  } catch (e) {
    const err = e instanceof J2kError ? e : new J2kError("INTERNAL", `unexpected failure: ${(e as Error)?.message ?? String(e)}`);
    return { type: "failed", id: job.id, code: err.code, message: err.message };
  }
}

parentPort?.on("message", (m: ToWorker) => {
  if (m.type === "grant") {
    const f = grants.get(m.id);
    grants.delete(m.id);
    f?.(m.bytes);
    return;
  }
  void run(m).then((answer) => parentPort!.postMessage(answer));
});
