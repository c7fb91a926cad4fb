/**
 * Strip decoding: a JPEG 2000 image delivered as bands of rows ("strips"), top to bottom, with
 * memory bounded by a budget instead of the image size (codec/strip_decoder.ts does the work).
 *
 * The image is decoded one row of tiles after another (a "session": T2 once per tile); a row of
 * tiles taller than the budget allows is decoded in strips whose code-blocks are decoded once and
 * kept while later strips need them. Each strip is delivered as pixel-interleaved samples of the
 * output grid: components upsampled by replication when sub-sampled, JP2 palettes expanded and
 * channels ordered as the file's component mapping and channel definitions say — exactly the rows
 * `decode()` gives for the same options (tested sample for sample).
 *
 * ```ts
 * const dec = await StripDecoder.open(bytes, { limits: { maxMemory: 256 * 2 ** 20 } });
 * for (const strip of dec.strips()) writer.writeRows(strip.data);   // strip.y, strip.rows
 * ```
 * @module
 */
import { J2kError } from "../errors.js";
import type { ColorSpaceInfo, ComponentInfo, DecodeOptions, Limits, SampleArray } from "../types.js";
import { plan, outputType, DEFAULT_LIMITS, type Plan } from "../decode_plan.js";
import { StripField } from "../core_interface.js";
import { sampleArrayFor, bytesPerSampleFor } from "../samples.js";
import { toColorSpaceInfo } from "../jp2/read.js";
import { applyPalette, orderChannels, colorChannelsOf } from "../jp2/palette.js";
import type { Jp2File } from "../jp2/types.js";
import type { CoreHeader } from "../core_header.js";
import { StripCore, type CodestreamInput } from "./strip_core.js";
import type { CoreExports } from "../wasm/load.js";
import { mib } from "../memory_messages.js";

/** Most code-blocks one tile may declare (as decode()). */
const MAX_CODEBLOCKS_PER_TILE = 2 ** 23;
/** Default budget of a strip decoder (limits.maxMemory overrides it). */
export const DEFAULT_STRIP_MEMORY = 2 ** 30;
/** Default pixel limit of strip decoding: the output never has to fit in memory at once. */
export const DEFAULT_STRIP_MAX_PIXELS = 2 ** 32;
/**
 * Strips are not made taller than this (rows of the output grid; the memory budget may ask for
 * less). Each strip boundary costs a re-run of the DWT margins and a copy of the code-block rows the
 * two strips share (saw, 2725x2225 RGB: about 1 ms each), and the top level's high bands live in
 * rings of two code-block rows (codec/strip_decoder.ts), so taller strips are faster: 2048 rows
 * decode saw's HT stream about 6 % faster than 1024.
 */
const PREFERRED_ROWS = 2048;
/**
 * ...but a strip of more than 1024 rows holds at most this many samples (rows x the components'
 * samples per row): the same rule for every image keeps wide images' strip memory where 1024 rows
 * put it (saw: 2048 rows, 16.7 M samples; 7000x5000 RGB: 1024 rows, decode() and the CLI below
 * opj_decompress's peak, test/migrate/memory.test.ts).
 */
const TALL_STRIP_SAMPLES = 2 ** 24;
/** Rows a strip may always have (the budget permitting), however wide the image. */
const WIDE_ROWS = 1024;
/** Nor shorter than this (below it the DWT margins dominate). */
const MIN_ROWS = 8;

/** Options of {@link StripDecoder.open} (the `decode()` options that make sense for strips). */
export interface StripDecoderOptions extends Pick<DecodeOptions, "reduce" | "layers" | "region" | "components" | "allowPartial" | "palette"> {
  /**
   * `maxMemory`: the budget for everything the decoder holds (codestream, tile structures, strip
   * buffers, the strip handed out); default 1 GiB. `maxPixels` defaults to 2^32: strips never hold
   * the whole image.
   */
  limits?: Limits;
  /** The JP2 file's boxes (palette, component mapping, channel definitions, colour) when the codestream comes from one. */
  jp2?: Jp2File;
  /** Rows per strip (default: chosen from the budget and the image width, at most 2048). */
  stripRows?: number;
  /** Choose `reduce` from the main header once it is read (overrides `reduce`; e.g. a size limit). */
  chooseReduce?: (header: CoreHeader) => number;
  /**
   * A closed decoder whose WebAssembly instance this one takes over (its memory reused, not a
   * second one allocated while the first waits to be collected); a fresh instance when it cannot
   * be reused (still open, trapped, or already taken over).
   */
  reuse?: StripDecoder;
}

