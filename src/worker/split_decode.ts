/**
 * The bands of threaded decoding (src/worker/threads.ts decodeThreaded): one "split" job per row
 * band but the first, all at once, each in a worker ({@link decodeSplit}); band 0 on the calling
 * thread ({@link decodeSplitHere}), the same steps without waiting.
 *
 * 1. T2 of the whole codestream, the same work-balanced cuts every band computes, and T1 of this
 *    band's share of the code-blocks several bands need (the core's decoderBandShare). The share
 *    goes at once to the calling thread, which forwards it to the other bands' jobs.
 * 2. While the other bands' shares travel, T1 of the blocks only this band needs, a few at a time
 *    (decoderBandOwnStep), looking for arrived shares between steps where the port can be read
 *    synchronously (Node's receiveMessageOnPort).
 * 3. Every table — its share, its own blocks decoded so far, the shares that arrived — supplied at
 *    once (decoderBandSupplyAll), and the band decoded as a region of the same parsed codestream:
 *    interleaved output of every component of a 9/7 codestream in strips
 *    ({@link decodeSuppliedStrips}), other layouts and 5/3 on the whole-image path (src/decode.ts
 *    decodeParsed); blocks in no table are decoded
 *    there as usual. Band 0 (of an interleaved or planar decode) comes back in an array of the
 *    whole image, the other bands' rows still to be copied in and its pages touched meanwhile
 *    (see {@link placeWhole}); the other bands in `spare`, a buffer an earlier band came back in,
 *    where it is large enough.
 *
 * No job ever waits for another: a share that has not arrived when step 2 runs out of blocks is
 * not waited for (the band decodes those blocks itself), so no number of workers, queued jobs or
 * failed workers can make a band hang, and the result is the same whichever shares arrived —
 * a supplied block is exactly the T1 output the band's own decode would compute. A codestream the
 * core cannot weigh and cut (damaged) is decoded the plain way (threads.ts decodeBand), whose
 * errors are the job's; so is a band large enough for a one-piece decode of it to go through
 * strips (step 2's tables of decoded blocks would take the memory strips save).
 *
 * Each job runs on a private core instance (kept for the next job while the shared instance it
 * was made beside is live), so that jobs this worker runs while a split job waits (step 2's
 * event-loop turn in browsers) cannot reset its state.
 * @module
 */
import type { DecodeOptions, DecodedImage } from "../types.js";
import type { CoreExports } from "../core_interface.js";
import { J2kError } from "../errors.js";
import { copyIn, core, createCoreInstance, guardCore, memoryInUse, releaseMemory } from "../wasm/load.js";
import { DEFAULT_LIMITS, MAX_CODEBLOCKS_PER_TILE, locateCodestream } from "../decode_plan.js";
import { decode, decodeParsed, type PlaceSamples } from "../decode.js";
import type { SampleArray } from "../types.js";
import { bytesPerSampleFor, sampleArrayFor } from "../samples.js";
import { prefersStrips, stripImage } from "../strip/assemble.js";
import { StripDecoder } from "../strip/strip_decoder.js";
import { MIN_BAND_ROWS, bandRows, decodeBand, shareWeights, type BandResult } from "./threads.js";
import type { SplitBandMessage, SplitMessage, SplitPort } from "./protocol.js";
import { SHARED_BAND_HEADER, SHARED_ROWS, SHARED_Y0, SHARED_Y1, SharedBandState, setSharedState, sharedBandWords } from "./shared_band.js";

/** Blocks T1-decodes between two looks at the port (about 0.1-1 ms of work). */
const OWN_STEP_BLOCKS = 8;

/** Bytes of a page: {@link placeWhole} writes one sample per page to have the kernel map it. */
const PAGE_BYTES = 4096;

/**
 * A whole-image array made, and its pages touched, while this thread had nothing else to do
 * ({@link prepareWholeArray}), for the next band 0 of its type and length: band 0's array is then
 * ready instead of filled page fault by page fault on the calling thread's band (saw: 18 MB, ~5 ms
 * of faults; DX: 8.5 MB) and the collections its allocation triggers (external memory pressure)
 * have run before. Never handed out twice: the image that takes it owns it.
 */
let ready: { array: SampleArray; release: ReturnType<typeof setTimeout> | undefined } | undefined;

