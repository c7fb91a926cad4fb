/**
 * One JP2 → JPEG conversion with bounded memory: the source is opened by ranges (`openImage`: a
 * local path, https:// or s3://), its codestream read into a private WebAssembly instance and
 * decoded in strips ({@link StripDecoder}) that go straight into the streaming JPEG writer
 * (`createJpegWriter`), whose bytes go to an {@link OutputSink} as they are coded. Nothing holds the
 * image: memory follows the budget, not the pixel count.
 *
 * What changes on the way (each said in the result's `notes`, which the ledger keeps): bit depths
 * other than 8 scaled to 8 bits (rounded), palettes expanded, sYCC converted to RGB, alpha dropped;
 * `maxSize` shrinks by whole resolution levels (reduce) and then Lanczos-3 (the IIIF resampler's
 * weights). The JP2's ICC profile (repaired when its curv tags lie), XMP, XML and resolution are
 * carried over (`jpegMetadataFromJp2`).
 * @module
 */
import { createHash } from "node:crypto";
import { J2kError } from "../errors.js";
import { openImage, type RangeImage } from "../range/open_image.js";
import type { S3SourceOptions } from "../range/readers.js";
import { readJp2 } from "../jp2/read.js";
import type { Jp2File } from "../jp2/types.js";
import { createJpegWriter, jpegMetadataFromJp2, jpegReady, type JpegSubsampling } from "../jpeg/index.js";
import { JpegDecoder, type JpegDecodeSummary } from "../jpeg/decode.js";
import { sampleConverter } from "../jpeg/samples.js";
import type { CoreHeader } from "../core_header.js";
import type { DecodedImage, SampleArray } from "../types.js";
import { StripDecoder, estimateStripMemory, type StripImageInfo, type StripStats } from "../strip/strip_decoder.js";
import type { CodestreamInput } from "../strip/strip_core.js";
import type { OutputSink } from "./sinks.js";
import { StreamResampler } from "./resample_stream.js";
import { s3Client, type MigrateS3Options } from "./s3.js";

/** Options of {@link convertToJpeg}. */
export interface ConvertOptions {
  /** IJG quality 1-100 (default 92). */
  quality?: number;
  /** Chroma subsampling (default auto: 4:4:4 at quality ≥ 90, else 4:2:0). */
  subsampling?: JpegSubsampling;
  /** Longest side of the output in pixels (default: full size). */
  maxSize?: number;
  /** Memory budget of this conversion in bytes (default 1 GiB). */
  maxMemory?: number;
  /** Pixel limit of the decoded image (default 2^32). */
  maxPixels?: number;
  /** S3 settings for s3:// sources. */
  s3?: MigrateS3Options;
  /** Rows read from the codestream per request when loading it (default 8 MiB). */
  readChunk?: number;
  /**
   * Called once the headers are read, before memory is taken: gets what the conversion would like
   * (`want`: comfortable strips) and needs at least (`min`: short strips), resolves to the budget
   * granted (replaces `maxMemory`). The migration's scheduler reserves memory this way.
   */
  reserve?: (need: { want: number; min: number; pixels: number }) => Promise<number>;
  /**
   * Prove the output whole and say how close it is: the encoder reconstructs every block it codes
   * (as a decoder does) and measures the PSNR against the pixels it was given; the written file is
   * then read back (local: the temporary file before the rename; S3: the object after the upload)
   * through a streaming JPEG decoder, whose block hash, dimensions and SHA-256 must match. A
   * mismatch fails the file with `VERIFY_FAILED` and removes the output. Default false.
   */
  verify?: boolean;
  /**
   * Codestreams longer than this (bytes; default 32 MiB) of tiled images with several rows of
   * tiles are decoded one row of tiles at a time from sparse codestreams (see
   * {@link openTileRows}); `Infinity` always reads the whole codestream. Internal: tests force
   * either path with it.
   */
  tileRowThreshold?: number;
}

/** What `verify` found (see {@link ConvertOptions.verify}). */
export interface VerifyResult {
  /** PSNR in dB of the JPEG as decoded against the 8-bit pixels encoded (`null`: identical). */
  psnr: number | null;
  /** Mean squared error over the colour samples. */
  mse: number;
  /** Hash of the reconstructed blocks, found again in the file read back. */
  hash: string;
  /** Milliseconds spent reading the output back and decoding it. */
  ms: number;
}