/** What a strip decoder delivers. */
export interface StripImageInfo {
  /** Output grid (after region and reduce). */
  width: number;
  height: number;
  /** Channels per pixel of the strips. */
  components: number;
  bitDepth: number;
  signed: boolean;
  /** Per channel. */
  componentInfo: ComponentInfo[];
  colorSpace?: ColorSpaceInfo;
  /** Non-fatal findings (JP2 warnings, missing tiles, truncation); complete once every strip was read. */
  warnings: string[];
  /** True once a strip held data from a truncated codestream (allowPartial). */
  partial: boolean;
}

/** Rows `[y, y + rows)` of the output, `width * rows * components` interleaved samples. */
export interface Strip {
  y: number;
  rows: number;
  data: SampleArray;
}

/** Memory and work of a strip decoder so far. */
export interface StripStats {
  /** Largest WebAssembly memory of the private instance (bytes). */
  linearBytes: number;
  /** Largest bytes allocated in it. */
  peakBytes: number;
  sessions: number;
  strips: number;
  /** Rows per strip last used. */
  stripRows: number;
  /** Times a session was reopened with shorter strips after the memory limit was hit. */
  retries: number;
  /** Code-blocks decoded (a block shared by consecutive strips counts once). */
  blocksDecoded: number;
}

interface ChannelWork {
  /** Output depth per channel. */
  depths: Array<{ bitDepth: number; signed: boolean }>;
  apply(planes: Int32Array[]): Int32Array[];
}

/** The decoder (see the module description). */
export class StripDecoder {
  readonly info: StripImageInfo;
  private readonly s: number;
  private stats_: StripStats = { linearBytes: 0, peakBytes: 0, sessions: 0, strips: 0, stripRows: 0, retries: 0, blocksDecoded: 0 };
  private used = false;
  /**
   * The core packs the strips itself (every component in order, none sub-sampled, no channel work):
   * no i32 planes, no packing pass over them.
   */
  private readonly packed: boolean;
  /** Interleaved output of the whole image the strips are copied into (decode(): {@link StripDecoder.fillInto}). */
  private target: SampleArray | undefined;
  /** {@link StripDecoder.fillInto}'s `rowsDone`, told also within a strip's copy into {@link target}. */
  private rowsDone: ((rows: number) => void) | undefined;

  private constructor(
    private readonly core: StripCore,
    private readonly p: Plan,
    private readonly budget: number,
    private readonly work: ChannelWork | undefined,
    private readonly outType: { bitDepth: number; signed: boolean },
    /** Left edge of what the core decodes (widened for sub-sampled components) and rows to extend upwards. */
    private readonly cx0: number,
    private readonly up: number,
    private readonly forcedRows: number | undefined,
    private readonly allowPartial: boolean,
    info: StripImageInfo,
  ) {
    this.info = info;
    this.s = 2 ** p.reduce;
    const h = core.header;
    this.packed = !work && p.comps.length === h.components.length && p.comps.every((i, k) => i === k && h.components[i]!.dx === 1 && h.components[i]!.dy === 1);
  }

  /**
   * Open `input` (a raw codestream, or the codestream of the JP2 file described by `options.jp2`):
   * the codestream is copied (or read) into a private WebAssembly instance and its headers parsed.
   */
  static async open(input: CodestreamInput, options: StripDecoderOptions = {}): Promise<StripDecoder> {
    const budget = budgetOf(options);
    const core = await StripCore.open(input, wasmLimit(budget), options.reuse?.core.handOver());
    return StripDecoder.create(core, budget, options);
  }

