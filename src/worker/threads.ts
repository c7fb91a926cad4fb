/**
 * Several threads on one image: `decodeAsync(bytes, { threads })` splits a large image into bands of
 * rows, decodes each band as a region — band 0 on the calling thread, the others in workers of
 * j2kit's pool (worker_threads / Web Workers) — and stitches the bands together. Region decoding reconstructs exactly the samples a full decode
 * produces (it decodes every code-block the band's samples depend on, DWT margins included), so
 * the stitched image is identical to the single-threaded result.
 *
 * The bands hold about equal work, not equal rows: each band's job (src/worker/split_decode.ts)
 * runs T2 over the whole codestream, weighs every code-block and cuts the image (the core's
 * decoderBandShare, codec/api_bands.ts); every job computes the same cuts, so no thread waits for
 * another to choose them. The blocks several bands need are decoded once: each job decodes its
 * share of them and sends it on its port, this thread forwards it to the other jobs, which take
 * what has arrived when they decode their band (and decode the rest themselves: no job waits).
 *
 * Nothing here needs SharedArrayBuffer: every worker owns its WebAssembly instance and the bands
 * come back as transferred buffers, so the threaded path works in every browser that has module
 * workers, cross-origin isolated or not. Band 0 is placed in an array of the whole image (its
 * other pages touched after the band), into which this thread copies the other bands; their
 * buffers are kept and lent to the next call's band jobs, so that no worker fills fresh memory
 * page by page.
 * @module
 */
import type { DecodeOptions, DecodedImage, SampleArray } from "../types.js";
import { J2kError } from "../errors.js";
import { answeredElsewhere, coreCount, jobsPending, runInWorker, workerPoolInfo, workersReady, type JobTicket } from "./pool.js";
import type { SplitBandMessage, SplitMessage, SplitPort } from "./protocol.js";
import { callCore, copyIn } from "../wasm/load.js";
import { DEFAULT_LIMITS, MAX_CODEBLOCKS_PER_TILE, locateCodestream } from "../decode_plan.js";
import { SHARED_BAND_HEADER, SHARED_ROWS, SHARED_STATE, SHARED_Y0, SHARED_Y1, SharedBandState, sharedBandWords } from "./shared_band.js";

/**
 * Work of one codeword byte against one sample when weighing bands (codec/api_bands.ts): T1 time
 * per byte ÷ the rest of the decode per sample. 16 puts the cuts of saw and DX (lossless and 9/7
 * ratio 20) where their band CPU times balance best, except saw at ratio 20, which would want 32
 * (and DX at ratio 20 then loses as much): bytes alone do not tell T1's work on lossy blocks.
 */
const BAND_BYTE_WEIGHT = 16;

/**
 * @internal T1 work of a code-block in the cut and share of threaded decoding (codec/api_bands.ts
 * decoderBandShare, src/worker/split_decode.ts), in units of the rest of the decode's work per
 * sample (dequantisation, inverse DWT, output): per codeword byte, per coding pass and sample, per sample. A least-squares fit of
 * the T1 time of every code-block of saw and DX (lossless and 9/7 ratio 20; 15.5k blocks, SIMD
 * build): 0.077 µs/byte + 0.00055 µs/(pass·sample) + 0.0019 µs/sample, the rest ≈ 0.003 µs/sample.
 */
export const shareWeights = { byte: 25, pass: 0.18, sample: 0.64 } as const;

/** Band boundaries fall on multiples of this many rows. */
export const BAND_ALIGN = 64;

/** Images with at least this many pixels are decoded on several threads when `threads` is not given. */
export const THREADED_MIN_PIXELS = 2_000_000;
/** A band is never shorter than this many rows (shorter bands cost more overlap than they save). */
export const MIN_BAND_ROWS = 256;

export { coreCount };

/**
 * @internal Tests: force {@link callerMayWork}'s answer (undefined: detect it).
 */
export const callerPolicy: { override: boolean | undefined } = { override: undefined };

/**
 * Whether the thread calling `decodeAsync` / `encodeAsync` with `threads` may take a share of the
 * work itself (a band, code-blocks), blocking it meanwhile: yes in Node (main thread or
 * worker_threads) and in Web Workers; no on a browser window's main thread (a `document`), where
 * it would freeze the page — there every share goes to `threads` pool workers. `g`: the global
 * scope to look at.
 */
