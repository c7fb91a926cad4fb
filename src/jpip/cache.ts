/**
 * The client's data-bin cache (ISO/IEC 15444-9 A.4): the bytes of every data-bin received so far,
 * assembled from messages that may arrive in any order and overlap. What a decoder can use is the
 * contiguous prefix of each data-bin (a precinct's packets must be read in layer order).
 * @module
 */
import { J2kError } from "../errors.js";
import { BinClass, type DataMessage } from "./messages.js";

/** Largest data-bin the cache accepts (a hostile server cannot make it allocate more). */
export const MAX_BIN_BYTES = 2 ** 30;
/**
 * Default bound on the bytes all data-bin buffers of one cache may take together (a buffer is as
 * long as the highest offset received, so a message far into a data-bin costs its offset).
 */
export const DEFAULT_MAX_CACHE_BYTES = 2 ** 29;

/** One data-bin's bytes. */
export class DataBin {
  private buf = new Uint8Array(0);
  /** Received byte ranges [start, end), sorted and disjoint. */
  private spans: Array<[number, number]> = [];
  /** Total length, once the message with the last byte arrived. */
  length: number | undefined;

  /** Bytes available from offset 0 on without a gap. */
  get prefix(): number {
    const s = this.spans[0];
    return s && s[0] === 0 ? s[1] : 0;
  }

  /** All bytes of the data-bin are here. */
  get complete(): boolean {
    return this.length !== undefined && this.prefix >= this.length;
  }

  /** Bytes held (all spans). */
  get held(): number {
    return this.spans.reduce((a, s) => a + s[1] - s[0], 0);
  }

  /** The contiguous prefix. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.prefix);
  }

  /** Bytes of the buffer (at least the highest offset received). */
  get capacity(): number {
    return this.buf.length;
  }

  /**
   * Add `data` at `offset`; `last` when it ends the data-bin. Returns the bytes that were new.
   * `room`: how many more buffer bytes this data-bin may take (the cache's bound).
   */
  add(offset: number, data: Uint8Array, last: boolean, room = Infinity): number {
    const end = offset + data.length;
    if (end > MAX_BIN_BYTES) throw new J2kError("JPIP_STREAM_INVALID", `a data-bin would exceed ${MAX_BIN_BYTES} bytes (message at offset ${offset})`);
    if (end - this.buf.length > room) {
      throw new J2kError("LIMIT_MEMORY", `the JPIP cache would pass its bound (maxCacheBytes) with a message ending at byte ${end} of a data-bin; raise maxCacheBytes or open a new client`);
    }
    if (last) {
      if (this.length !== undefined && this.length !== end) throw new J2kError("JPIP_STREAM_INVALID", `a data-bin's length changed from ${this.length} to ${end}`);
      this.length = end;
    }
    if (this.length !== undefined && end > this.length) throw new J2kError("JPIP_STREAM_INVALID", `a message runs past the end (${this.length}) of its data-bin`);
    if (end > this.buf.length) {
      const grown = new Uint8Array(Math.max(end, Math.min(MAX_BIN_BYTES, this.buf.length * 2, this.buf.length + room)));
      grown.set(this.buf);
      this.buf = grown;
    }
    const before = this.held;
    this.buf.set(data, offset);
    if (data.length) {
      this.spans.push([offset, end]);
      this.spans.sort((a, b) => a[0] - b[0]);
      const merged: Array<[number, number]> = [];
      for (const s of this.spans) {
        const last2 = merged[merged.length - 1];
        if (last2 && s[0] <= last2[1]) last2[1] = Math.max(last2[1], s[1]);
        else merged.push([s[0], s[1]]);
      }
      this.spans = merged;
    }
    return this.held - before;
  }

  /** Byte ranges held (for a `model` field). */
  ranges(): ReadonlyArray<readonly [number, number]> {
    return this.spans;
  }
}

/** Cache key of (class, id): extended classes share their base class's data-bin. */
/** The class a bin is kept under: extended classes share their plain class's bins. */
function baseClass(cls: number): number {
  return cls === BinClass.EXTENDED_PRECINCT ? BinClass.PRECINCT : cls === BinClass.EXTENDED_TILE ? BinClass.TILE : cls;
}

/** All data-bins of one target (codestream 0). */
export class DataBinCache {
  /** Bins by (base) class, then in-class id: numeric keys, no strings built per look-up. */
  private bins = new Map<number, Map<number, DataBin>>();
  private count = 0;
  /** Bytes of data-bin content received (duplicates not counted). */
  received = 0;
  /** A counter bumped whenever new bytes arrive (to know when to decode again). */
  version = 0;
  /** Bytes of all data-bin buffers. */
  private allocated = 0;

  /** @param maxBytes bound on the bytes of all data-bin buffers together (J2kError LIMIT_MEMORY past it). */
  constructor(readonly maxBytes = DEFAULT_MAX_CACHE_BYTES) {
    if (!(maxBytes > 0)) throw new J2kError("INVALID_ARGUMENT", `maxCacheBytes must be a positive number of bytes (got ${maxBytes})`);
  }

  /** Store a data-bin message. Messages for other codestreams are kept apart (ignored here). */
  add(m: DataMessage): void {
    if (m.csn !== 0) return;
    if (![BinClass.PRECINCT, BinClass.EXTENDED_PRECINCT, BinClass.TILE_HEADER, BinClass.TILE, BinClass.EXTENDED_TILE, BinClass.MAIN_HEADER, BinClass.METADATA].includes(m.cls as 0)) return;
    const cls = baseClass(m.cls);
    let byId = this.bins.get(cls);
    if (!byId) this.bins.set(cls, (byId = new Map()));
    let b = byId.get(m.id);
    if (!b) {
      byId.set(m.id, (b = new DataBin()));
      this.count++;
    }
    const before = b.capacity;
    const fresh = b.add(m.offset, m.data, m.complete, this.maxBytes - this.allocated);
    this.allocated += b.capacity - before;
    if (fresh > 0 || m.complete) this.version++;
    this.received += fresh;
  }

  get(cls: number, id: number): DataBin | undefined {
    return this.bins.get(baseClass(cls))?.get(id);
  }

  /** Forget everything (the target changed). */
  clear(): void {
    this.bins.clear();
    this.allocated = 0;
    this.count = 0;
    this.received = 0;
    this.version++;
  }

  /** Number of data-bins. */
  get size(): number {
    return this.count;
  }

  /**
   * A `model` field value (C.8.1) describing the cache: complete data-bins by class and id, and
   * prefixes as `:bytes`. For stateless requests and for re-opening a channel.
   */
  modelField(limit = 4000): string {
    const items: string[] = [];
    for (const [cls, byId] of this.bins) {
      const letter = cls === BinClass.MAIN_HEADER ? "Hm" : cls === BinClass.TILE_HEADER ? "H" : cls === BinClass.PRECINCT ? "P" : cls === BinClass.TILE ? "T" : cls === BinClass.METADATA ? "M" : "";
      if (!letter) continue;
      for (const [id, b] of byId) {
        if (b.prefix === 0) continue;
        const name = letter === "Hm" ? "Hm" : letter + id;
        items.push(b.complete ? name : `${name}:${b.prefix}`);
        if (items.length >= limit) return items.join(",");
      }
    }
    return items.join(",");
  }
}