  /** {@link StripDecoder.open} for a codestream in memory. */
  static openSync(codestream: Uint8Array, options: StripDecoderOptions = {}): StripDecoder {
    const budget = budgetOf(options);
    return StripDecoder.create(StripCore.openSync(codestream, wasmLimit(budget), options.reuse?.core.handOver()), budget, options);
  }

  /**
   * @internal Threaded decoding (src/worker/split_decode.ts): a decoder on the instance `c`, where
   * the codestream is parsed already and the blocks decoded by other threads are supplied
   * (codec/api_bands.ts decoderBandSupplyAll); its strips take those blocks instead of decoding
   * them. The instance stays the caller's (not copied into, not parsed again, never handed over).
   */
  static parsedOn(c: CoreExports, options: StripDecoderOptions = {}): StripDecoder {
    const budget = budgetOf(options);
    return StripDecoder.create(StripCore.parsedOn(c, wasmLimit(budget)), budget, options);
  }

  private static create(core: StripCore, budget: number, options: StripDecoderOptions): StripDecoder {
    try {
      const h = core.header;
      const limits: Required<Limits> = { ...DEFAULT_LIMITS, maxPixels: DEFAULT_STRIP_MAX_PIXELS, ...(options.limits ?? {}), maxMemory: budget };
      const p = plan(h, options.chooseReduce ? { ...options, reduce: options.chooseReduce(h) } : options, limits);
      if (p.width < 1 || p.height < 1) throw new J2kError("INVALID_ARGUMENT", "the region is empty at this resolution");
      const s = 2 ** p.reduce;
      const compInfo: ComponentInfo[] = p.comps.map((i) => {
        const ci = h.components[i]!;
        const span = (a: number, b: number, d: number) => Math.ceil(Math.ceil(b / d) / s) - Math.ceil(Math.ceil(a / d) / s);
        return { width: span(p.rx0, p.rx1, ci.dx), height: span(p.ry0, p.ry1, ci.dy), bitDepth: ci.bitDepth, signed: ci.signed, dx: ci.dx, dy: ci.dy };
      });
      const jp2 = options.jp2;
      const warnings = jp2 ? [...jp2.warnings] : [];
      const needsWork = !!jp2 && ((!!jp2.palette && !!jp2.componentMapping && options.palette !== "indices") || !!jp2.channels);
      let work: ChannelWork | undefined;
      let info: ComponentInfo[];
      if (needsWork) {
        if (compInfo.some((ci) => ci.dx !== 1 || ci.dy !== 1)) {
          throw new J2kError("UNSUPPORTED", "palette or channel definitions on sub-sampled components are not supported");
        }
        work = channelWork(jp2!, compInfo, options);
        info = work.depths.map((d) => ({ width: p.width, height: p.height, bitDepth: d.bitDepth, signed: d.signed, dx: 1, dy: 1 }));
      } else {
        info = compInfo;
      }
      const ot = outputType(work ? work.depths : compInfo);
      const mdx = Math.max(...p.comps.map((i) => h.components[i]!.dx));
      const mdy = Math.max(...p.comps.map((i) => h.components[i]!.dy));
      const cx0 = mdx > 1 ? Math.max(h.XOsiz, p.rx0 - mdx * s) : p.rx0;
      const up = mdy > 1 ? mdy * s : 0;
      if (options.stripRows !== undefined && !(Number.isInteger(options.stripRows) && options.stripRows >= 1)) {
        throw new J2kError("INVALID_ARGUMENT", `stripRows must be a positive integer (got ${String(options.stripRows)})`);
      }
      return new StripDecoder(core, p, budget, work, ot, cx0, up, options.stripRows, !!options.allowPartial, {
        width: p.width,
        height: p.height,
        components: info.length,
        bitDepth: ot.bitDepth,
        signed: ot.signed,
        componentInfo: info,
        ...(jp2?.colorSpace ? { colorSpace: toColorSpaceInfo(jp2.colorSpace) } : {}),
        warnings,
        partial: false,
      });
    } catch (e) {
      core.close();
      throw e;
    }
  }