export function callerMayWork(g: unknown = globalThis): boolean {
  if (callerPolicy.override !== undefined) return callerPolicy.override;
  const scope = g as { document?: unknown; process?: { versions?: { node?: string } } } | null;
  if (scope?.process?.versions?.node) return true;
  return typeof scope?.document === "undefined";
}

/** Validated `threads` option: undefined (automatic) or an integer 1..64. */
export function checkThreads(threads: unknown): number | undefined {
  if (threads === undefined) return undefined;
  if (typeof threads !== "number" || !Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new J2kError("INVALID_ARGUMENT", `threads must be an integer 1..64 (got ${String(threads)})`);
  }
  return threads;
}

/**
 * Row bands [y0, y1) for `threads` threads over an image of `height` rows, or null when the
 * image should be decoded in one piece. Boundaries fall on multiples of 64 rows.
 */
export function bandRows(height: number, threads: number): Array<[number, number]> | null {
  const n = Math.min(threads, Math.floor(height / MIN_BAND_ROWS));
  if (n < 2) return null;
  const bands: Array<[number, number]> = [];
  let y0 = 0;
  for (let k = 1; k <= n; k++) {
    const y1 = k === n ? height : Math.round((k * height) / n / BAND_ALIGN) * BAND_ALIGN;
    if (y1 <= y0) return null;
    bands.push([y0, y1]);
    y0 = y1;
  }
  return bands;
}

/**
 * Row bands [y0, y1) of about equal decoding work for `n` threads (see the module comment), or null
 * where {@link bandRows} gives none. Falls back to {@link bandRows} when the core cannot weigh the
 * codestream (damaged data: the band decodes then report the error).
 */
export function balancedBands(bytes: Uint8Array, height: number, n: number, options: DecodeOptions): Array<[number, number]> | null {
  const even = bandRows(height, n);
  if (!even) return null;
  const m = even.length;
  try {
    const { codestream } = locateCodestream(bytes);
    const limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
    const cuts = callCore((c) => {
      c.decoderParse(copyIn(c, codestream), codestream.length);
      const out = c.alloc(4 * (m + 1));
      if (c.decoderBandCuts(options.layers ?? 0, options.allowPartial ? 1 : 0, MAX_CODEBLOCKS_PER_TILE, m, MIN_BAND_ROWS, BAND_BYTE_WEIGHT, out) !== m) return null;
      return Array.from(new Int32Array(c.memory.buffer, out, m + 1));
    }, limits.maxMemory);
    if (!cuts || cuts[0] !== 0 || cuts[m] !== height) return even;
    const bands: Array<[number, number]> = [];
    for (let k = 0; k < m; k++) {
      if (cuts[k + 1]! - cuts[k]! < 1) return even;
      bands.push([cuts[k]!, cuts[k + 1]!]);
    }
    return bands;
  } catch {
    return even;
  }
}

/**
 * Threads used when the caller gives none: every core for images of at least
 * {@link THREADED_MIN_PIXELS} pixels while the pool is idle; one otherwise (with other jobs in
 * flight the cores are busy already, and splitting would only add the boundary overlap).
 */
export function autoThreadCount(pixels: number, pendingJobs: number, cores: number): number {
  return pixels >= THREADED_MIN_PIXELS && pendingJobs === 0 ? cores : 1;
}

/**
 * What threaded decoding needs of the header (a HeaderInfo has it; src/decode_async.ts reads
 * it straight from SIZ where it can, before any band job is posted).
 */
export interface SplitGeometry {
  width: number;
  height: number;
  components: number;
  componentInfo: ReadonlyArray<{ dx: number; dy: number }>;
}

/** Can this decode be split into row bands? (full-size decode, no sub-sampled components.) */
function splittable(header: SplitGeometry, options: DecodeOptions): boolean {
  if (options.region || (options.reduce ?? 0) !== 0) return false;
  return header.componentInfo.every((c) => c.dx === 1 && c.dy === 1);
}

/**
 * The calling thread's band of a threaded decode (src/worker/split_decode.ts decodeSplitHere, passed
 * in by decodeAsync): band `k` of `n`, synchronously, talking on `port`; `receiveNow` reads it
 * between steps where it can.
 */
