/**
 * Several threads on one encode: `encodeAsync(image, { threads })`.
 *
 * T1 (the code-block coder) is 70-90 % of an encode and every code-block is coded independently
 * of the others, so the work is split by code-block, not by region: the calling thread runs the
 * encoder on a private core instance with block coding deferred (codec/encoder.ts, "Threaded
 * encoding"). Wherever the one-thread encoder would code blocks (a tile's blocks, rate control's
 * pilots and early-stopped blocks, blocks coded again for rate control) the core stops and lists
 * them; {@link encodeThreaded} copies each listed block's transformed samples into batches, workers
 * of j2kit's pool code them with the core's `blockCoderRun` — the function the one-thread encoder
 * calls, codec/encode_block.ts — and the results are installed in list order before the core goes
 * on. MCT, DWT, rate control and T2 stay on the calling thread, exactly as in `encode`, so the
 * codestream is the same bytes. `threads` counts the calling thread: it codes listed blocks itself
 * wherever it would wait (straight from its core's memory: no copies, no messages), beside
 * threads - 1 workers.
 *
 * Nothing here needs SharedArrayBuffer: batches and results travel as transferred ArrayBuffers,
 * every worker owns its instance. So the threaded path works in every browser with module workers,
 * cross-origin isolated or not, and falls back to one thread where there are no workers. (Where a
 * SharedArrayBuffer can be posted — Node, cross-origin isolated pages — a tile's raw rows go in a
 * kept one instead: PlaneOffload.startRaw, rawBuffer.)
 * @module
 */
import type { CoreExports } from "./core_interface.js";
import { BlockInfo, DeferredBlock, EncoderInfo, EncoderTileField } from "./core_interface.js";
import { J2kError } from "./errors.js";
import { callCore, core, createCoreInstance, guardCore } from "./wasm/load.js";
import { coreCount, jobsPending, runInWorker, workerPoolInfo, workersReady, type WorkerGroup } from "./worker/pool.js";
import { callerMayWork } from "./worker/threads.js";
import { splitBottom, splitTileDwt, type SplitGeometry, type SplitResult } from "./worker/encode_split.js";

/** Images with at least this many pixels are encoded on every core when `threads` is not given. */
export const ENCODE_THREADED_MIN_PIXELS = 1_000_000;
/** A batch sent to a worker holds about this many samples (4 bytes each) at most (plus one block: the core's stage). */
const BATCH_SAMPLES = DeferredBlock.stageSamples - 4096;
/** The last batches of a list get smaller, down to this many samples (four 64 x 64 blocks). */
const TAIL_BATCH_SAMPLES = 4 * 4096;
/**
 * A drain's first batch per thread holds at most this many samples (16 blocks of 64 x 64: packed
 * in a small fraction of the time they take to code), its second at most twice that.
 */
const RAMP_SAMPLES = 16 * 4096;
/**
 * Batches a worker holds at once while this thread waits for them (drain) when the pool has no
 * more workers than threads: the next batch waits in the worker's port, so a worker that finishes
 * one goes on at once while this thread installs the other's results. (Batches listed where this
 * thread goes on with a step of its own — the next component's DWT — are all sent at once: this
 * thread cannot hand out more until the step is done.)
 */
const BATCHES_PER_WORKER = 2;

/**
 * Threads for an encode of `pixels` pixels: `threads` when given, else every core for images of at
 * least {@link ENCODE_THREADED_MIN_PIXELS} pixels while no other asynchronous job is pending, else 1.
 * Returns 1 where no worker can start.
 */
export async function encodeThreadCount(pixels: number, threads: number | undefined): Promise<number> {
  const n = threads ?? (pixels >= ENCODE_THREADED_MIN_PIXELS && jobsPending() === 0 ? await coreCount() : 1);
  if (n < 2) return 1;
  return (await workersReady()) ? n : 1;
}

/**
 * What encode steps wait for at a `yield` (src/encode.ts settle): "dispatch" and "drain" the listed
 * blocks; "offload": a tile's samples are in the core, final, before its encoderTileCode (a worker
 * may transform a component meanwhile, {@link PlaneOffload}); "split": a one-component tile before
 * its samples are unpacked, rows offered for a split (src/worker/encode_split.ts offerSplitRows).
 */
export type BlockWait = "dispatch" | "drain" | "offload" | "split";

/**
 * A tile's interleaved rows as the caller gave them, before this thread unpacks them (src/encode.ts
 * encodeTiles, 9/7 with the ICT): rows of `rowBytes` bytes, `rowStride` bytes apart from byte
 * `first` of `data`; `components` samples of `bps` bytes per pixel, `width` pixels, each sample's
 * DC level shift `dc`.
 */
export interface RawTile {
  data: Uint8Array;
  first: number;
  rowBytes: number;
  rowStride: number;
  rows: number;
  components: number;
  bps: 1 | 2 | 4;
  signed: boolean;
  width: number;
  dc: number;
  /** The tile's MCT (codec encoderTileMct): 1 the RCT (i32 samples), 2 the ICT (f32). */
  mct: number;
  /** Unpack the components the worker took (rawOffload's answer) into their tile buffers on this thread after all (the worker failed). */
  refill(): void;
  /** The tile's index (encoderTileInput's). */
  tile: number;
  /** The encode's finest layer compression ratio (0: no ratios given: a quality, PSNR targets or a fixed step). */
  ratio: number;
}

/** What the encode steps ask of the driver synchronously (threaded encoding only). */
export interface EncodeHooks {
  /**
   * A worker may unpack component 1 of the tile (its MCT output), and with the ICT component 2 too,
   * from the raw rows and transform them (the tile's offload, {@link PlaneOffload}). Returns the
   * components it will unpack (bit i: component i; 0: none), which this thread then does not unpack
   * (it calls refill if the worker fails).
   */
  rawOffload(t: RawTile): number;
}

/**
 * A private instance kept from the last threaded encode (its memory is already grown and touched:
 * a fresh one spends a good part of the serial work on page faults), valid while the shared
 * instance it was made beside is the live one (init(), useFlavor() and releaseMemory() replace that,
 * so the spare is dropped at the next threaded encode).
 */
let spare: { c: CoreExports; beside: CoreExports } | null = null;

/**
 * @internal Tests: the early-stop mode of the threaded encodes that follow (the core's
 * encoderSetEarlyStop on their instance; n > 1 stops n times too early, so that blocks are sent
 * back and resume in the workers), and what the last one counted (the core's encoderEarlyStops:
 * blocks stopped, coded again; blocks resumed where they stopped, in the workers or on the calling thread), and which HT paths it
 * took (encoderEarlyStops 7-10: htLowCode runs, coarser low steps, recodes, recodes listed for the workers),
 * how many tile-components a worker transformed ({@link PlaneOffload}) and how many of them it kept
 * (coding their blocks from there), how many of those it unpacked from the raw rows itself
 * ({@link PlaneOffload.startRaw}) and of how many tiles that component's blocks were listed at once
 * (codec/encoder.ts encodeTileLead), how many one-component tiles a worker transformed in part and
 * kept that part (src/worker/encode_split.ts), how many blocks the calling
 * thread coded itself, on how many workers the others were coded and how many it could use
 * (`allowed`: the encode's worker group's size; which of them took jobs depends on timing). `breakRaw`: the raw rows go
 * with a geometry the worker refuses (the calling thread unpacks the component after all); `lost`:
 * batches of such a plane the worker had been sent and answered `missing` (coded on the calling thread).
 * `rawPlanes`: the planes a worker makes from raw rows (1: component 1, 2: components 1 and 2; 0:
 * as {@link rawPlanes} chooses); `rawComps`: the components the last encode handed over as raw rows
 * (bit i: component i). `shared` false: the raw rows go in a transferred ArrayBuffer even where a
 * SharedArrayBuffer could take them (the fallback, {@link rawBuffer}); `rawShared`: whether the last
 * encode's raw rows went in a SharedArrayBuffer; `wholeRaw`: they are all copied before the job goes
 * (else, shared, a part at a time after it, {@link RawRows.progress}).
 */
export const threadedEarlyStops = { mode: 1, stopped: 0, recoded: 0, resumed: 0, ht: [0, 0, 0, 0], offloaded: 0, kept: 0, raw: 0, lead: 0, split: 0, local: 0, workers: 0, allowed: 0, breakRaw: false, lost: 0, rawPlanes: 0, rawComps: 0, shared: true, rawShared: false, wholeRaw: false };

/**
 * Run encode steps (src/encode.ts encodeSteps with deferral on) on a private core instance, coding
 * the listed blocks on up to `threads` workers at a time. Resolves with the steps' result.
 * Every failure is a J2kError (a worker that dies fails the encode; nothing waits for it).
 */
