/**
 * Header reading (implementation in progress by the lead).
 * @module
 */
import { J2kError } from "./errors.js";
import type { HeaderInfo } from "./types.js";

/** Read the main header (and JP2 boxes) without decoding pixels. */
export function readHeader(bytes: Uint8Array): HeaderInfo {
  void bytes;
  throw new J2kError("UNSUPPORTED", "readHeader is not implemented yet");
}