export type BandHere = (
  bytes: Uint8Array,
  options: DecodeOptions,
  k: number,
  n: number,
  height: number,
  width: number,
  port: SplitPort,
  receiveNow?: (port: SplitPort) => { message: unknown } | undefined,
  first?: number,
) => BandResult;

/**
 * Decode `bytes` on `threads` threads (undefined: automatic — every core for images of at least
 * {@link THREADED_MIN_PIXELS} pixels when no other job is queued or running in the pool). With
 * `here` (decodeAsync), `threads` counts the calling thread: it decodes band 0 itself, between
 * posting the other bands' jobs to threads - 1 workers and stitching them in; without, every band
 * is a worker's job. Returns undefined when the image is not split (too small, one thread,
 * region/reduce requested, sub-sampled components, or no workers): the caller then decodes it in
 * one piece.
 */
export async function decodeThreaded(
  bytes: Uint8Array,
  header: SplitGeometry,
  options: DecodeOptions,
  threads: number | undefined,
  here?: { band: BandHere; receiveNow?: (port: unknown) => { message: unknown } | undefined; now?: () => number },
): Promise<DecodedImage | undefined> {
  if (!splittable(header, options)) return undefined;
  const n = threads ?? autoThreadCount(header.width * header.height, jobsPending(), await coreCount());
  const even = bandRows(header.height, n);
  if (!even) return undefined;
  const m = even.length;
  if (typeof MessageChannel === "undefined") return undefined;
  // (the calling thread's band goes ahead only where the other bands have workers: else one piece;
  // with workers up, no await: the jobs are posted before decodeAsync returns)
  if (here && workerPoolInfo().workers === 0 && !(await workersReady())) return undefined;
  // (a view into a larger buffer is copied once here: posting it would copy the whole buffer to every job)
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  // two bands, one here: the cut from what the last decode of this kind of image measured
  const kind = here?.now && m === 2 ? kindOf(header, own.length) : undefined;
  const first = kind !== undefined ? firstShareOf(kind) : 0.5;
  const job = { bytes: own, options, bands: m, width: header.width, height: header.height, ...(first !== 0.5 ? { first } : {}) };
  // the buffers earlier bands came back in, for the bands after the first (band 0 brings the whole
  // array); where this thread decodes band 0 and SharedArrayBuffer exists, buffers shared with the
  // jobs instead, which this thread copies from as the rows come in (shared_band.ts)
  const sharing = !!here && sharedBandsAvailable();
  const lent = even.map((_, k) => (k > 0 ? spareBands.pop() : undefined));
  const lentShared = even.map((_, k) => (k > 0 && sharing ? sharedBands.pop() : undefined));
  for (const sb of lentShared) if (sb) Atomics.store(sharedBandWords(sb), SHARED_STATE, SharedBandState.lent);
  // one job per band (src/worker/split_decode.ts), all at once; each sends its share of the blocks
  // several bands need on its port as soon as it has it, and this thread forwards it to the others
  // (to its own band's inbox where it decodes band 0)
  // (band 0 on this thread talks through `deliver` and `inbox`: no channel of its own)
  const channels = even.map((_, k) => (k === 0 && here ? undefined : new MessageChannel()));
  const inbox: unknown[] = [];
  let hereOpen = !!here;
  // a job's answer on its port (its band complete in a shared buffer), ahead of the pool's
  const early: Array<BandResult | undefined> = even.map(() => undefined);
  const deliver = (k: number, data: unknown): void => {
    if (data !== null && typeof data === "object" && "band" in data) {
      early[k] = (data as SplitBandMessage).band;
      return;
    }
    const share = (data as { share?: unknown } | null)?.share;
    const buf = share instanceof ArrayBuffer ? share : null;
    const others = even.map((_, j) => j).filter((j) => j !== k && (j !== 0 || !here || hereOpen));
    others.forEach((j, i) => {
      const b = buf && i < others.length - 1 ? buf.slice(0) : buf; // (the last one gets the original)
      const msg = { from: k, share: b } satisfies SplitMessage;
      if (j === 0 && here) inbox.push(msg);
      else channels[j]!.port1.postMessage(msg, b ? [b] : []);
    });
  };
  channels.forEach((ch, k) => {
    if (ch) ch.port1.onmessage = (event: MessageEvent) => deliver(k, event.data);
  });
  let settled: PromiseSettledResult<BandResult | undefined>[];
  let band0: BandResult | undefined;
  let band0Span = 0;
  let copied: number[] = [];
  let copyMs = 0;
  let failure: { e: unknown } | undefined;
  const tickets = even.map((): JobTicket => ({}));
  try {
    const jobs = even.map((_, k) => {
      if (k === 0 && here) return Promise.resolve(undefined);
      const spare = lent[k];
      const transfer: Transferable[] = spare ? [channels[k]!.port2 as unknown as Transferable, spare] : [channels[k]!.port2 as unknown as Transferable];
      const shared = lentShared[k];
      const req = { op: "split", ...job, band: k, port: channels[k]!.port2 as unknown as SplitPort, ...(spare ? { spare } : {}), ...(shared ? { sharedBand: shared } : {}) } as const;
      return runInWorker<BandResult>(req, transfer, 1, 1, undefined, tickets[k]);
    });
    if (here) {
      // band 0 here, while the workers decode theirs (posted above: runInWorker posts at once when workers are up)
      const port: SplitPort = { postMessage: (msg) => deliver(0, msg), onmessage: null, close: () => undefined };
      const read = here.receiveNow;
      const forward = read
        ? (): void => {
            for (let j = 1; j < m; j++) for (let r = read(channels[j]!.port1); r; r = read(channels[j]!.port1)) deliver(j, r.message);
          }
        : undefined;
      const receiveNow = forward
        ? (): { message: unknown } | undefined => {
            forward();
            return inbox.length > 0 ? { message: inbox.shift() } : undefined;
          }
        : undefined;
      const t0 = here.now?.() ?? 0;
      try {
        band0 = here.band(own, options, 0, m, header.height, header.width, port, receiveNow, first);
      } catch (e) {
        failure = { e };
      }
      band0Span = (here.now?.() ?? 0) - t0;
      hereOpen = false;
      inbox.length = 0;
      // the other bands' rows that are in place already (and the rest as they come, while their jobs end)
      if (band0 && sharing) ({ rows: copied, ms: copyMs } = drainShared(band0, header.width, lentShared, forward));
      // a job whose band is complete and whose answer came on its port has nothing left for this
      // call: its answer to the pool is not waited for (it settles a moment later, unobserved)
      for (let k = 1; k < m; k++) {
        const answer = early[k];
        const sb = lentShared[k];
        if (!answer?.shared || !sb || Atomics.load(sharedBandWords(sb), SHARED_STATE) !== SharedBandState.complete) continue;
        answeredElsewhere(tickets[k]!);
        jobs[k]!.catch(() => undefined);
        jobs[k] = Promise.resolve(answer);
      }
    }
    settled = await Promise.allSettled(jobs);
  } finally {
    for (const ch of channels) {
      if (!ch) continue;
      ch.port1.onmessage = null;
      ch.port1.close();
    }
  }
  // (every job has ended, or has written its band and said so: no worker writes into the shared buffers any more)
  const results = settled.map((r) => (r.status === "fulfilled" ? r.value : undefined));
  if (sharing) keepSharedBands(lentShared, results);
  // (every band job has ended: a failure leaves no job of this call running)
  if (failure) throw failure.e;
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const parts = settled.map((r, k) => (k === 0 && here ? band0 : (r as PromiseFulfilledResult<BandResult | undefined>).value));
  if (parts.some((p) => p === undefined)) return undefined; // no workers here
  const done = (parts as BandResult[]).map((p, k) => (p.shared ? sharedPart(p, lentShared[k], band0!, header.width) : p));
  // (rows copied early count only for a band answered as shared with the rows the buffer said: any
  // other band is copied whole from its answer)
  copied = copied.map((rows, k) => {
    const sb = lentShared[k];
    if (!sb || !done[k]!.shared) return 0;
    const words = sharedBandWords(sb);
    return words[SHARED_Y0] === done[k]!.rows[0] && words[SHARED_Y1] === done[k]!.rows[1] ? rows : 0;
  });
  for (const [k, p] of done.entries()) {
    if (!p.shared) continue;
    sharedBandStats.bands++;
    sharedBandStats.rows += p.rows[1] - p.rows[0];
    sharedBandStats.rowsEarly += copied[k] ?? 0;
  }
  const bands = done.map((p) => p.rows);
  const tiled = bands.every(([y0, y1], k) => y0 === (k === 0 ? 0 : bands[k - 1]![1]) && y1 > y0) && bands[bands.length - 1]![1] === header.height;
  if (!tiled) return undefined; // (cannot happen: the workers cut alike) decode in one piece
  const s0 = performance.now();
  const image = stitch(done.map((p) => p.image), bands, undefined, copied);
  const [d0, d1] = [done[0]!, done[1]!];
  if (kind !== undefined && d0.cpu !== undefined && d1.cpu !== undefined) {
    // the bands' own times where known (waits for a core left out): other processes move them little;
    // band 1 in a shared buffer: this thread's copies of its rows count with band 0 (they are this
    // thread's work, done while band 1's job ends when band 0 ends that much earlier)
    const copies = d1.shared ? copyMs + performance.now() - s0 : 0;
    correctFirstShare(kind, first, d0.cpu + copies - d1.cpu, d0.cpu + copies + d1.cpu);
  } else if (kind !== undefined && d0.done !== undefined && d1.done !== undefined) {
    // else when they ended (band 1's time: from when band 0 started, a slight over-estimate by the job's start-up)
    const late = d0.done - d1.done;
    correctFirstShare(kind, first, late, 2 * band0Span - late);
  }
  for (const p of done.slice(1)) if (!p.shared) keepBandBuffer(p.image.data.buffer as ArrayBuffer, image.data.buffer as ArrayBuffer);
  return image;
}