export async function encodeThreaded<T>(steps: (c: CoreExports, hooks: EncodeHooks) => Generator<BlockWait, T>, threads: number): Promise<T> {
  // a private instance: other calls on this thread (sync encode/decode) reset the shared one's arena
  const c = spare && spare.beside === core() ? spare.c : createCoreInstance();
  spare = null;
  const coder = new BlockBatches(c, threads);
  const kept: number[] = [];
  // an offload started from a tile's raw rows, before the tile is unpacked (taken at its "offload")
  let early = null as PlaneOffload | null;
  // raw-row offloads told to the core at once (PlaneOffload.commitRaw), their tile's "offload" to come
  const committed: PlaneOffload[] = [];
  let lead = null as PlaneOffload | null;
  let leads = 0;
  let rawComps = 0;
  let rawShared = false;
  const hooks: EncodeHooks = {
    rawOffload: (t) => {
      early?.abandon(false);
      lead = null;
      early = coder.group.max === 1 ? PlaneOffload.startRaw(c, coder.group, t, rawPlanes(t)) : null;
      if (!early) return 0;
      const taken = early.comps;
      rawComps |= taken;
      rawShared ||= early.shared;
      kept.push(early.token);
      // (told to the core now, and its blocks listed at once — they need none of the tile's samples,
      // codec/encoder.ts encodeTileLead — and sent behind the worker's transform: it codes them as
      // soon as that is done, not after this thread has unpacked the other components, 6-10 ms
      // later on saw since the transform is fed from the rows; the tile's samples are not given
      // again before this tile's "offload")
      coder.held = null;
      coder.resident = null;
      if (early.commitRaw(coder)) {
        committed.push(early);
        lead = early;
        early = null;
        if (guardCore(c, () => c.encoderTileLead(t.tile), "encode") === 1) {
          leads++;
          coder.dispatch();
        }
      }
      return taken;
    },
  };
  const g = guardCore(c, () => {
    c.jobBegin();
    c.setMemoryLimit(0xf000_0000);
    c.encoderSetEarlyStop(threadedEarlyStops.mode);
    return steps(c, hooks);
  }, "encode");
  let r = guardCore(c, () => g.next(), "encode");
  let offload: PlaneOffload | null = null;
  let offloaded = 0;
  let splits = 0;
  let keptUsed = 0;
  let rawUsed = 0;
  try {
    while (!r.done) {
      if (r.value === "drain") {
        offload?.abandon(true); // (the core went on without the plane: it transforms the component itself)
        offload = null;
        await coder.drain();
      } else if (r.value === "offload") {
        if (lead) lead = null; // (committed at the hand-off: rawOffload)
        else {
          coder.held = null; // (the tile's samples were given again)
          coder.resident = null;
          if (early?.commitRaw(coder)) committed.push(early);
          else if (early) offload = early;
          else {
            offload = PlaneOffload.start(c, coder.group, coder.group.max === 1);
            if (offload?.token) kept.push(offload.token);
          }
          early = null;
        }
      } else if (r.value === "split") {
        // one component: its rows unpacked and transformed in part by the worker, which keeps them
        // (src/worker/encode_split.ts; nothing done when no split applies)
        coder.held = null;
        coder.resident = null;
        const split = await splitTileDwt(c, coder.group, nextResidentToken);
        if (split) {
          kept.push(nextResidentToken++);
          coder.resident = split.resident;
          if (split.resident) splits++;
        }
      } else {
        // (the worker transforming a component codes nothing meanwhile: this thread codes the
        // listed blocks until the plane is back)
        if (offload?.due()) await coder.codeUntil(offload.settled);
        // (a plane the worker keeps: its component's blocks, listed at the next dispatch, go to the
        // worker first — only it can code them — and the blocks listed so far after them, within
        // the budget; sent now, they came first, and this thread, done with the blocks it kept,
        // waited for the worker's)
        if (!(offload?.due() && offload.token !== 0)) coder.dispatch();
        // (a component's DWT done by a worker goes in before the core goes on to that component)
        if (offload && (await offload.beforeNext())) {
          if (offload.held || offload.resident) {
            offloaded++;
            if (offload.resident) keptUsed++;
            if (offload.resident && offload.fromRaw) rawUsed++;
            coder.held = offload.held;
            coder.resident = offload.resident;
          }
          offload = null;
        }
      }
      r = guardCore(c, () => g.next(), "encode");
    }
  } finally {
    coder.resident = null; // (a raw-row offload failing after this: nothing to recover)
    offload?.abandon(false);
    early?.abandon(false);
    // (the worker may drop the planes it kept: after every job of this encode, on the same worker;
    // not where the pool was stopped meanwhile: that would start workers again)
    if (workerPoolInfo().workers > 0) for (const token of kept) void runInWorker({ op: "release", token }, [], 1, 1, coder.group).catch(() => undefined);
  }
  threadedEarlyStops.stopped = c.encoderEarlyStops(0);
  threadedEarlyStops.recoded = c.encoderEarlyStops(1);
  threadedEarlyStops.resumed = coder.resumed;
  threadedEarlyStops.ht = [7, 8, 9, 10].map((w) => c.encoderEarlyStops(w));
  const made = committed.filter((o) => !o.lost).length;
  threadedEarlyStops.offloaded = offloaded + made;
  threadedEarlyStops.kept = keptUsed + made;
  threadedEarlyStops.raw = rawUsed + made;
  threadedEarlyStops.lead = leads;
  threadedEarlyStops.rawComps = rawComps;
  threadedEarlyStops.rawShared = rawShared;
  threadedEarlyStops.split = splits;
  threadedEarlyStops.local = coder.local_;
  threadedEarlyStops.lost = coder.lostBatches;
  threadedEarlyStops.workers = coder.group.slots?.size ?? 0;
  threadedEarlyStops.allowed = coder.group.max;
  if (coder.held) sparePlane = coder.held.data;
  spare = { c, beside: core() }; // (only after success: a failed instance is dropped)
  return r.value;
}

/** Where a tile-component's samples are and how the encoder transforms them (forwardDwt's arguments). */
export interface PlaneGeometry {
  /** Row stride of the buffer, samples per row, rows (the buffer holds stride x height samples). */
  stride: number;
  width: number;
  height: number;
  /** The tile-component's top-left corner on the component grid (the resolutions' bounds follow, B-14). */
  x0: number;
  y0: number;
  levels: number;
  /** 5/3 on i32 samples, else 9/7 on f32. */
  reversible: boolean;
}

/** Samples of a plane's DWT per unit of weight (a sample of block coding) in the pool ({@link runInWorker}). */
const DWT_WEIGHT = 10;

/** Tokens of planes workers keep ({@link PlaneOffload} with `keep`). */
let nextResidentToken = 1;

/** A tile-component's transformed plane a worker keeps: the core's bytes [start, end) are its samples before the DWT. */
interface ResidentPlane {
  token: number;
  start: number;
  end: number;
  /** Only the blocks (by their first sample's address) it says yes to lie in the worker's plane (a split, encode_split.ts); else all in [start, end). */
  owns?: (src: number) => boolean;
}

/** A buffer for a plane sent to a worker, kept for the next encode (writing into pages already touched is several times faster). */
let sparePlane: ArrayBuffer | null = null;

/**
 * Raw-row buffers ({@link PlaneOffload.startRaw}) kept for the next encodes where a
 * SharedArrayBuffer can go to a worker ({@link rawBuffer}). A SharedArrayBuffer's memory is posted,
 * not transferred: the same buffer serves every encode, and, unlike an ArrayBuffer moved to the
 * worker and back (saw: 18 MB each way per encode), it counts nowhere as newly allocated external
 * memory — V8 starts concurrent collections on that count ("external memory pressure"), and their
 * helper threads take CPU time from the encode's two threads. A buffer is in this list only while
 * no encode uses it (taken out for the raw rows, put back when the worker has answered: it read
 * the rows before), so concurrent encodes never share one; at most {@link SHARED_RAW_KEEP} buffers
 * and {@link SHARED_RAW_MAX_BYTES} bytes are kept, and all are dropped after
 * {@link SHARED_RAW_IDLE_MS} ms without a threaded encode.
 */
const sharedRaw: { spare: SharedArrayBuffer[]; drop: ReturnType<typeof setTimeout> | undefined } = { spare: [], drop: undefined };
/** Bytes of raw rows copied between two publications of the progress word ({@link PlaneOffload.startRaw}, {@link RawRows.progress}). */
const RAW_PART_BYTES = 1 << 20;
/** A worker waits at most this long for raw rows the calling thread has yet to copy (it copies them right after posting the job). */
const RAW_WAIT_MS = 10_000;

/** Raw-row buffers kept at most (one per concurrent threaded encode: two at once is already unusual). */
const SHARED_RAW_KEEP = 2;
/** Bytes of raw-row buffers kept at most (a larger buffer is dropped after its encode). */
const SHARED_RAW_MAX_BYTES = 128 << 20;
/** Kept raw-row buffers are dropped (their memory given back) after this many ms without a threaded encode using one. */
const SHARED_RAW_IDLE_MS = 5000;

/**
 * A buffer of at least `bytes` bytes for a tile's raw rows: a SharedArrayBuffer (a kept one, the
 * smallest that fits, or a new one) where this platform has it and can post it to workers — Node,
 * and cross-origin isolated pages (`crossOriginIsolated`; elsewhere browsers leave
 * SharedArrayBuffer undefined or refuse to post it) — and {@link threadedEarlyStops}.shared allows
 * it; else null: the rows go in an ArrayBuffer transferred to the worker and back (the fallback).
 */
function rawBuffer(bytes: number): SharedArrayBuffer | null {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  if (!threadedEarlyStops.shared || typeof g.SharedArrayBuffer !== "function" || g.crossOriginIsolated === false) return null;
  const list = sharedRaw.spare;
  let best = -1;
  for (let i = 0; i < list.length; i++) if (list[i]!.byteLength >= bytes && (best < 0 || list[i]!.byteLength < list[best]!.byteLength)) best = i;
  if (best >= 0) return list.splice(best, 1)[0]!;
  try {
    return new SharedArrayBuffer(bytes);
  } catch {
    return null; // (e.g. no memory for it: the ArrayBuffer path will say so, or manage)
  }
}

/** A raw-row buffer back from its encode's worker (which answered: it no longer reads it), kept for the next encodes ({@link sharedRaw}). */
function keepRawBuffer(b: SharedArrayBuffer): void {
  const list = sharedRaw.spare;
  if (b.byteLength > SHARED_RAW_MAX_BYTES) return;
  list.push(b);
  // (the smallest go first: the next encode of the same image needs the larger)
  list.sort((x, y) => y.byteLength - x.byteLength);
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    total += list[i]!.byteLength;
    if (i >= SHARED_RAW_KEEP || total > SHARED_RAW_MAX_BYTES) {
      list.length = i;
      break;
    }
  }
  if (sharedRaw.drop !== undefined) clearTimeout(sharedRaw.drop);
  sharedRaw.drop = setTimeout(dropRawBuffers, SHARED_RAW_IDLE_MS);
  (sharedRaw.drop as { unref?: () => void }).unref?.();
}

function dropRawBuffers(): void {
  if (sharedRaw.drop !== undefined) clearTimeout(sharedRaw.drop);
  sharedRaw.drop = undefined;
  sharedRaw.spare.length = 0;
}

/** @internal Tests: the byte sizes of the raw-row buffers kept ({@link sharedRaw}); `drop` empties the list first. */
export function rawBuffersKept(drop = false): number[] {
  if (drop) dropRawBuffers();
  return sharedRaw.spare.map((b) => b.byteLength);
}

/** What goes in a job's transfer list for `b`: nothing for a SharedArrayBuffer (posted, never transferred), else `b`. */
export function transferOf(b: ArrayBufferLike): Transferable[] {
  return isShared(b) ? [] : [b as ArrayBuffer];
}

function isShared(b: ArrayBufferLike): boolean {
  return Object.prototype.toString.call(b) === "[object SharedArrayBuffer]";
}

/**
 * A tile-component's forward DWT done in a worker while this thread transforms the others
 * (codec/api_encoder.ts encoderTileDwtOffload): component 1 of the tile, sent when the tile's
 * samples are final, so that it is transformed beside component 0 and its pilots are listed right
 * after component 0's. The workers code both components' pilots while this thread transforms the
 * rest (the workers wait for the pilots of every component before most blocks can be coded; with
 * the last component sent instead, its pilots came only after this thread had transformed all the
 * others, and the workers ran out of pilots meanwhile). The plane comes back before the core goes
 * on to that component (the dispatch after the component before it) and stays here: the core is
 * told that the component is transformed, and its blocks' samples are packed from the plane
 * ({@link BlockBatches.held}; the core reads a tile's transformed samples only to pack them, and
 * the plane's copy into the core, 4 bytes per sample on the serial path, is saved). When no worker
 * can take it, or it fails, the core transforms the component itself (nothing was changed in it).
 */
class PlaneOffload {
  private dispatches = 0;
  private done = false;
  /** The plane came back (the core skips that component's DWT; its blocks are packed from here). */
  held: HeldPlane | null = null;
  /** Or the worker kept it (its blocks are coded there, from the plane it holds). */
  resident: ResidentPlane | null = null;

  private constructor(
    private readonly c: CoreExports,
    private readonly comp: number,
    private readonly buffer: number,
    private readonly bytes: number,
    private readonly result: Promise<ArrayBufferLike | undefined>,
    /** The token the worker keeps the plane under (0: it sends it back transformed). */
    readonly token: number,
    /**
     * Sent as raw rows ({@link startRaw}): the buffer that comes back is theirs (`answer` bytes); the
     * components' tile buffers were never filled, `refill` fills them; `geometry`: component 1's;
     * `second`: component 2's, its buffer `at` bytes after component 1's (the worker made it too).
     */
    private readonly raw: { answer: number; refill: () => void; geometry: PlaneGeometry; second?: SecondPlane } | null = null,
    /** The raw rows' buffer where it is a SharedArrayBuffer ({@link rawBuffer}): kept again once the worker has answered. */
    private readonly sharedRows: SharedArrayBuffer | null = null,
  ) {
    void result.then(() => (this.settled.now = true));
  }

