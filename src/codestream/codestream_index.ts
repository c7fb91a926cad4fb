/**
 * The codestream index: where every tile-part and every packet of a JPEG 2000 codestream lies,
 * built from as few bytes as possible — the main header, TLM when present and consistent, the
 * tile-part headers (SOT, PLT, PPT, COD/COC/POC) and, where no PLT/PLM gives packet lengths, the
 * packet headers themselves. One index serves three users: byte-range decoding (`openImage`,
 * {@link planDecode} + {@link assembleCodestream}), JPIP data-bins (precinct identifiers via
 * {@link precinctSequence}) and strip decoding in the migration tool.
 *
 * Everything is read lazily through a {@link ByteSource}; offsets are file offsets. Damaged index
 * markers are not trusted: TLM is checked against the codestream length and against each SOT the
 * index reads (a mismatch drops it, with a warning, for the SOT chain); PLT/PLM lengths must add up
 * to each tile-part's data (else the packet headers are read). Structural damage (SOT, packet
 * headers, lengths past the end) is a J2kError with the offset.
 * @module
 */
import { J2kError } from "../errors.js";
import { M, NeedMoreBytes, be16, be32, concatByZ, readMainHeader, readPacketLengths, readTilePartHeader, type MainHeader, type TilePartHeader } from "./markers.js";
import { tileCodeBlockCount, tileGeometry, type TileGeom } from "./geometry.js";
import { packetOrder, type PacketOrder } from "./progression.js";
import { BitReader, HeaderNeedsMore, PrecinctState, readPacketHeader } from "./packet_header.js";
import { TlmMismatch, type ByteRange, type ByteSource } from "./source.js";


/** A tile-part as the index knows it. Offsets are file offsets. */
export interface TilePartInfo {
  /** Position of the tile-part in the codestream (0 = first). */
  index: number;
  tile: number;
  /** TPsot: index of the tile-part within its tile. */
  part: number;
  /** TNsot: number of tile-parts of the tile (0 = not given). */
  parts: number;
  /** Offset of the SOT marker. */
  offset: number;
  /** Bytes from SOT to the end of the tile-part (Psot, or the rest of the codestream when Psot = 0). */
  length: number;
  /** Bytes from SOT through SOD (known once the header was read). */
  headerLength?: number;
  /** The codestream ends before this tile-part does (its length was cut to what is there). */
  truncated?: boolean;
}

/** Where the packets of one tile are (see {@link CodestreamIndex.packets}). */
export interface TilePackets {
  tile: number;
  /** The tile's packets in codestream order (its progression with POC applied): parallel arrays. */
  order: PacketOrder;
  /** Packets located so far: a prefix `[0, located)` of the order. */
  located: number;
  /**
   * Packets present in the codestream. Equals `order.count` unless the tile's data ends early (an
   * encoder may leave out trailing empty packets; decoders then take them as empty).
   */
  present: number;
  /** How the lengths were found: PLT/PLM marker segments, or by reading the packet headers. */
  source: "PLT" | "PLM" | "headers";
  /** File ranges of packet k as it lies in the bit stream (SOP, header unless packed, body); usually one. */
  ranges(k: number): ByteRange[];
  /** Bytes of packet k in the bit stream. */
  dataLength(k: number): number;
  /** Packet header bytes of packet k kept in PPM/PPT (undefined when headers are in the bit stream). */
  packedHeader(k: number): Uint8Array | undefined;
  /** Bytes of the SOP marker segment at the start of packet k (0 or 6; only tracked with packed headers). */
  sopLength(k: number): number;
  /** The tile's geometry and coding parameters. */
  geometry: TileGeom;
  /**
   * The tile's tile-parts whose headers were read: all of them, or (`partial`) the first ones,
   * enough to hold the packets located so far.
   */
  parts: TilePartInfo[];
  /**
   * True when later tile-parts of the tile exist whose headers were not read (their packets are
   * not located yet): see "Tile-part headers read as needed" in {@link CodestreamIndex}.
   */
  partial: boolean;
  /** Which of `parts` holds the first byte of located packet k. */
  partOf(k: number): number;
  /**
   * Precincts whose PLT/PLM lengths were already checked against their packet headers (verify.ts),
   * kept with the tile's index so the check runs once per precinct: key (component · 64 +
   * resolution) · 2^32 + precinct → number of layers checked (layers 0..n-1).
   */
  checkedLayers?: Map<number, number>;
}


interface PartRecord extends TilePartInfo {
  header?: TilePartHeader;
  headerBytes?: Uint8Array;
}

const MAIN_HEADER_LIMIT = 2 ** 28;
/** Bytes read at each SOT while following the SOT chain. */
const WALK_READ = 8192;
const TILE_HEADER_LIMIT = 2 ** 28;

/** Options of {@link CodestreamIndex.open}. */
export interface IndexOpenOptions {
  /** File offset of the codestream (SOC); default 0. */
  offset?: number;
  /** Bytes of the codestream; default: to the end of the source. */
  length?: number;
  /** Bytes the caller already holds from `offset` on (saves a read). */
  prefix?: Uint8Array;
  /** Bytes read at a time while walking packet headers (default 16 KiB, growing while reads are sequential). */
  walkChunk?: number;
  /** Use PLT/PLM packet lengths when they are consistent (default true); false reads packet headers. */
  packetLengthMarkers?: boolean;
}