/** What a conversion did. */
export interface ConvertResult {
  /** Source image and output size. */
  sourceWidth: number;
  sourceHeight: number;
  width: number;
  height: number;
  /** Resolution levels dropped before resampling. */
  reduce: number;
  /** Source bytes (the file) and its identity (ETag, or size + modification time). */
  bytesIn: number;
  version: string;
  /** Output bytes and their SHA-256 (hex). */
  bytesOut: number;
  sha256: string;
  /** What changed on the way (alpha dropped, depth scaled, sYCC converted, metadata not carried, ...). */
  notes: string[];
  /** Strip decoding statistics (memory, strips, sessions). */
  strips: StripStats;
  /** Milliseconds: opening (headers, codestream read), decoding + coding. */
  openMs: number;
  convertMs: number;
  /** Set when `verify` was asked (and passed). */
  verify?: VerifyResult;
}

const DEFAULT_READ_CHUNK = 8 * 2 ** 20;
/** The strip decoder's budget on the row-of-tiles path: all of it up to 256 MiB, then a quarter of the rest (the remainder: strip copies in JS). */
function rowPathDecoderBudget(budget: number): number {
  const full = 256 * 2 ** 20;
  return budget <= full ? budget : Math.floor(full + (budget - full) / 4);
}
/** Default {@link ConvertOptions.tileRowThreshold}. */
const DEFAULT_TILE_ROW_THRESHOLD = 32 * 2 ** 20;

/** The source's codestream read into WebAssembly memory in chunks (never whole in JavaScript memory). */
export function codestreamReader(image: RangeImage, chunk: number): CodestreamInput {
  const { offset, length } = image.layout.codestream;
  return {
    length,
    async readInto(dst: Uint8Array) {
      for (let k = 0; k < length; k += chunk) {
        const n = Math.min(chunk, length - k);
        const part = await image.index.source.read(offset + k, n);
        if (part.length !== n) throw new J2kError("SOURCE_READ_FAILED", `the source ended after ${k + part.length} of ${length} codestream bytes`, { offset: offset + k + part.length });
        dst.set(part, k);
      }
    },
  };
}

/** Output size for `maxSize` (longest side), keeping the aspect ratio. */
export function fitSize(w: number, h: number, maxSize: number | undefined): { width: number; height: number } {
  if (!maxSize || (w <= maxSize && h <= maxSize)) return { width: w, height: h };
  const s = maxSize / Math.max(w, h);
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
}

/** Largest reduce (≤ the levels every component has) whose image is still at least `w` x `h`. */
function reduceFor(h: Pick<CoreHeader, "minLevels" | "XOsiz" | "Xsiz" | "YOsiz" | "Ysiz">, w: number, hh: number): number {
  const span = (a: number, b: number, r: number) => Math.ceil(b / 2 ** r) - Math.ceil(a / 2 ** r);
  for (let r = h.minLevels; r > 0; r--) {
    if (span(h.XOsiz, h.Xsiz, r) >= w && span(h.YOsiz, h.Ysiz, r) >= hh) return r;
  }
  return 0;
}

/**
 * Convert `source` (local path, https:// or s3:// URL) to a baseline JPEG written to `sink`. The
 * sink is committed on success and aborted on failure (never a partial target).
 */