  /** The raw rows went in a SharedArrayBuffer ({@link rawBuffer}). */
  get shared(): boolean {
    return this.sharedRows !== null;
  }

  /**
   * The worker answered with `plane` (the buffer sent, transformed or as it came): keep it for the
   * next encode ({@link sparePlane}, or the raw-row buffers where the rows went in a
   * SharedArrayBuffer: the worker is done reading it).
   */
  private keepBuffer(plane: ArrayBufferLike): void {
    if (this.sharedRows) keepRawBuffer(this.sharedRows);
    else sparePlane = plane as ArrayBuffer;
  }

  /** The worker unpacks the component from the tile's raw rows ({@link startRaw}). */
  get fromRaw(): boolean {
    return this.raw !== null;
  }

  /** The tile's components the worker makes (bit i: component i). */
  get comps(): number {
    return (1 << this.comp) | (this.raw?.second ? 1 << (this.comp + 1) : 0);
  }

  /** Geometry of the tile's component k and where its buffer lies (null: none, or not in the core's memory). */
  private static geometry(c: CoreExports, k = 1): { geometry: PlaneGeometry; buffer: number; bytes: number } | null {
    if (c.encoderTileComp(k, EncoderTileField.buffer) < 0) return null;
    const f = (field: EncoderTileField) => c.encoderTileComp(k, field);
    const geometry: PlaneGeometry = {
      stride: f(EncoderTileField.stride), width: f(EncoderTileField.width), height: f(EncoderTileField.height),
      x0: f(EncoderTileField.x0), y0: f(EncoderTileField.y0), levels: c.encoderTileCompLevels(k), reversible: f(EncoderTileField.reversible) !== 0,
    };
    const buffer = f(EncoderTileField.buffer);
    const bytes = geometry.stride * geometry.height * 4;
    if (!(geometry.levels >= 1 && geometry.width >= 1 && geometry.height >= 1 && bytes > 0 && buffer > 0 && buffer + bytes <= c.memory.buffer.byteLength)) return null;
    return { geometry, buffer, bytes };
  }

  /**
   * Send the tile's raw rows to the worker (the encode's jobs run on one worker), before this
   * thread unpacks them: the worker unpacks component 1 (its MCT output, the same functions per
   * row), with `planes` 2 component 2 too (in the same pass over the rows), and transforms and keeps
   * them, as {@link start} with `keep` does from the unpacked plane. This thread's serial start
   * shrinks to one copy of the raw rows (no plane copy after the unpack, no MCT output for those
   * components written here), and the worker starts at once.
   */
  static startRaw(c: CoreExports, group: WorkerGroup, t: RawTile, planes: 1 | 2): PlaneOffload | null {
    const p = PlaneOffload.geometry(c);
    if (!p || p.geometry.reversible !== (t.mct === 1) || (t.mct !== 1 && t.mct !== 2) || t.width !== p.geometry.width || t.rows !== p.geometry.height) return null;
    const bytes = t.rows * t.rowBytes;
    if (!(t.components >= 3 && t.rowBytes === t.width * t.components * t.bps && t.rowStride >= t.rowBytes && t.first >= 0 && t.first + (t.rows - 1) * t.rowStride + t.rowBytes <= t.data.length)) return null;
    // component 2 too: its buffer follows component 1's in the core (encoderTilesBegin allocates them
    // in order), so the worker keeps both as one range, [component 1's start, component 2's end)
    let second: SecondPlane | undefined, span = p.bytes;
    const q = planes === 2 ? PlaneOffload.geometry(c, 2) : null;
    if (q && q.buffer - p.buffer >= p.bytes && (q.buffer - p.buffer) % 4 === 0 && q.geometry.stride === p.geometry.stride && q.geometry.width === t.width && q.geometry.height === t.rows && q.geometry.reversible === p.geometry.reversible) {
      second = { geometry: q.geometry, at: q.buffer - p.buffer };
      span = second.at + q.bytes;
    }
    // (shared: the rows, then a word for the rows copied so far, RawRows.progress)
    const progressAt = (bytes + 7) & ~7;
    const shared = rawBuffer(progressAt + 8);
    let buf: ArrayBufferLike;
    if (shared) buf = shared;
    else {
      buf = sparePlane && sparePlane.byteLength >= bytes ? sparePlane : new ArrayBuffer(bytes);
      sparePlane = null;
    }
    const to = new Uint8Array(buf, 0, bytes);
    const copy = (from: number, n: number): void => {
      if (t.rowStride === t.rowBytes) to.set(t.data.subarray(t.first + from * t.rowBytes, t.first + (from + n) * t.rowBytes), from * t.rowBytes);
      else for (let y = from; y < from + n; y++) to.set(t.data.subarray(t.first + y * t.rowStride, t.first + y * t.rowStride + t.rowBytes), y * t.rowBytes);
    };
    const progress = shared && !threadedEarlyStops.wholeRaw ? new Int32Array(shared, progressAt, 1) : null;
    if (progress) Atomics.store(progress, 0, 0);
    else copy(0, t.rows);
    const rows: RawRows = {
      rows: threadedEarlyStops.breakRaw ? -1 : t.rows, rowBytes: t.rowBytes, components: t.components, bps: t.bps, signed: t.signed, width: t.width, dc: t.dc, mct: t.mct,
      ...(second ? { second } : {}), ...(progress ? { progress: progressAt } : {}),
    };
    const token = nextResidentToken++;
    // (a SharedArrayBuffer is not in the transfer list: posted, both threads see the same memory;
    // this thread writes it again only after the worker's answer, keepBuffer)
    const result = runInWorker<ArrayBufferLike>({ op: "dwt", plane: buf, geometry: p.geometry, keep: token, raw: rows }, transferOf(buf), 1, ((second ? 2 : 1) * p.geometry.width * p.geometry.height) / DWT_WEIGHT, group).catch(() => undefined);
    if (progress) {
      // the rows are copied after the job went, a part at a time, each part published in the
      // progress word (the worker reads a part's rows once the word says they are there, waiting
      // for them otherwise): the worker starts on the first rows while this thread copies the
      // others (saw: 18 MB, ~3.5 ms, which the worker idled before). This thread never waits for
      // the worker here, and the word says -1 (the worker fails the job) if the copy throws.
      const part = Math.max(1, Math.floor(RAW_PART_BYTES / t.rowBytes));
      let done = 0;
      try {
        for (; done < t.rows; ) {
          const n = Math.min(part, t.rows - done);
          copy(done, n);
          done += n;
          Atomics.store(progress, 0, done);
          Atomics.notify(progress, 0);
        }
      } finally {
        if (done < t.rows) {
          Atomics.store(progress, 0, -1);
          Atomics.notify(progress, 0);
        }
      }
    }
    return new PlaneOffload(c, 1, p.buffer, span, result, token, { answer: bytes, refill: t.refill, geometry: p.geometry, ...(second ? { second } : {}) }, shared);
  }

  /**
   * Send the tile's component 1 to a worker (null when the tile has one component or nothing can
   * go). `keep` (the encode's jobs run on one worker): the worker keeps the transformed plane and
   * codes its blocks from it (no plane back, no block samples out and in).
   */
  static start(c: CoreExports, group: WorkerGroup, keep: boolean): PlaneOffload | null {
    const k = 1;
    const p = PlaneOffload.geometry(c);
    if (!p) return null;
    const { geometry, buffer, bytes } = p;
    const plane = sparePlane && sparePlane.byteLength >= bytes ? sparePlane : new ArrayBuffer(bytes);
    sparePlane = null;
    new Uint8Array(plane, 0, bytes).set(new Uint8Array(c.memory.buffer, buffer, bytes));
    // (weight: a DWT costs about a tenth of the block coding of as many samples)
    const token = keep ? nextResidentToken++ : 0;
    const result = runInWorker<ArrayBuffer>({ op: "dwt", plane, geometry, ...(keep ? { keep: token } : {}) }, [plane], 1, (geometry.width * geometry.height) / DWT_WEIGHT, group).catch(() => undefined);
    return new PlaneOffload(c, k, buffer, bytes, result, token);
  }

  /** The worker's answer is there (or the job failed). */
  readonly settled = { now: false };

  /** The next dispatch waits for the plane ({@link beforeNext}). */
  due(): boolean {
    return !this.done && this.dispatches + 1 >= this.comp;
  }

  /**
   * At a dispatch of the tile's components: before the core goes on to the offloaded component
   * (the dispatch after the one before it), wait for the plane, copy it in and tell the core.
   * Returns true when done with (installed, or left to the core).
   */
  async beforeNext(): Promise<boolean> {
    if (++this.dispatches < this.comp) return false;
    this.done = true;
    const plane = await this.result;
    if (!plane || plane.byteLength < (this.raw ? this.raw.answer : this.bytes)) {
      // (the core transforms the component itself: from its buffer, filled here first if the worker had the raw rows)
      if (this.raw) guardCore(this.c, this.raw.refill, "encode");
      return true;
    }
    // (the core goes on to this component next: it has not transformed it from its unfilled buffer)
    if (this.raw && this.c.encoderResumeState() !== 1) throw new J2kError("INTERNAL", "threaded encode: a component unpacked in a worker was needed before it came back");
    guardCore(this.c, () => {
      this.c.encoderTileDwtApplied(this.comp);
      if (this.raw?.second) this.c.encoderTileDwtApplied(this.comp + 1);
    }, "encode");
    if (this.token) {
      this.resident = { token: this.token, start: this.buffer, end: this.buffer + this.bytes };
      this.keepBuffer(plane); // (it came back as it went)
    } else this.held = { start: this.buffer, end: this.buffer + this.bytes, data: plane as ArrayBuffer };
    return true;
  }

  /**
   * At the tile's "offload" (before its encoderTileCode), for a plane sent as raw rows: tell the core
   * now that the component is transformed (its blocks are then listed first, codec/encoder.ts
   * pipeLead, and go to the worker at once: it codes them as soon as its DWT is done, while this
   * thread transforms the other components; before, they were listed only after this thread's DWT of
   * component 0, and the worker waited for them). Its blocks are coded in the worker, from the plane
   * it keeps ({@link resident}, given to `coder`). If the worker fails (its answer says so before any
   * answer to a batch of those blocks: one worker, in order), `lost` runs: this thread unpacks and
   * transforms the component into its tile buffer after all ({@link recoverRaw}) and codes those
   * blocks itself ({@link BlockBatches.residentLost}). Returns false where that does not apply.
   */
  commitRaw(coder: BlockBatches): boolean {
    if (!this.raw || !this.token || this.done) return false;
    this.done = true;
    guardCore(this.c, () => {
      this.c.encoderTileDwtApplied(this.comp);
      if (this.raw!.second) this.c.encoderTileDwtApplied(this.comp + 1);
    }, "encode");
    const resident: ResidentPlane = { token: this.token, start: this.buffer, end: this.buffer + this.bytes };
    this.resident = resident;
    coder.resident = resident;
    void this.result.then((plane) => {
      if (plane && plane.byteLength >= this.raw!.answer) {
        this.keepBuffer(plane); // (it came back as it went)
        return;
      }
      this.lost = true;
      coder.residentLost(resident, () => this.recoverRaw());
    });
    return true;
  }