/**
 * The codestream index (see the module description).
 *
 * Tile-part headers read as needed: with TLM (every tile-part's place known without reading it) and
 * PLT in a tile's first tile-part header, the later tile-parts' headers are read only when packets
 * in them are asked for. A reduced resolution of a file with tile-parts by resolution then reads the
 * headers of the tile-parts it decodes and no others — in a file whose tile-parts are interleaved
 * across tiles those others lie all over the file. What a later tile-part header may hold that
 * changes earlier packets is excluded when it is read: COD/COC/QCD/QCC/RGN are first-tile-part
 * only (A.4.2, Table A.2), and a later header holding POC or PPT, or lacking PLT, makes the index
 * read all of the tile's headers and start the tile again. (A POC in a tile-part header describes
 * the progressions of that tile-part and the following ones: the packets before it were placed
 * without it.)
 */
export class CodestreamIndex {
  /** Non-fatal findings: ignored TLM/PLT/PLM, truncation. */
  readonly warnings: string[] = [];
  private parts: PartRecord[] = [];
  /** `parts` by tile (each in order) and by offset (kept with `parts`). */
  private partsByTile = new Map<number, PartRecord[]>();
  private partsByOffset = new Map<number, PartRecord>();
  /** Geometry of tiles from the main header alone (see {@link nominalGeometry}). */
  private nominal = new Map<number, TileGeom>();
  private walkPos: number;
  private walkDone = false;
  private tlmInUse = false;
  private tiles = new Map<number, Promise<TileIndex>>();
  private lock: Promise<unknown> = Promise.resolve();
  private eocChecked: boolean | undefined;
  private distrustTNsot = false;
  /** The SOT chain showed the codestream to be cut short (a tile-part past the end). */
  truncated = false;
  private distrusted = new Set<number>();
  /** Tiles whose later tile-part headers broke the rules of reading them as needed: read all at once. */
  private allHeaders = new Set<number>();

  private constructor(
    readonly source: ByteSource,
    /** The main header (SIZ, COD, COC, POC, TLM, PLM, PPM, marker list). */
    readonly main: MainHeader,
    /** File offset of one past the codestream's last byte. */
    readonly codestreamEnd: number,
    private readonly walkChunk: number,
    /** @internal */
    readonly useLengthMarkers: boolean,
  ) {
    this.walkPos = main.end;
  }

  /** Read the main header and TLM from `source`. */
  static async open(source: ByteSource, options: IndexOpenOptions = {}): Promise<CodestreamIndex> {
    const offset = options.offset ?? 0;
    const end = options.length !== undefined ? offset + options.length : source.size;
    if (!(offset >= 0 && end <= source.size && offset < end)) {
      throw new J2kError("INVALID_ARGUMENT", `codestream range [${offset}, ${end}) is outside the ${source.size}-byte source`);
    }
    let bytes = options.prefix ?? (await source.read(offset, Math.min(16384, end - offset)));
    let main: MainHeader;
    for (;;) {
      try {
        main = readMainHeader(bytes, offset);
        break;
      } catch (e) {
        if (!(e instanceof NeedMoreBytes)) throw e;
        if (bytes.length >= end - offset) throw new J2kError("MAIN_HEADER_TRUNCATED", "the codestream ends inside its main header; the file is truncated", { offset: offset + bytes.length });
        const want = Math.min(end - offset, Math.max(e.needed, bytes.length * 2));
        if (want > MAIN_HEADER_LIMIT) throw new J2kError("LIMIT_MEMORY", `the main header is larger than ${MAIN_HEADER_LIMIT} bytes`, { offset });
        bytes = await source.read(offset, want);
      }
    }
    const index = new CodestreamIndex(source, main, end, options.walkChunk ?? 16384, options.packetLengthMarkers ?? true);
    index.useTlm();
    return index;
  }

  /** SIZ of the codestream. */
  get siz() {
    return this.main.siz;
  }

  /** File offset of SOC. */
  get codestreamOffset(): number {
    return this.main.offset;
  }

  /** The main header's bytes: SOC up to the first SOT. */
  get mainHeaderRange(): ByteRange {
    return { offset: this.main.offset, length: this.main.end - this.main.offset };
  }

  /** Whether tile-parts were located from TLM (`"TLM"`) or by following the SOT chain (`"SOT"`). */
  get tilePartSource(): "TLM" | "SOT" {
    return this.tlmInUse ? "TLM" : "SOT";
  }

  /**
   * Whether later tile-part headers are read only when their packets are asked for (TLM in use,
   * PLT trusted, no PPM; see the class description). Tiles may still fall back to reading all.
   */
  get readsHeadersAsNeeded(): boolean {
    return this.tlmInUse && this.useLengthMarkers && !this.main.ppm;
  }

  /** Take the tile-part table from TLM when it is complete and consistent with the codestream length. */
  private useTlm(): void {
    const segs = this.main.tlm;
    if (segs.length === 0) return;
    const problem = segs.find((s) => s.problem)?.problem;
    const reject = (why: string): void => {
      this.warnings.push(`TLM marker segment ignored (${why}); tile-parts are located from their SOT markers`);
    };
    if (problem) return reject(problem);
    const tiles = segs.flatMap((s) => s.tiles);
    const lengths = segs.flatMap((s) => s.lengths);
    const siz = this.main.siz;
    if (lengths.length === 0) return reject("no entries");
    const implicit = tiles[0] === -1;
    if (implicit && lengths.length !== siz.numTiles) return reject(`${lengths.length} entries without tile indices for ${siz.numTiles} tiles`);
    const parts: PartRecord[] = [];
    const seen = new Map<number, number>();
    let pos = this.main.end;
    for (let i = 0; i < lengths.length; i++) {
      const tile = implicit ? i : tiles[i]!;
      const length = lengths[i]!;
      if (tile >= siz.numTiles) return reject(`entry ${i} names tile ${tile} of ${siz.numTiles}`);
      if (length < 14) return reject(`entry ${i} gives a tile-part length of ${length}`);
      const k = seen.get(tile) ?? 0;
      seen.set(tile, k + 1);
      parts.push({ index: i, tile, part: k, parts: 0, offset: pos, length });
      pos += length;
    }
    const end = this.codestreamEnd;
    if (pos !== end && pos !== end - 2) return reject(`its tile-parts end at byte ${pos}, the codestream at byte ${end}`);
    for (const p of parts) p.parts = seen.get(p.tile)!;
    this.setParts(parts);
    this.walkDone = true;
    this.tlmInUse = true;
  }

