/**
 * Memory-limit errors that say what was asked, what is in use and what the limit is, with advice
 * that fits the operation (issue 13: "request 858 MiB, limit 3840 MiB" named neither the memory in
 * use nor the real obstacle, and told encoders to "decode a region").
 * @module
 */
import { J2kError } from "./errors.js";

/** What the core was doing when memory ran out. */
export type MemoryOperation = "decode" | "encode" | "jpeg" | "header";

const MiB = 2 ** 20;

/**
 * A size for a message: `n KiB` below one MiB (at least 1, so a small size never reads as 0),
 * `n.n MiB` below 10 MiB, whole MiB above.
 */
export function mib(bytes: number): string {
  const k = Math.round(bytes / 1024);
  if (bytes > 0 && k < 1024) return `${Math.max(1, k)} KiB`;
  const m = bytes / MiB;
  return m < 10 ? `${Number(m.toFixed(1))} MiB` : `${Math.round(m)} MiB`;
}

function advice(op: MemoryOperation): string {
  switch (op) {
    case "encode":
      return "encode with tiles (EncodeOptions.tile, CLI --tile 1024x1024: tiles are coded one at a time from JavaScript memory), or raise the limit if the machine has the memory";
    case "jpeg":
      return "raise the limit if the machine has the memory";
    default:
      return "decode a region, a reduced resolution (reduce) or fewer components, or raise the limit if the machine has the memory (large images are decoded tile by tile or in strips, so the limit bounds the working memory, not the image)";
  }
}

function noun(op: MemoryOperation): string {
  return op === "encode" ? "encoding" : op === "jpeg" ? "JPEG encoding" : op === "header" ? "reading the header" : "decoding";
}

/**
 * The error for an allocation of `requestBytes` that did not fit: `inUseBytes` already allocated,
 * `limitBytes` the limit (or `undefined` when linear memory itself could not grow; `linearBytes` is
 * then how large it is).
 */
export function memoryLimitError(op: MemoryOperation, requestBytes: number, inUseBytes: number, limitBytes: number | undefined, linearBytes: number, cause?: unknown): J2kError {
  const o = cause !== undefined ? { cause } : {};
  if (limitBytes === undefined) {
    return new J2kError(
      "LIMIT_MEMORY",
      `${noun(op)} needs ${mib(requestBytes)} more with ${mib(inUseBytes)} in use, but WebAssembly memory could not grow beyond ${mib(linearBytes)} (its address space is 4 GiB, or the system is out of memory); ${advice(op)}`,
      o,
    );
  }
  return new J2kError(
    "LIMIT_MEMORY",
    `${noun(op)} needs ${mib(requestBytes)} more with ${mib(inUseBytes)} already in use, which passes the memory limit of ${mib(limitBytes)} (limits.maxMemory; CLI --max-memory); ${advice(op)}`,
    o,
  );
}

/**
 * A buffer of `bytes` the host is about to allocate (output image, planes) that passes `limitBytes`
 * on its own.
 */
export function outputTooLarge(op: MemoryOperation, what: string, bytes: number, limitBytes: number): J2kError {
  return new J2kError("LIMIT_MEMORY", `${what} needs ${mib(bytes)}, above the memory limit of ${mib(limitBytes)} (limits.maxMemory; CLI --max-memory); ${advice(op)}`);
}