  /** A plane committed by {@link commitRaw} that the worker never made (this thread made it instead). */
  lost = false;

  /** The components unpacked from the raw rows and transformed on this thread, into their tile buffers (the worker failed). */
  private recoverRaw(): void {
    const raw = this.raw!;
    guardCore(this.c, raw.refill, "encode");
    for (const { geometry, at } of [{ geometry: raw.geometry, at: 0 }, ...(raw.second ? [raw.second] : [])]) {
      const bytes = geometry.stride * geometry.height * 4, from = this.buffer + at;
      const plane = new ArrayBuffer(bytes);
      new Uint8Array(plane).set(new Uint8Array(this.c.memory.buffer, from, bytes));
      transformPlane(plane, geometry);
      new Uint8Array(this.c.memory.buffer, from, bytes).set(new Uint8Array(plane));
    }
  }

  /**
   * The encode ended (or failed) first, or (`goesOn`) the core goes on without the plane: keep the
   * plane's buffer when it comes back; if the worker had the raw rows and the core goes on, fill the
   * component's buffer here (the core transforms it itself).
   */
  abandon(goesOn: boolean): void {
    if (this.done) return;
    this.done = true;
    if (goesOn && this.raw) guardCore(this.c, this.raw.refill, "encode");
    void this.result.then((plane) => {
      if (plane) this.keepBuffer(plane);
    });
  }
}

/**
 * Worker side of {@link PlaneOffload}: the forward DWT of the plane (stride x height samples, i32 for
 * the 5/3, f32 for the 9/7) with the kernels and order of the encoder's forwardDwt (codec/encoder.ts):
 * each resolution from the highest down, its bounds from the tile-component's (B-14), the sub-bands
 * left in the quadrant layout. Returns the plane, transformed in place.
 */
export function transformPlane(plane: ArrayBuffer, g: PlaneGeometry): ArrayBuffer {
  const bytes = planeBytes(plane, g);
  callCore((c) => {
    const buf = transformInto(c, plane, g, bytes);
    new Uint8Array(plane, 0, bytes).set(new Uint8Array(c.memory.buffer, buf, bytes));
  }, undefined, "encode");
  return plane;
}

/** Bytes of a plane of geometry `g` (checked against its buffer's `capacity` bytes). */
function planeBytes(plane: ArrayBuffer | null, g: PlaneGeometry, capacity = plane?.byteLength ?? 0): number {
  const ok = (n: number) => Number.isInteger(n) && n >= 0 && n < 2 ** 31;
  if (!(ok(g.stride) && ok(g.width) && ok(g.height) && ok(g.x0) && ok(g.y0) && ok(g.levels) && g.levels <= 32 && g.width <= g.stride && g.width >= 1 && g.height >= 1 && g.stride * g.height * 4 <= capacity)) {
    throw new J2kError("INTERNAL", "threaded encode: a plane's geometry does not fit its buffer");
  }
  return g.stride * g.height * 4;
}

/** The plane copied into instance `c` (after its jobBegin) and transformed there; returns where it lies. */
function transformInto(c: CoreExports, plane: ArrayBuffer, g: PlaneGeometry, bytes: number): number {
  const buf = c.alloc(bytes);
  new Uint8Array(c.memory.buffer, buf, bytes).set(new Uint8Array(plane, 0, bytes));
  transformAt(c, buf, g);
  return buf;
}

/** Raw rows of a tile ({@link RawTile} without its samples) as a worker gets them: `rows` rows of `rowBytes` bytes from the buffer's start. */
export interface RawRows {
  rows: number;
  rowBytes: number;
  components: number;
  bps: number;
  signed: boolean;
  width: number;
  dc: number;
  /** 1 the RCT (5/3 plane, i32), 2 the ICT (9/7 plane, f32). */
  mct: number;
  /** Component 2's plane too (the same pass over the rows), `at` bytes after component 1's in the plane kept. */
  second?: SecondPlane;
  /**
   * Where the rows come in a SharedArrayBuffer still being filled: the byte offset in it of an
   * Int32 that says how many rows are there so far (-1: none will come), written with Atomics by
   * the calling thread ({@link PlaneOffload.startRaw}); the worker waits on it for rows not there yet.
   */
  progress?: number;
}

/** A second plane made from the same raw rows ({@link RawRows.second}): its geometry, and its byte offset from the first plane's start. */
export interface SecondPlane {
  geometry: PlaneGeometry;
  at: number;
}

/** Least compression ratio (of the finest layer) at which a worker makes both chroma planes from the raw rows ({@link rawPlanes}). */
const RAW_TWO_PLANES_RATIO = 4;

/**
 * Planes a worker makes from a tile's raw rows ({@link PlaneOffload.startRaw}): with the ICT (9/7,
 * lossy) at compression ratios of at least RAW_TWO_PLANES_RATIO, both chroma components — their
 * blocks cost a fraction of the luma's there (saw at 20:1: a sixth per sample), so the worker, which
 * codes every block of the planes it keeps, still gets the luma blocks it needs to share the work
 * evenly, and this thread's serial sweep (unpack, first level from the rows, the other levels) is
 * luma alone; else component 1 only: with the RCT (lossless) and at high rates chroma blocks cost
 * nearly as much as luma's, and with both chroma planes the worker held more than half of the block
 * coding (saw at 2:1: worker 1145 ms CPU, calling thread 1077), and where no ratio is given (a
 * quality, PSNR targets, a fixed step) the rate is not known here.
 */
function rawPlanes(t: RawTile): 1 | 2 {
  const forced = threadedEarlyStops.rawPlanes;
  if (forced === 1 || forced === 2) return forced;
  return t.mct === 2 && t.ratio >= RAW_TWO_PLANES_RATIO ? 2 : 1;
}

/** Least bytes of a tile's planes for which the worker makes the first level from the raw rows (codec/encoder.ts FEED_MIN_BYTES). */
const FEED_MIN_BYTES = 8 << 20;

/** Bytes of raw rows staged at a time in a worker (they stay in the cache while they are unpacked). */
const RAW_STAGE_BYTES = 256 << 10;

/**
 * Worker side of {@link PlaneOffload.startRaw}: component 1 of the tile (the MCT's output: the ICT's,
 * G.3, or the RCT's, G.2) from its raw interleaved rows into a plane of geometry `g` in instance `c`
 * (after its jobBegin), row by row as src/encode.ts unpacks them (unpackIctForward, or
 * unpackComponent ×3 + rctForward; the other two outputs into scratch rows), then transformed
 * there; returns where the plane lies.
 */
function unpackTransformRaw(c: CoreExports, raw: ArrayBufferLike, u: RawRows, g: PlaneGeometry): { buf: number; bytes: number } {
  const ok = (n: number) => Number.isInteger(n) && n >= 1 && n < 2 ** 31;
  if (!(ok(u.rows) && ok(u.rowBytes) && ok(u.components) && u.components >= 3 && (u.bps === 1 || u.bps === 2 || u.bps === 4) && u.width === g.width && u.rows === g.height &&
    u.rowBytes === u.width * u.components * u.bps && u.rows * u.rowBytes <= raw.byteLength && Number.isInteger(u.dc) && (u.mct === 1 || u.mct === 2) && g.reversible === (u.mct === 1))) {
    throw new J2kError("INTERNAL", "threaded encode: raw rows that do not fit their plane");
  }
  const bytes = residentBytes(g, u);
  const buf = c.alloc(bytes);
  // the rows go through the core's feed (codec/transform/dwt_feed.ts): unpacked as above, one row
  // at a time (the MCT's outputs this worker does not keep into scratch rows), and the first DWT
  // level made from them as they come, written once to each plane
  const span = (4 * u.width + 15) & ~15;
  const table = c.alloc(16);
  const planes = [{ g, at: 0 }, ...(u.second ? [{ g: u.second.geometry, at: u.second.at }] : [])];
  const scratch = c.alloc(3 * span);
  // (small planes, as the core's encoderTileFeedBegin: rows straight to the plane, all levels after)
  const fed = planes.map(({ g: p, at }) => {
    const feed = c.alloc(c.dwtFeedBytes(u.width));
    const level = p.levels >= 1 && u.components * p.width * p.height * 4 >= FEED_MIN_BYTES;
    return { feed, levels: c.dwtFeedBegin(feed, buf + at, p.stride, p.width, p.height, p.x0 & 1, p.y0 & 1, level ? (p.reversible ? 1 : 2) : 0, p.reversible ? 1 : 0) };
  });
  new Uint32Array(c.memory.buffer, table, 4).set([0, fed[0]!.feed, fed[1]?.feed ?? 0, 0]);
  const per = Math.max(1, Math.floor(RAW_STAGE_BYTES / u.rowBytes));
  const stage = c.alloc(per * u.rowBytes);
  const src = new Uint8Array(raw);
  const sgn = u.signed ? 1 : 0, step = u.components;
  const progress = rowsProgress(raw, u);
  let there = progress ? 0 : u.rows;
  for (let r = 0; r < u.rows; r += per) {
    const rows = Math.min(per, u.rows - r);
    if (there < r + rows) there = awaitRows(progress!, r + rows, u.rows);
    new Uint8Array(c.memory.buffer, stage, rows * u.rowBytes).set(src.subarray(r * u.rowBytes, (r + rows) * u.rowBytes));
    c.dwtFeedPixels(table, 3, u.mct, stage, step, u.width * step, u.bps, sgn, u.width, rows, u.dc, scratch);
  }
  for (const f of fed) c.dwtFeedFinish(f.feed);
  planes.forEach(({ g: p, at }, i) => transformAt(c, buf + at, p, fed[i]!.levels));
  return { buf, bytes };
}

/** The progress word of raw rows still being copied ({@link RawRows.progress}; checked: in a SharedArrayBuffer, past the rows), or null. */
function rowsProgress(raw: ArrayBufferLike, u: RawRows): Int32Array | null {
  const at = u.progress;
  if (at === undefined) return null;
  if (!(isShared(raw) && Number.isInteger(at) && at % 4 === 0 && at >= u.rows * u.rowBytes && at + 4 <= raw.byteLength)) {
    throw new J2kError("INTERNAL", "threaded encode: a progress word that does not fit the raw rows");
  }
  return new Int32Array(raw, at, 1);
}

/**
 * Wait until the calling thread has copied at least `want` rows (of `rows`); returns how many are
 * there. A J2kError if it says none will come, or after RAW_WAIT_MS without any (it copies them
 * right after posting the job, never waiting for this worker: a wait that long means it failed).
 */
function awaitRows(progress: Int32Array, want: number, rows: number): number {
  const end = Date.now() + RAW_WAIT_MS;
  for (;;) {
    const n = Atomics.load(progress, 0);
    if (n >= want) return Math.min(n, rows);
    const left = end - Date.now();
    if (n < 0 || left <= 0) throw new J2kError("INTERNAL", "threaded encode: the raw rows never came");
    Atomics.wait(progress, 0, n, left);
  }
}