  /** Forget TLM after a mismatch with an SOT and locate tile-parts from the SOT chain. */
  dropTlm(reason: string): void {
    if (!this.tlmInUse) return;
    this.warnings.push(`TLM marker segment ignored (${reason}); tile-parts are located from their SOT markers`);
    this.tlmInUse = false;
    this.setParts([]);
    this.walkDone = false;
    this.walkPos = this.main.end;
    this.tiles.clear();
  }

  /** Run `fn` exclusively (index state changes are serialised). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Run `fn`, and once more without TLM if TLM proved wrong. */
  async withTlmFallback<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof TlmMismatch && this.tlmInUse) {
        this.dropTlm(e.reason);
        return fn();
      }
      throw e;
    }
  }

  /** Is the last marker of the codestream EOC? (read once, lazily) */
  private async endsWithEoc(): Promise<boolean> {
    if (this.eocChecked === undefined) {
      const e = this.codestreamEnd;
      if (e - 2 < this.main.end) this.eocChecked = false;
      else {
        const b = await this.source.read(e - 2, 2);
        this.eocChecked = b.length === 2 && be16(b, 0) === M.EOC;
      }
    }
    return this.eocChecked;
  }

  /** Follow the SOT chain (A.4.2) until `stop()` or the end; mirrors the core's tile-part scan. */
  private walk(stop: () => boolean): Promise<void> {
    return this.exclusive(async () => {
      const siz = this.main.siz;
      const end = this.codestreamEnd;
      if (this.walkDone) return;
      const count = new Map<number, number>();
      for (const [t, ps] of this.partsByTile) count.set(t, ps.length);
      while (!this.walkDone && !stop()) {
        const pos = this.walkPos;
        if (pos + 2 > end) {
          this.finishWalk(false);
          break;
        }
        // more than the 12 bytes of SOT: the tile-part header comes along (and small tile-parts chain within one read)
        const b = await this.source.read(pos, Math.min(WALK_READ, end - pos));
        const m = b.length >= 2 ? be16(b, 0) : 0;
        if (m === M.EOC) {
          this.walkDone = true;
          break;
        }
        if (m !== M.SOT) {
          if (this.parts.length === 0) throw new J2kError("BAD_SOT", `expected an SOT marker (FF90) after the main header, found 0x${m.toString(16)}`, { offset: pos });
          // bytes after the last tile-part that are not SOT/EOC: the last tile-part runs to the end (as the core reads it)
          const last = this.parts[this.parts.length - 1]!;
          const stopAt = end - ((await this.endsWithEoc()) ? 2 : 0);
          if (stopAt > last.offset + last.length) last.length = stopAt - last.offset;
          this.walkDone = true;
          break;
        }
        if (b.length < 12) {
          this.finishWalk(true);
          break;
        }
        const Lsot = be16(b, 2);
        const tile = be16(b, 4);
        const Psot = be32(b, 6);
        const TPsot = b[10]!;
        const TNsot = b[11]!;
        if (Lsot !== 10) throw new J2kError("BAD_SOT", `invalid SOT marker segment (Lsot ${Lsot})`, { offset: pos });
        if (tile >= siz.numTiles) throw new J2kError("BAD_SOT", `invalid SOT marker segment (tile index ${tile}, the image has ${siz.numTiles} tiles)`, { offset: pos });
        let length: number;
        let cut = false;
        if (Psot === 0) {
          length = end - ((await this.endsWithEoc()) ? 2 : 0) - pos;
        } else {
          if (Psot < 14) throw new J2kError("BAD_SOT", `invalid SOT marker segment (tile-part length ${Psot})`, { offset: pos });
          length = Psot;
          if (pos + Psot > end) {
            length = end - pos;
            cut = true;
            this.truncated = true;
            this.warnings.push(`tile-part at byte ${pos} declares ${Psot} bytes but the codestream ends after ${end - pos}: the file is truncated`);
          }
        }
        const k = count.get(tile) ?? 0;
        if (TPsot !== k) throw new J2kError("BAD_SOT", `invalid SOT marker segment (tile ${tile}: tile-part ${TPsot} where ${k} was expected)`, { offset: pos });
        count.set(tile, k + 1);
        this.addPart({ index: this.parts.length, tile, part: TPsot, parts: TNsot, offset: pos, length, ...(cut ? { truncated: true } : {}) });
        this.walkPos = pos + length;
        if (Psot === 0 || pos + Psot >= end) this.finishWalk(false);
      }
    });
  }

  private setParts(parts: PartRecord[]): void {
    this.parts = [];
    this.partsByTile.clear();
    this.partsByOffset.clear();
    for (const p of parts) this.addPart(p);
  }

  private addPart(p: PartRecord): void {
    this.parts.push(p);
    let list = this.partsByTile.get(p.tile);
    if (!list) this.partsByTile.set(p.tile, (list = []));
    list.push(p);
    this.partsByOffset.set(p.offset, p);
  }

  /** The tile's tile-parts known so far (the array itself: do not change it). */
  private partsOfTile(t: number): PartRecord[] {
    return this.partsByTile.get(t) ?? [];
  }

  private finishWalk(truncated: boolean): void {
    if (truncated) {
      this.truncated = true;
      this.warnings.push("the codestream ends inside a tile-part header: the file is truncated");
    }
    if (this.parts.length === 0) throw new J2kError("NO_TILE_DATA", "the codestream contains no tile data (no SOT marker after the main header)", { offset: this.main.end });
    this.walkDone = true;
  }

  /** Is every tile-part of tile `t` known? (TNsot is trusted until {@link completeWalk}.) */
  private tileComplete(t: number): boolean {
    if (this.walkDone) return true;
    if (this.distrustTNsot) return false;
    const mine = this.partsOfTile(t);
    return mine.length > 0 && mine[0]!.parts !== 0 && mine.length >= mine[0]!.parts;
  }

  /** True when every tile-part is known (TLM, or the SOT chain was followed to the end). */
  get complete(): boolean {
    return this.walkDone;
  }

  /**
   * Follow the SOT chain to the end and forget the tiles built so far. For files whose TNsot
   * undercounts their tile-parts: a decode that finds a tile ending early calls this and retries.
   * Returns false when there was nothing left to find.
   */
  async completeWalk(): Promise<boolean> {
    if (this.walkDone) return false;
    this.distrustTNsot = true;
    await this.walk(() => false);
    this.tiles.clear();
    return true;
  }

  /** All tile-parts in codestream order (follows the whole SOT chain when there is no TLM). */
  async allTileParts(): Promise<TilePartInfo[]> {
    await this.walk(() => false);
    return this.parts.map(publicPart);
  }

  /** The tile-parts of tile `t` in order (follows the SOT chain only as far as needed). */
  async tileParts(t: number): Promise<TilePartInfo[]> {
    this.checkTile(t);
    await this.walk(() => this.tileComplete(t));
    return this.partsOfTile(t).map(publicPart);
  }

  /** Tile-parts of several tiles (one walk). */
  async tilePartsOf(tiles: readonly number[]): Promise<Map<number, TilePartInfo[]>> {
    for (const t of tiles) this.checkTile(t);
    await this.walk(() => tiles.every((t) => this.tileComplete(t)));
    const out = new Map<number, TilePartInfo[]>();
    for (const t of tiles) out.set(t, this.partsOfTile(t).map(publicPart));
    return out;
  }

  private checkTile(t: number): void {
    if (!Number.isInteger(t) || t < 0 || t >= this.main.siz.numTiles) {
      throw new J2kError("INVALID_ARGUMENT", `tile ${String(t)} is out of range (the image has ${this.main.siz.numTiles} tiles)`);
    }
  }

  /** Read (once) the headers of tile `t`'s tile-parts. */
  private async readHeaders(t: number): Promise<PartRecord[]> {
    await this.walk(() => this.tileComplete(t));
    const mine = [...this.partsOfTile(t)];
    await Promise.all(mine.map((p) => this.readHeader(p)));
    return mine;
  }

  /** @internal Read (once) the header of tile-part `p`. */
  async readHeader(p: PartRecord): Promise<void> {
    if (p.header) return;
    let want = Math.min(p.length, 4096);
    for (;;) {
      const b = await this.source.read(p.offset, want);
      try {
        const h = readTilePartHeader(b, p.offset, this.main.siz, this.main.global, p.length);
        if (this.tlmInUse) {
          if (h.tile !== p.tile || h.TPsot !== p.part || (h.Psot !== 0 && h.Psot !== p.length) || (h.Psot === 0 && p.index !== this.parts.length - 1)) {
            throw new TlmMismatch(`TLM entry ${p.index} (tile ${p.tile}, ${p.length} bytes at ${p.offset}) disagrees with the SOT there (tile ${h.tile}, Psot ${h.Psot})`);
          }
        }
        if (h.length > p.length) throw new J2kError("TILE_HEADER_BAD_MARKER", "tile-part header runs past the end of its tile-part", { offset: p.offset });
        p.header = h;
        p.headerLength = h.length;
        p.headerBytes = b.slice(0, h.length);
        return;
      } catch (e) {
        if (e instanceof J2kError && this.tlmInUse && e.code === "BAD_SOT") throw new TlmMismatch(`TLM entry ${p.index} points at byte ${p.offset}, where there is no valid SOT (${e.message})`);
        if (!(e instanceof NeedMoreBytes)) throw e;
        if (b.length < want || want >= p.length) {
          throw new J2kError("TILE_HEADER_TRUNCATED", "the codestream ends inside a tile-part header; the file is truncated", { offset: p.offset + b.length });
        }
        want = Math.min(p.length, Math.max(e.needed, want * 4));
        if (want > TILE_HEADER_LIMIT) throw new J2kError("LIMIT_MEMORY", `a tile-part header is larger than ${TILE_HEADER_LIMIT} bytes`, { offset: p.offset });
      }
    }
  }

  /** Header bytes (SOT through SOD) of a tile-part whose header was read. */
  headerBytes(part: TilePartInfo): Uint8Array | undefined {
    return this.partsByOffset.get(part.offset)?.headerBytes;
  }

  /** Parsed header of a tile-part whose header was read. */
  header(part: TilePartInfo): TilePartHeader | undefined {
    return this.partsByOffset.get(part.offset)?.header;
  }

  /** Coding parameters and geometry of tile `t` from the main header alone (no reads). */
  nominalGeometry(t: number): TileGeom {
    this.checkTile(t);
    let g = this.nominal.get(t);
    if (!g) {
      g = tileGeometry(this.main, t, []);
      // (a few thousand tiles' worth: planning asks for each tile it meets several times)
      if (this.nominal.size >= 4096) this.nominal.clear();
      this.nominal.set(t, g);
    }
    return g;
  }

  /** Coding parameters and geometry of tile `t` (all its tile-part headers are read). */
  async geometry(t: number): Promise<TileGeom> {
    return (await this.completeTile(t)).geom;
  }

  /** The tile's index with every tile-part header read. */
  private async completeTile(t: number): Promise<TileIndex> {
    const ti = await this.tileIndex(t);
    try {
      await ti.readAllHeaders();
      return ti;
    } catch (e) {
      if (!(e instanceof HeadersBreakRules)) throw e;
      return this.restartTile(t, ti);
    }
  }

  /** Build tile `t` again with all its tile-part headers read at once. */
  private async restartTile(t: number, old: TileIndex): Promise<TileIndex> {
    this.allHeaders.add(t);
    const cur = this.tiles.get(t);
    if (cur) {
      // (a concurrent caller may have restarted it already)
      const c = await cur.catch(() => undefined);
      if (c && c !== old) return c;
    }
    this.tiles.delete(t);
    return this.tileIndex(t);
  }

  private tileIndex(t: number): Promise<TileIndex> {
    this.checkTile(t);
    let p = this.tiles.get(t);
    if (!p) {
      p = (async () => {
        const useMarkers = this.useLengthMarkers && !this.distrusted.has(t);
        if (useMarkers && this.tlmInUse && !this.main.ppm && !this.allHeaders.has(t)) {
          await this.walk(() => this.tileComplete(t));
          const mine = [...this.partsOfTile(t)];
          if (mine.length > 1) {
            await this.readHeader(mine[0]!);
            if (headerLengths(mine[0]!, true) !== undefined) return new TileIndex(this, t, mine, undefined, true, 1);
          }
        }
        const parts = await this.readHeaders(t);
        let packed: Uint8Array | undefined;
        if (this.main.ppm) packed = await this.ppmOf(t);
        return new TileIndex(this, t, parts, packed, useMarkers, parts.length);
      })();
      this.tiles.set(t, p);
      p.catch(() => this.tiles.delete(t));
    }
    return p;
  }

  /** PPM (A.7.4): Nppm + Ippm for every tile-part in codestream order; this tile's share concatenated. */
  private async ppmOf(t: number): Promise<Uint8Array> {
    await this.walk(() => false);
    const ppm = this.main.ppm!;
    const chunks: Uint8Array[] = [];
    let pos = 0;
    for (const p of this.parts) {
      if (pos + 4 > ppm.length) throw new J2kError("BAD_PPM", "invalid PPM marker segment (packed packet headers inconsistent with the tile-parts)", { offset: p.offset });
      const N = be32(ppm, pos);
      pos += 4;
      if (pos + N > ppm.length) throw new J2kError("BAD_PPM", "invalid PPM marker segment (packed packet headers inconsistent with the tile-parts)", { offset: p.offset });
      if (p.tile === t) chunks.push(ppm.subarray(pos, pos + N));
      pos += N;
    }
    return concatByZ(chunks.map((bytes, z) => ({ z, bytes })));
  }

  /**
   * Where the packets of tile `t` are, located at least up to packet `upTo` (exclusive) of the
   * tile's order. Uses PLT/PLM when they add up; otherwise reads packet headers (through the
   * source, a chunk at a time). `needed` (1 per packet, optional) tells the header walk which
   * bodies will be read anyway: it reads ahead through those and jumps over the others.
   */
  async packets(t: number, upTo = Infinity, needed?: Uint8Array): Promise<TilePackets> {
    let ti = await this.tileIndex(t);
    try {
      await ti.locate(Math.min(upTo, ti.order.count), needed);
    } catch (e) {
      if (!(e instanceof HeadersBreakRules)) throw e;
      // the packet order may differ now: callers compare `order` with the one they planned with
      ti = await this.restartTile(t, ti);
      await ti.locate(Math.min(upTo, ti.order.count), needed);
    }
    return ti.view();
  }

  /**
   * Stop using PLT/PLM for tile `t` (its lengths disagree with the packet headers): the tile's
   * packets are located again by reading their headers.
   */
  distrustLengthMarkers(t: number, why: string): void {
    if (this.distrusted.has(t)) return;
    this.distrusted.add(t);
    this.tiles.delete(t);
    this.warnings.push(`PLT/PLM lengths of tile ${t} ignored (${why}); its packet headers are read instead`);
  }

  /** PLM lengths of tile-part `index` (codestream order), if the main header has PLM. */
  plmOf(index: number): Uint8Array | undefined {
    return this.main.plm?.[index];
  }

  /** Make sure every tile-part is known (needed before PLM chunks can be matched to tile-parts). */
  async locateAll(): Promise<void> {
    await this.walk(() => false);
  }

  /** @internal */
  get walkChunkSize(): number {
    return this.walkChunk;
  }
}

