/**
 * `openImage(source)`: a JPEG 2000 image read by byte ranges. Opening reads the box structure (for
 * JP2/JPX/JPH files) and the main header; every `decode` plans the bytes its region, resolution,
 * layers and components need (src/codestream/plan.ts), fetches them (merged, in parallel, cached),
 * builds a sparse codestream holding only those packets (src/codestream/assemble.ts), wraps it in
 * the file's own header boxes and decodes it with `decode` — so the result equals a decode of the
 * whole file with the same options, sample for sample.
 * @module
 */
import { J2kError } from "../errors.js";
import { decode } from "../decode.js";
import { decodeAsync } from "../decode_async.js";
import { readHeader } from "../header.js";
import type { DecodeOptions, DecodedImage, HeaderInfo } from "../types.js";
import { CodestreamIndex } from "../codestream/codestream_index.js";
import { planDecode, type DecodePlan, type DecodeRequest } from "../codestream/plan.js";
import { assembleCodestream } from "../codestream/assemble.js";
import { TlmMismatch } from "../codestream/source.js";
import { checkMarkerLengths } from "../codestream/verify.js";
import { M } from "../codestream/markers.js";
import { readLayout, wrapCodestream, type FileLayout } from "./boxes.js";
import { RangeFetcher, type FetcherOptions } from "./fetcher.js";
import { fileReader, httpReader, memoryReader, s3Reader, userReader, type OpenedReader, type RangeReader, type ReaderOptions } from "./readers.js";

export type { RangeReader, S3SourceOptions } from "./readers.js";

/** What {@link openImage} reads: bytes, a local path, an http(s):// or s3:// URL, or a {@link RangeReader}. */
export type ImageInput = Uint8Array | ArrayBuffer | ArrayBufferView | string | URL | RangeReader;

/** Options of {@link openImage}. */
export interface OpenImageOptions extends ReaderOptions, FetcherOptions {
  /** Bytes of the first read (box headers and main header; default 16 KiB). */
  initialRead?: number;
  /** Decode in j2kit's worker pool where available (default true); false decodes on the calling thread. */
  worker?: boolean;
  /**
   * Bytes (default 0: off) of the file's low resolutions to read when opening and keep for the
   * image's life: in a file whose tile-parts are interleaved across tiles by resolution (what
   * `optimize` and the "iiif" preset write, TLM needed to know it), the first rounds of tile-parts —
   * every tile's lowest resolutions — are one run at the start of the codestream; as many whole
   * rounds as fit are read in one request and never evicted, so coarse views need no more reads.
   * At most an eighth of the codestream is pinned (low resolutions, not the file).
   */
  pinLowResolutions?: number;
}

/** Bytes and requests an image has used (see {@link RangeImage.stats}). */
export interface RangeStats {
  /** Physical reads: HTTP requests (retries included), GetObject calls, file reads. */
  requests: number;
  /** Bytes those reads returned. */
  bytes: number;
  /** Reads answered from the cache. */
  cacheHits: number;
  /** Bytes in the cache now (pinned bytes included). */
  cachedBytes: number;
  /** Bytes kept for the image's life (see {@link OpenImageOptions.pinLowResolutions}). */
  pinnedBytes: number;
  /** Size of the file. */
  fileSize: number;
}

/** An image opened with {@link openImage}. */
export interface RangeImage {
  /** The header, as {@link readHeader} gives it for the whole file (JP2 box offsets are the file's). */
  readonly header: HeaderInfo;
  /** The codestream index (shared with JPIP and strip decoding). */
  readonly index: CodestreamIndex;
  /** Where the codestream and boxes are. */
  readonly layout: FileLayout;
  /** Identity of the file's bytes (ETag, or size and modification time). */
  readonly version: string;
  /** Non-fatal findings: a server ignoring Range, ignored TLM/PLT, ... */
  readonly warnings: readonly string[];
  /** Decode like {@link decode} with the same options, reading only the bytes needed. */
  decode(options?: DecodeOptions): Promise<DecodedImage>;
  /** The plan of a decode (byte ranges) without decoding. */
  plan(options?: DecodeRequest): Promise<DecodePlan>;
  /**
   * The sparse codestream (not wrapped in the file's boxes) that {@link RangeImage.decode} would
   * decode for `options`: the main header and the planned tiles' packets, read by ranges. Decoding
   * it with the same region, reduce, layers and components gives the samples of the whole file.
   */
  sparseCodestream(options?: DecodeOptions): Promise<Uint8Array>;
  /** Bytes and requests used so far. */
  stats(): RangeStats;
  /** A small JP2 (or codestream) with the file's header boxes and main header but no tile data (for metadata readers). */
  containerBytes(): Uint8Array;
  /** Release the file handle / client. */
  close(): Promise<void>;
}