/**
 * Band 0's fraction of two bands' work (codec/api_bands.ts decoderBandShare `first`) per kind of
 * image, corrected after every two-band decode with the calling thread's band: the cut's work
 * model (shareWeights) is a fit over a few images and leaves one band a few per cent slower on
 * another — on saw the second, on DX the first — and the calling thread's band also carries the
 * whole-image array and the stitch. The output does not depend on it (any cut gives the same
 * image); a kind is an image size, component count and codestream size to within a quarter octave.
 * Per kind: the fraction in use and the last few calls' estimates of the balanced one.
 */
const firstShare = new Map<string, { p: number; seen: number[] }>();

/** @internal Tests and benchmarks: band 0's fraction per kind of image so far. */
export function firstShares(): ReadonlyMap<string, number> {
  return new Map([...firstShare].map(([k, v]) => [k, v.p]));
}
/** Kinds of image kept in {@link firstShare}. */
const FIRST_SHARE_KINDS = 16;
/** Largest change of a kind's fraction after one decode. */
const FIRST_SHARE_STEP = 0.03;
/** Estimates a kind's fraction is the median of (one call slowed by another process counts little). */
const FIRST_SHARE_SEEN = 3;

/** The key of {@link firstShare} for an image. */
function kindOf(header: SplitGeometry, bytes: number): string {
  return `${header.width}x${header.height}x${header.components}:${Math.round(4 * Math.log2(Math.max(1, bytes)))}`;
}