function publicPart(p: PartRecord): TilePartInfo {
  const out: TilePartInfo = { index: p.index, tile: p.tile, part: p.part, parts: p.parts, offset: p.offset, length: p.length };
  if (p.headerLength !== undefined) out.headerLength = p.headerLength;
  if (p.truncated) out.truncated = true;
  return out;
}

/** A later tile-part header holds what must be known before the tile's earlier packets (see {@link CodestreamIndex}). */
class HeadersBreakRules extends Error {}

/**
 * PLT packet lengths of tile-part `p` (header read) when they can be used while later tile-parts'
 * headers are unread: PLT present and adding up to the tile-part's data, no POC or PPT — and for a
 * later tile-part (`first` false) nothing but PLT and COM. Undefined otherwise.
 */
function headerLengths(p: PartRecord, first: boolean): number[] | undefined {
  const h = p.header!;
  if (h.plt.length === 0 || h.poc.length > 0 || h.ppt.length > 0) return undefined;
  if (!first && h.segments.some((s) => s.marker !== M.SOT && s.marker !== M.SOD && s.marker !== M.PLT && s.marker !== M.COM)) return undefined;
  const r = readPacketLengths(concatByZ(h.plt));
  if (r.problem) return undefined;
  let sum = 0;
  for (const l of r.lengths) sum += l;
  return sum === p.length - p.headerLength! ? r.lengths : undefined;
}