export async function convertToJpeg(source: string, sink: OutputSink, o: ConvertOptions = {}): Promise<ConvertResult> {
  const t0 = performance.now();
  let image: RangeImage | undefined;
  try {
    const s3: S3SourceOptions = {};
    if (/^s3:\/\//i.test(source)) s3.client = await s3Client(o.s3 ?? {});
    image = await openImage(source, { worker: false, cacheBytes: 4 * 2 ** 20, s3, ...(o.s3?.retries !== undefined ? { retries: o.s3.retries } : {}) });
    const result = await convertOpened(image, sink, o, t0);
    if (result.verify && !sink.readBackAfterCommit) await verifyOutput(sink, result);
    await sink.commit();
    if (result.verify && sink.readBackAfterCommit) {
      try {
        await verifyOutput(sink, result);
      } catch (e) {
        await sink.removeCommitted();
        throw e;
      }
    }
    return result;
  } catch (e) {
    await sink.abort();
    throw e;
  } finally {
    await image?.close().catch(() => undefined);
  }
}

async function convertOpened(image: RangeImage, sink: OutputSink, o: ConvertOptions, t0: number): Promise<ConvertResult> {
  const notes: string[] = [];
  const header = image.header;
  let jp2: Jp2File | undefined;
  let meta: ReturnType<typeof jpegMetadataFromJp2> | undefined;
  if (image.layout.format !== "j2k") {
    const container = image.containerBytes();
    jp2 = readJp2(container);
    meta = jpegMetadataFromJp2(container);
    notes.push(...meta.warnings);
  }
  const target = fitSize(header.width, header.height, o.maxSize);
  let budget = o.maxMemory ?? 2 ** 30;
  const byRows = tileRowsApply(image, o.tileRowThreshold ?? DEFAULT_TILE_ROW_THRESHOLD);
  if (o.reserve) {
    // by rows of tiles: one row's share of the codestream (twice the mean, for uneven rows)
    const all = image.layout.codestream.length;
    const csBytes = byRows ? Math.min(all, Math.ceil((2 * all) / image.index.siz.tilesY)) : all;
    const levels = Math.max(0, Math.floor(Math.log2(Math.min(header.width / target.width, header.height / target.height))));
    const reduce = Math.min(levels, header.levels);
    const want = estimateStripMemory(header, csBytes, { reduce, rows: 512 });
    const min = estimateStripMemory(header, csBytes, { reduce, rows: 16 });
    budget = await o.reserve({ want, min, pixels: header.width * header.height });
  }
  const limits = { maxMemory: budget, ...(o.maxPixels ? { maxPixels: o.maxPixels } : {}) };
  const dec: StripSource = byRows
    ? await openTileRows(image, reduceFor(mainLevels(image), target.width, target.height), jp2, limits)
    : wholeCodestream(
        await StripDecoder.open(codestreamReader(image, o.readChunk ?? DEFAULT_READ_CHUNK), {
          ...(jp2 ? { jp2 } : {}),
          chooseReduce: (h) => reduceFor(h, target.width, target.height),
          limits,
        }),
      );
  const openMs = performance.now() - t0;
  try {
    const info = dec.info;
    const t1 = performance.now();
    const C = info.components;
    if (C > 4) throw new J2kError("UNSUPPORTED", `the image has ${C} channels; JPEG holds grey, grey + alpha, RGB or RGBA`);
    // colour: sYCC → RGB per strip; CMYK/Lab refused (jpegReady); checked before any byte is written
    const shaped = (data: SampleArray, rows: number): DecodedImage => ({
      width: info.width, height: rows, components: C, bitDepth: info.bitDepth, signed: info.signed, data,
      layout: "interleaved", componentInfo: info.componentInfo, partial: false, warnings: [],
      ...(info.colorSpace ? { colorSpace: info.colorSpace } : {}),
    });
    notes.push(...jpegReady(shaped(new Uint8Array(0) as SampleArray, 0)).warnings);
    if (jp2?.palette && jp2.componentMapping) notes.push(`the palette (${jp2.palette.entries} entries) was expanded to ${C} channels`);
    const reduce = dec.reduce;
    const finalSize = target;
    const resize = finalSize.width !== info.width || finalSize.height !== info.height;
    if (reduce > 0 || resize) notes.push(`downsized from ${header.width}x${header.height} to ${finalSize.width}x${finalSize.height} (${reduce} resolution level(s) dropped${resize ? ", then Lanczos-3" : ""})`);

    const hash = createHash("sha256");
    let bytesOut = 0;
    const writer = createJpegWriter(
      {
        width: finalSize.width,
        height: finalSize.height,
        components: C,
        bitDepth: resize ? 8 : info.bitDepth,
        signed: resize ? false : info.signed,
        quality: o.quality ?? 92,
        subsampling: o.subsampling ?? "auto",
        ...(meta?.icc ? { icc: meta.icc } : {}),
        ...(meta?.xmp ? { xmp: meta.xmp } : {}),
        ...(meta?.comments.length ? { comments: meta.comments } : {}),
        ...(meta?.density ? { density: meta.density } : {}),
        ...(o.verify ? { measure: true } : {}),
      },
      (chunk) => {
        hash.update(chunk);
        bytesOut += chunk.length;
        sink.write(chunk);
      },
    );
    const resampler = resize
      ? new StreamResampler(info.width, info.height, C, finalSize.width, finalSize.height, (rows) => writer.writeRows(rows))
      : undefined;
    const to8 = resize ? sampleConverter(info.bitDepth, info.signed) : undefined;
    for await (const strip of dec.strips()) {
      const ready = jpegReady(shaped(strip.data, strip.rows)).image.data;
      if (resampler) {
        const bytes = new Uint8Array(ready.length);
        to8!(ready, 0, ready.length, bytes, 0);
        resampler.push(bytes, strip.rows);
      } else {
        writer.writeRows(ready);
      }
      await sink.drain();
    }
    writer.finish();
    await sink.drain();
    notes.push(...writer.warnings, ...info.warnings);
    const m = writer.measurement();
    return {
      sourceWidth: header.width,
      sourceHeight: header.height,
      width: finalSize.width,
      height: finalSize.height,
      reduce,
      bytesIn: image.stats().fileSize,
      version: image.version,
      bytesOut,
      sha256: hash.digest("hex"),
      notes: [...new Set(notes)],
      strips: dec.stats(),
      openMs,
      convertMs: performance.now() - t1,
      ...(m ? { verify: { psnr: Number.isFinite(m.psnr) ? Math.round(m.psnr * 1000) / 1000 : null, mse: m.mse, hash: m.hash, ms: 0 } } : {}),
    };
  } finally {
    dec.close();
  }
}

/** Strips of the whole image, from one decoder or from one per row of tiles. */
interface StripSource {
  readonly info: StripImageInfo;
  readonly reduce: number;
  strips(): AsyncGenerator<{ rows: number; data: SampleArray }>;
  stats(): StripStats;
  close(): void;
}

function wholeCodestream(dec: StripDecoder): StripSource {
  return {
    info: dec.info,
    reduce: dec.reduce,
    async *strips() {
      yield* dec.strips();
    },
    stats: () => dec.stats(),
    close: () => dec.close(),
  };
}

/**
 * Whether to decode by rows of tiles: a codestream above `threshold` bytes, several rows of tiles,
 * and no sub-sampled component (a sub-sampled component's strips reach into the row of tiles above
 * for replication, which the sparse codestream of one row does not hold: those keep the whole path).
 */
function tileRowsApply(image: RangeImage, threshold: number): boolean {
  const siz = image.index.siz;
  if (!(image.layout.codestream.length > threshold)) return false;
  if (siz.tilesY < 2) return false;
  return siz.components.every((c) => c.dx === 1 && c.dy === 1);
}

/** What {@link reduceFor} needs, from the main header (COD and COCs, as the core's minLevels). */
function mainLevels(image: RangeImage): Pick<CoreHeader, "minLevels" | "XOsiz" | "Xsiz" | "YOsiz" | "Ysiz"> {
  const m = image.index.main;
  let minLevels = m.cod.levels;
  for (const c of m.coc) if (c) minLevels = Math.min(minLevels, c.levels);
  return { minLevels, XOsiz: m.siz.XOsiz, Xsiz: m.siz.Xsiz, YOsiz: m.siz.YOsiz, Ysiz: m.siz.Ysiz };
}

/**
 * The image decoded one row of tiles after another: for each row, the sparse codestream of that
 * band (main header and the row's tile-parts, read by ranges and assembled by the codestream index
 * as for region decodes) goes into its own {@link StripDecoder} with `region` = the band. Tiles are
 * coded independently (B.3), and a region decode gives the samples of the whole decode, so the
 * strips are those of the whole-codestream path while memory follows one row of tiles.
 * Bands that have no rows at `reduce` (B-14: a thin first or last row of tiles) are skipped.
 */
async function openTileRows(
  image: RangeImage,
  reduce: number,
  jp2: Jp2File | undefined,
  limits: { maxMemory: number; maxPixels?: number },
): Promise<StripSource> {
  const siz = image.index.siz;
  const s = 2 ** reduce;
  const bands: Array<{ x: number; y: number; width: number; height: number }> = [];
  for (let q = 0; q < siz.tilesY; q++) {
    const y0 = Math.max(siz.YOsiz, siz.YTOsiz + q * siz.YTsiz);
    const y1 = Math.min(siz.Ysiz, siz.YTOsiz + (q + 1) * siz.YTsiz);
    if (Math.ceil(y1 / s) - Math.ceil(y0 / s) < 1) continue;
    bands.push({ x: 0, y: y0 - siz.YOsiz, width: siz.Xsiz - siz.XOsiz, height: y1 - y0 });
  }
  // The strip decoder's budget covers WebAssembly memory only; each strip is also copied and
  // shaped in JS (8-bit conversion, colour, the JPEG writer's input). With the codestream no longer
  // filling the budget, strips grow until those copies push RSS well past --max-memory (714 MiB at
  // 512 on a 40000x40000 scan). Up to 256 MiB the decoder gets the whole budget (a 40000-wide row
  // needs most of it); above, a quarter of the rest, so the strip copies keep within the budget.
  const rowLimits = { ...limits, maxMemory: rowPathDecoderBudget(limits.maxMemory) };
  const open = async (region: (typeof bands)[number], reuse?: StripDecoder) =>
    StripDecoder.open(await image.sparseCodestream({ region, reduce }), { ...(jp2 ? { jp2 } : {}), reduce, region, limits: rowLimits, ...(reuse ? { reuse } : {}) });
  const first = await open(bands[0]!);
  const height = Math.ceil(siz.Ysiz / s) - Math.ceil(siz.YOsiz / s);
  const info: StripImageInfo = { ...first.info, height, warnings: [...first.info.warnings] };
  const total: StripStats = { linearBytes: 0, peakBytes: 0, sessions: 0, strips: 0, stripRows: 0, retries: 0, blocksDecoded: 0 };
  let current: StripDecoder | undefined = first;
  const add = (d: StripDecoder) => {
    const t = d.stats();
    total.linearBytes = Math.max(total.linearBytes, t.linearBytes);
    total.peakBytes = Math.max(total.peakBytes, t.peakBytes);
    total.sessions += t.sessions;
    total.strips += t.strips;
    total.retries += t.retries;
    total.blocksDecoded += t.blocksDecoded;
    total.stripRows = t.stripRows;
    for (const w of d.info.warnings) if (!info.warnings.includes(w)) info.warnings.push(w);
    info.partial ||= d.info.partial;
  };
  return {
    info,
    reduce,
    async *strips() {
      let previous: StripDecoder | undefined;
      for (let b = 0; b < bands.length; b++) {
        // one WebAssembly instance for all rows: the previous row's memory is reused, not left to the collector
        const dec: StripDecoder = b === 0 ? first : await open(bands[b]!, previous);
        previous = dec;
        current = dec;
        if (dec.info.width !== info.width || dec.info.components !== info.components) {
          throw new J2kError("INTERNAL", `row of tiles ${b} decodes ${dec.info.width} x ${dec.info.components}, not ${info.width} x ${info.components}`);
        }
        try {
          yield* dec.strips();
        } finally {
          add(dec);
          dec.close();
          current = undefined;
        }
      }
    },
    stats: () => ({ ...total }),
    close: () => current?.close(),
  };
}

/**
 * Read the output back through the streaming JPEG decoder and check it against what was written:
 * the same byte count and SHA-256, dimensions and component count, EOI at the end, and the hash
 * of the reconstructed blocks the encoder measured. Anything else is `VERIFY_FAILED`.
 */
async function verifyOutput(sink: OutputSink, r: ConvertResult): Promise<void> {
  const v = r.verify!;
  const t0 = performance.now();
  const where = sink.target;
  const failed = (why: string, cause?: unknown) =>
    new J2kError("VERIFY_FAILED", `the JPEG read back from ${where} is not what was written: ${why}`, cause !== undefined ? { cause } : {});
  const hash = createHash("sha256");
  const dec = new JpegDecoder();
  let bytes = 0;
  let summary: JpegDecodeSummary;
  try {
    for await (const chunk of sink.readBack()) {
      bytes += chunk.length;
      hash.update(chunk);
      dec.push(chunk);
    }
    summary = dec.end();
  } catch (e) {
    if (e instanceof J2kError && (e.code === "TARGET_WRITE_FAILED" || e.code === "SOURCE_READ_FAILED")) throw e;
    throw failed(`it does not decode (${e instanceof Error ? e.message : String(e)})`, e);
  }
  const sha = hash.digest("hex");
  if (bytes !== r.bytesOut) throw failed(`${bytes} bytes instead of ${r.bytesOut}`);
  if (sha !== r.sha256) throw failed(`SHA-256 ${sha} instead of ${r.sha256}`);
  if (summary.width !== r.width || summary.height !== r.height) throw failed(`${summary.width}x${summary.height} instead of ${r.width}x${r.height}`);
  if (summary.trailingBytes !== 0) throw failed(`${summary.trailingBytes} bytes after EOI`);
  if (summary.hash !== v.hash) throw failed(`the decoded samples differ (block hash ${summary.hash} instead of ${v.hash})`);
  v.ms = Math.round(performance.now() - t0);
}