/** Band 0's fraction for a kind of image (0.5 the first time). */
function firstShareOf(kind: string): number {
  return firstShare.get(kind)?.p ?? 0.5;
}

/**
 * After a decode with band 0's fraction `p`: `late` = how much longer band 0 (the calling thread's)
 * took than band 1 (own time, waits for a core left out; else how much later it ended), `span` = the two bands' times
 * together (ms). With band times proportional to
 * their work, p gives late ≈ (2p - 1)·span, so the bands would have ended together at
 * p - late / (2·span); the kind's fraction moves toward the median of the last few such estimates.
 */
function correctFirstShare(kind: string, p: number, late: number, span: number): void {
  if (!(span > 0) || !Number.isFinite(late)) return;
  const entry = firstShare.get(kind) ?? { p, seen: [] };
  entry.seen.push(p - late / (2 * span));
  if (entry.seen.length > FIRST_SHARE_SEEN) entry.seen.shift();
  const sorted = [...entry.seen].sort((a, b) => a - b);
  const want = sorted[sorted.length >> 1]!;
  entry.p = Math.max(0.3, Math.min(0.7, p + Math.max(-FIRST_SHARE_STEP, Math.min(FIRST_SHARE_STEP, want - p))));
  firstShare.delete(kind);
  firstShare.set(kind, entry);
  if (firstShare.size > FIRST_SHARE_KINDS) firstShare.delete(firstShare.keys().next().value!);
}

