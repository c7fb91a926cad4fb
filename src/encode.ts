/**
 * Encoding (implementation in progress by the lead).
 * @module
 */
import { J2kError } from "./errors.js";
import type { EncodeOptions, J2kImage } from "./types.js";

/** Encode an image to a JPEG 2000 codestream (or JP2 file with `format: "jp2"`). */
export function encode(image: J2kImage, options: EncodeOptions = {}): Uint8Array {
  void image;
  void options;
  throw new J2kError("UNSUPPORTED", "encode is not implemented yet");
}

/** Asynchronous {@link encode} (same result). */
export async function encodeAsync(image: J2kImage, options: EncodeOptions = {}): Promise<Uint8Array> {
  return encode(image, options);
}