/** Open a JPEG 2000 image for reading by byte ranges (see the module description). */
export async function openImage(source: ImageInput, options: OpenImageOptions = {}): Promise<RangeImage> {
  const initial = options.initialRead ?? 16384;
  if (!Number.isInteger(initial) || initial < 64) throw new J2kError("INVALID_ARGUMENT", `initialRead must be an integer >= 64 (got ${String(initial)})`);
  const opened = await openReader(source, initial, options);
  try {
    return await RangeImageImpl.create(opened, options);
  } catch (e) {
    await opened.reader.close().catch(() => undefined);
    throw e;
  }
}

async function openReader(source: ImageInput, initial: number, o: OpenImageOptions): Promise<OpenedReader> {
  if (typeof source === "string" || source instanceof URL) {
    const s = String(source);
    if (/^https?:\/\//i.test(s)) return httpReader(s, initial, o);
    if (/^s3:\/\//i.test(s)) return s3Reader(s, initial, o);
    if (/^file:\/\//i.test(s)) return fileReader(decodeURIComponent(new URL(s).pathname), initial);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) throw new J2kError("INVALID_ARGUMENT", `unsupported URL scheme in '${s}' (use http(s)://, s3:// or a local path)`);
    return fileReader(s, initial);
  }
  if (source instanceof Uint8Array) return memoryReader(source, initial);
  if (source instanceof ArrayBuffer) return memoryReader(new Uint8Array(source), initial);
  if (ArrayBuffer.isView(source)) return memoryReader(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), initial);
  if (source && typeof source === "object" && typeof (source as RangeReader).read === "function") return userReader(source as RangeReader, initial);
  throw new J2kError("INVALID_ARGUMENT", "openImage expects bytes, a path, an http(s):// or s3:// URL, or a RangeReader");
}

/** The decoder's warning for tiles whose data ends before their last packets (src/decode.ts). */
const RAN_SHORT = /end before their last packets/;

/** Whether tile `t` holds no sample of any component (B.3), so that it needs no tile-part. */
function noSamples(index: CodestreamIndex, t: number): boolean {
  return index.nominalGeometry(t).comps.every((c) => c.x1 <= c.x0 || c.y1 <= c.y0);
}

/**
 * The leading rounds of an interleaved file that fit in `budget` bytes: tile-parts in codestream
 * order whose TPsot never decreases (round r = every tile's tile-part r), cut at the end of the last
 * whole round that fits. Undefined without TLM (the tile-parts are not all known without reading
 * the whole SOT chain), for files that are not interleaved, or when not even round 0 fits.
 */
async function lowResolutionRun(index: CodestreamIndex, budget: number): Promise<{ offset: number; length: number } | undefined> {
  if (index.tilePartSource !== "TLM") return undefined;
  const parts = await index.allTileParts();
  if (parts.length < 2) return undefined;
  // round 0 must hold a tile-part of every tile that has one (else the file is tile-major)
  const tiles = new Set(parts.map((p) => p.tile));
  let round0 = 0;
  while (round0 < parts.length && parts[round0]!.part === 0) round0++;
  if (round0 < tiles.size) return undefined;
  let bytes = 0, end = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i > 0 && p.part < parts[i - 1]!.part) break; // not interleaved from here on
    if (i > 0 && p.part > parts[i - 1]!.part) end = bytes; // a whole round ends before p
    bytes += p.length;
    if (bytes > budget) break;
    if (i === parts.length - 1) end = bytes;
  }
  return end > 0 ? { offset: parts[0]!.offset, length: end } : undefined;
}

/** A codestream holding just the main header and one empty tile-part (for readHeader). */
function headerSkeleton(index: CodestreamIndex, prefix: (o: number, l: number) => Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const s of index.main.segments) {
    if (s.marker === M.TLM || s.marker === M.PLM || s.marker === M.PPM) continue;
    parts.push(prefix(s.offset, s.length ? s.length + 2 : 2));
  }
  parts.push(new Uint8Array([0xff, 0x90, 0, 10, 0, 0, 0, 0, 0, 14, 0, 1, 0xff, 0x93, 0xff, 0xd9]));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

class RangeImageImpl implements RangeImage {
  private constructor(
    readonly header: HeaderInfo,
    readonly index: CodestreamIndex,
    readonly layout: FileLayout,
    private readonly fetcher: RangeFetcher,
    private readonly options: OpenImageOptions,
    private readonly skeleton: Uint8Array,
  ) {}