  /** Resolution levels dropped (options.reduce, or what chooseReduce picked). */
  get reduce(): number {
    return this.p.reduce;
  }

  /** The codestream's main header as the core read it. */
  get header(): CoreHeader {
    return this.core.header;
  }

  /** Memory and work so far. */
  stats(): StripStats {
    return { ...this.stats_ };
  }

  /**
   * The strips, top to bottom. Each is a fresh array the caller may keep. Can be iterated once.
   * @throws {J2kError} what decoding meets (corrupt data, a memory budget too small even for the
   *   shortest strips: LIMIT_MEMORY saying how much was needed).
   */
  *strips(): Generator<Strip, void, undefined> {
    if (this.used) throw new J2kError("INVALID_ARGUMENT", "the strips of a StripDecoder can be read once");
    this.used = true;
    const h = this.core.header;
    const p = this.p;
    try {
      // one session per row of tiles (T2 once per tile), shorter strips when memory asks for them
      const top = topRows(h, p, this.up);
      const rowsOfTiles = tileRows(h, p, top);
      let missing = 0, short = 0;
      for (const [y0, y1] of rowsOfTiles) {
        let from = y0;
        let rows = this.forcedRows ?? this.chooseRows(y0, y1);
        while (from < y1) {
          let count: number;
          try {
            count = this.core.begin({
              reduce: p.reduce, layers: p.layers, rx0: this.cx0, ry0: from, rx1: p.rx1, ry1: y1,
              allowPartial: this.allowPartial, components: p.comps, maxCodeBlocks: MAX_CODEBLOCKS_PER_TILE, rows,
              first: from === p.ry0 ? Math.max(rows, top) : rows, up: this.up,
            });
          } catch (e) {
            this.core.end();
            if (this.canRetry(e, rows)) {
              rows = this.shorter(rows);
              continue;
            }
            throw this.explain(e, rows);
          }
          this.stats_.sessions++;
          if (count === 0) from = y1;
          if (this.packed && count > 0) this.core.setPacked(bytesPerSampleFor(this.outType.bitDepth, this.outType.signed), this.outType.signed);
          let failedAt: number | undefined;
          for (let k = 0; k < count; k++) {
            let strip: Strip;
            try {
              this.core.next();
              this.note();
              // packing allocates in the core too: a strip too tall for it is retried shorter as well
              strip = this.deliver();
            } catch (e) {
              if (this.canRetry(e, rows)) {
                failedAt = k;
                break;
              }
              throw this.explain(e, rows);
            }
            this.stats_.strips++;
            this.stats_.stripRows = rows;
            from = this.core.info(StripField.gridY1) >= Math.ceil(y1 / this.s) ? y1 : (this.core.info(StripField.gridY1) - 1) * this.s + 1;
            yield strip;
          }
          this.stats_.blocksDecoded += this.core.info(StripField.blocksDecoded);
          missing += this.core.info(StripField.missingTiles);
          short += this.core.info(StripField.shortTiles);
          if (this.core.info(StripField.partial) !== 0) this.info.partial = true;
          this.core.end();
          if (failedAt !== undefined) {
            this.stats_.retries++;
            rows = this.shorter(rows);
          }
        }
      }
      if (this.info.partial) this.info.warnings.push("the codestream is truncated or damaged; the image holds what could be decoded");
      if (missing > 0) this.info.warnings.push(`${missing} tile(s) have no data in the codestream; their area is left at 0`);
      if (short > 0) this.info.warnings.push(`${short} tile(s) end before their last packets; the missing packets were taken as empty`);
    } finally {
      this.close();
    }
  }

  /**
   * @internal decode(): decode every strip straight into `data` (interleaved, the whole output,
   * `width * height * components` samples of the output type) instead of a fresh array per strip.
   * `rowsDone`, where given, is told after each strip how many rows from the top are in place
   * (threaded decoding: src/worker/split_decode.ts publishes them to the calling thread).
   */
  fillInto(data: SampleArray, rowsDone?: (rows: number) => void): void {
    this.target = data;
    this.rowsDone = rowsDone;
    try {
      for (const strip of this.strips()) rowsDone?.(strip.y + strip.rows);
    } finally {
      this.target = undefined;
      this.rowsDone = undefined;
    }
  }