/** Bytes read at a packet header reached by jumping over a body nobody wants (headers are short). */
const JUMP_WINDOW = 4096;
/** Packets shorter than this on average are read through rather than jumped over (about the bytes one request costs). */
const READ_THROUGH = 256 * 1024;

/** Most code-blocks a tile may declare (as src/decode.ts MAX_CODEBLOCKS_PER_TILE). */
const MAX_CODEBLOCKS_PER_TILE = 2 ** 23;

/** Packet locations of one tile, filled lazily. */
class TileIndex {
  readonly geom: TileGeom;
  readonly order: PacketOrder;
  /** Virtual offset of each part's data in the tile's concatenated data, and the total (of the parts known). */
  private readonly dataStart: number[] = [];
  private dataLen: number;
  private readonly pos: Float64Array;
  private readonly len: Float64Array;
  /** Tile-parts whose headers are read (a prefix of `parts`; all unless read as needed). */
  private known: number;
  private readonly hdrPos?: Float64Array;
  private readonly hdrLen?: Uint32Array;
  private readonly sop?: Uint8Array;
  located = 0;
  present: number;
  ended = false;
  source: "PLT" | "PLM" | "headers" = "headers";
  // walking state
  private vpos = 0;
  private hpos = 0;
  private states = new Map<number, PrecinctState>();
  private win: { start: number; bytes: Uint8Array } | undefined;
  private chunk: number;
  private readAhead = true;
  /** Running mean of packet lengths (bytes), -1 before the first. */
  private avgPacket = -1;
  private busy: Promise<unknown> = Promise.resolve();
  /** See {@link TilePackets.checkedLayers} (dropped with the record when its markers are distrusted). */
  private readonly checkedLayers = new Map<number, number>();

