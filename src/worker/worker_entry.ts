/**
 * Body of a j2kit worker (Web Worker or Node worker_threads): runs the synchronous API on the jobs
 * it receives and answers with the result, transferring its buffers.
 * @module
 */
import { decode, decodeTopBand, decodeWithBlocks } from "../decode.js";
import { encode, encodeDetailed } from "../encode.js";
import { codeBlockBatch } from "../encode_threads.js";
import { decodeBand, decodeShare } from "./threads.js";
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

function answer(req: WorkerRequest): { msg: WorkerResponse; transfer: Transferable[] } {
  try {
    if (req.op === "decode") {
      const img = decode(req.bytes, req.options);
      const transfer: Transferable[] = [img.data.buffer as ArrayBuffer];
      for (const d of img.componentData ?? []) if (d.buffer !== img.data.buffer) transfer.push(d.buffer as ArrayBuffer);
      return { msg: { id: req.id, ok: true, result: img }, transfer };
    }
    if (req.op === "share") {
      const r = decodeShare(req.bytes, req.options, req.band, req.bands, req.height);
      return { msg: { id: req.id, ok: true, result: r }, transfer: [r.blocks] };
    }
    if (req.op === "band") {
      const blocks = req.blocks;
      const r = decodeBand(
        req.bytes, req.options, req.band, req.bands, req.height, req.width,
        (b, o, rows) => (blocks ? decodeWithBlocks(b, o, rows, blocks) : rows > 0 ? decodeTopBand(b, o, rows) : decode(b, o)),
        req.cuts,
      );
      const img = r.image;
      const transfer: Transferable[] = [img.data.buffer as ArrayBuffer];
      for (const d of img.componentData ?? []) if (d.buffer !== img.data.buffer) transfer.push(d.buffer as ArrayBuffer);
      return { msg: { id: req.id, ok: true, result: r }, transfer };
    }
    if (req.op === "blocks") {
      const out = codeBlockBatch(req.records, req.samples);
      return { msg: { id: req.id, ok: true, result: out }, transfer: [out] };
    }
    if (req.detailed) {
      const r = encodeDetailed(req.image, req.options);
      return { msg: { id: req.id, ok: true, result: r }, transfer: [r.data.buffer as ArrayBuffer] };
    }
    const out = encode(req.image, req.options);
    return { msg: { id: req.id, ok: true, result: out }, transfer: [out.buffer as ArrayBuffer] };
  } catch (e) {
    const err = e instanceof J2kError ? e : new J2kError("INTERNAL", `worker failure: ${String(e)}`);
    const error = { code: err.code, message: err.message, ...(err.offset !== undefined ? { offset: err.offset } : {}) };
    return { msg: { id: req.id, ok: false, error }, transfer: [] };
  }
}

async function start(): Promise<void> {
  const g = globalThis as unknown as { process?: { versions?: { node?: string } } } & Port;
  let port: Port;
  if (g.process?.versions?.node) {
    const wt = (await import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_WORKER_THREADS)) as unknown as { parentPort: Port | null };
    if (!wt.parentPort) return;
    port = wt.parentPort;
    port.on!("message", (data) => {
      if (isShared(data)) return adoptModule(data.shared, data.flavor);
      if (isInit(data)) return initSync(data.init);
      const { msg, transfer } = answer(data as WorkerRequest);
      port.postMessage(msg, transfer);
    });
    port.postMessage({ ready: true });
  } else {
    port = g;
    port.addEventListener!("message", (event) => {
      if (isShared(event.data)) return adoptModule(event.data.shared, event.data.flavor);
      if (isInit(event.data)) return initSync(event.data.init);
      const { msg, transfer } = answer(event.data as WorkerRequest);
      port.postMessage(msg, transfer);
    });
    port.postMessage({ ready: true });
  }
}

void start();