  /** Release the private instance (also done when the strips are exhausted). */
  close(): void {
    this.core.end();
    this.core.close();
  }

  /** @internal Bytes of the instance's linear memory now (decode() keeps small ones for reuse). */
  linearBytes(): number {
    return this.core.memory().linear;
  }

  private note(): void {
    const m = this.core.memory();
    this.stats_.linearBytes = Math.max(this.stats_.linearBytes, m.linear);
    this.stats_.peakBytes = Math.max(this.stats_.peakBytes, m.peak);
  }

  private canRetry(e: unknown, rows: number): boolean {
    return this.forcedRows === undefined && e instanceof J2kError && e.code === "LIMIT_MEMORY" && rows > MIN_ROWS;
  }

  private shorter(rows: number): number {
    return Math.max(MIN_ROWS, Math.floor(rows / 2));
  }

  /** A LIMIT_MEMORY at the shortest strips: say what the image needs at least. */
  private explain(e: unknown, rows: number): unknown {
    if (!(e instanceof J2kError) || e.code !== "LIMIT_MEMORY") return e;
    return new J2kError(
      "LIMIT_MEMORY",
      `${e.message.replace(/, which passes the memory limit[^]*$/, "").replace(/;[^]*$/, "")}, even with strips of ${rows} rows of this ${this.p.width}x${this.p.height} image ` +
        `(the codestream and its tile structures alone take ${mib(this.core.baseBytes)}); raise the memory budget (limits.maxMemory; CLI --max-memory, now ${mib(this.budget)}) or decode a reduced resolution`,
      { cause: e },
    );
  }

  /**
   * Rows per strip for the session [y0, y1): the preferred height if the budget holds it (the whole
   * row of tiles when it is short), less otherwise. A first estimate; the core's limit decides.
   */
  private chooseRows(y0: number, y1: number): number {
    const g = Math.ceil(y1 / this.s) - Math.ceil(y0 / this.s);
    const perRow = this.bytesPerRow();
    const h = this.core.header;
    const cbh = 2 ** h.ycb;
    const free = wasmLimit(this.budget) - this.core.baseBytes - sessionEstimate(h, this.p, y0, y1);
    const preferred = this.preferredRows();
    // whole row of tiles at once: no cache, window buffers of the tiles
    if (g <= preferred && g * perRow.strip <= free) return g;
    // strips: cache of about 6 code-block heights per component row, plus the strips
    const fit = Math.floor((free - perRow.cache * 6 * cbh) / perRow.strip);
    return Math.max(MIN_ROWS, Math.min(preferred, g, fit));
  }

  /** Tallest strip wanted for this image: {@link PREFERRED_ROWS} within {@link TALL_STRIP_SAMPLES}, never below {@link WIDE_ROWS}. */
  private preferredRows(): number {
    const h = this.core.header;
    let samples = 0;
    for (const i of this.p.comps) {
      const ci = h.components[i]!;
      samples += Math.ceil(this.p.width / ci.dx) / ci.dy;
    }
    return Math.max(WIDE_ROWS, Math.min(PREFERRED_ROWS, Math.floor(TALL_STRIP_SAMPLES / Math.max(1, samples))));
  }

  /** Bytes per output row: strip buffers (planes, window buffers, packing) and cache rows. */
  private bytesPerRow(): { strip: number; cache: number } {
    const h = this.core.header;
    const s = this.s;
    let planes = 0;
    let bufs = 0;
    let spare = 0; // the second window buffer of the out-of-place 5/3 levels (one per tile)
    const tileW = Math.ceil(h.XTsiz / s);
    for (const i of this.p.comps) {
      const ci = h.components[i]!;
      const w = Math.ceil(this.p.width / ci.dx) + 2;
      planes += (4 * w) / ci.dy;
      const buf = (4 * Math.min(w, Math.ceil(tileW / ci.dx) + 16)) / ci.dy;
      bufs += buf;
      spare = Math.max(spare, buf);
    }
    bufs += spare;
    const out = this.p.width * this.info.components * bytesPerSampleFor(this.outType.bitDepth, this.outType.signed);
    // window buffers of one tile (released per tile), planes, packed strip in the core and its JS copy
    return { strip: planes + bufs * 1.1 + 2 * out + (this.work ? planes * 2 : 0), cache: planes };
  }

