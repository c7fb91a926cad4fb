/**
 * The strip decoder's side of the WebAssembly boundary (codec/api_strip.ts): a private core
 * instance holding one codestream, parsed once, and strip sessions over it.
 * @module
 */
import { J2kError } from "../errors.js";
import { createCoreInstance, guardCore, type CoreExports } from "../wasm/load.js";
import { readCoreHeader, type CoreHeader } from "../core_header.js";
import { PlaneField, StripField } from "../core_interface.js";

/** Where a codestream comes from: bytes in memory, or a reader that fills a buffer (a view of WebAssembly memory). */
export type CodestreamInput = Uint8Array | { readonly length: number; readInto(dst: Uint8Array): Promise<void> };

/** One decoded component plane of the current strip (i32 samples in WebAssembly memory). */
export interface StripPlane {
  ptr: number;
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/** Parameters of a session (see codec/api_strip.ts stripBegin). */
export interface SessionParams {
  reduce: number;
  layers: number;
  rx0: number;
  ry0: number;
  rx1: number;
  ry1: number;
  allowPartial: boolean;
  /** Components to decode (indices). */
  components: number[];
  maxCodeBlocks: number;
  rows: number;
  /** Rows of the first strip (default `rows`). */
  first?: number;
  up: number;
}

/** A private core instance with one codestream in its memory. */
export class StripCore {
  private sessionOpen = false;
  private closed = false;
  /** A trap made the instance unusable; or it was handed to another StripCore. */
  private spent = false;
  private mask = 0;

  private constructor(
    readonly c: CoreExports,
    readonly header: CoreHeader,
    /** Bytes of the codestream copy and the parse. */
    readonly baseBytes: number,
    private readonly limitBytes: number,
  ) {}

  /**
   * Copy (or read) the codestream into a fresh instance (or `reuse`, one given up by
   * {@link StripCore.handOver}) and parse its headers.
   */
  static async open(input: CodestreamInput, limitBytes: number, reuse?: CoreExports): Promise<StripCore> {
    const c = reuse ?? createCoreInstance();
    const ptr = StripCore.prepare(c, input.length, limitBytes);
    const dst = new Uint8Array(c.memory.buffer, ptr, input.length);
    if (input instanceof Uint8Array) dst.set(input);
    else await input.readInto(dst);
    return StripCore.parse(c, ptr, input.length, limitBytes);
  }

  /** {@link StripCore.open} for bytes in memory. */
  static openSync(bytes: Uint8Array, limitBytes: number, reuse?: CoreExports): StripCore {
    const c = reuse ?? createCoreInstance();
    const ptr = StripCore.prepare(c, bytes.length, limitBytes);
    new Uint8Array(c.memory.buffer, ptr, bytes.length).set(bytes);
    return StripCore.parse(c, ptr, bytes.length, limitBytes);
  }

  /**
   * @internal Threaded decoding (src/worker/split_decode.ts): a core over `c`, on which the
   * codestream is parsed already (and blocks decoded elsewhere supplied, codec/supplied_blocks.ts);
   * nothing is copied or parsed again. The instance stays the caller's: it is never handed over.
   */
  static parsedOn(c: CoreExports, limitBytes: number): StripCore {
    const core = guardCore(c, () => new StripCore(c, readCoreHeader(c), c.memoryUsed(), limitBytes));
    core.spent = true;
    return core;
  }

  private static prepare(c: CoreExports, length: number, limitBytes: number): number {
    return guardCore(c, () => {
      c.jobBegin();
      c.setMemoryLimit(limitBytes);
      return c.alloc(Math.max(1, length));
    });
  }

  private static parse(c: CoreExports, ptr: number, length: number, limitBytes: number): StripCore {
    return guardCore(c, () => {
      c.decoderParse(ptr, length);
      return new StripCore(c, readCoreHeader(c), c.memoryUsed(), limitBytes);
    });
  }

  /** Open a session; returns the number of strips. The previous session must be ended. */
  begin(p: SessionParams): number {
    this.check();
    if (this.sessionOpen) this.end();
    return this.run(() => {
      const C = this.header.components.length;
      if (this.mask === 0) this.mask = this.c.alloc(C); // before any session: never released
      const view = new Uint8Array(this.c.memory.buffer, this.mask, C);
      view.fill(0);
      for (const i of p.components) view[i] = 1;
      this.sessionOpen = true; // a failed begin is released by end() too
      return this.c.stripBegin(p.reduce, p.layers, p.rx0, p.ry0, p.rx1, p.ry1, p.allowPartial ? 1 : 0, this.mask, p.maxCodeBlocks, p.rows, p.first ?? p.rows, p.up);
    });
  }

  /**
   * Strips of the open session as interleaved samples at {@link StripField.packed} instead of planes
   * (codec/api_strip.ts stripSetPacked: every component, none sub-sampled, `up` 0); before the first strip.
   */
  setPacked(bytesPerSample: number, signed: boolean): void {
    this.check();
    this.run(() => this.c.stripSetPacked(bytesPerSample, signed ? 1 : 0));
  }

  /** Decode the next strip; false when the session has none left. */
  next(): boolean {
    this.check();
    return this.run(() => this.c.stripNext() !== 0);
  }

  info(field: StripField): number {
    return this.c.stripInfo(field);
  }

  plane(component: number): StripPlane {
    const f = (k: PlaneField) => this.c.stripPlane(component, k);
    return { ptr: f(PlaneField.data), x0: f(PlaneField.x0), y0: f(PlaneField.y0), width: f(PlaneField.width), height: f(PlaneField.height) };
  }

  /** Allocate scratch in the current strip (released with the next strip). */
  alloc(bytes: number): number {
    return this.run(() => this.c.alloc(Math.max(1, bytes)));
  }

  /** Release everything the session allocated. */
  end(): void {
    if (!this.sessionOpen || this.closed) return;
    this.c.stripEnd();
    this.sessionOpen = false;
  }

  /** Bytes allocated in the instance now / at most so far; bytes of its linear memory. */
  memory(): { used: number; peak: number; linear: number; limit: number } {
    return { used: this.c.memoryUsed(), peak: this.c.memoryPeak(), linear: this.c.memory.buffer.byteLength, limit: this.limitBytes };
  }

  /** Drop the instance (its memory is freed when collected). */
  close(): void {
    this.closed = true;
  }

  /**
   * The instance of this closed core for another codestream (jobBegin resets its memory), so that
   * decoding codestreams one after another keeps one linear memory instead of one per codestream
   * waiting to be collected; undefined when it is still open, trapped or already handed over.
   */
  handOver(): CoreExports | undefined {
    if (!this.closed || this.spent || this.sessionOpen) return undefined;
    this.spent = true;
    return this.c;
  }

  private check(): void {
    if (this.closed) throw new J2kError("INVALID_ARGUMENT", "the strip decoder is closed");
  }

  private run<T>(f: () => T): T {
    try {
      return guardCore(this.c, f, "decode");
    } catch (e) {
      // after a trap the instance is unusable
      if (e instanceof J2kError && e.code === "INTERNAL") {
        this.closed = true;
        this.spent = true;
      }
      throw e;
    }
  }
}