  constructor(
    private readonly index: CodestreamIndex,
    readonly tile: number,
    private readonly parts: PartRecord[],
    /** PPM share or PPT contents (packed packet headers), if any. */
    private readonly packed: Uint8Array | undefined,
    useMarkers: boolean,
    /** Parts whose headers were read: all, or (read as needed: first-part PLT checked by the caller) fewer. */
    known: number,
  ) {
    this.known = known;
    const headers = parts.slice(0, known).map((p) => p.header!);
    this.geom = headers.some((h) => h.cod || h.coc.length > 0 || h.poc.length > 0) ? tileGeometry(index.main, tile, headers) : index.nominalGeometry(tile);
    const blocks = tileCodeBlockCount(this.geom);
    if (blocks > MAX_CODEBLOCKS_PER_TILE) throw new J2kError("LIMIT_CODEBLOCKS", `tile ${tile} needs ${blocks} code-blocks, above the limit (${MAX_CODEBLOCKS_PER_TILE})`);
    this.order = packetOrder(this.geom);
    let v = 0;
    for (const p of parts.slice(0, known)) {
      this.dataStart.push(v);
      v += p.length - p.headerLength!;
    }
    this.dataLen = v;
    if (!this.packed) {
      const ppt = parts.slice(0, known).flatMap((p) => p.header!.ppt);
      if (ppt.length > 0) this.packed = concatByZ(ppt);
    }
    const n = this.order.count;
    this.pos = new Float64Array(n);
    this.len = new Float64Array(n);
    if (this.packed) {
      this.hdrPos = new Float64Array(n);
      this.hdrLen = new Uint32Array(n);
      this.sop = new Uint8Array(n);
    }
    this.present = n;
    this.chunk = index.walkChunkSize;
    if (parts.length === 0) {
      this.located = n;
      this.present = 0;
      this.ended = true;
    } else if (known < parts.length) {
      this.source = "PLT";
      this.addLengths(headerLengths(parts[0]!, true)!);
    } else if (useMarkers) {
      this.tryMarkerLengths();
    }
  }

  /** Whether later tile-parts' headers are still unread. */
  get partial(): boolean {
    return this.known < this.parts.length;
  }

  /** Packets of the next known tile-part, by its PLT lengths (read as needed). */
  private addLengths(lengths: number[]): void {
    if (this.located + lengths.length > this.order.count) throw new HeadersBreakRules();
    let v = this.located > 0 ? this.pos[this.located - 1]! + this.len[this.located - 1]! : 0;
    for (const l of lengths) {
      this.pos[this.located] = v;
      this.len[this.located] = l;
      v += l;
      this.located++;
    }
    if (!this.partial) {
      // every tile-part known: the packets not located are absent (read as empty, as the core does)
      if (this.located < this.order.count) this.end(this.located);
    }
  }

  /** Read the header of the next tile-part (read as needed); a header breaking the rules throws HeadersBreakRules. */
  private async readNextHeader(): Promise<void> {
    const p = this.parts[this.known]!;
    await this.index.readHeader(p);
    const lengths = headerLengths(p, false);
    if (!lengths) throw new HeadersBreakRules();
    this.dataStart.push(this.dataLen);
    this.dataLen += p.length - p.headerLength!;
    this.known++;
    this.addLengths(lengths);
  }