  /** Pack the strip the core just decoded into a fresh interleaved array. */
  private deliver(): Strip {
    const core = this.core;
    const c = core.c;
    const p = this.p;
    const h = core.header;
    const gy0 = core.info(StripField.gridY0);
    const gy1 = core.info(StripField.gridY1);
    const rows = gy1 - gy0;
    const W = p.width;
    const y = gy0 - p.gy0;
    if (this.work) {
      const planes = p.comps.map((i) => {
        const pl = core.plane(i);
        // rows of the strip (the plane may start `up` rows higher)
        const skip = (gy0 - pl.y0) * pl.width;
        return new Int32Array(c.memory.buffer, pl.ptr + 4 * skip, W * rows).slice();
      });
      const chans = this.work.apply(planes);
      const n = chans.length;
      const data = sampleArrayFor(this.outType.bitDepth, this.outType.signed, W * rows * n);
      for (let k = 0; k < n; k++) {
        const pl = chans[k]!;
        for (let i = 0, o = k; i < pl.length; i++, o += n) data[o] = pl[i]!;
      }
      this.target?.set(data, y * W * n);
      return { y, rows, data };
    }
    const n = p.comps.length;
    const bps = bytesPerSampleFor(this.outType.bitDepth, this.outType.signed);
    const signed = this.outType.signed ? 1 : 0;
    const total = W * rows * n;
    const proto = sampleArrayFor(this.outType.bitDepth, this.outType.signed, 0);
    if (this.packed) {
      // packed by the core while the strip's tile buffers were in the cache
      const view = viewOf(c.memory.buffer, core.info(StripField.packed), total, proto);
      if (this.target) {
        this.put(view, y, rows, W * n);
        return { y, rows, data: view };
      }
      return { y, rows, data: view.slice() as SampleArray };
    }
    const dst = core.alloc(total * bps);
    const planes = p.comps.map((i) => core.plane(i));
    if (planes.some((pl) => pl.width === 0 || pl.height === 0)) new Uint8Array(c.memory.buffer, dst, total * bps).fill(0);
    const direct = (k: number) => {
      const ci = h.components[p.comps[k]!]!;
      const pl = planes[k]!;
      return ci.dx === 1 && ci.dy === 1 && pl.width === W && pl.y0 <= gy0 && pl.y0 + pl.height >= gy1;
    };
    if (n > 1 && planes.every((_, k) => direct(k))) {
      const ptrs = core.alloc(4 * n);
      const pv = new Uint32Array(c.memory.buffer, ptrs, n);
      planes.forEach((pl, k) => (pv[k] = pl.ptr + 4 * (gy0 - pl.y0) * pl.width));
      c.packInterleaved(ptrs, n, W, W, rows, dst, W * n, bps, signed);
    } else {
      planes.forEach((pl, k) => {
        const ci = h.components[p.comps[k]!]!;
        const at = dst + k * bps;
        if (direct(k)) c.packComponent(pl.ptr + 4 * (gy0 - pl.y0) * pl.width, pl.width, W, rows, at, n, W * n, bps, signed);
        else c.packComponentUpsampled(pl.ptr, pl.width, pl.x0, pl.y0, pl.width, pl.height, ci.dx, ci.dy, p.gx0, gy0, W, rows, at, n, W * n, bps, signed);
      });
    }
    const view = viewOf(c.memory.buffer, dst, total, proto);
    if (this.target) {
      this.put(view, y, rows, W * n);
      return { y, rows, data: view };
    }
    return { y, rows, data: view.slice() as SampleArray };
  }

