/**
 * Loading and owning the WebAssembly core.
 *
 * The builds are embedded (wasm/embedded.js) so nothing needs a URL or a path. The SIMD build is used
 * when the host validates it, the scalar build otherwise (both give identical output).
 * A trap inside the core never escapes: {@link callCore} converts it to a J2kError and discards the
 * instance, and the next call instantiates a fresh one from the cached module.
 * @module
 */
import { scalarWasmBase64, simdWasmBase64 } from "../../wasm/embedded.js";
import { J2kError, coreError, coreErrorDetails } from "../errors.js";
import { memoryLimitError, type MemoryOperation } from "../memory_messages.js";
import type { CoreExports } from "../core_interface.js";

/** Exports of the core (codec/index.ts), typed by the generated src/core_interface.ts. */
export type { CoreExports };

/** Which build is in use. */
export type CoreFlavor = "simd" | "scalar";

let module: WebAssembly.Module | null = null;
let flavor: CoreFlavor | null = null;
let forced: CoreFlavor | null = null;
let instance: CoreExports | null = null;

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const g = globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } };
  if (g.Buffer) return new Uint8Array(g.Buffer.from(b64, "base64"));
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function pickBytes(): { bytes: Uint8Array; flavor: CoreFlavor } {
  const want = forced ?? envFlavor();
  if (want !== "scalar") {
    const simd = base64ToBytes(simdWasmBase64);
    if (WebAssembly.validate(simd)) return { bytes: simd, flavor: "simd" };
  }
  return { bytes: base64ToBytes(scalarWasmBase64), flavor: "scalar" };
}

function envFlavor(): CoreFlavor | null {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = p?.env?.J2KIT_WASM;
  return v === "scalar" || v === "simd" ? v : null;
}

function imports(): WebAssembly.Imports {
  return {
    env: {
      j2kFail(code: number, offset: number, d0: number, d1: number): never {
        throw coreError(code, offset, d0, d1);
      },
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new J2kError("INTERNAL", `internal assertion failed in the j2kit core (line ${line}:${col})`);
      },
      trace(): void {},
      seed(): number {
        return 0x2545f491;
      },
      // stage timers: imported only by the `stages` build (npm run build:stages, bench/stages.mjs)
      j2kStage(stage: number, enter: number): void {
        stageHook?.(stage, enter !== 0);
      },
    },
  };
}

let stageHook: ((stage: number, enter: boolean) => void) | null = null;

/** Benchmarks only: receive the stage marks of a core built with stage timers (npm run build:stages). */
export function setStageHook(hook: ((stage: number, enter: boolean) => void) | null): void {
  stageHook = hook;
}

function instantiateSync(): CoreExports {
  if (!module) {
    const picked = pickBytes();
    try {
      module = new WebAssembly.Module(picked.bytes as BufferSource);
    } catch (e) {
      throw new J2kError(
        "NOT_INITIALIZED",
        "the WebAssembly core could not be compiled synchronously here (browsers forbid it on the main thread): call `await init()` first or use the async API",
        { cause: e },
      );
    }
    flavor = picked.flavor;
  }
  const inst = new WebAssembly.Instance(module, imports());
  return inst.exports as unknown as CoreExports;
}

/**
 * Initialise the core. Optional everywhere except on a browser main thread before using the
 * synchronous API. `moduleOrBytes` lets special hosts (edge runtimes, CSP-restricted pages) supply
 * a precompiled `WebAssembly.Module` or the bytes of `wasm/j2kit.wasm` / `wasm/j2kit.simd.wasm`.
 */
export async function init(moduleOrBytes?: WebAssembly.Module | BufferSource | Response | Promise<Response>): Promise<void> {
  try {
    if (moduleOrBytes === undefined) {
      if (module) return;
      const picked = pickBytes();
      module = await WebAssembly.compile(picked.bytes as BufferSource);
      flavor = picked.flavor;
    } else if (moduleOrBytes instanceof WebAssembly.Module) {
      module = checked(moduleOrBytes);
      flavor = null;
      userModule = module;
    } else {
      const src = await moduleOrBytes;
      const bytes = typeof Response !== "undefined" && src instanceof Response ? await src.arrayBuffer() : (src as BufferSource);
      module = checked(await WebAssembly.compile(bytes));
      flavor = null;
      userModule = module;
    }
  } catch (e) {
    throw initError(e);
  }
  instance = null;
  for (const f of initListeners) f();
}

/** Synchronous counterpart of {@link init} (Node, workers). */
export function initSync(moduleOrBytes?: WebAssembly.Module | BufferSource): void {
  try {
    if (moduleOrBytes instanceof WebAssembly.Module) module = checked(moduleOrBytes);
    else if (moduleOrBytes !== undefined) module = checked(new WebAssembly.Module(moduleOrBytes));
    if (moduleOrBytes !== undefined) {
      userModule = module;
      flavor = null;
    }
    instance = null;
    core();
  } catch (e) {
    throw initError(e);
  }
  for (const f of initListeners) f();
}

/** The module given to init()/initSync(), if any (shared with the worker pool). */
export function initModule(): WebAssembly.Module | null {
  return userModule;
}

/**
 * The compiled core (compiled now, asynchronously, if it is not yet) and its build, for the worker
 * pool: workers receive this `WebAssembly.Module` and only instantiate it, so the module is compiled
 * once per process instead of once per worker.
 */
export async function sharedModule(): Promise<{ module: WebAssembly.Module; flavor: CoreFlavor | null }> {
  await init();
  return { module: module!, flavor };
}

/** In a worker: use the module compiled by the main thread ({@link sharedModule}) and instantiate it now. */
export function adoptModule(m: WebAssembly.Module, f: CoreFlavor | null): void {
  module = m;
  flavor = f;
  instance = null;
  core();
}

