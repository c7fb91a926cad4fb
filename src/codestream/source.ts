/**
 * Where the codestream index gets its bytes: anything that reads a byte range asynchronously.
 * @module
 */

/** A run of bytes in the file: `[offset, offset + length)`. */
export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * Random access to the bytes of a file for the index. `read` returns exactly `length` bytes, or
 * fewer only when the range reaches the end of the file. `prefetch` (optional) lets a caching
 * source fetch several ranges at once with merged requests before they are read.
 */
export interface ByteSource {
  /** Total bytes of the file. */
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  prefetch?(ranges: readonly ByteRange[]): Promise<void>;
}

/** A {@link ByteSource} over bytes in memory. */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => Promise.resolve(bytes.subarray(Math.max(0, offset), Math.min(bytes.length, offset + length))),
  };
}

/** Sort ranges and join those that overlap or touch (or lie within `gap` bytes of each other). */
export function mergeRanges(ranges: readonly ByteRange[], gap = 0): ByteRange[] {
  const sorted = ranges.filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.offset <= last.offset + last.length + gap) {
      const end = Math.max(last.offset + last.length, r.offset + r.length);
      last.length = end - last.offset;
    } else {
      out.push({ offset: r.offset, length: r.length });
    }
  }
  return out;
}

/** Signals that a TLM entry disagreed with the SOT it points at; the index drops TLM and retries. */
export class TlmMismatch extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