  /**
   * Copy a strip's `rows` rows (`rowSamples` samples each) into {@link target} at row `y`: with a
   * `rowsDone`, {@link PUT_ROWS} rows at a time, each part told when it is in place (a strip may be
   * a whole band of a threaded decode, whose calling thread copies the rows on meanwhile).
   */
  private put(view: SampleArray, y: number, rows: number, rowSamples: number): void {
    const target = this.target!;
    const told = this.rowsDone;
    if (!told || rows <= PUT_ROWS) {
      target.set(view, y * rowSamples);
      return;
    }
    for (let r = 0; r < rows; r += PUT_ROWS) {
      const e = Math.min(rows, r + PUT_ROWS);
      target.set(view.subarray(r * rowSamples, e * rowSamples), (y + r) * rowSamples);
      told(y + e);
    }
  }
}

/** Rows of a strip copied into fillInto's array between two calls of its `rowsDone`. */
const PUT_ROWS = 64;

function budgetOf(o: StripDecoderOptions): number {
  const m = o.limits?.maxMemory ?? DEFAULT_STRIP_MEMORY;
  if (!(typeof m === "number" && m > 0)) throw new J2kError("INVALID_ARGUMENT", `limits.maxMemory must be a positive number of bytes (got ${String(m)})`);
  return m;
}

/** The private instance's share of the budget (the rest is for the strips handed out and their users). */
function wasmLimit(budget: number): number {
  return Math.min(0xf000_0000, Math.floor(budget * 0.85));
}

/** Rough bytes a session's tile structures take (code-blocks ~ 200 bytes each with their pieces). */
function sessionEstimate(h: CoreHeader, p: Plan, y0: number, y1: number): number {
  const rows = Math.min(y1, Math.ceil((y1 - h.YTOsiz) / h.YTsiz) * h.YTsiz + h.YTOsiz) - Math.max(h.YOsiz, Math.floor((y0 - h.YTOsiz) / h.YTsiz) * h.YTsiz + h.YTOsiz);
  const cols = Math.min(h.Xsiz, Math.ceil((p.rx1 - h.XTOsiz) / h.XTsiz) * h.XTsiz + h.XTOsiz) - Math.max(h.XOsiz, Math.floor((p.rx0 - h.XTOsiz) / h.XTsiz) * h.XTsiz + h.XTOsiz);
  let blocks = 0;
  for (const i of p.comps) {
    const ci = h.components[i]!;
    blocks += ((cols / ci.dx) * (rows / ci.dy) * 4) / 3 / 2 ** (h.xcb + h.ycb);
  }
  return blocks * 200 + 4 * 2 ** 20;
}

/**
 * Rows of tiles [y0, y1) of the reference grid covering the region (one session each); the first
 * session holds at least `top` rows of the output grid.
 */
function tileRows(h: CoreHeader, p: Plan, top: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const s = 2 ** p.reduce;
  const first = Math.floor((p.ry0 - h.YTOsiz) / h.YTsiz);
  for (let k = first; ; k++) {
    const a = Math.max(p.ry0, h.YTOsiz + k * h.YTsiz);
    const b = Math.min(p.ry1, h.YTOsiz + (k + 1) * h.YTsiz);
    if (a >= p.ry1) break;
    if (Math.ceil(b / s) <= Math.ceil(a / s)) continue;
    // the first output rows may take their samples from a component row further down (the
    // replication clamps to the first sample, src/../codec/transform/pixel_pack.ts)
    if (out.length === 1 && Math.ceil(out[0]![1] / s) - p.gy0 < top) out[0]![1] = b;
    else out.push([a, b]);
  }
  return out;
}

/**
 * Output rows the first strip needs so that every sub-sampled component has a sample row in it:
 * at the image top, grid rows above a component's first sample take that sample (replication
 * clamps), which may lie several rows (or a row of tiles) further down.
 */