/** Buffers band jobs came back in (bands after the first), lent to the next threaded decode's band jobs. */
const spareBands: ArrayBuffer[] = [];
/** Spare band buffers kept at most, and the most bytes one may hold. */
const SPARE_BANDS = 8;
const SPARE_BAND_BYTES = 64 << 20;

/** Keep a band's buffer for the next decode (not the image's own, nor a large one). */
function keepBandBuffer(b: ArrayBuffer, image: ArrayBuffer): void {
  if (b !== image && b.byteLength <= SPARE_BAND_BYTES && spareBands.length < SPARE_BANDS && !spareBands.includes(b)) spareBands.push(b);
}

/** Buffers shared with band jobs (see shared_band.ts SHARED_BAND_HEADER), kept between threaded decodes. */
const sharedBands: SharedArrayBuffer[] = [];

/**
 * @internal Tests and benchmarks: whether threaded decodes may lend shared buffers where the
 * platform has them (`on`: off = the transferred buffers of every platform without
 * SharedArrayBuffer).
 */
export const sharedBandsPolicy = { on: true };

/** @internal Tests and benchmarks: bands answered as in a shared buffer, and of their rows those copied before the answer. */
export const sharedBandStats = { bands: 0, rows: 0, rowsEarly: 0 };

/**
 * Whether band jobs can write into buffers this thread shares with them: SharedArrayBuffer and
 * Atomics exist and may be posted to workers — in Node, and in cross-origin isolated pages and
 * their workers (COOP/COEP, see the README); elsewhere the bands come back in transferred buffers.
 */
function sharedBandsAvailable(): boolean {
  if (!sharedBandsPolicy.on) return false;
  const g = globalThis as { SharedArrayBuffer?: unknown; Atomics?: unknown; crossOriginIsolated?: boolean; process?: { versions?: { node?: string } } };
  if (typeof g.SharedArrayBuffer !== "function" || typeof g.Atomics !== "object") return false;
  return !!g.process?.versions?.node || g.crossOriginIsolated === true;
}

/**
 * Longest wait (ms) for a band job's next rows while it writes them into a shared buffer: a job
 * that publishes nothing for this long (a worker descheduled, or failed) is left to its answer.
 */
const SHARED_WAIT_MS = 20;

/** @internal Whether this thread may block in Atomics.wait (false once it threw: {@link drainShared} then copies only what is there). */
export const atomicsWait = { ok: true };

/**
 * After band 0 on this thread: copy the other bands' rows from the buffers shared with their jobs
 * into band 0's whole-image array as the jobs publish them (Atomics.wait between strips, ≤ 1 ms at a
 * time; `forward` passes on the shares still travelling between jobs meanwhile). A band whose job
 * has not started writing (late, queued, or decoding another way) is left to its answer. Returns the
 * rows of each band now in place (0 where none; {@link stitch} copies the rest) and the time the
 * copies took (ms).
 */
