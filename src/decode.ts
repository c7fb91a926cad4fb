/**
 * Decoding (implementation in progress by the lead).
 * @module
 */
import { J2kError } from "./errors.js";
import type { DecodeOptions, DecodedImage } from "./types.js";

/** Decode a JPEG 2000 codestream or JP2/JPX file. */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): DecodedImage {
  void bytes;
  void options;
  throw new J2kError("UNSUPPORTED", "decode is not implemented yet");
}

/** Asynchronous {@link decode} (same result). */
export async function decodeAsync(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  return decode(bytes, options);
}