/**
 * Bytes of the planes a worker makes from raw rows `u` (component 1's of geometry `g`, and
 * component 2's after it where `u.second` says so; checked: the second lies past the first, with
 * its rows, and the whole under 2 GiB).
 */
function residentBytes(g: PlaneGeometry, u: RawRows): number {
  const bytes = planeBytes(null, g, Number.MAX_SAFE_INTEGER);
  const s = u.second;
  if (!s) return bytes;
  const g2 = s.geometry;
  const bytes2 = planeBytes(null, g2, Number.MAX_SAFE_INTEGER);
  if (!(Number.isInteger(s.at) && s.at >= bytes && s.at % 4 === 0 && g2.stride === g.stride && g2.width === g.width && g2.height === g.height && g2.reversible === g.reversible && s.at + bytes2 < 2 ** 31)) {
    throw new J2kError("INTERNAL", "threaded encode: a second plane that does not fit the raw rows");
  }
  return s.at + bytes2;
}

/** Forward DWT of the plane at `buf` in instance `c` (geometry `g`), as the encoder's forwardDwt does it; `from` levels done already. */
function transformAt(c: CoreExports, buf: number, g: PlaneGeometry, from = 0): void {
  const tmp = c.alloc(c.dwtScratchBytes(Math.max(g.width, g.height) + 2));
  const x1 = g.x0 + g.width, y1 = g.y0 + g.height;
  const up = (v: number, lev: number) => Math.ceil(v / 2 ** lev);
  for (let lev = from; lev < g.levels; lev++) {
    // resolution levels - lev (B-14)
    const rx0 = up(g.x0, lev), ry0 = up(g.y0, lev);
    const w = up(x1, lev) - rx0, h = up(y1, lev) - ry0;
    if (g.reversible) c.dwt53ForwardLevel(buf, g.stride, w, h, rx0 & 1, ry0 & 1, tmp);
    else c.dwt97ForwardLevel(buf, g.stride, w, h, rx0 & 1, ry0 & 1, tmp);
  }
}

/**
 * Worker side: planes kept for the encodes that sent them ({@link transformResident}), each in a
 * private core instance of its own (jobs on the shared one reset its memory), by token; instances
 * of released planes are kept for the next (at most one).
 */
const residents = new Map<number, { c: CoreExports; buf: number; bytes: number; stride: number }>();
let freeResident: CoreExports | null = null;

/**
 * Worker side of a resident {@link PlaneOffload}: the plane transformed as {@link transformPlane}
 * does, kept in this worker under `token`; its blocks come in "blocks" jobs without samples
 * ({@link codeResidentBatch}). Returns `plane` as it came (for the next encode's plane).
 */
export function transformResident(plane: ArrayBufferLike, g: PlaneGeometry, token: number, raw?: RawRows): ArrayBufferLike {
  const bytes = raw ? residentBytes(g, raw) : planeBytes(plane as ArrayBuffer, g);
  releaseResident(token);
  const c = freeResident ?? createCoreInstance();
  freeResident = null;
  const buf = guardCore(c, () => {
    c.jobBegin();
    c.setMemoryLimit(0xf000_0000);
    c.blockCoderBegin();
    return raw ? unpackTransformRaw(c, plane, raw, g).buf : transformInto(c, plane as ArrayBuffer, g, bytes);
  }, "encode");
  residents.set(token, { c, buf, bytes, stride: g.stride });
  return plane;
}

/**
 * Worker side of a row split (src/worker/encode_split.ts splitTileDwt): the bottom part of the
 * plane transformed (splitBottom) in a private instance and kept under `token`, as
 * {@link transformResident} keeps a plane; its blocks come in "blocks" jobs without samples.
 * Returns the rows of the last split level's LL band for the calling thread, and `rows` back.
 */
export function splitResident(rows: ArrayBuffer, g: SplitGeometry, token: number): SplitResult {
  releaseResident(token);
  const c = freeResident ?? createCoreInstance();
  freeResident = null;
  const { buf, bytes, ll, bits } = guardCore(c, () => {
    c.jobBegin();
    c.setMemoryLimit(0xf000_0000);
    c.blockCoderBegin();
    return splitBottom(c, rows, g);
  }, "encode");
  residents.set(token, { c, buf, bytes, stride: g.stride });
  return { ll, bits, rows };
}

/** Worker side: forget the plane kept under `token` (nothing when there is none). */
export function releaseResident(token: number): void {
  const r = residents.get(token);
  if (!r) return;
  residents.delete(token);
  freeResident = r.c;
}

/**
 * Worker side: code a batch of blocks that lie in the plane kept under `token` (records as
 * {@link codeBlockBatch} takes them; a record's sample pointer minus `base` is the offset of the
 * block in the plane). Results as codeBlockBatch's; `samples` (an empty buffer) goes back.
 */
export function codeResidentBatch(records: ArrayBuffer, token: number, base: number, samples: ArrayBuffer): BlockBatchResult {
  const r = residents.get(token);
  // (the plane's job failed here: the calling thread made the plane itself, PlaneOffload.commitRaw)
  if (!r) return { results: new ArrayBuffer(0), samples, missing: true };
  const { c, buf, bytes } = r;
  const results = guardCore(c, () => {
    const { rv, n, tail, states } = batchRecords(c, records);
    const place = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const at = i * DeferredBlock.bytes;
      const off = rv.getUint32(at + DeferredBlock.src, true) - base;
      const stride = rv.getInt32(at + DeferredBlock.stride, true);
      // (checked against the plane in codeRecords)
      if (!(off >= 0 && off % 4 === 0 && stride === r.stride)) throw new J2kError("INTERNAL", `threaded encode: block ${i} of a batch lies outside the kept plane`);
      place[2 * i] = off / 4;
      place[2 * i + 1] = stride;
    }
    return codeRecords(c, rv, n, tail, states, buf, bytes, place);
  }, "encode");
  return { results, samples };
}

/**
 * A tile-component's transformed plane kept on this thread instead of in the core: the core's
 * bytes [start, end) (which still hold the samples before the DWT) are `data`'s first bytes.
 */
interface HeldPlane {
  start: number;
  end: number;
  data: ArrayBuffer;
}

/**
 * Dispatch within a tile: the workers hold at most this share of the image's samples (sent, not
 * installed) while this thread transforms the next component (about a sixth of a component of
 * three: a DWT takes a fraction of the time the block coding of as many samples takes).
 */
const DISPATCH_SHARE = 0.05;

/** This thread codes blocks for at most this long before the event loop gets a turn (workers' results, their next batches). */
const LOCAL_SLICE_MS = 1;

/** A turn of the event loop (Node: setImmediate; browsers: a message to ourselves, not clamped as timers are). */
function yieldTurn(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (g.setImmediate) return new Promise((resolve) => g.setImmediate!(resolve));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(0);
  });
}

/** One batch: consecutive listed blocks [first, first + count). */
interface Batch {
  first: number;
  count: number;
  samples: number;
  /** Blocks of the plane the worker keeps (no samples go with them). */
  resident?: boolean;
  records?: ArrayBuffer;
  /** The samples (packed at `bytes` bytes from the start of a {@link sampleBuffer}). */
  data?: ArrayBuffer;
  bytes?: number;
}

/** Bytes of a full batch's sample buffer: the most one batch holds (the core's stage). */
const SAMPLE_BUFFER_BYTES = DeferredBlock.stageSamples * 4;
/** Smaller batches get buffers of a power of two bytes, at least this many. */
const SMALL_SAMPLE_BUFFER_BYTES = 1 << 16;
/**
 * Sample buffers kept for the next batches (and encodes), at most, and their bytes at most (the
 * pilots of rate control go out in many small batches at once, the other blocks in a few full ones).
 */
const SPARE_SAMPLE_BUFFERS = 24;
const SPARE_SAMPLE_BYTES = 10 * SAMPLE_BUFFER_BYTES;
const spareSampleBuffers: ArrayBuffer[] = [];
let spareSampleBytes = 0;

/**
 * A buffer of at least `bytes` bytes for a batch's samples: the smallest kept one that fits (one a
 * worker sent back), or a new one. (Writing into memory already touched is 3-4 times faster than
 * filling a new buffer page by page, and the samples are the bulk of what goes to the workers: 4
 * bytes per image sample.)
 */
function sampleBuffer(bytes: number): ArrayBuffer {
  let best = -1;
  for (let i = 0; i < spareSampleBuffers.length; i++) {
    const n = spareSampleBuffers[i]!.byteLength;
    if (n >= bytes && (best < 0 || n < spareSampleBuffers[best]!.byteLength)) best = i;
  }
  if (best >= 0) {
    const b = spareSampleBuffers.splice(best, 1)[0]!;
    spareSampleBytes -= b.byteLength;
    return b;
  }
  let size = SMALL_SAMPLE_BUFFER_BYTES;
  while (size < bytes && size < SAMPLE_BUFFER_BYTES) size *= 2;
  return new ArrayBuffer(Math.max(Math.min(size, SAMPLE_BUFFER_BYTES), bytes));
}

/** Keep a sample buffer back from a worker for the next batch (the smallest make room for a larger one). */
function keepSampleBuffer(b: ArrayBuffer): void {
  if (b.byteLength > SAMPLE_BUFFER_BYTES || b.byteLength < SMALL_SAMPLE_BUFFER_BYTES) return;
  while (spareSampleBuffers.length > 0 && (spareSampleBuffers.length >= SPARE_SAMPLE_BUFFERS || spareSampleBytes + b.byteLength > SPARE_SAMPLE_BYTES)) {
    let least = 0;
    for (let i = 1; i < spareSampleBuffers.length; i++) if (spareSampleBuffers[i]!.byteLength < spareSampleBuffers[least]!.byteLength) least = i;
    if (spareSampleBuffers[least]!.byteLength >= b.byteLength) return;
    spareSampleBytes -= spareSampleBuffers.splice(least, 1)[0]!.byteLength;
  }
  spareSampleBuffers.push(b);
  spareSampleBytes += b.byteLength;
}

/**
 * The runs of a batch's samples: listed blocks that lie side by side in the same rows of the
 * transformed plane (the next block's samples start where the previous one's first row ends, with
 * the same row stride and height: consecutive blocks of a row of code-blocks in a band) form one
 * run, packed row by row (each packed row = the run's blocks' rows one after the other), so that
 * each row of a run is one copy. `records` holds the batch's DeferredBlock records from `at`;
 * calls `run(first, count, width, height, src, stride)` for each run in order (width: the run's
 * samples per row; src, stride: the first block's, in the calling thread's core). The worker finds
 * the same runs in the same records (codeBatchOn).
 */
function forEachRun(records: DataView, count: number, run: (first: number, count: number, width: number, height: number, src: number, stride: number) => void): void {
  let i = 0;
  while (i < count) {
    const at = i * DeferredBlock.bytes;
    const src = records.getUint32(at + DeferredBlock.src, true), stride = records.getInt32(at + DeferredBlock.stride, true);
    const h = records.getInt32(at + DeferredBlock.h, true);
    let width = records.getInt32(at + DeferredBlock.w, true);
    let j = i + 1;
    for (; j < count; j++) {
      const bt = j * DeferredBlock.bytes;
      if (records.getInt32(bt + DeferredBlock.stride, true) !== stride || records.getInt32(bt + DeferredBlock.h, true) !== h) break;
      if (records.getUint32(bt + DeferredBlock.src, true) !== src + 4 * width) break;
      width += records.getInt32(bt + DeferredBlock.w, true);
    }
    run(i, j - i, width, h, src, stride);
    i = j;
  }
}

