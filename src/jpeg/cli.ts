/**
 * The JPEG output of `j2kit decode in.jp2 out.jpg`: decode, carry the JP2's ICC profile (repaired
 * when needed), XMP and XML over, encode, and write through a temporary file renamed into place so
 * a failure never leaves a partial or overwritten output.
 * @module
 */
import { rename, unlink, writeFile } from "node:fs/promises";
import { J2kError } from "../errors.js";
import type { DecodedImage } from "../types.js";
import { sniffFormat } from "../jp2/boxes.js";
import { encodeJpegDetailed } from "./encode.js";
import { jpegMetadataFromJp2, jpegReady } from "./from_jp2.js";
import type { JpegEncodeOptions } from "./options.js";

/** True for `.jpg` / `.jpeg` output names. */
export function isJpegPath(path: string): boolean {
  return /\.jpe?g$/i.test(path);
}

/**
 * Encode `image` (decoded from `input`) as JPEG with the JP2's ICC profile, XMP, comments and
 * resolution carried over; returns the file's bytes and the warnings.
 */
export function jpegBytesFromJp2(input: Uint8Array, image: DecodedImage, options: JpegEncodeOptions): { data: Uint8Array; warnings: string[] } {
  const ready = jpegReady(image);
  const warnings = ready.warnings;
  const o: JpegEncodeOptions = { ...options };
  const fmt = sniffFormat(input);
  if (fmt === "jp2" || fmt === "jpx") {
    const meta = jpegMetadataFromJp2(input);
    warnings.push(...meta.warnings);
    if (meta.icc) o.icc = meta.icc;
    if (meta.xmp) o.xmp = meta.xmp;
    if (meta.comments.length > 0) o.comments = meta.comments;
    if (meta.density) o.density = meta.density;
  }
  const r = encodeJpegDetailed(ready.image, o);
  warnings.push(...r.warnings);
  return { data: r.data, warnings };
}

/** Encode `image` (decoded from `input`) to the JPEG file `path`; returns the warnings. */
export async function writeJpegFromJp2(path: string, input: Uint8Array, image: DecodedImage, options: JpegEncodeOptions): Promise<string[]> {
  const { data, warnings } = jpegBytesFromJp2(input, image, options);
  const tmp = `${path}.${process.pid}.partial`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new J2kError("INVALID_ARGUMENT", `cannot write '${path}': ${(e as Error).message}`, { cause: e });
  }
  return warnings;
}
