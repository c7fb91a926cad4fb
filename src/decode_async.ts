/**
 * Asynchronous decoding: {@link decodeAsync} in j2kit's worker pool, one image on several threads
 * (src/worker/threads.ts decodeThreaded, the calling thread's band by src/worker/split_decode.ts
 * decodeSplitHere). A module of its own because the calling thread's band needs the synchronous
 * decoder (src/decode.ts), which the split jobs import too.
 * @module
 */
import type { DecodeOptions, DecodedImage } from "./types.js";
import { decode } from "./decode.js";
import { asBytes } from "./decode_plan.js";
import { readHeader } from "./header.js";
import { jobsPending, runInWorker } from "./worker/pool.js";
import { callerMayWork, checkThreads, decodeThreaded, type SplitGeometry } from "./worker/threads.js";
import { decodeSplitHere, now, prepareWholeArray, receiverHere } from "./worker/split_decode.js";
import type { SampleArray } from "./types.js";

/** Threaded decodes with a band on this thread now running (see {@link prepareNext}). */
let running = 0;
/** The timer of {@link prepareNext}, while one is set. */
let preparing: ReturnType<typeof setTimeout> | undefined;

/**
 * After a threaded decode with band 0 on this thread: once this process is idle (a timer: not
 * before the caller's next steps, and not while a threaded decode or any job of the worker pool
 * runs — a threaded decode's end sets it again), make band 0's whole-image array for the next decode of this size and type
 * ahead, pages touched (src/worker/split_decode.ts prepareWholeArray), so that neither the page
 * faults nor the collections the allocation brings fall on that decode's critical path. Decodes
 * called back to back leave no idle time: they allocate as before.
 */
function prepareNext(like: SampleArray): void {
  if (preparing !== undefined) clearTimeout(preparing);
  preparing = setTimeout(() => {
    preparing = undefined;
    if (running === 0 && jobsPending() === 0) prepareWholeArray(like);
  }, 0);
  (preparing as { unref?: () => void }).unref?.();
}

/** What the threaded path needs of the header (src/worker/threads.ts {@link SplitGeometry}). */
type Geometry = SplitGeometry;

/**
 * The image geometry of a raw codestream (SOC, then SIZ: ISO/IEC 15444-1 A.4.1 and A.5.1 — SIZ is the
 * marker segment right after SOC), read in place: width, height and the components' sub-sampling,
 * all the threaded path needs before it posts the band jobs. {@link readHeader} copies the whole
 * codestream into the core and parses the main header (~0.3 ms with caches cold, on the calling
 * thread before any worker has work: DX lossy, 1 % of a two-thread decode); the band jobs parse it
 * anyway. undefined for JP2/JPX input or a SIZ that does not hold together (readHeader then
 * decides, and reports the error through the one-piece decode as before). @internal exported for tests.
 */
export function sizGeometry(b: Uint8Array): Geometry | undefined {
  // SOC SIZ Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz, then Csiz × (Ssiz XRsiz YRsiz)
  if (b.length < 45 || b[0] !== 0xff || b[1] !== 0x4f || b[2] !== 0xff || b[3] !== 0x51) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const lsiz = v.getUint16(4);
  const csiz = v.getUint16(40);
  if (csiz < 1 || csiz > 16384 || lsiz !== 38 + 3 * csiz || b.length < 4 + lsiz) return undefined;
  const [xsiz, ysiz, x0, y0] = [v.getUint32(8), v.getUint32(12), v.getUint32(16), v.getUint32(20)];
  if (xsiz <= x0 || ysiz <= y0) return undefined;
  const componentInfo: Array<{ dx: number; dy: number }> = [];
  for (let c = 0; c < csiz; c++) {
    const dx = b[42 + 3 * c + 1]!;
    const dy = b[42 + 3 * c + 2]!;
    if (dx < 1 || dy < 1) return undefined;
    componentInfo.push({ dx, dy });
  }
  return { width: xsiz - x0, height: ysiz - y0, components: csiz, componentInfo };
}

/**
 * Asynchronous {@link decode} (same result): runs in a worker of j2kit's pool where workers are
 * available (Node worker_threads, Web Workers), so several calls decode in parallel; otherwise on
 * the calling thread. The input is copied, never transferred.
 *
 * `options.threads` splits one image into row bands decoded as regions and put back together
 * (identical output). It counts the calling thread: with `threads: N` the calling thread decodes
 * one band itself (synchronously, as a synchronous decode of that band would) while N - 1 workers
 * decode the others — except on a browser window's main thread, where N workers decode the bands
 * and the page is not blocked (src/worker/threads.ts callerMayWork). Default: every core for
 * images of 2 megapixels or more while no other asynchronous job is pending, else one thread;
 * `threads: 1` never splits (the whole decode runs in a worker). Only full-size decodes (no
 * `region`/`reduce`) of images without sub-sampled components are split.
 */
export async function decodeAsync(bytes: ArrayBufferView | ArrayBuffer, options: DecodeOptions = {}): Promise<DecodedImage> {
  const view = asBytes(bytes);
  const threads = checkThreads(options.threads);
  if (options.threads !== undefined) {
    options = { ...options };
    delete options.threads;
  }
  if (threads !== 1) {
    let header: Geometry | undefined = sizGeometry(view);
    if (!header) {
      try {
        header = readHeader(view);
      } catch {
        header = undefined; // the one-piece decode below reports the error
      }
    }
    if (header) {
      // band 0 on this thread where blocking it is harmless (not a browser window's main thread);
      // no await before the band jobs are posted where it can be helped (see runInWorker)
      let here;
      if (callerMayWork() && !options.region && !options.reduce) {
        const r = receiverHere();
        here = { band: decodeSplitHere, receiveNow: r instanceof Promise ? await r : r, now };
      }
      let split;
      running++;
      try {
        split = await decodeThreaded(view, header, options, threads, here);
      } finally {
        running--;
      }
      if (split) {
        if (here && split.layout !== "components") prepareNext(split.data);
        return split;
      }
    }
  }
  const viaWorker = await runInWorker<DecodedImage>({ op: "decode", bytes: view, options });
  return viaWorker ?? decode(view, options);
}