/** Largest array {@link prepareWholeArray} makes ahead. */
const READY_MAX_BYTES = 64 << 20;
/** An array made ahead and not taken within this many ms is dropped (its memory given back). */
const READY_KEEP_MS = 5000;

/**
 * Make, and touch the pages of, an array like `like` (same type and length) for the next threaded
 * decode's band 0 ({@link takeWholeArray}), unless one is ready or it is larger than 64 MiB; it is
 * dropped if no decode takes it within 5 s. decodeAsync calls this when the calling thread is idle
 * between threaded decodes (src/decode_async.ts).
 */
export function prepareWholeArray(like: SampleArray): void {
  if (like.byteLength > READY_MAX_BYTES) return;
  if (ready && ready.array.constructor === like.constructor && ready.array.length === like.length) return;
  dropReady();
  const array = wholeImageArray(like.constructor as new (n: number) => SampleArray, like.length);
  touchPages(array, 0, array.length);
  const release = setTimeout(dropReady, READY_KEEP_MS);
  (release as { unref?: () => void }).unref?.();
  ready = { array, release };
}

/** @internal Tests: the type name and length of the array made ahead (undefined: none). */
export function wholeArrayReady(): { type: string; length: number } | undefined {
  return ready && { type: ready.array.constructor.name, length: ready.array.length };
}

function dropReady(): void {
  if (ready?.release !== undefined) clearTimeout(ready.release);
  ready = undefined;
}

/** The array {@link prepareWholeArray} made, where it has type `Ctor` and `length` samples (then taken: never again); else undefined. */
function takeWholeArray(Ctor: new (n: number) => SampleArray, length: number): SampleArray | undefined {
  const r = ready;
  if (!r || r.array.constructor !== Ctor || r.array.length !== length) return undefined;
  dropReady();
  return r.array;
}

/**
 * Node's Buffer.allocUnsafeSlow where there is one (looked up once): memory for band 0's
 * whole-image array that is not cleared first. Every sample of that array is written before the
 * image is returned — band 0's rows by its decode, the other bands' rows by the stitch
 * (src/worker/threads.ts), which checks that the bands tile the image — so clearing it is wasted
 * work on the calling thread's band: the C library hands a freed block of this size back (the
 * last call's result, collected) and a cleared allocation then writes all of it (DX: 8.5 MB, ~0.8
 * ms); fresh pages from the kernel are zero either way.
 */
const allocUnsafe: ((bytes: number) => Uint8Array) | undefined = (() => {
  const g = globalThis as { process?: { versions?: { node?: string } }; Buffer?: { allocUnsafeSlow?: (n: number) => Uint8Array } };
  const f = g.Buffer?.allocUnsafeSlow;
  return g.process?.versions?.node && typeof f === "function" ? f.bind(g.Buffer) : undefined;
})();

/**
 * A `length`-sample array of type `Ctor` for band 0's whole image, not cleared where the platform
 * allows it ({@link allocUnsafe}): only for arrays whose every sample is written before anyone
 * reads them. @internal exported for tests.
 */
