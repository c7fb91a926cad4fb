/**
 * `decode()` of large images: strips from a {@link StripDecoder} assembled into the output array
 * in JavaScript memory, so WebAssembly memory holds the codestream and one strip's work instead of
 * int32 planes of the whole image (issue 13: a 30000x30000 image needs 3.6 GB of planes, past the
 * 4 GiB address space with the rest; a 7000x5000 RGB image took 1.2 GB where OpenJPEG takes 0.5-0.76).
 * @module
 */
import { J2kError } from "../errors.js";
import type { DecodeOptions, DecodedImage, Limits, SampleArray } from "../types.js";
import { sampleArrayFor, bytesPerSampleFor } from "../samples.js";
import { readMainHeader } from "../codestream/markers.js";
import type { Jp2File } from "../jp2/types.js";
import { StripDecoder, type StripImageInfo } from "./strip_decoder.js";
import { outputTooLarge } from "../memory_messages.js";

/** Images whose int32 planes would take more than this decode in strips (planes + tile buffers ≈ 2x). */
let threshold = 64 * 2 ** 20;

/**
 * Tests and benchmarks: decode() goes through strips when the int32 planes of the classic path would
 * pass `bytes` (default 64 MiB; 0 = always, Infinity = never). Returns the previous value.
 */
export function setStripDecodeThreshold(bytes: number): number {
  const old = threshold;
  threshold = bytes;
  return old;
}
/** Working memory given to the strips (the output array comes on top). */
const STRIP_WORKING_MEMORY = 512 * 2 ** 20;
/**
 * Least working memory the strips get when the output array takes the rest of `maxMemory` (below it
 * the image is refused up front: LIMIT_MEMORY naming output + this much).
 */
const MIN_STRIP_WORKING_MEMORY = 16 * 2 ** 20;
/**
 * The WebAssembly instance of the last strip decode, closed, for the next one: a fresh instance per
 * call starts from an empty linear memory whose pages are all faulted in again (and the old memory
 * waits for the collector), which cost saw (2725x2225 RGB) about a quarter of its decode time.
 * Kept only when its linear memory is at most {@link MAX_SPARE_BYTES}; decode() is synchronous, so
 * no two calls share it.
 */
let spare: StripDecoder | undefined;
/** Largest linear memory kept in {@link spare} between calls. */
const MAX_SPARE_BYTES = 256 * 2 ** 20;

/** Tests: bytes of linear memory of the instance kept for the next strip decode (0: none kept). */
export function stripSpareBytes(): number {
  return spare?.linearBytes() ?? 0;
}

/** Close `dec` and keep its instance for the next call when it is small enough. */
function release(dec: StripDecoder): void {
  dec.close();
  spare = dec.linearBytes() <= MAX_SPARE_BYTES ? dec : undefined;
}

/** Largest typed array this engine allocates (Node 20: 4 GiB). */
const MAX_ARRAY_BYTES = 2 ** 32;

/**
 * Whether `decode(bytes, options)` should go through strips: the output layout is one array and the
 * planes of the classic path would be large. Never throws (an unreadable header is left to the
 * classic path, which reports it).
 */
export function prefersStrips(codestream: Uint8Array, options: DecodeOptions): boolean {
  if ((options.layout ?? "interleaved") === "components") return false;
  let siz;
  try {
    siz = readMainHeader(codestream.subarray(0, Math.min(codestream.length, 1 << 16)), 0).siz;
  } catch {
    return false;
  }
  const s = 2 ** (typeof options.reduce === "number" && options.reduce >= 0 && options.reduce <= 32 ? options.reduce : 0);
  const r = options.region;
  const W = r && r.width > 0 ? Math.min(r.width, siz.Xsiz - siz.XOsiz) : siz.Xsiz - siz.XOsiz;
  const H = r && r.height > 0 ? Math.min(r.height, siz.Ysiz - siz.YOsiz) : siz.Ysiz - siz.YOsiz;
  const comps = options.components?.length ?? siz.components.length;
  let samples = 0;
  for (let i = 0; i < Math.min(comps, siz.components.length); i++) {
    const k = siz.components[options.components?.[i] ?? i];
    if (!k) return false;
    samples += Math.ceil(W / k.dx / s) * Math.ceil(H / k.dy / s);
  }
  return samples * 4 > threshold;
}