/** Call `f` after every successful init()/initSync(). */
export function onInit(f: () => void): void {
  initListeners.push(f);
}

let userModule: WebAssembly.Module | null = null;
const initListeners: Array<() => void> = [];

/** A module that is not j2kit's core (wrong file) is refused before it is used. */
function checked(m: WebAssembly.Module): WebAssembly.Module {
  const names = new Set(WebAssembly.Module.exports(m).map((e) => e.name));
  for (const need of ["memory", "jobBegin", "alloc", "decoderParse", "encoderRun"]) {
    if (!names.has(need)) throw new J2kError("INVALID_ARGUMENT", `the WebAssembly module given to init() is not j2kit's core (no export "${need}"): pass wasm/j2kit.wasm or wasm/j2kit.simd.wasm`);
  }
  return m;
}

function initError(e: unknown): J2kError {
  if (e instanceof J2kError) return e;
  return new J2kError("INVALID_ARGUMENT", `init() could not compile the WebAssembly module: ${String((e as Error)?.message ?? e)}; pass the bytes of wasm/j2kit.wasm or wasm/j2kit.simd.wasm`, { cause: e });
}

/** Force a build for tests and benchmarks ("scalar" or "simd"); resets the instance. */
export function useFlavor(f: CoreFlavor | null): void {
  forced = f;
  module = null;
  instance = null;
  flavor = null;
}

/** The build in use, once loaded. */
export function coreFlavor(): CoreFlavor | null {
  return flavor;
}

/**
 * Give the WebAssembly memory back: linear memory only grows, so after decoding a very large image
 * the instance keeps that much memory. This drops the instance; the next call starts a fresh, small
 * one (the compiled module is kept). Long-running pipelines can call it after an outsized job.
 * This thread's instance only: the asynchronous API's pool workers keep theirs (grown to the largest
 * job each ran) until `terminateWorkers()` stops them.
 */
export function releaseMemory(): void {
  instance = null;
}

/** Bytes of WebAssembly memory the current instance holds (0 if none is live); this thread's, not the pool workers'. */
export function memoryInUse(): number {
  return instance ? instance.memory.buffer.byteLength : 0;
}

/** The live core instance (instantiated on first use). */
export function core(): CoreExports {
  if (!instance) instance = instantiateSync();
  return instance;
}

/**
 * Run `job` against the core with a fresh arena. J2kErrors pass through; a trap (RuntimeError)
 * or host failure becomes a J2kError and the instance is discarded so the next call starts clean.
 */
export function callCore<T>(job: (c: CoreExports) => T, limitBytes?: number, operation: MemoryOperation = "decode"): T {
  const c = core();
  try {
    c.jobBegin();
    c.setMemoryLimit(limitBytes ?? 0xf000_0000);
    return job(c);
  } catch (e) {
    if (!(e instanceof J2kError)) instance = null;
    throw coreFailure(e, c, operation);
  }
}

/**
 * A private core instance with its own linear memory (strip decoding keeps state in it across
 * calls, which the shared instance's jobs would reset). Dropping every reference frees its memory.
 */
export function createCoreInstance(): CoreExports {
  core(); // compiles the module once (and validates the SIMD build)
  return instantiateSync();
}

/**
 * Run `f` on the private instance `c` (no jobBegin): errors become J2kErrors as in {@link callCore}.
 * After a trap the instance must not be used again.
 */
export function guardCore<T>(c: CoreExports, f: () => T, operation: MemoryOperation = "decode"): T {
  try {
    return f();
  } catch (e) {
    throw coreFailure(e, c, operation);
  }
}

/** Any failure inside a core call as a J2kError (memory errors explained, traps as INTERNAL). */
function coreFailure(e: unknown, c: CoreExports, operation: MemoryOperation): J2kError {
  if (e instanceof J2kError) return explainMemoryError(e, c, operation);
  {
    if (e instanceof WebAssembly.RuntimeError) {
      const m = String(e.message);
      if (/memory|grow/i.test(m) && /out of bounds|alloc/i.test(m) === false) {
        return new J2kError("LIMIT_MEMORY", `the WebAssembly core ran out of memory (${m})`, { cause: e });
      }
      return new J2kError("INTERNAL", `the j2kit core trapped (${m}); the instance was reset. Please report this with the input file`, { cause: e });
    }
    if (e instanceof RangeError) {
      return new J2kError("LIMIT_MEMORY", `out of memory: ${e.message}`, { cause: e });
    }
    return new J2kError("INTERNAL", `unexpected failure in the j2kit core: ${String(e)}`, { cause: e });
  }
}

/**
 * A LIMIT_MEMORY raised by the core's allocator, rewritten with the memory in use and advice for
 * `operation` (the core only knows the size of the one allocation that failed). Other errors pass.
 */
export function explainMemoryError(e: J2kError, c: CoreExports, operation: MemoryOperation): J2kError {
  const d = coreErrorDetails(e);
  if (!d || e.code !== "LIMIT_MEMORY" || d.code !== 51) return e;
  let used = 0, limit: number | undefined = d.d1 * 1024, linear = 0;
  try {
    used = c.memoryUsed();
    linear = c.memory.buffer.byteLength;
  } catch {
    /* the instance is unusable: report what the core said */
  }
  if (d.d1 < 0) limit = undefined;
  return memoryLimitError(operation, d.d0 * 1024, used, limit, linear, e);
}

/** Copy `length` bytes into a fresh allocation in the core; returns the pointer. */
export function copyIn(c: CoreExports, bytes: Uint8Array): number {
  const ptr = c.alloc(Math.max(1, bytes.length));
  new Uint8Array(c.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}