export function wholeImageArray(Ctor: new (n: number) => SampleArray, length: number): SampleArray {
  let a: SampleArray;
  if (allocUnsafe && uninitialized.on) {
    const b = allocUnsafe(length * (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT);
    a = new (Ctor as unknown as new (buffer: ArrayBuffer, offset: number, n: number) => SampleArray)(b.buffer as ArrayBuffer, b.byteOffset, length);
  } else a = new Ctor(length);
  if (uninitialized.poison !== undefined) a.fill(uninitialized.poison);
  return a;
}

/**
 * @internal Tests and benchmarks (in-process A/B): whether {@link wholeImageArray} leaves its
 * memory uncleared where it can (`on`), and a value it fills its arrays with (`poison`, tests: a
 * sample left unwritten then shows).
 */
export const uninitialized: { on: boolean; poison: number | undefined } = { on: true, poison: undefined };

/** Writes a 0 into every page of `a`'s samples [from, to) (the kernel maps a page at its first write). */
function touchPages(a: SampleArray, from: number, to: number): void {
  const step = PAGE_BYTES / a.BYTES_PER_ELEMENT;
  for (let i = from; i < to; i += step) a[i] = 0;
}

/**
 * Band 0's samples placed in an array of the whole `width` x `height` image, where the calling
 * thread copies the other bands in (src/worker/threads.ts stitch). The array's other pages are
 * touched here, while the other bands are still being decoded (usually: band 0 is not the slowest),
 * so that those copies do not stop at every page — and so that no thread allocates and touches a
 * whole-image array beside the workers.
 */
function placeWhole(width: number, height: number): PlaceSamples {
  return (view, layout, w, h, C) => {
    const Ctor = view.constructor as new (n: number) => SampleArray;
    const prepared = takeWholeArray(Ctor, width * height * C);
    const whole = prepared ?? wholeImageArray(Ctor, width * height * C);
    const touch = (from: number, to: number): void => {
      if (!prepared) touchPages(whole, from, to);
    };
    if (layout === "interleaved") {
      whole.set(view);
      touch(view.length, whole.length);
    } else {
      for (let c = 0; c < C; c++) {
        whole.set(view.subarray(c * w * h, (c + 1) * w * h), c * width * height);
        touch(c * width * height + w * h, (c + 1) * width * height);
      }
    }
    return whole;
  };
}

/** A copy of the samples into `spare` where it is large enough (its pages are touched already), else into a new array. */
function placeInto(spare: ArrayBuffer | undefined): PlaceSamples {
  return (view) => {
    if (!spare || spare.byteLength < view.byteLength) return view.slice() as SampleArray;
    const out = new (view.constructor as new (b: ArrayBuffer, o: number, n: number) => SampleArray)(spare, 0, view.length);
    out.set(view);
    return out;
  };
}

/** Node's receiveMessageOnPort where there is one (worker_entry.ts passes it). */
export type ReceiveNow = (port: SplitPort) => { message: unknown } | undefined;

/** A private instance kept from the last split job, valid beside the shared instance `beside`. */
let spareInstance: { c: CoreExports; beside: CoreExports } | null = null;

/** The other bands' shares as they arrive on the port. */
class Inbox {
  readonly shares: ArrayBuffer[] = [];
  private got = 0;
  constructor(private readonly want: number) {}
  get complete(): boolean {
    return this.got >= this.want;
  }
  take(m: unknown): void {
    const msg = m as SplitMessage | null;
    if (!msg || typeof msg !== "object" || typeof (msg as { from?: unknown }).from !== "number") return;
    this.got++;
    const share = (msg as { share?: unknown }).share;
    if (share instanceof ArrayBuffer && share.byteLength > 0) this.shares.push(share);
  }
}

/** The core calls of one band: `run` maps failures (guardCore), `drop` forgets a trapped instance. */
interface BandCore {
  c: CoreExports;
  run<T>(f: () => T): T;
  drop(): void;
}

/**
 * Step 1 on `bc` (see the module comment): T2, the cuts, this band's share posted on `port`. null:
 * the codestream could not be cut (`broken`: a trap or internal failure, the instance is dropped).
 */
function cutAndShare(bc: BandCore, codestream: Uint8Array, options: DecodeOptions, k: number, n: number, height: number, port: SplitPort, first: number): number[] | null {
  const { c } = bc;
  const limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  try {
    return bc.run(() => {
      c.jobBegin();
      c.setMemoryLimit(limits.maxMemory);
      c.decoderParse(copyIn(c, codestream), codestream.length);
      const out = c.alloc(4 * (n + 4));
      const w = shareWeights;
      if (c.decoderBandShare(options.layers ?? 0, options.allowPartial ? 1 : 0, MAX_CODEBLOCKS_PER_TILE, n, MIN_BAND_ROWS, w.byte, w.pass, w.sample, k, first, out) !== n) return null;
      const v = new Int32Array(c.memory.buffer, out, n + 4);
      const cuts = Array.from(v.subarray(0, n + 1));
      if (cuts[0] !== 0 || cuts[n] !== height || cuts.some((y, i) => i > 0 && !(y > cuts[i - 1]!))) return null;
      const share = c.memory.buffer.slice(v[n + 1]!, v[n + 1]! + v[n + 2]!);
      port.postMessage({ share } satisfies SplitMessage, [share]);
      return cuts;
    });
  } catch (e) {
    // (damaged: the plain decode reports it; after a trap the instance is not used again)
    if (!(e instanceof J2kError) || e.code === "INTERNAL") bc.drop();
    return null;
  }
}

/** Step 2: the blocks only this band needs, a few at a time, until every other share is here. */
function ownSteps(bc: BandCore, inbox: Inbox, poll: () => void): void {
  for (;;) {
    poll();
    if (inbox.complete) break;
    if (bc.run(() => bc.c.decoderBandOwnStep(OWN_STEP_BLOCKS)) === 0) break;
  }
}

/**
 * Step 3: every table supplied and band `k` decoded as a region (rows `cuts[k]`..`cuts[k + 1]`),
 * its samples put by `place`; undefined where the region would be decoded through strips.
 */
function decodeSupplied(bc: BandCore, bytes: Uint8Array, options: DecodeOptions, region: DecodeOptions, inbox: Inbox, place: PlaceSamples): DecodedImage | undefined {
  const { c } = bc;
  return bc.run(() => {
    supplyAll(c, inbox);
    return decodeParsed(c, bytes, { ...options, ...region }, place);
  });
}

/**
 * @internal Tests and benchmarks (in-process A/B): whether step 3 goes through strips where it can
 * (`on`), also for reversible (5/3) codestreams (`reversible`: off, see decodeSuppliedStrips); bands decoded so (`runs`).
 */
export const bandStrips = { on: true, reversible: false, runs: 0 };

/** Working memory a band decoded in strips gets at most, and at least (as src/strip/assemble.ts gives a whole decode). */
const BAND_STRIP_MEMORY = 512 * 2 ** 20;
const MIN_BAND_STRIP_MEMORY = 16 * 2 ** 20;

/**
 * The array a band decoded in strips goes to, for `samples` samples like `like`: `fill` (the band's
 * samples, in order) within `data` (the array the band's image holds); `done` after the fill.
 */
type BandArray = (like: new (n: number) => SampleArray, samples: number) => { data: SampleArray; fill: SampleArray; done?: () => void; rowsDone?: (rows: number) => void };

/**
 * Band 0's {@link BandArray} (rows [0, `y1`)) where there are rows below it: an array of the whole
 * `width` x `height` image (every component), the band's rows first, the other pages touched after
 * the fill (see {@link placeWhole}); else a new array.
 */
function wholeArray(width: number, height: number, y1: number): BandArray {
  return (Ctor, samples) => {
    const C = samples / (width * y1);
    if (y1 >= height || !Number.isInteger(C)) {
      const data = new Ctor(samples);
      return { data, fill: data };
    }
    const prepared = takeWholeArray(Ctor, width * height * C);
    const data = prepared ?? wholeImageArray(Ctor, width * height * C);
    return { data, fill: data.subarray(0, samples) as SampleArray, ...(prepared ? {} : { done: () => touchPages(data, samples, data.length) }) };
  };
}

/**
 * Room a new buffer of a band after the first gets beyond the band's samples: the buffer goes back
 * to the calling thread, which lends it to the next call's band job (src/worker/threads.ts), and
 * the next cut may give that band a few rows more (the two-band cut moves from call to call) —
 * then a buffer of exactly this band's size would be too small and the job would fill fresh
 * memory page by page again (DX: 4.3 MB, ~1.5 ms of page faults on the worker).
 */
const SPARE_SLACK = 1 / 8;

/**
 * The other bands' {@link BandArray}: in `spare` where it is large enough (its pages are touched
 * already), else in a new buffer with {@link SPARE_SLACK} room (never the image's array: the stitch
 * copies this band out of it).
 */
function spareArray(spare: ArrayBuffer | undefined): BandArray {
  return (Ctor, samples) => {
    const C = Ctor as unknown as { BYTES_PER_ELEMENT: number } & (new (b: ArrayBuffer, o: number, n: number) => SampleArray);
    const bytes = samples * C.BYTES_PER_ELEMENT;
    const buffer = spare && spare.byteLength >= bytes ? spare : new ArrayBuffer(bytes + Math.ceil(samples * SPARE_SLACK) * C.BYTES_PER_ELEMENT);
    const data = new C(buffer, 0, samples);
    return { data, fill: data };
  };
}

/**
 * The {@link BandArray} of band rows [`y0`, `y1`) in `shared` (see {@link SHARED_BAND_HEADER}) where
 * the samples fit behind its header; else `otherwise`'s.
 */
function sharedArray(shared: SharedArrayBuffer, y0: number, y1: number, otherwise: BandArray): BandArray {
  return (Ctor, samples) => {
    const C = Ctor as unknown as { BYTES_PER_ELEMENT: number } & (new (b: SharedArrayBuffer, o: number, n: number) => SampleArray);
    if (shared.byteLength - SHARED_BAND_HEADER < samples * C.BYTES_PER_ELEMENT) return otherwise(Ctor, samples);
    const words = sharedBandWords(shared);
    const data = new C(shared, SHARED_BAND_HEADER, samples);
    words[SHARED_Y0] = y0;
    words[SHARED_Y1] = y1;
    Atomics.store(words, SHARED_ROWS, 0);
    setSharedState(words, SharedBandState.writing);
    const rowsDone = (rows: number): void => {
      Atomics.store(words, SHARED_ROWS, rows);
      Atomics.notify(words, SHARED_ROWS);
    };
    return { data, fill: data, rowsDone };
  };
}

/**
 * Step 3 in strips (src/strip/strip_decoder.ts on this band's instance, every table supplied: the
 * strips take the supplied blocks as the whole-image path does): interleaved output of every
 * component, written by the strips straight into the array `into` gives (no copy of the band out
 * of WebAssembly memory as a whole). The strips keep the DWT's working set to a strip and fuse the
 * last DWT level with the output (saw's band: ~4 % less CPU than the whole-image path alone, and
 * less streaming from memory while the other band streams too). undefined for a reversible (5/3)
 * codestream (see {@link bandStrips}), where another layout or a subset of components is asked for, or where the band's array (`pixels` pixels: band 0's is the
 * whole image's) and 16 MiB of strip working memory would not both fit within limits.maxMemory
 * (the strips get up to 512 MiB, less what the array takes): step 3 then takes the whole-image path.
 */
function decodeSuppliedStrips(bc: BandCore, bytes: Uint8Array, options: DecodeOptions, region: DecodeOptions, inbox: Inbox, into: BandArray, pixels: number): DecodedImage | undefined {
  if ((options.layout ?? "interleaved") !== "interleaved" || options.components) return undefined;
  const loc = locateCodestream(bytes);
  const limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  const { c } = bc;
  const open = (working: number): StripDecoder =>
    StripDecoder.parsedOn(c, {
      ...(options.layers !== undefined ? { layers: options.layers } : {}),
      ...(options.allowPartial !== undefined ? { allowPartial: options.allowPartial } : {}),
      ...(options.palette !== undefined ? { palette: options.palette } : {}),
      ...region,
      ...(loc.jp2 ? { jp2: loc.jp2 } : {}),
      limits: { ...limits, maxMemory: working },
    });
  try {
    return bc.run(() => {
      // (as src/strip/assemble.ts: the band's array counts against maxMemory too; the strips get what it leaves)
      let working = Math.min(BAND_STRIP_MEMORY, limits.maxMemory);
      let dec = open(working);
      if (dec.header.reversible && !bandStrips.reversible) {
        // (5/3: no gain alone — DX lossless 1.013 -> 1.015 bands ÷ whole — and DX lossless at two
        // threads read 1.88 / 1.95 with / without strips: the whole-image path, as before)
        dec.close();
        return undefined;
      }
      const n = dec.info.components;
      const out = pixels * n * bytesPerSampleFor(dec.info.bitDepth, dec.info.signed);
      if (out > limits.maxMemory - working) {
        dec.close();
        if (limits.maxMemory - out < MIN_BAND_STRIP_MEMORY) return undefined;
        working = limits.maxMemory - out;
        dec = open(working);
      }
      supplyAll(c, inbox);
      const info = dec.info; // (the strips complete its warnings and partial flag)
      const samples = info.width * info.height * n;
      const Ctor = sampleArrayFor(info.bitDepth, info.signed, 0).constructor as new (n: number) => SampleArray;
      const { data, fill, done, rowsDone } = into(Ctor, samples);
      dec.fillInto(fill, rowsDone);
      done?.();
      bandStrips.runs++;
      return stripImage(info, "interleaved", data);
    });
  } catch (e) {
    // (a trap inside the strips comes out as INTERNAL: the instance is not used again)
    if (e instanceof J2kError && e.code === "INTERNAL") bc.drop();
    throw e;
  }
}

/** Every table of `inbox` (the other bands' shares) into `c`'s memory, then all of them supplied (decoderBandSupplyAll). */
function supplyAll(c: CoreExports, inbox: Inbox): void {
  const len = inbox.shares.reduce((a, b) => a + b.byteLength, 0);
  const ptr = c.alloc(Math.max(1, len));
  let at = ptr;
  for (const b of inbox.shares) {
    new Uint8Array(c.memory.buffer, at, b.byteLength).set(new Uint8Array(b));
    at += b.byteLength;
  }
  c.decoderBandSupplyAll(ptr, len);
}

/** Band 0's {@link PlaceSamples}: in an array of the whole image where there are rows below it. */
function placeFirst(width: number, height: number, y1: number): PlaceSamples {
  return (view, layout, w, h, C) => (w === width && h === y1 && y1 < height ? placeWhole(width, height)(view, layout, w, h, C) : (view.slice() as SampleArray));
}

/**
 * The start both band runners share: the codestream, or null when this band is not split (the
 * other bands are told there is no share; the caller decodes the band plainly, {@link decodeBand}).
 */
function splitCodestream(bytes: Uint8Array, options: DecodeOptions, k: number, n: number, height: number, width: number, port: SplitPort): Uint8Array | null {
  const { codestream } = locateCodestream(bytes);
  if (!splitRefused(codestream, options, k, n, height, width)) return codestream;
  port.postMessage({ share: null } satisfies SplitMessage);
  return null;
}

/** Takes every share `receiveNow` can read now into the inbox (nothing without it). */
function sharePoller(inbox: Inbox, port: SplitPort, receiveNow: ReceiveNow | undefined): () => void {
  return () => {
    for (let r = receiveNow?.(port); r; r = receiveNow!(port)) inbox.take(r.message);
  };
}

/**
 * Step 3 of both band runners: band `k` between its cuts, every table supplied (band 0 in an array
 * of the whole image, the others through `place`); without a supplied decode (strips), the band is
 * decoded the usual way.
 */
function decodeBandRows(bc: BandCore, bytes: Uint8Array, options: DecodeOptions, cuts: number[], k: number, height: number, width: number, inbox: Inbox, place: PlaceSamples, cpu0: number | undefined, spare?: ArrayBuffer, shared?: SharedArrayBuffer): BandResult {
  const [y0, y1] = [cuts[k]!, cuts[k + 1]!];
  const region = { region: { x: 0, y: y0, width, height: y1 - y0 } };
  const into = k === 0 ? wholeArray(width, height, y1) : shared ? sharedArray(shared, y0, y1, spareArray(spare)) : spareArray(spare);
  const strips = bandStrips.on ? decodeSuppliedStrips(bc, bytes, options, region, inbox, into, width * (k === 0 ? height : y1 - y0)) : undefined;
  if (strips && shared && strips.data.buffer === shared) {
    // (the samples stay in the shared buffer: the answer carries an empty array of their type;
    // decodeSplit says the band is complete once it has posted the answer on its port)
    Atomics.store(sharedBandWords(shared), SHARED_ROWS, y1 - y0);
    const empty = new (strips.data.constructor as new (n: number) => SampleArray)(0);
    return { image: { ...strips, data: empty }, rows: [y0, y1], done: now(), ...cpuSince(cpu0), shared: true };
  }
  const image = strips ?? decodeSupplied(bc, bytes, options, region, inbox, k === 0 ? placeFirst(width, height, y1) : place);
  if (image) return { image, rows: [y0, y1], done: now(), ...cpuSince(cpu0), ...(strips ? { strips: true } : {}) };
  return { image: decode(bytes, { ...options, ...region }), rows: [y0, y1] };
}

/** Is band `k` of `n` decoded the plain way (components asked for, or strips)? Throws where there is no such band. */
function splitRefused(codestream: Uint8Array, options: DecodeOptions, k: number, n: number, height: number, width: number): boolean {
  if (bandRows(height, n)?.length !== n || k < 0 || k >= n) throw new J2kError("INTERNAL", `threaded decode: no band ${k} of ${n} for an image of ${height} rows`);
  // (bands decoded through strips, src/strip/assemble.ts, take no supplied blocks: nothing to share)
  const approx = { ...options, region: { x: 0, y: 0, width, height: Math.ceil(height / n) } };
  return !!options.components || prefersStrips(codestream, approx);
}

/**
 * Run a "split" job: band `k` of `n` of a `width` x `height` image, talking on `port` (see the
 * module comment). `receiveNow` reads the port synchronously where possible; `spare` may hold the
 * band's samples; `first`: band 0's fraction of two bands' work (codec/api_bands.ts decoderBandShare);
 * `shared`: a buffer shared with the calling thread for the band's samples (see
 * {@link SHARED_BAND_HEADER}; the answer then has `shared` set and an empty `image.data`). Resolves
 * with the band (band 0: in an array of the whole image, see {@link placeWhole}); fails with the
 * decode's J2kError.
 */
export async function decodeSplit(
  bytes: Uint8Array,
  options: DecodeOptions,
  k: number,
  n: number,
  height: number,
  width: number,
  port: SplitPort,
  receiveNow?: ReceiveNow,
  spare?: ArrayBuffer,
  first = 0.5,
  shared?: SharedArrayBuffer,
): Promise<BandResult> {
  const inbox = new Inbox(n - 1);
  const cpu0 = threadCpu();
  let completed = false;
  // (browsers: messages queue until the next event-loop turn)
  if (!receiveNow) port.onmessage = (e) => inbox.take(e.data);
  try {
    const plain = (): BandResult => decodeBand(bytes, options, k, n, height, width, decode);
    const codestream = splitCodestream(bytes, options, k, n, height, width, port);
    if (!codestream) return plain();
    const c = spareInstance && spareInstance.beside === core() ? spareInstance.c : createCoreInstance();
    spareInstance = null;
    let live = true;
    const bc: BandCore = { c, run: (f) => guardCore(c, f), drop: () => (live = false) };
    // 1. T2, cuts, this band's share
    const cuts = cutAndShare(bc, codestream, options, k, n, height, port, first);
    if (!cuts) {
      port.postMessage({ share: null } satisfies SplitMessage);
      if (live) spareInstance = { c, beside: core() };
      return plain();
    }
    // 2. the blocks only this band needs, until every other share is here
    const poll = sharePoller(inbox, port, receiveNow);
    ownSteps(bc, inbox, poll);
    if (!inbox.complete && !receiveNow) await new Promise((resolve) => setTimeout(resolve, 0)); // (shares already delivered)
    poll();
    // 3. the band, every table supplied
    const band = decodeBandRows(bc, bytes, options, cuts, k, height, width, inbox, placeInto(spare), cpu0, spare, shared);
    spareInstance = { c, beside: core() };
    if (band.shared && shared) {
      // the answer on the port first, then the state: a calling thread that sees "complete" finds it there
      port.postMessage({ band } satisfies SplitBandMessage);
      setSharedState(sharedBandWords(shared), SharedBandState.complete);
      completed = true;
    }
    return band;
  } finally {
    // (a band not complete in the shared buffer: the calling thread takes it from the answer; a
    // local flag, not the buffer's state, which the calling thread may lend again once complete)
    if (shared && !completed) setSharedState(sharedBandWords(shared), SharedBandState.unused);
    port.onmessage = null;
    port.close();
  }
}

/**
 * A "split" job on the calling thread (src/worker/threads.ts decodeThreaded: band 0 there, the
 * others in workers), synchronously, on the shared core instance: steps 1-3 of {@link decodeSplit}
 * without waiting for anything — the other bands' shares are taken where `receiveNow` reads them
 * between steps (Node), else the band decodes those blocks itself. Band 0 comes back in an array of
 * the whole image (see {@link placeWhole}). Fails with the decode's J2kError; a trap drops the
 * shared instance, as callCore does.
 */
export function decodeSplitHere(bytes: Uint8Array, options: DecodeOptions, k: number, n: number, height: number, width: number, port: SplitPort, receiveNow?: ReceiveNow, first = 0.5): BandResult {
  const inbox = new Inbox(n - 1);
  const cpu0 = threadCpu();
  try {
    const plain = (): BandResult => decodeBand(bytes, options, k, n, height, width, decode);
    const codestream = splitCodestream(bytes, options, k, n, height, width, port);
    if (!codestream) return plain();
    const c = core();
    const drop = (): void => {
      if (memoryInUse() > 0 && core() === c) releaseMemory();
    };
    const bc: BandCore = {
      c,
      run: (f) =>
        guardCore(c, () => {
          try {
            return f();
          } catch (e) {
            if (!(e instanceof J2kError)) drop();
            throw e;
          }
        }),
      drop,
    };
    const cuts = cutAndShare(bc, codestream, options, k, n, height, port, first);
    if (!cuts) {
      port.postMessage({ share: null } satisfies SplitMessage);
      return plain();
    }
    const poll = sharePoller(inbox, port, receiveNow);
    ownSteps(bc, inbox, poll);
    poll();
    return decodeBandRows(bc, bytes, options, cuts, k, height, width, inbox, (view) => view.slice() as SampleArray, cpu0);
  } finally {
    port.close();
  }
}

/** Reads a MessagePort synchronously (Node's receiveMessageOnPort). */
export type ReceiveHere = (port: unknown) => { message: unknown } | undefined;

/**
 * Node's receiveMessageOnPort for the calling thread's band ({@link decodeSplitHere}); undefined
 * elsewhere (browsers: the band reads no shares). A promise the first time only (the module is
 * loaded then), so that later calls need no await.
 */
export function receiverHere(): ReceiveHere | undefined | Promise<ReceiveHere | undefined> {
  if (nodeReceive !== null) return nodeReceive;
  const g = globalThis as { process?: { versions?: { node?: string } } };
  if (!g.process?.versions?.node) return (nodeReceive = undefined);
  return import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_WORKER_THREADS).then(
    (wt: { receiveMessageOnPort?: ReceiveHere }) => (nodeReceive = wt.receiveMessageOnPort),
    () => (nodeReceive = undefined),
  );
}