/** Decode through strips into one output array (layout interleaved or planar). */
export function decodeViaStrips(codestream: Uint8Array, jp2: Jp2File | undefined, options: DecodeOptions, limits: Required<Limits>): DecodedImage {
  const layout = options.layout ?? "interleaved";
  if (layout === "components") throw new J2kError("INVALID_ARGUMENT", "strip decoding gives interleaved or planar output");
  let working = Math.min(STRIP_WORKING_MEMORY, limits.maxMemory);
  const open = (reuse: StripDecoder | undefined) =>
    StripDecoder.openSync(codestream, { ...pick(options), ...(jp2 ? { jp2 } : {}), ...(reuse ? { reuse } : {}), limits: { ...limits, maxMemory: working } });
  const reuse = spare;
  spare = undefined;
  let dec = open(reuse);
  let info = dec.info;
  const n = info.components;
  const bps = bytesPerSampleFor(info.bitDepth, info.signed);
  const bytes = info.width * info.height * n * bps;
  // The output array counts against maxMemory too: when it does not fit beside the default working
  // memory (always the case for maxMemory <= 512 MiB), the strips get what the output leaves.
  if (bytes > limits.maxMemory - working && limits.maxMemory - bytes >= MIN_STRIP_WORKING_MEMORY) {
    dec.close();
    working = limits.maxMemory - bytes;
    dec = open(dec);
    info = dec.info;
  }
  try {
    if (bytes > limits.maxMemory - working) {
      const least = bytes + Math.min(working, MIN_STRIP_WORKING_MEMORY);
      throw outputTooLarge("decode", `the decoded image (${info.width}x${info.height}, ${n} component(s), ${bps} byte(s) per sample)`, least, limits.maxMemory);
    }
    if (bytes > MAX_ARRAY_BYTES) {
      throw new J2kError(
        "LIMIT_MEMORY",
        `the decoded image (${info.width}x${info.height}, ${n} component(s)) needs ${bytes} bytes, more than one JavaScript typed array holds here (${MAX_ARRAY_BYTES}); read it strip by strip (StripDecoder, or the CLI writing .pgm/.ppm/.jpg), or decode a region or a reduced resolution`,
      );
    }
  } catch (e) {
    release(dec);
    throw e;
  }
  const data = sampleArrayFor(info.bitDepth, info.signed, info.width * info.height * n);
  const plane = info.width * info.height;
  try {
    if (layout === "interleaved") {
      dec.fillInto(data);
    } else {
      for (const strip of dec.strips()) {
        const at = strip.y * info.width;
        const len = strip.rows * info.width;
        for (let k = 0; k < n; k++) {
          const base = k * plane + at;
          for (let i = 0, j = k; i < len; i++, j += n) data[base + i] = strip.data[j]!;
        }
      }
    }
  } finally {
    release(dec);
  }
  return stripImage(info, layout, data);
}

/**
 * The decoded image a strip decoder's `info` describes (after its strips ran: they complete its
 * warnings and partial flag), holding `data` in `layout`.
 */
export function stripImage(info: StripImageInfo, layout: DecodedImage["layout"], data: SampleArray): DecodedImage {
  return {
    width: info.width,
    height: info.height,
    components: info.components,
    bitDepth: info.bitDepth,
    signed: info.signed,
    componentInfo: info.componentInfo,
    layout,
    data,
    partial: info.partial,
    warnings: info.warnings,
    ...(info.colorSpace ? { colorSpace: info.colorSpace } : {}),
  };
}

function pick(o: DecodeOptions): DecodeOptions {
  const out: DecodeOptions = {};
  if (o.reduce !== undefined) out.reduce = o.reduce;
  if (o.layers !== undefined) out.layers = o.layers;
  if (o.region !== undefined) out.region = o.region;
  if (o.components !== undefined) out.components = o.components;
  if (o.allowPartial !== undefined) out.allowPartial = o.allowPartial;
  if (o.palette !== undefined) out.palette = o.palette;
  return out;
}