  /** Read every remaining tile-part header (serialised with locate). */
  readAllHeaders(): Promise<void> {
    const run = this.busy.then(async () => {
      while (this.partial) await this.readNextHeader();
    });
    this.busy = run.catch(() => undefined);
    return run;
  }

  /**
   * Use PLT (or PLM) when the lengths add up to the tile's packet data. They are matched against
   * the tile as a whole: some writers (ERDAS) put the PLT of all tile-parts in the first one.
   */
  private tryMarkerLengths(): void {
    const main = this.index.main;
    const all: number[] = [];
    let kind: "PLT" | "PLM" | undefined;
    let missing = false;
    for (const p of this.parts) {
      let bytes: Uint8Array | undefined;
      if (p.header!.plt.length > 0) {
        bytes = concatByZ(p.header!.plt);
        kind ??= "PLT";
      } else if (main.plm) {
        bytes = this.index.plmOf(p.index);
        if (bytes) kind ??= "PLM";
      }
      if (!bytes) {
        if (p.length - p.headerLength! > 0) missing = true;
        continue;
      }
      const r = readPacketLengths(bytes);
      if (r.problem) return this.reject(kind ?? "PLT", r.problem);
      all.push(...r.lengths);
    }
    if (!kind) return;
    const sum = all.reduce((a, b) => a + b, 0);
    if (sum !== this.dataLen) {
      return this.reject(kind, `tile ${this.tile} holds ${this.dataLen} bytes of packets, its ${kind} lengths add up to ${sum}${missing ? " (some tile-parts have none)" : ""}`);
    }
    if (all.length > this.order.count) return this.reject(kind, `${all.length} lengths for ${this.order.count} packets in tile ${this.tile}`);
    if (this.packed) {
      // the bit stream holds SOP + body only; the headers still give the SOP / body split
      if (!this.parsePacked(all)) return;
    } else {
      let v = 0;
      for (let k = 0; k < all.length; k++) {
        this.pos[k] = v;
        this.len[k] = all[k]!;
        v += all[k]!;
      }
    }
    this.located = this.order.count;
    this.present = all.length;
    this.ended = all.length < this.order.count;
    this.source = kind;
  }

  private reject(kind: string, why: string): void {
    this.index.warnings.push(`${kind} marker segments of tile ${this.tile} ignored (${why}); its packet headers are read instead`);
  }

  /** With packed headers and marker lengths: read the packed headers for the SOP/header/body split. */
  private parsePacked(lengths: number[]): boolean {
    let v = 0;
    for (let k = 0; k < lengths.length; k++) {
      const h = this.readPackedHeader(k);
      if (!h) {
        this.reject("PLT", `packed headers end before packet ${k}`);
        return false;
      }
      const sopLen = lengths[k]! - h.body;
      if (sopLen !== 0 && sopLen !== 6) {
        this.reject("PLT", `packet ${k} of tile ${this.tile}: length ${lengths[k]} does not match its header (body ${h.body})`);
        this.resetWalk();
        return false;
      }
      this.pos[k] = v;
      this.len[k] = lengths[k]!;
      this.sop![k] = sopLen;
      v += lengths[k]!;
    }
    return true;
  }

  private resetWalk(): void {
    this.states.clear();
    this.hpos = 0;
    this.vpos = 0;
  }

  private state(k: number): PrecinctState {
    const o = this.order;
    const c = o.component[k]!, r = o.resolution[k]!, p = o.precinct[k]!;
    const key = (c * 64 + r) * 0x1000000 + p;
    let s = this.states.get(key);
    if (!s) {
      s = new PrecinctState(this.geom.comps[c]!.res[r]!, p);
      this.states.set(key, s);
    }
    return s;
  }

  private styleOf(k: number): number {
    return this.geom.comps[this.order.component[k]!]!.style.cblkStyle;
  }

  /** File offset of virtual data offset v (inside part i). */
  private fileOffset(v: number): { part: number; offset: number; room: number } {
    let i = this.dataStart.length - 1;
    while (i > 0 && this.dataStart[i]! > v) i--;
    const p = this.parts[i]!;
    const start = p.offset + p.headerLength!;
    const room = p.length - p.headerLength! - (v - this.dataStart[i]!);
    return { part: i, offset: start + (v - this.dataStart[i]!), room };
  }

  /** File ranges of virtual data [v, v + n). */
  ranges(v: number, n: number): ByteRange[] {
    const out: ByteRange[] = [];
    while (n > 0) {
      const f = this.fileOffset(v);
      const take = Math.min(n, f.room);
      if (take <= 0) break;
      out.push({ offset: f.offset, length: take });
      v += take;
      n -= take;
    }
    return out;
  }

  /** Read virtual data [v, v + n) (clipped to the tile's data). */
  private async readData(v: number, n: number): Promise<Uint8Array> {
    n = Math.min(n, this.dataLen - v);
    const rs = this.ranges(v, n);
    const src = this.index.source;
    if (src.prefetch && rs.length > 1) await src.prefetch(rs);
    const pieces = await Promise.all(rs.map((r) => src.read(r.offset, r.length)));
    if (pieces.length === 1) return pieces[0]!;
    const out = new Uint8Array(pieces.reduce((a, b) => a + b.length, 0));
    let o = 0;
    for (const b of pieces) {
      out.set(b, o);
      o += b.length;
    }
    return out;
  }