/** Node's worker_threads and fs, named at run time so that browser bundlers never resolve them. */
const NODE_WORKER_THREADS = ["node", "worker_threads"].join(":");
const NODE_FS = ["node", "fs"].join(":");

/**
 * Reads a small text file synchronously (Node's fs.readFileSync), looked up once when this module
 * loads (Node only): null until then or elsewhere.
 */
let readText: ((path: string, encoding: "utf8") => string) | null = null;
{
  const g = globalThis as { process?: { versions?: { node?: string }; platform?: string } };
  if (g.process?.versions?.node && g.process.platform === "linux") {
    import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_FS).then(
      (fs: { readFileSync?: (path: string, encoding: "utf8") => string }) => (readText = fs.readFileSync ?? null),
      () => undefined,
    );
  }
}

/**
 * This thread's own time (ms) on a clock that stops while it waits for a core (another process
 * runs there), where the platform tells it: the wall clock minus the thread's run-queue waits
 * (Linux: /proc/thread-self/schedstat, whose waits are counted at once when the thread gets a
 * core again, where its CPU time is only counted at scheduler ticks); else undefined. Threaded
 * decoding balances its two bands by these times: on a machine other processes load, the bands'
 * wall times say more about the load than about the cut.
 */
export function threadCpu(): number | undefined {
  if (!readText) return undefined;
  try {
    const waited = Number(readText("/proc/thread-self/schedstat", "utf8").split(" ")[1]);
    return Number.isFinite(waited) ? now() - waited / 1e6 : undefined;
  } catch {
    readText = null;
    return undefined;
  }
}

/** `{ cpu }`: this thread's own time (ms) since `cpu0` ({@link threadCpu}), where both are known. */
function cpuSince(cpu0: number | undefined): { cpu?: number } {
  const cpu1 = cpu0 === undefined ? undefined : threadCpu();
  return cpu0 !== undefined && cpu1 !== undefined ? { cpu: cpu1 - cpu0 } : {};
}

/** Milliseconds since the epoch, to a fraction of a millisecond: the same clock on every thread of a process. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** receiveMessageOnPort once looked up (null: not yet). */
let nodeReceive: ReceiveHere | undefined | null = null;
// (looked up when this module loads, so that the first decodeAsync usually finds it ready)
void receiverHere();