/** A worker's answer to a "blocks" job: the batch's results, and its sample buffer back for reuse. */
export interface BlockBatchResult {
  results: ArrayBuffer;
  samples: ArrayBuffer;
  /** A batch of a resident plane this worker does not hold (its DWT job failed): nothing coded. */
  missing?: boolean;
}

/**
 * Codes the blocks the core lists in batches on workers and installs the results in list order.
 * dispatch() copies the newly listed blocks' samples out (the core goes on and may overwrite them)
 * and starts them; drain() waits until every listed block is installed and empties the list. While
 * it waits the core is stopped, so a batch's samples are copied out only when a worker is free
 * for it: few sample buffers are in use at once, and they come back for the next batches.
 */
class BlockBatches {
  /** A core instance on this thread, for batches when the pool cannot take them (created on first use). */
  private local: CoreExports | null = null;
  /** Samples of each listed block (filled as blocks are listed), and which blocks a batch or this thread took. */
  private sizes: number[] = [];
  private taken: boolean[] = [];
  /**
   * Blocks not taken yet lie in [front, back): workers take batches from the front, this thread
   * codes blocks from the back (blocks listed later come after blocks this thread took: skipped).
   */
  private front = 0;
  private back = 0;
  /** Samples of the blocks not taken, and of those in the resident plane. */
  private unassigned = 0;
  private residentUnassigned = 0;
  /** Batches sent to workers (this list), installed, in workers; samples sent and not installed. */
  private sent = 0;
  private done = 0;
  private running = 0;
  private queued = 0;
  /** Batches sent since the drain began (the first ones ramp up: RAMP_SAMPLES). */
  private drainSent = 0;
  /** drain() is waiting (batches go out BATCHES_PER_WORKER per worker), else dispatch. */
  private draining = false;
  /** Dispatch: samples the workers may hold (sent, not installed) while this thread goes on; Infinity: every listed block goes now. */
  private budget = Infinity;
  private error: J2kError | null = null;
  private wake: (() => void) | null = null;
  /** Blocks continued from where an earlier coding stopped (in the workers or here, so far). */
  resumed = 0;
  /** Blocks coded on this thread (so far). */
  local_ = 0;
  /** Batches of a resident plane the worker never made, answered `missing` and coded here. */
  lostBatches = 0;
  /** A view of the core's memory (codeHereAt; made again when the memory grows). */
  private memView: DataView | null = null;
  /** A component's plane kept here (PlaneOffload): its blocks' samples are packed from it. */
  held: HeldPlane | null = null;
  /** Or kept by the worker (PlaneOffload with `keep`): its blocks go there without samples, never coded here. */
  resident: ResidentPlane | null = null;
  /** A resident plane whose worker failed ({@link residentLost}): batches of its blocks answered `missing` are coded here. */
  private lostPlane: ResidentPlane | null = null;
  /** Which listed blocks lie in the resident plane; the first of them not taken may be at `residentFrom` or later. */
  private inResident: boolean[] = [];
  private residentFrom = 0;
  /** This thread takes blocks below this (those above are taken or resident). */
  private localBack = 0;

  /** The workers this encode's jobs run on: threads - 1 (this thread is the other one), or threads where this thread codes no blocks. */
  readonly group: WorkerGroup;
  /** This thread codes blocks too ({@link callerMayWork}: not on a browser window's main thread). */
  private readonly codesHere: boolean;

  constructor(private readonly c: CoreExports, private readonly threads: number) {
    this.codesHere = callerMayWork();
    this.group = { max: this.codesHere ? Math.max(1, threads - 1) : threads };
  }

  /**
   * Start blocks listed since the last call while this thread goes on with its next step (until it
   * is done, no finished batch can be answered with a new one). Within a tile (the core goes on to
   * the tile's next component: the listed blocks' samples stay where they are) the workers get
   * batches until they hold DISPATCH_SHARE of the image's samples, more than they code during a
   * component's DWT; the rest waits for the next dispatch or the drain, where this thread codes too.
   * At a tile's end (the next tile's samples will overwrite them) every listed block goes now.
   */
  dispatch(): void {
    if (this.error) throw this.error;
    this.draining = false;
    this.extend();
    const c = this.c;
    this.budget = c.encoderResumeState() === 1 ? Math.max(c.encoderInfo(EncoderInfo.samples) * DISPATCH_SHARE, TAIL_BATCH_SAMPLES) : Infinity;
    this.launch();
  }

  /** Blocks listed since the last call join [front, back). */
  private extend(): void {
    const n = this.c.encoderDeferredCount(), from = this.sizes.length;
    if (n <= from) return;
    const view = new DataView(this.c.memory.buffer, this.c.encoderDeferredList() + from * DeferredBlock.bytes, (n - from) * DeferredBlock.bytes);
    const r = this.resident;
    for (let i = 0; i < n - from; i++) {
      const at = i * DeferredBlock.bytes;
      const s = view.getInt32(at + DeferredBlock.w, true) * view.getInt32(at + DeferredBlock.h, true);
      this.sizes.push(s);
      this.taken.push(false);
      const src = view.getUint32(at + DeferredBlock.src, true);
      const inR = !!r && src >= r.start && src < r.end && (!r.owns || r.owns(src));
      this.inResident.push(inR);
      this.unassigned += s;
      if (inR) this.residentUnassigned += s;
    }
    this.back = n;
    this.localBack = n;
  }

  /**
   * The worker that was to keep `r` (the resident plane) failed to make it (PlaneOffload.commitRaw):
   * `recover` puts the plane into the core here; then the blocks of `r` not taken yet are coded like
   * any others, and batches of them already sent come back `missing` and are coded here. Nothing
   * when `r` is no longer the resident plane (the encode went on to other tiles, or ended).
   */
  residentLost(r: ResidentPlane, recover: () => void): void {
    if (this.resident !== r || this.error) return;
    this.resident = null;
    try {
      recover();
    } catch (e) {
      this.fail(e);
      this.wake?.();
      return;
    }
    this.lostPlane = r;
    for (let i = 0; i < this.inResident.length; i++) if (this.inResident[i] && !this.taken[i]) this.inResident[i] = false;
    this.residentUnassigned = 0;
    this.wake?.();
  }

  /** Move front and back past taken blocks; true while some block is not taken. */
  private anyLeft(): boolean {
    while (this.front < this.back && this.taken[this.front]) this.front++;
    while (this.back > this.front && this.taken[this.back - 1]) this.back--;
    return this.front < this.back;
  }

  /** Some listed block of the resident plane is not taken yet (the next batch {@link take} makes is one of them). */
  private residentLeft(): boolean {
    let i = this.residentFrom;
    while (i < this.back && !(this.inResident[i] && !this.taken[i])) i++;
    this.residentFrom = i;
    return i < this.back;
  }

  /** The resident plane is a whole tile-component's (not a split's part, {@link ResidentPlane.owns}). */
  private wholeResident(): boolean {
    return !!this.resident && !this.resident.owns;
  }

  /** Take the last block not taken and not in the resident plane, for this thread (-1: none). */
  private takeLast(): number {
    let i = Math.min(this.localBack, this.back) - 1;
    while (i >= this.front && (this.taken[i] || this.inResident[i])) i--;
    this.localBack = Math.max(i, 0);
    if (i < this.front) return -1;
    this.taken[i] = true;
    this.unassigned -= this.sizes[i]!;
    return i;
  }