function drainShared(band0: BandResult, width: number, shared: Array<SharedArrayBuffer | undefined>, forward?: () => void): { rows: number[]; ms: number } {
  const whole = band0.image.data;
  const nc = band0.image.components;
  const rowSamples = width * nc;
  const height = whole.length / rowSamples;
  const copied = shared.map(() => 0);
  let ms = 0;
  if (band0.image.layout !== "interleaved" || band0.rows[0] !== 0 || !Number.isInteger(height) || height <= band0.rows[1]) return { rows: copied, ms };
  const Ctor = whole.constructor as unknown as { BYTES_PER_ELEMENT: number } & (new (b: SharedArrayBuffer, o: number, n: number) => SampleArray);
  shared.forEach((sb, k) => {
    if (!sb) return;
    const words = sharedBandWords(sb);
    let view: SampleArray | undefined;
    let quietSince = performance.now();
    for (;;) {
      forward?.();
      const state = Atomics.load(words, SHARED_STATE);
      if (state !== SharedBandState.writing && state !== SharedBandState.complete) return;
      const rows = Atomics.load(words, SHARED_ROWS);
      const y0 = words[SHARED_Y0]!;
      const y1 = words[SHARED_Y1]!;
      // (rows the job says it wrote: they must lie below band 0, inside the image and the buffer)
      if (!(y0 >= band0.rows[1] && y1 > y0 && y1 <= height && rows >= 0 && rows <= y1 - y0)) return;
      if (SHARED_BAND_HEADER + (y1 - y0) * rowSamples * Ctor.BYTES_PER_ELEMENT > sb.byteLength) return;
      if (rows > copied[k]!) {
        view ??= new Ctor(sb, SHARED_BAND_HEADER, (y1 - y0) * rowSamples);
        const t = performance.now();
        whole.set(view.subarray(copied[k]! * rowSamples, rows * rowSamples), (y0 + copied[k]!) * rowSamples);
        copied[k] = rows;
        quietSince = performance.now();
        ms += quietSince - t;
        continue;
      }
      if (state === SharedBandState.complete) {
        forward?.(); // (the job posts its answer on its port before it says complete)
        return;
      }
      if (!atomicsWait.ok || performance.now() - quietSince > SHARED_WAIT_MS) return;
      try {
        Atomics.wait(words, SHARED_ROWS, rows, 1);
      } catch {
        atomicsWait.ok = false; // (a thread that may not block, e.g. a page's main thread that looks like Node: the answers decide)
        return;
      }
    }
  });
  return { rows: copied, ms };
}

/**
 * A band answered as in its shared buffer `sb` ({@link BandResult.shared}), with `image.data` a view
 * of its samples there (of band 0's sample type), for {@link stitch}.
 */
function sharedPart(p: BandResult, sb: SharedArrayBuffer | undefined, band0: BandResult, width: number): BandResult {
  const [y0, y1] = p.rows;
  const samples = (y1 - y0) * width * p.image.components;
  const Ctor = band0.image.data.constructor as unknown as { BYTES_PER_ELEMENT: number } & (new (b: SharedArrayBuffer, o: number, n: number) => SampleArray);
  if (!sb || p.image.data.constructor !== band0.image.data.constructor || SHARED_BAND_HEADER + samples * Ctor.BYTES_PER_ELEMENT > sb.byteLength) {
    throw new J2kError("INTERNAL", `threaded decode: band at rows ${y0}..${y1} answered as shared, but its buffer does not hold it`);
  }
  return { ...p, image: { ...p.image, data: new Ctor(sb, SHARED_BAND_HEADER, samples) } };
}

/**
 * After a threaded decode's jobs have all ended: keep its shared buffers for the next call, one
 * that was too small (its job answered with the samples) replaced by one the band fits with
 * {@link SPARE_SLACK}'s room; a band decoded in strips without one (the first call) gets one next time.
 */
function keepSharedBands(lent: Array<SharedArrayBuffer | undefined>, results: Array<BandResult | undefined>): void {
  lent.forEach((sb, k) => {
    const r = results[k];
    // (only a band decoded in strips could have used one: 5/3 and other layouts never do)
    const need = r && !r.shared && r.strips && k > 0 ? r.image.data.byteLength : 0;
    let keep = sb;
    if (need > 0 && (!sb || sb.byteLength - SHARED_BAND_HEADER < need) && need <= SPARE_BAND_BYTES) {
      keep = new SharedArrayBuffer(SHARED_BAND_HEADER + need + Math.ceil(need * SPARE_SLACK));
    }
    if (keep && sharedBands.length < SPARE_BANDS) sharedBands.push(keep);
  });
}

/** Room a new shared band buffer gets beyond the band's samples (the next cut may give the band a few rows more). */
const SPARE_SLACK = 1 / 8;

/**
 * A band job's answer (src/worker/split_decode.ts): the decoded rows [y0, y1) of the image. Band
 * 0's `image.data` may be an array of the whole image (every component, the image's layout) with
 * these rows in place: {@link stitch} copies the other bands into it.
 */
export interface BandResult {
  image: DecodedImage;
  rows: [number, number];
  /** When the band was decoded (ms since the epoch, the clock every thread of a process shares; split jobs that cut and shared). */
  done?: number;
  /** The time the band took on its thread, waits for a core left out (ms; split jobs that cut and shared, where the platform tells it: split_decode.ts threadCpu). */
  cpu?: number;
  /** The samples are in the buffer shared with the calling thread (`image.data` is empty; see shared_band.ts SHARED_BAND_HEADER). */
  shared?: boolean;
  /** The band was decoded in strips, which write into a shared buffer where one is lent and large enough. */
  strips?: boolean;
}