function topRows(h: CoreHeader, p: Plan, up: number): number {
  const s = 2 ** p.reduce;
  const ya = Math.max(h.YOsiz, p.ry0 - up);
  const rowOf = (y: number, dy: number) => Math.ceil(Math.ceil(y / dy) / s);
  for (let g = 1; g < p.height; g++) {
    const yb = (p.gy0 + g - 1) * s + 1;
    if (p.comps.every((i) => rowOf(yb, h.components[i]!.dy) > rowOf(ya, h.components[i]!.dy))) return g;
  }
  return p.height;
}

/** Palette expansion / channel order of a JP2 (as finishJp2 in src/decode.ts), strip by strip. */
function channelWork(jp2: Jp2File, compInfo: ComponentInfo[], options: StripDecoderOptions): ChannelWork {
  const componentDepths = compInfo.map((ci) => ({ bitDepth: ci.bitDepth, signed: ci.signed }));
  const run = (planes: Int32Array[]) => {
    const mapped = applyPalette(planes, jp2.palette, jp2.componentMapping, { indices: options.palette === "indices", componentDepths });
    const colorCount = colorChannelsOf(jp2.colorSpace) ?? mapped.planes.length;
    const ordered = orderChannels(mapped.planes, jp2.channels, Math.min(colorCount, mapped.planes.length));
    const depths = ordered.channels.map((inf, k) => mapped.depths[inf.source] ?? { bitDepth: compInfo[Math.min(k, compInfo.length - 1)]!.bitDepth, signed: false });
    return { planes: ordered.planes, depths };
  };
  // the depths do not depend on the samples: learn them from empty planes
  const probe = run(compInfo.map(() => new Int32Array(0)));
  return { depths: probe.depths, apply: (planes) => run(planes).planes };
}

function viewOf(buffer: ArrayBuffer, ptr: number, length: number, like: SampleArray): SampleArray {
  if (like instanceof Uint8Array) return new Uint8Array(buffer, ptr, length);
  if (like instanceof Uint16Array) return new Uint16Array(buffer, ptr, length);
  if (like instanceof Int16Array) return new Int16Array(buffer, ptr, length);
  return new Int32Array(buffer, ptr, length);
}

/** Geometry {@link estimateStripMemory} needs (a subset of `HeaderInfo`). */
export interface StripGeometry {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  codeBlockWidth: number;
  codeBlockHeight: number;
  componentInfo: Array<{ dx: number; dy: number }>;
}

/**
 * Memory (bytes, everything: codestream, tile structures of one row of tiles, strip buffers, the
 * JavaScript side) a strip decode of an image of this geometry needs with strips of `rows` rows at
 * `reduce`: what a scheduler reserves before starting it. An estimate (the core's limit decides;
 * strips get shorter when it is hit).
 */
export function estimateStripMemory(g: StripGeometry, codestreamBytes: number, o: { reduce?: number; rows: number }): number {
  const s = 2 ** (o.reduce ?? 0);
  const W = Math.ceil(g.width / s);
  const rows = Math.max(1, Math.min(o.rows, Math.ceil(Math.min(g.tileHeight, g.height) / s)));
  let perRow = 0, cache = 0, blocks = 0, spare = 0;
  for (const c of g.componentInfo) {
    const w = Math.ceil(W / c.dx) + 2;
    const tw = Math.min(w, Math.ceil(g.tileWidth / s / c.dx) + 16);
    perRow += (4 * w + 4.4 * tw + 2 * w) / c.dy;
    spare = Math.max(spare, (4.4 * tw) / c.dy); // second window buffer of the out-of-place 5/3 levels
    cache += (4 * w) / c.dy;
    blocks += ((g.width / c.dx) * (Math.min(g.tileHeight, g.height) / c.dy) * 4) / 3 / (g.codeBlockWidth * g.codeBlockHeight);
  }
  const strips = rows < Math.ceil(Math.min(g.tileHeight, g.height) / s) ? cache * 6 * g.codeBlockHeight : 0;
  const wasm = codestreamBytes + blocks * 200 + 4 * 2 ** 20 + rows * (perRow + spare) + strips;
  return Math.ceil(wasm / 0.85 + 24 * 2 ** 20);
}
