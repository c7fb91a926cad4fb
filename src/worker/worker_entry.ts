/**
 * Body of a j2kit worker (Web Worker or Node worker_threads): runs the synchronous API on the jobs
 * it receives and answers with the result, transferring its buffers.
 * @module
 */
import { decode } from "../decode.js";
import { encode, encodeDetailed } from "../encode.js";
import { codeBlockBatch, codeResidentBatch, releaseResident, splitResident, transferOf, transformPlane, transformResident } from "../encode_threads.js";
import { decodeSplit, type ReceiveNow } from "./split_decode.js";
import { J2kError } from "../errors.js";
import { adoptModule, initSync, type CoreFlavor } from "../wasm/load.js";

/**
 * Node's worker_threads, named at run time so that browser bundlers never try to resolve it; it is
 * only loaded when running under Node.
 */
const NODE_WORKER_THREADS = ["node", "worker_threads"].join(":");
import type { WorkerRequest, WorkerResponse } from "./protocol.js";

interface Port {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  on?(event: "message", listener: (data: unknown) => void): void;
  addEventListener?(type: "message", listener: (event: { data: unknown }) => void): void;
}

/** `{ shared: WebAssembly.Module, flavor }` from the pool: the core compiled once on the main thread. */
function isShared(data: unknown): data is { shared: WebAssembly.Module; flavor: CoreFlavor | null } {
  return typeof data === "object" && data !== null && "shared" in data;
}

/** `{ init: WebAssembly.Module }` from the pool: the module the main thread was initialised with. */
function isInit(data: unknown): data is { init: WebAssembly.Module } {
  return typeof data === "object" && data !== null && "init" in data;
}

interface Answer {
  msg: WorkerResponse;
  transfer: Transferable[];
}

/** A failed job's answer. */
function failure(id: number, e: unknown): Answer {
  const err = e instanceof J2kError ? e : new J2kError("INTERNAL", `worker failure: ${String(e)}`);
  const error = { code: err.code, message: err.message, ...(err.offset !== undefined ? { offset: err.offset } : {}) };
  return { msg: { id, ok: false, error }, transfer: [] };
}

/** Node's receiveMessageOnPort (set at start under Node): split jobs read their port between steps. */
let receiveNow: ReceiveNow | undefined;

/** The answer to a "split" job (src/worker/split_decode.ts): it waits for nothing, but may yield once. */
async function answerSplit(req: Extract<WorkerRequest, { op: "split" }>): Promise<Answer> {
  try {
    const r = await decodeSplit(req.bytes, req.options, req.band, req.bands, req.height, req.width, req.port, receiveNow, req.spare, req.first, req.sharedBand);
    const img = r.image;
    const transfer: Transferable[] = [img.data.buffer as ArrayBuffer];
    for (const d of img.componentData ?? []) if (d.buffer !== img.data.buffer) transfer.push(d.buffer as ArrayBuffer);
    return { msg: { id: req.id, ok: true, result: r }, transfer };
  } catch (e) {
    return failure(req.id, e);
  }
}

/** Run a job and post its answer (a split job's when it is done). */
function handle(port: Port, req: WorkerRequest): void {
  if (req.op === "split") {
    void answerSplit(req).then(({ msg, transfer }) => port.postMessage(msg, transfer));
    return;
  }
  const { msg, transfer } = answer(req);
  port.postMessage(msg, transfer);
}

function answer(req: Exclude<WorkerRequest, { op: "split" }>): Answer {
  try {
    if (req.op === "decode") {
      const img = decode(req.bytes, req.options);
      const transfer: Transferable[] = [img.data.buffer as ArrayBuffer];
      for (const d of img.componentData ?? []) if (d.buffer !== img.data.buffer) transfer.push(d.buffer as ArrayBuffer);
      return { msg: { id: req.id, ok: true, result: img }, transfer };
    }
    if (req.op === "blocks") {
      const out = req.resident !== undefined ? codeResidentBatch(req.records, req.resident, req.base ?? 0, req.samples) : codeBlockBatch(req.records, req.samples, req.bytes);
      return { msg: { id: req.id, ok: true, result: out }, transfer: [out.results, out.samples] };
    }
    if (req.op === "dwt") {
      const plane = req.keep !== undefined ? transformResident(req.plane, req.geometry, req.keep, req.raw) : transformPlane(req.plane as ArrayBuffer, req.geometry);
      // (raw rows in a SharedArrayBuffer go back posted, not transferred: transferOf)
      return { msg: { id: req.id, ok: true, result: plane }, transfer: transferOf(plane) };
    }
    if (req.op === "dwtsplit") {
      const out = splitResident(req.rows, req.geometry, req.keep);
      return { msg: { id: req.id, ok: true, result: out }, transfer: [out.ll, out.rows] };
    }
    if (req.op === "release") {
      releaseResident(req.token);
      return { msg: { id: req.id, ok: true, result: null }, transfer: [] };
    }
    if (req.detailed) {
      const r = encodeDetailed(req.image, req.options);
      return { msg: { id: req.id, ok: true, result: r }, transfer: [r.data.buffer as ArrayBuffer] };
    }
    const out = encode(req.image, req.options);
    return { msg: { id: req.id, ok: true, result: out }, transfer: [out.buffer as ArrayBuffer] };
  } catch (e) {
    return failure(req.id, e);
  }
}

async function start(): Promise<void> {
  const g = globalThis as unknown as { process?: { versions?: { node?: string } } } & Port;
  let port: Port;
  if (g.process?.versions?.node) {
    const wt = (await import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_WORKER_THREADS)) as unknown as { parentPort: Port | null; receiveMessageOnPort?: ReceiveNow };
    if (!wt.parentPort) return;
    port = wt.parentPort;
    receiveNow = wt.receiveMessageOnPort;
    port.on!("message", (data) => {
      if (isShared(data)) return adoptModule(data.shared, data.flavor);
      if (isInit(data)) return initSync(data.init);
      handle(port, data as WorkerRequest);
    });
    port.postMessage({ ready: true });
  } else {
    port = g;
    port.addEventListener!("message", (event) => {
      if (isShared(event.data)) return adoptModule(event.data.shared, event.data.flavor);
      if (isInit(event.data)) return initSync(event.data.init);
      handle(port, event.data as WorkerRequest);
    });
    port.postMessage({ ready: true });
  }
}

void start();