  /**
   * Bytes from virtual offset v on: at least `min` (unless the data ends), from the read-ahead
   * window. Cost model: a request costs about as much as READ_THROUGH bytes of transfer, so while
   * packets are small (or their bodies are wanted anyway) the window grows and covers many headers
   * per request; past large unwanted bodies it jumps, reading a small window at the next header.
   * Bytes already read come from the source's cache, so a window starting inside the last one
   * only requests what is new.
   */
  private async window(v: number, min: number): Promise<{ bytes: Uint8Array; at: number; final: boolean }> {
    const w = this.win;
    if (w && v >= w.start && v + min <= w.start + w.bytes.length) {
      return { bytes: w.bytes, at: v - w.start, final: w.start + w.bytes.length >= this.dataLen };
    }
    const through = this.readAhead || this.avgPacket <= READ_THROUGH;
    this.chunk = through ? Math.min(Math.max(this.chunk * 2, this.index.walkChunkSize), 4 << 20) : JUMP_WINDOW;
    const bytes = await this.readData(v, Math.max(min, this.chunk));
    this.win = { start: v, bytes };
    return { bytes, at: 0, final: v + bytes.length >= this.dataLen };
  }

  /** Locate packets [0, upTo) (serialised per tile). */
  locate(upTo: number, needed?: Uint8Array): Promise<void> {
    const run = this.busy.then(() => this.walk(upTo, needed));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private readPackedHeader(k: number): { header: number; body: number } | undefined {
    const hb = this.packed!;
    if (this.hpos >= hb.length) return undefined;
    const g = this.geom.global;
    const br = new BitReader(hb, this.hpos, hb.length, true);
    const h = readPacketHeader(br, this.state(k), this.order.layer[k]!, this.styleOf(k), g.eph, 0, this.tile);
    this.hdrPos![k] = this.hpos;
    this.hdrLen![k] = h.headerLength;
    this.hpos += h.headerLength;
    return { header: h.headerLength, body: h.bodyLength };
  }

  private async walk(upTo: number, needed?: Uint8Array): Promise<void> {
    while (this.partial && this.located < upTo) await this.readNextHeader();
    const g = this.geom.global;
    while (this.located < upTo && !this.ended) {
      const k = this.located;
      // read ahead (growing windows) while the bodies passed are wanted; else by packet size
      this.readAhead = needed ? k > 0 && needed[k - 1] === 1 : true;
      let v = this.vpos;
      if (v >= this.dataLen && !this.packed) {
        this.end(k);
        break;
      }
      let sopLen = 0;
      if (g.sop && v + 6 <= this.dataLen) {
        const w = await this.window(v, 6);
        if (w.bytes[w.at] === 0xff && w.bytes[w.at + 1] === 0x91) sopLen = 6;
      }
      let total: number;
      if (this.packed) {
        const h = this.readPackedHeader(k);
        if (!h) {
          this.end(k);
          break;
        }
        total = sopLen + h.body;
        this.sop![k] = sopLen;
      } else {
        const st = this.state(k);
        let need = 64;
        let h;
        for (;;) {
          const w = await this.window(v + sopLen, need);
          const snap = st.snapshot();
          try {
            const br = new BitReader(w.bytes, w.at, w.bytes.length, w.final);
            h = readPacketHeader(br, st, this.order.layer[k]!, this.styleOf(k), g.eph, this.fileOffset(v + sopLen).offset - w.at, this.tile);
            break;
          } catch (e) {
            st.restore(snap);
            if (!(e instanceof HeaderNeedsMore)) throw e;
            need = (w.bytes.length - w.at) * 2 + 64;
          }
        }
        total = sopLen + h.headerLength + h.bodyLength;
      }
      if (v + total > this.dataLen) {
        throw new J2kError("PACKET_TRUNCATED", `tile ${this.tile} ends before all its packets were read: the codestream is truncated`, { offset: this.fileOffset(Math.min(v, this.dataLen - 1)).offset });
      }
      this.pos[k] = v;
      this.len[k] = total;
      this.avgPacket = this.avgPacket < 0 ? total : 0.75 * this.avgPacket + 0.25 * total;
      v += total;
      this.vpos = v;
      this.located = k + 1;
    }
    // every byte of the tile's data is accounted for: the packets not yet located are absent
    if (!this.ended && !this.packed && this.vpos >= this.dataLen && this.located < this.order.count) this.end(this.located);
    if (this.located >= this.order.count) this.states.clear();
  }

  /** The data ended before packet k: the rest are absent (read as empty, as the core does). */
  private end(k: number): void {
    this.present = k;
    this.located = this.order.count;
    this.ended = true;
    this.states.clear();
  }

  view(): TilePackets {
    const self = this;
    const check = (k: number) => {
      if (!(k >= 0 && k < self.present && k < self.located)) throw new J2kError("INVALID_ARGUMENT", `packet ${k} of tile ${self.tile} is not located or not present`);
    };
    return {
      tile: this.tile,
      order: this.order,
      located: this.located,
      present: this.ended ? this.present : Math.min(this.present, this.order.count),
      source: this.source,
      geometry: this.geom,
      parts: this.parts.slice(0, this.known).map(publicPart),
      partial: this.partial,
      checkedLayers: this.checkedLayers,
      partOf(k: number) {
        check(k);
        return self.partOf(k);
      },
      ranges(k: number) {
        check(k);
        return self.ranges(self.pos[k]!, self.len[k]!);
      },
      dataLength(k: number) {
        check(k);
        return self.len[k]!;
      },
      packedHeader(k: number) {
        check(k);
        if (!self.packed) return undefined;
        return self.packed.subarray(self.hdrPos![k]!, self.hdrPos![k]! + self.hdrLen![k]!);
      },
      sopLength(k: number) {
        check(k);
        return self.sop ? self.sop[k]! : 0;
      },
    };
  }

  /** Index of the tile-part holding packet k's first byte. */
  partOf(k: number): number {
    return this.fileOffset(this.pos[k]!).part;
  }
}
