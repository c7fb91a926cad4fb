/**
 * Whole-image JPEG encoding.
 * @module
 */
import { J2kError } from "../errors.js";
import type { J2kImage } from "../types.js";
import { JpegState } from "./core.js";
import { jpegSettings, type JpegEncodeOptions } from "./options.js";
import { sampleConverter } from "./samples.js";
import { JpegWriter, isSampleArray, jpegInput } from "./writer.js";

/** Result of {@link encodeJpegDetailed}. */
export interface JpegEncodeResult {
  /** The JPEG (JFIF) file. */
  data: Uint8Array;
  /** Non-fatal notes: alpha dropped, samples scaled to 8 bits. */
  warnings: string[];
}

/** Rows per core call in the statistics pass. */
const GATHER_BYTES = 4 << 20;

/**
 * Encode an image (pixel-interleaved, as returned by `decode`) as a baseline JPEG (ISO/IEC 10918-1,
 * JFIF). 1 component → greyscale, 3 → YCbCr; grey+alpha and RGBA lose their alpha (see
 * {@link encodeJpegDetailed} for the warning); bit depths other than 8 are scaled to 8 bits.
 * @throws {J2kError} `ENCODE_INVALID_OPTIONS` for bad options or an image JPEG cannot hold.
 */
export function encodeJpeg(image: J2kImage, options: JpegEncodeOptions = {}): Uint8Array {
  return encodeJpegDetailed(image, options).data;
}

/** {@link encodeJpeg} with its warnings. */
export function encodeJpegDetailed(image: J2kImage, options: JpegEncodeOptions = {}): JpegEncodeResult {
  if (image === null || typeof image !== "object") throw new J2kError("INVALID_ARGUMENT", "encodeJpeg needs an image { width, height, components, bitDepth, signed, data }");
  const layout = (image as { layout?: string }).layout;
  if (layout !== undefined && layout !== "interleaved") {
    throw new J2kError("INVALID_ARGUMENT", `encodeJpeg needs pixel-interleaved samples (decode with layout "interleaved"; got "${layout}")`);
  }
  const input = jpegInput(image.width, image.height, image.components, image.bitDepth, image.signed);
  const need = image.width * image.height * image.components;
  if (!isSampleArray(image.data) || image.data.length < need) {
    throw new J2kError("INVALID_ARGUMENT", `image.data must hold width x height x components = ${need} samples (got ${isSampleArray(image.data) ? image.data.length : "no Uint8Array/Uint16Array/Int16Array/Int32Array"})`);
  }
  const settings = jpegSettings(options, input.comps);
  let state: JpegState | undefined;
  if (options.optimizeHuffman) {
    state = new JpegState();
    const mcuH = state.init(input.width, input.height, input.comps, settings);
    const rowLen = input.width * input.step;
    const convert = sampleConverter(input.bitDepth, input.signed);
    const perCall = Math.max(mcuH, Math.floor(GATHER_BYTES / rowLen / mcuH) * mcuH);
    const buf = new Uint8Array(Math.min(perCall, input.height) * rowLen);
    for (let y = 0; y < input.height; y += perCall) {
      const k = Math.min(perCall, input.height - y);
      convert(image.data, y * rowLen, k * rowLen, buf, 0);
      state.gather(buf.subarray(0, k * rowLen), input.width, input.step, k);
    }
    state.optimize();
  }
  const chunks: Uint8Array[] = [];
  const writer = new JpegWriter(input, settings, (c) => chunks.push(c), state);
  writer.writeRows(need === image.data.length ? image.data : image.data.subarray(0, need));
  writer.finish();
  let total = 0;
  for (const c of chunks) total += c.length;
  const data = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    data.set(c, o);
    o += c.length;
  }
  return { data, warnings: writer.warnings };
}