/**
 * The plain way of a band job (src/worker/split_decode.ts, where the codestream cannot be cut and
 * shared, or the bands are decoded through strips): band `k` of `n` work-balanced bands
 * ({@link balancedBands}), decoded as a region by `decodeRegion` (the synchronous decode).
 */
export function decodeBand(
  bytes: Uint8Array,
  options: DecodeOptions,
  k: number,
  n: number,
  height: number,
  width: number,
  decodeRegion: (bytes: Uint8Array, options: DecodeOptions) => DecodedImage,
): BandResult {
  const bands = balancedBands(bytes, height, n, options);
  if (!bands || bands.length !== n || k < 0 || k >= n) throw new J2kError("INTERNAL", `threaded decode: no band ${k} of ${n} for an image of ${height} rows`);
  const [y0, y1] = bands[k]!;
  return { image: decodeRegion(bytes, { ...options, region: { x: 0, y: y0, width, height: y1 - y0 } }), rows: [y0, y1] };
}

/**
 * Put row bands back together in the layout they were decoded in: into the first band's data where
 * that is an array of the whole image with the band's rows in place (src/worker/split_decode.ts),
 * else into `target` where it is an array of the right type and length, else into a new array.
 * `inPlace[k]`: rows from the top of band k already copied into the first band's whole-image array
 * (interleaved; see {@link drainShared}).
 */
export function stitch(parts: DecodedImage[], bands: Array<[number, number]>, target?: SampleArray, inPlace: number[] = []): DecodedImage {
  const first = parts[0]!;
  const W = first.width;
  const H = bands[bands.length - 1]![1];
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    const [y0, y1] = bands[k]!;
    if (p.width !== W || p.height !== y1 - y0 || p.layout !== first.layout || p.components !== first.components || p.data.constructor !== first.data.constructor) {
      throw new J2kError("INTERNAL", `threaded decode: band ${k} came back as ${p.width}x${p.height} (${p.layout}), expected ${W}x${y1 - y0}`);
    }
  }
  const nc = first.components;
  const alloc = (like: SampleArray, length: number): SampleArray => new (like.constructor as new (n: number) => SampleArray)(length);
  const warnings = [...new Set(parts.flatMap((p) => p.warnings))];
  const partial = parts.some((p) => p.partial);
  const componentInfo = first.componentInfo.map((c) => ({ ...c, height: c.height === first.height ? H : c.height }));
  const base = { ...first, height: H, componentInfo, partial, warnings };
  if (first.layout === "components") {
    const componentData = first.componentData!.map((c0, c) => {
      const out = alloc(c0, W * H);
      parts.forEach((p, k) => out.set(p.componentData![c]!, bands[k]![0] * W));
      return out;
    });
    return { ...base, data: componentData[0]!, componentData };
  }
  // (a band's own rows are fewer than the image's: only a band placed in the whole image is that long)
  const placed = parts.length > 1 && first.data.length === W * H * nc;
  const fits = !!target && target.constructor === first.data.constructor && target.length === W * H * nc;
  const data = placed ? first.data : fits ? target! : alloc(first.data, W * H * nc);
  parts.forEach((p, k) => {
    if (placed && k === 0) return;
    const [y0, y1] = bands[k]!;
    const plane = W * (y1 - y0);
    if (p.data.length !== plane * nc) throw new J2kError("INTERNAL", `threaded decode: band ${k} holds ${p.data.length} samples, expected ${plane * nc}`);
    // (the band's first rows may be in place already: copied from a shared buffer while its job ran)
    const from = placed && first.layout === "interleaved" ? Math.min(Math.max(0, inPlace[k] ?? 0), y1 - y0) * W * nc : 0;
    if (first.layout === "interleaved") data.set(from > 0 ? p.data.subarray(from) : p.data, y0 * W * nc + from);
    else for (let c = 0; c < nc; c++) data.set(p.data.subarray(c * plane, (c + 1) * plane), c * W * H + y0 * W);
  });
  return { ...base, data };
}