  static async create(opened: OpenedReader, options: OpenImageOptions): Promise<RangeImageImpl> {
    const fetcher = new RangeFetcher(opened.reader, options);
    fetcher.seed(0, opened.prefix);
    const layout = await readLayout(fetcher, opened.prefix);
    const cs = layout.codestream;
    const prefix = cs.offset < opened.prefix.length ? opened.prefix.subarray(cs.offset, Math.min(opened.prefix.length, cs.offset + cs.length)) : undefined;
    const index = await CodestreamIndex.open(fetcher, { offset: cs.offset, length: cs.length, ...(prefix && prefix.length >= 4 ? { prefix } : {}) });
    const mh = index.mainHeaderRange;
    const mainBytes = await fetcher.read(mh.offset, mh.length);
    const skeleton = wrapCodestream(layout, headerSkeleton(index, (o, l) => mainBytes.subarray(o - mh.offset, o - mh.offset + l)));
    const header = readHeader(skeleton);
    if (header.jp2) header.jp2.boxes = layout.boxes.map((b) => ({ ...b }));
    header.format = layout.format;
    const pin = options.pinLowResolutions ?? 0;
    if (!(pin >= 0)) throw new J2kError("INVALID_ARGUMENT", `pinLowResolutions must be a number of bytes >= 0 (got ${String(options.pinLowResolutions)})`);
    if (pin > 0) {
      const run = await lowResolutionRun(index, Math.min(pin, cs.length / 8));
      if (run) await fetcher.pin(run.offset, run.length);
    }
    return new RangeImageImpl(header, index, layout, fetcher, options, skeleton);
  }

  get version(): string {
    return this.fetcher.reader.version;
  }

  get warnings(): readonly string[] {
    return [...this.fetcher.reader.warnings, ...this.index.warnings];
  }

  plan(options: DecodeRequest = {}): Promise<DecodePlan> {
    return planDecode(this.index, options);
  }

  async decode(options: DecodeOptions = {}): Promise<DecodedImage> {
    await this.fetcher.reader.revalidate?.();
    let cs: Uint8Array;
    try {
      cs = await this.sparse(options);
    } catch (e) {
      if (!(e instanceof TlmMismatch)) throw e;
      this.index.dropTlm(e.reason);
      cs = await this.sparse(options);
    }
    let image = await this.decodeSparse(cs, options);
    // A tile ending early may mean a tile-part the SOT chain has not reached yet (a TNsot that
    // undercounts): follow the chain to the end and decode again.
    if (image.warnings.some((w) => RAN_SHORT.test(w)) && (await this.index.completeWalk())) {
      image = await this.decodeSparse(await this.sparse(options), options);
    }
    for (const w of this.warnings) if (!image.warnings.includes(w)) image.warnings.push(w);
    return image;
  }

  async sparseCodestream(options: DecodeOptions = {}): Promise<Uint8Array> {
    try {
      return await this.sparse(options);
    } catch (e) {
      if (!(e instanceof TlmMismatch)) throw e;
      this.index.dropTlm(e.reason);
      return this.sparse(options);
    }
  }

  private decodeSparse(cs: Uint8Array, options: DecodeOptions): Promise<DecodedImage> {
    const file = wrapCodestream(this.layout, cs);
    return this.options.worker === false ? Promise.resolve(decode(file, options)) : decodeAsync(file, options);
  }

  private async sparse(options: DecodeOptions): Promise<Uint8Array> {
    for (let attempt = 0; ; attempt++) {
      const plan = await planDecode(this.index, options);
      const bytes = await this.fetcher.fetchAll(plan.ranges);
      const get = (o: number, l: number) => bytes.get(o, l);
      // PLT lengths that add up but put packets in the wrong places: read those tiles' headers instead
      // a truncated codestream: the core refuses tiles it cannot complete unless allowPartial
      if (this.index.truncated && !options.allowPartial) {
        // (a tile without samples has no tile-parts by design: Kakadu and j2kit omit it)
        const cut = plan.tiles.find((t) => (t.parts.length === 0 && !noSamples(this.index, t.tile)) || t.parts.some((p) => p.truncated));
        if (cut) {
          throw new J2kError("PACKET_TRUNCATED", `tile ${cut.tile} ends before all its packets were read: the codestream is truncated (pass allowPartial: true to decode what is there)`);
        }
      }
      const bad = attempt === 0 ? checkMarkerLengths(plan, get) : [];
      if (bad.length === 0) return assembleCodestream(this.index, plan, get);
      for (const b of bad) this.index.distrustLengthMarkers(b.tile, b.why);
    }
  }

  stats(): RangeStats {
    const r = this.fetcher.reader;
    return { requests: r.requests, bytes: r.bytes, cacheHits: this.fetcher.cacheHits, cachedBytes: this.fetcher.cachedBytes, pinnedBytes: this.fetcher.pinnedBytes, fileSize: r.size };
  }

  containerBytes(): Uint8Array {
    return this.skeleton.slice();
  }

  close(): Promise<void> {
    return this.fetcher.reader.close();
  }
}