  /**
   * Every listed block coded and installed; the core's list emptied. The workers take batches from
   * the front of the list, this thread codes blocks from its back itself, straight from the core's
   * memory ({@link codeHereAt}: no copy out, no message, no copy back), until the two meet.
   */
  async drain(): Promise<void> {
    if (this.error) throw this.error;
    this.draining = true;
    this.drainSent = 0;
    // (answers that came while this thread transformed a component are taken first: counted as
    // held, the batches they free would only go out after this thread's first slice of coding,
    // ~1-2 ms of the worker idle at the start of the pilots' drain)
    if (this.running > 0) await yieldTurn();
    this.rethrow();
    this.extend();
    this.launch();
    let t = performance.now();
    while (!this.error) {
      const i = this.codesHere && this.anyLeft() ? this.takeLast() : -1;
      if (i >= 0) {
        this.codeHereGuarded(i);
        if (performance.now() - t > LOCAL_SLICE_MS) {
          await yieldTurn();
          t = performance.now();
        }
        continue;
      }
      if (this.done === this.sent) {
        if (!this.anyLeft()) break;
        // (blocks only a worker can code, none in flight: send them; never wait for nothing)
        this.launch();
        if (this.done === this.sent && !this.error) throw new J2kError("INTERNAL", "threaded encode: listed blocks no thread can code");
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      t = performance.now();
    }
    this.wake = null;
    this.rethrow();
    this.c.encoderDeferredDone();
    this.sizes = [];
    this.taken = [];
    this.inResident = [];
    this.residentFrom = this.localBack = 0;
    this.front = this.back = this.unassigned = this.residentUnassigned = this.sent = this.done = 0;
  }

  /**
   * Code listed blocks here, from the back of the list, until `until.now` (a worker's answer came:
   * the event loop gets a turn every LOCAL_SLICE_MS) or no block is left to take.
   */
  async codeUntil(until: { now: boolean }): Promise<void> {
    if (this.error) throw this.error;
    if (!this.codesHere) return;
    this.extend();
    let t = performance.now();
    while (!until.now && this.anyLeft() && !this.error) {
      const i = this.takeLast();
      if (i < 0) break;
      this.codeHereGuarded(i);
      if (performance.now() - t > LOCAL_SLICE_MS) {
        await yieldTurn();
        t = performance.now();
      }
    }
    this.rethrow();
  }

  /** {@link codeHereAt} with its failures as guardCore makes them (no closure a block: garbage on the calling thread). */
  private codeHereGuarded(i: number): void {
    try {
      this.codeHereAt(i);
    } catch (e) {
      guardCore(this.c, () => {
        throw e;
      }, "encode");
    }
  }

  /** Listed block i coded on this instance (from the held plane through the stage, else in place). */
  private codeHereAt(i: number): void {
    const c = this.c;
    const held = this.held;
    // (one view of the core's memory for every block, not one a block: garbage on the calling thread)
    if (this.memView?.buffer !== c.memory.buffer) this.memView = new DataView(c.memory.buffer);
    const rv = this.memView, d = c.encoderDeferredList() + i * DeferredBlock.bytes;
    const src = rv.getUint32(d + DeferredBlock.src, true);
    this.local_++;
    if (rv.getUint32(d + DeferredBlock.resume, true) !== 0) this.resumed++; // (the core continues where the block stopped)
    if (!held || src < held.start || src >= held.end) {
      c.encoderDeferredCodeAt(i, 0, 0);
      return;
    }
    const w = rv.getInt32(d + DeferredBlock.w, true), h = rv.getInt32(d + DeferredBlock.h, true), stride = rv.getInt32(d + DeferredBlock.stride, true);
    const row = w * 4, step = stride * 4, at = src - held.start;
    if (!(w > 0 && h > 0 && stride >= w && w * h <= DeferredBlock.stageSamples && at + (h - 1) * step + row <= held.end - held.start)) {
      throw new J2kError("INTERNAL", "threaded encode: a block lies outside the held plane");
    }
    const stage = c.encoderDeferredStaging(3);
    const to = new Uint8Array(c.memory.buffer, stage, w * h * 4);
    const plane = new Uint8Array(held.data);
    for (let y = 0; y < h; y++) to.set(plane.subarray(at + y * step, at + y * step + row), y * row);
    c.encoderDeferredCodeAt(i, stage, w);
  }

  /**
   * The next batch from the front: guided sizes (at most 1/(2·threads) of the samples not in a
   * batch yet, so that the last batches are small and the threads finish close together, not below
   * TAIL_BATCH_SAMPLES, not above BATCH_SAMPLES); a drain's first batch per worker at most
   * RAMP_SAMPLES, the next twice that (every worker waits while this thread packs: a short pack first).
   * In a drain a batch this thread could code too leaves it at least its share (1/threads) of
   * the samples not installed yet: what the workers hold included (with BATCHES_PER_WORKER batches
   * each, the last ones could keep this thread waiting at the end: lossless saw, 3-7 ms); null when
   * not even one block can go.
   */
  private take(): Batch | null {
    this.anyLeft();
    // blocks of the resident plane first (only the worker can code them; no samples to pack), else
    // from the front
    let i = this.residentFrom;
    while (i < this.back && !(this.inResident[i] && !this.taken[i])) i++;
    this.residentFrom = i;
    const resident = i < this.back;
    // (blocks of a whole resident plane go in full batches, all at once (launch): nothing to pack,
    // no ramp, and only the worker can code them; a split's part, in a drain, as the others)
    let target = BATCH_SAMPLES;
    if (!resident || (this.draining && !this.wholeResident())) {
      target = Math.max(Math.min(BATCH_SAMPLES, Math.ceil(this.unassigned / (2 * this.threads))), TAIL_BATCH_SAMPLES);
      if (this.draining) {
        const k = this.drainSent++, w = this.group.max;
        if (k < 2 * w) target = Math.min(target, RAMP_SAMPLES << Math.floor(k / w));
      }
      target = Math.min(target, BATCH_SAMPLES);
    }
    if (!resident) {
      i = this.front;
      while (i < this.back && (this.taken[i] || this.inResident[i])) i++;
    }
    if (!resident) {
      const mine = this.unassigned - this.residentUnassigned;
      const share = this.draining && this.codesHere ? Math.floor(mine - (mine + this.queued) / this.threads) : Infinity;
      // (none when even one block would leave this thread less than its share: it codes the last
      // blocks itself rather than wait for a worker's answer, ~0.1-3 ms after a worker fell idle)
      if (i < this.back && share < this.sizes[i]!) return null;
      target = Math.min(target, share);
    }
    const b: Batch = { first: i, count: 0, samples: 0, resident };
    while (i < this.back && !this.taken[i] && this.inResident[i] === resident && (b.count === 0 || b.samples + this.sizes[i]! <= target)) {
      this.taken[i] = true;
      b.samples += this.sizes[i]!;
      b.count++;
      i++;
    }
    this.unassigned -= b.samples;
    if (resident) this.residentUnassigned -= b.samples;
    return b;
  }

  private launch(): void {
    // threads - 1 workers (this thread codes too, in a drain), BATCHES_PER_WORKER each while this
    // thread codes or waits; while it goes on with a step of its own (dispatch), up to the budget,
    // and every block of the resident plane beyond it (only the worker can code those: left for the
    // drain, they queued behind the batches it held then, and this thread, done with its own
    // blocks, waited for them; they need no samples packed); in a drain too, all at once, straight
    // into the worker's port, where the plane is a whole component's (the raw-row hand-off: a batch
    // of chroma blocks with early stops is often coded in well under a millisecond; two at a time,
    // the worker ran dry between this thread's answers)
    const workers = this.group.max;
    const whole = this.wholeResident();
    while (!this.error && this.anyLeft() && (this.draining ? this.running < workers * BATCHES_PER_WORKER || (whole && this.residentLeft()) : this.queued < this.budget || this.residentLeft())) {
      const b = this.take();
      if (!b) break;
      const r = this.resident;
      if (b.resident && r) {
        b.records = this.records(b, this.c.encoderDeferredList() + b.first * DeferredBlock.bytes);
        b.data = new ArrayBuffer(0);
        b.bytes = 0;
      } else guardCore(this.c, () => this.pack(b), "encode");
      const records = b.records!, data = b.data!, bytes = b.bytes!;
      b.records = b.data = undefined;
      this.running++;
      this.sent++;
      this.queued += b.samples;
      const where = b.resident && r ? { resident: r.token, base: r.start } : {};
      const token = b.resident && r ? r.token : 0;
      runInWorker<BlockBatchResult>({ op: "blocks", records, samples: data, bytes, ...where }, [records, data], this.draining && !(b.resident && whole) ? BATCHES_PER_WORKER : Infinity, b.samples, this.group).then(
        (res) => {
          this.running--;
          this.queued -= b.samples;
          if (res) keepSampleBuffer(res.samples);
          if (this.error) return;
          try {
            if (res?.missing || (token && !res && this.lostPlane?.token === token)) {
              // (a resident plane the worker never made: PlaneOffload.commitRaw; this thread has it now)
              if (!token || this.lostPlane?.token !== token) throw new J2kError("INTERNAL", "threaded encode: a worker does not hold the plane of a batch");
              this.lostBatches++;
              guardCore(this.c, () => {
                for (let k = 0; k < b.count; k++) this.codeHereAt(b.first + k);
              }, "encode");
            } else {
              const result = res?.results ?? this.codeHere(records, data, bytes);
              guardCore(this.c, () => this.install(b, result), "encode");
            }
            this.done++;
            if (this.draining) this.launch();
          } catch (e) {
            this.fail(e);
          }
          this.wake?.();
        },
        (e: unknown) => {
          this.running--;
          this.fail(e);
          this.wake?.();
        },
      );
    }
  }

  /** A worker's failure (or a failed install) fails the encode. */
  private rethrow(): void {
    const e: J2kError | null = this.error;
    if (e) throw e;
  }

  private fail(e: unknown): void {
    this.error ??= e instanceof J2kError ? e : new J2kError("INTERNAL", `threaded encode failed: ${String(e)}`, { cause: e });
  }

  /**
   * The batch's records and its blocks' samples, packed run by run ({@link forEachRun}), each run
   * row after row (the core copies the rows: one copy per row of a run, which spans several blocks),
   * then copied out of the core in one piece.
   */
  private pack(b: Batch): void {
    const c = this.c;
    if (this.held && this.touchesHeld(b, this.held)) {
      this.packHeld(b, this.held);
      return;
    }
    const n = c.encoderDeferredPackRuns(b.first, b.count);
    if (n !== b.samples) throw new J2kError("INTERNAL", `threaded encode: packed ${n} samples for a batch of ${b.samples}`);
    const list = c.encoderDeferredList() + b.first * DeferredBlock.bytes;
    const stage = c.encoderDeferredStaging(3);
    b.records = this.records(b, list);
    b.data = sampleBuffer(n * 4);
    b.bytes = n * 4;
    new Uint8Array(b.data, 0, n * 4).set(new Uint8Array(c.memory.buffer, stage, n * 4));
  }

  /** Some block of the batch has its samples in the held plane. */
  private touchesHeld(b: Batch, held: HeldPlane): boolean {
    const rv = new DataView(this.c.memory.buffer, this.c.encoderDeferredList() + b.first * DeferredBlock.bytes, b.count * DeferredBlock.bytes);
    for (let i = 0; i < b.count; i++) {
      const src = rv.getUint32(i * DeferredBlock.bytes + DeferredBlock.src, true);
      if (src >= held.start && src < held.end) return true;
    }
    return false;
  }

  /**
   * {@link pack} for a batch with blocks in the held plane: the same layout (run by run, each run
   * row after row, as encoderDeferredPackRuns packs), each row copied here from the held plane or
   * from the core.
   */
  private packHeld(b: Batch, held: HeldPlane): void {
    const c = this.c;
    const list = c.encoderDeferredList() + b.first * DeferredBlock.bytes;
    b.records = this.records(b, list);
    const bytes = b.samples * 4;
    const data = sampleBuffer(bytes);
    const to = new Uint8Array(data, 0, bytes);
    const plane = new Uint8Array(held.data, 0, held.end - held.start);
    const mem = new Uint8Array(c.memory.buffer);
    const lo = held.start, hi = held.end;
    // bytes [a, a + n) of the core's memory, those in [lo, hi) from the plane (a run may join blocks
    // across the plane's ends only where another allocation starts right there: split then)
    const copy = (a: number, n: number, o: number): void => {
      const inside = Math.max(a, lo), end = Math.min(a + n, hi);
      if (inside >= end) to.set(mem.subarray(a, a + n), o);
      else if (inside === a && end === a + n) to.set(plane.subarray(a - lo, a - lo + n), o);
      else {
        if (a < inside) to.set(mem.subarray(a, inside), o);
        to.set(plane.subarray(inside - lo, end - lo), o + inside - a);
        if (end < a + n) to.set(mem.subarray(end, a + n), o + end - a);
      }
    };
    let o = 0;
    forEachRun(new DataView(b.records), b.count, (_first, _count, width, height, src, stride) => {
      const row = width * 4, step = stride * 4;
      if (!(width > 0 && height > 0 && stride >= width && src + (height - 1) * step + row <= mem.length && o + height * row <= bytes)) {
        throw new J2kError("INTERNAL", "threaded encode: a run of a batch lies outside the core's memory");
      }
      for (let y = 0, at = src; y < height; y++, at += step, o += row) copy(at, row, o);
    });
    if (o !== bytes) throw new J2kError("INTERNAL", `threaded encode: packed ${o / 4} samples for a batch of ${b.samples}`);
    b.data = data;
    b.bytes = bytes;
  }

  /**
   * The batch's records, followed by the state each block that continues a stopped coding starts
   * from (the core's encoderDeferredResumePack); such a block's `resume` field holds the offset of
   * its state in the buffer (after the records: never 0).
   */
  private records(b: Batch, list: number): ArrayBuffer {
    const c = this.c;
    const size = b.count * DeferredBlock.bytes;
    let resumes: Array<[number, Uint8Array]> | null = null;
    let total = size;
    const listed = new DataView(c.memory.buffer, list, size); // (packing a state copies, never grows the memory)
    for (let i = 0; i < b.count; i++) {
      if (listed.getUint32(i * DeferredBlock.bytes + DeferredBlock.resume, true) === 0) continue;
      const n = c.encoderDeferredResumePack(b.first + i);
      if (n <= 0) continue;
      resumes ??= [];
      resumes.push([i, new Uint8Array(c.memory.buffer, c.encoderDeferredStaging(4), n).slice()]);
      total += (n + 7) & ~7;
    }
    const out = new ArrayBuffer(total);
    const bytes = new Uint8Array(out);
    bytes.set(new Uint8Array(c.memory.buffer, list, size));
    const view = new DataView(out);
    for (let i = 0; i < b.count; i++) view.setUint32(i * DeferredBlock.bytes + DeferredBlock.resume, 0, true);
    let at = size;
    for (const [i, state] of resumes ?? []) {
      view.setUint32(i * DeferredBlock.bytes + DeferredBlock.resume, at, true);
      bytes.set(state, at);
      at += (state.length + 7) & ~7;
    }
    return out;
  }

  /**
   * Put a batch's results (codeBlockBatch's layout) into the core, block by block, in list order.
   * They are copied into the core at once, into the pack stage (encoderDeferredStaging(3): free
   * outside pack and codeHereAt), and moved from there to each block's staging areas (copyWithin):
   * views of the results for every block's parts (several objects a block, ~8000 blocks an encode
   * on saw) filled the calling thread's young generation, and its scavenges took CPU time from
   * both threads. Results larger than the stage: each part copied from the results.
   */
  private install(b: Batch, results: ArrayBuffer): void {
    const c = this.c;
    if (results.byteLength > SAMPLE_BUFFER_BYTES) {
      // (results larger than the stage: each part copied from the results)
      const res = new Uint8Array(results);
      this.installFrom(b, results, (dst, from, to) => new Uint8Array(c.memory.buffer).set(res.subarray(from, to), dst));
      return;
    }
    const scratch = c.encoderDeferredStaging(3);
    let mem = new Uint8Array(c.memory.buffer);
    mem.set(new Uint8Array(results), scratch);
    this.installFrom(b, results, (dst, from, to) => {
      if (mem.buffer !== c.memory.buffer) mem = new Uint8Array(c.memory.buffer); // (an install may grow the memory)
      mem.copyWithin(dst, scratch + from, scratch + to);
    });
  }

  /**
   * {@link install}'s walk over a batch's results: each block's parts (info, passes, bytes, and a
   * resume state where there is one) go to its staging areas through `copy(dst, from, to)` (bytes
   * [from, to) of the results to the core address dst), then the block is installed.
   */
  private installFrom(b: Batch, results: ArrayBuffer, copy: (dst: number, from: number, to: number) => void): void {
    const c = this.c;
    const total = results.byteLength;
    const rv = new DataView(results);
    const passBytes = c.blockCoderPassBytes();
    let at = 0;
    for (let i = 0; i < b.count; i++) {
      const npass = rv.getInt32(at + BlockInfo.passes, true);
      const len = rv.getInt32(at + BlockInfo.length, true);
      // (checked here: copyWithin clamps silently)
      const parts = BlockInfo.bytes + npass * passBytes + len;
      if (!(npass >= 0 && len >= 0 && at + parts + 8 <= total)) throw new J2kError("INTERNAL", `threaded encode: a batch's results end inside block ${i}`);
      copy(c.encoderDeferredStaging(2), at, at + BlockInfo.bytes);
      copy(c.encoderDeferredStaging(1), at + BlockInfo.bytes, at + BlockInfo.bytes + npass * passBytes);
      copy(c.encoderDeferredStaging(0), at + BlockInfo.bytes + npass * passBytes, at + parts);
      at = (at + parts + 7) & ~7;
      c.encoderDeferredInstall(b.first + i);
      const rb = rv.getInt32(at, true);
      if (rv.getInt32(at + 4, true) !== 0) this.resumed++;
      at += 8;
      if (rb > 0) {
        if (!(at + rb <= total)) throw new J2kError("INTERNAL", `threaded encode: a batch's results end inside block ${i}`);
        copy(c.encoderDeferredStaging(4), at, at + rb);
        c.encoderDeferredKeepResume(b.first + i, rb);
        at = (at + rb + 7) & ~7;
      }
    }
    if (at !== total) throw new J2kError("INTERNAL", `threaded encode: a batch's results are ${total} bytes, expected ${at}`);
  }

  /** Code a batch on this thread (no worker could take it). */
  private codeHere(records: ArrayBuffer, samples: ArrayBuffer, bytes: number): ArrayBuffer {
    this.local ??= createCoreInstance();
    const c = this.local;
    const out = guardCore(c, () => {
      c.jobBegin();
      return codeBatchOn(c, records, samples, bytes);
    }, "encode");
    keepSampleBuffer(samples);
    return out;
  }
}

/**
 * Worker side: code a batch of deferred blocks (records as the core lists them, each followed by
 * the states of blocks that continue a stopped coding, see BlockBatches.records; samples packed by
 * {@link BlockBatches} into the first `bytes` bytes of `samples`) with the core's blockCoderRun.
 * Result per block: its BlockInfo record, its pass records, its bytes, padded to 8 bytes, then an
 * i32 with the size of its resume record (0 unless the block stopped early), an i32 that is 1 if
 * the block continued from a resume state, and that record, padded to 8 bytes; the sample buffer
 * goes back with it.
 */
export function codeBlockBatch(records: ArrayBuffer, samples: ArrayBuffer, bytes = samples.byteLength): BlockBatchResult {
  return { results: callCore((c) => codeBatchOn(c, records, samples, bytes), undefined, "encode"), samples };
}

/** Where {@link codeBatchOn} gathers a batch's results (grown as needed, kept: its pages stay touched). */
let resultScratch = new Uint8Array(0);

function codeBatchOn(c: CoreExports, records: ArrayBuffer, samples: ArrayBuffer, bytes: number): ArrayBuffer {
  if (!(Number.isInteger(bytes) && bytes >= 0 && bytes <= samples.byteLength)) throw new J2kError("INTERNAL", `threaded encode: a batch of ${bytes} sample bytes in a buffer of ${samples.byteLength}`);
  c.blockCoderBegin();
  const input = c.alloc(Math.max(4, bytes));
  new Uint8Array(c.memory.buffer, input, bytes).set(new Uint8Array(samples, 0, bytes));
  const { rv, n, tail, states } = batchRecords(c, records);
  // where each block's samples start in the batch and their row stride (its run's width)
  const place = new Float64Array(2 * n);
  let o = 0;
  forEachRun(rv, n, (first, count, width, height) => {
    for (let i = first, x = 0; i < first + count; i++) {
      place[2 * i] = o + x;
      place[2 * i + 1] = width;
      x += rv.getInt32(i * DeferredBlock.bytes + DeferredBlock.w, true);
    }
    o += width * height;
  });
  return codeRecords(c, rv, n, tail, states, input, bytes, place);
}

/** A batch's records: how many, where the resume states start, and the states copied into the core (0: none). */
function batchRecords(c: CoreExports, records: ArrayBuffer): { rv: DataView; n: number; tail: number; states: number } {
  const rv = new DataView(records);
  // (the records end where the first resume state starts)
  let n = Math.floor(records.byteLength / DeferredBlock.bytes);
  for (let i = 0; i < n; i++) {
    const r = rv.getUint32(i * DeferredBlock.bytes + DeferredBlock.resume, true);
    if (r !== 0) n = Math.min(n, Math.floor(r / DeferredBlock.bytes));
  }
  const tail = n * DeferredBlock.bytes;
  const states = records.byteLength > tail ? c.alloc(records.byteLength - tail) : 0;
  if (states) new Uint8Array(c.memory.buffer, states, records.byteLength - tail).set(new Uint8Array(records, tail));
  return { rv, n, tail, states };
}

/**
 * Code the n blocks of a batch's records on instance `c` (after blockCoderBegin): block i's samples
 * at input + 4·place[2i] with row stride place[2i + 1], inside the `bytes` bytes at `input`.
 */
function codeRecords(c: CoreExports, rv: DataView, n: number, tail: number, states: number, input: number, bytes: number, place: Float64Array): ArrayBuffer {
  const records = rv.buffer;
  const passBytes = c.blockCoderPassBytes();
  let total = 0;
  for (let i = 0; i < n; i++) {
    const at = i * DeferredBlock.bytes;
    const w = rv.getInt32(at + DeferredBlock.w, true), h = rv.getInt32(at + DeferredBlock.h, true);
    const start = place[2 * i]!, stride = place[2 * i + 1]!;
    if (!(w > 0 && h > 0 && stride >= w && (start + (h - 1) * stride + w) * 4 <= bytes)) throw new J2kError("INTERNAL", `threaded encode: block ${i} of a batch (${w}x${h}) lies outside its samples`);
    const from = rv.getUint32(at + DeferredBlock.resume, true);
    let resumed = 0;
    if (from !== 0) {
      // a stopped block continuing: its state's size from its first three i32 (BlockBatches.records)
      if (from < tail || from + 16 > records.byteLength) throw new J2kError("INTERNAL", `threaded encode: block ${i} of a batch has its resume state outside the batch`);
      const size = 16 + rv.getInt32(from, true) + rv.getInt32(from + 4, true) + rv.getInt32(from + 8, true) * c.blockCoderPassBytes();
      if (!(from + size <= records.byteLength)) throw new J2kError("INTERNAL", `threaded encode: block ${i} of a batch has its resume state outside the batch`);
      c.blockCoderResume(states + from - tail, size);
      resumed = 1;
    }
    c.blockCoderRun(
      input + start * 4, stride, w, h,
      rv.getInt32(at + DeferredBlock.orient, true),
      rv.getInt32(at + DeferredBlock.style, true),
      rv.getInt32(at + DeferredBlock.rev, true),
      rv.getFloat32(at + DeferredBlock.invStep, true),
      rv.getInt32(at + DeferredBlock.wantDistortion, true),
      rv.getFloat64(at + DeferredBlock.stopSlope, true),
      rv.getInt32(at + DeferredBlock.htFloor, true),
      rv.getInt32(at + DeferredBlock.htSets, true),
      rv.getInt32(at + DeferredBlock.htRefine, true),
    );
    const mem = c.memory.buffer;
    const info = c.blockCoderOutput(2);
    const iv = new DataView(mem, info, BlockInfo.bytes);
    const npass = iv.getInt32(BlockInfo.passes, true), len = iv.getInt32(BlockInfo.length, true);
    // a block that stopped early: its resume record goes back too (the core keeps it for a resume)
    const rb = iv.getInt32(BlockInfo.exact, true) < npass ? c.blockCoderResumeBytes() : 0;
    const head = (BlockInfo.bytes + npass * passBytes + len + 7) & ~7;
    const size = head + 8 + ((rb + 7) & ~7);
    if (total + size > resultScratch.length) {
      const grown = new Uint8Array(Math.max(2 * resultScratch.length, total + size, 1 << 16));
      grown.set(resultScratch.subarray(0, total));
      resultScratch = grown;
    }
    const part = resultScratch.subarray(total, total + size);
    part.set(new Uint8Array(mem, info, BlockInfo.bytes), 0);
    part.set(new Uint8Array(mem, c.blockCoderOutput(1), npass * passBytes), BlockInfo.bytes);
    part.set(new Uint8Array(mem, c.blockCoderOutput(0), len), BlockInfo.bytes + npass * passBytes);
    part.fill(0, BlockInfo.bytes + npass * passBytes + len); // (the padding)
    const tail8 = new DataView(part.buffer, part.byteOffset + head, 8);
    tail8.setInt32(0, rb, true);
    tail8.setInt32(4, resumed, true);
    if (rb > 0) part.set(new Uint8Array(c.memory.buffer, c.blockCoderOutput(3), rb), head + 8);
    total += size;
  }
  return resultScratch.slice(0, total).buffer;
}
