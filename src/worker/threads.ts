/**
 * Several threads on one image: `decodeAsync(bytes, { threads })` splits a large image into bands of
 * rows, decodes each band as a region in a worker of j2kit's pool (worker_threads / Web Workers)
 * and stitches the bands together. Region decoding reconstructs exactly the samples a full decode
 * produces (it decodes every code-block the band's samples depend on, DWT margins included), so
 * the stitched image is identical to the single-threaded result; the price is the code-blocks near
 * a band boundary, which both neighbouring bands decode (about 10 % extra work for two bands).
 *
 * Nothing here needs SharedArrayBuffer: every worker owns its WebAssembly instance and the bands
 * come back as transferred buffers, so the threaded path works in every browser that has module
 * workers, cross-origin isolated or not.
 * @module
 */
import type { DecodeOptions, DecodedImage, HeaderInfo, SampleArray } from "../types.js";
import { J2kError } from "../errors.js";
import { coreCount, jobsPending, runInWorker } from "./pool.js";

/** Images with at least this many pixels are decoded on several threads when `threads` is not given. */
export const THREADED_MIN_PIXELS = 2_000_000;
/** A band is never shorter than this many rows (shorter bands cost more overlap than they save). */
export const MIN_BAND_ROWS = 256;

export { coreCount };

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
    const y1 = k === n ? height : Math.round((k * height) / n / 64) * 64;
    if (y1 <= y0) return null;
    bands.push([y0, y1]);
    y0 = y1;
  }
  return bands;
}

/**
 * Threads used when the caller gives none: every core for images of at least
 * {@link THREADED_MIN_PIXELS} pixels while the pool is idle; one otherwise (with other jobs in
 * flight the cores are busy already, and splitting would only add the boundary overlap).
 */
export function autoThreadCount(pixels: number, pendingJobs: number, cores: number): number {
  return pixels >= THREADED_MIN_PIXELS && pendingJobs === 0 ? cores : 1;
}

/** Can this decode be split into row bands? (full-size decode, no sub-sampled components.) */
function splittable(header: HeaderInfo, options: DecodeOptions): boolean {
  if (options.region || (options.reduce ?? 0) !== 0) return false;
  return header.componentInfo.every((c) => c.dx === 1 && c.dy === 1);
}

/**
 * Decode `bytes` on `threads` workers (undefined: automatic — every core for images of at least
 * {@link THREADED_MIN_PIXELS} pixels when no other job is queued or running in the pool). Returns undefined when the image is not split (too small,
 * one thread, region/reduce requested, sub-sampled components, or no workers): the caller then
 * decodes it in one piece.
 */
export async function decodeThreaded(
  bytes: Uint8Array,
  header: HeaderInfo,
  options: DecodeOptions,
  threads: number | undefined,
): Promise<DecodedImage | undefined> {
  if (!splittable(header, options)) return undefined;
  const n = threads ?? autoThreadCount(header.width * header.height, jobsPending(), await coreCount());
  const bands = bandRows(header.height, n);
  if (!bands) return undefined;
  const width = header.width;
  const parts = await Promise.all(
    bands.map(([y0, y1]) => runInWorker<DecodedImage>({ op: "decode", bytes, options: { ...options, region: { x: 0, y: y0, width, height: y1 - y0 } } })),
  );
  if (parts.some((p) => p === undefined)) return undefined; // no workers here
  return stitch(parts as DecodedImage[], bands);
}

/** Put row bands back together in the layout they were decoded in. */
export function stitch(parts: DecodedImage[], bands: Array<[number, number]>): DecodedImage {
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
  const data = alloc(first.data, W * H * nc);
  if (first.layout === "interleaved") {
    parts.forEach((p, k) => data.set(p.data, bands[k]![0] * W * nc));
  } else {
    parts.forEach((p, k) => {
      const [y0, y1] = bands[k]!;
      const plane = W * (y1 - y0);
      for (let c = 0; c < nc; c++) data.set(p.data.subarray(c * plane, (c + 1) * plane), c * W * H + y0 * W);
    });
  }
  return { ...base, data };
}
