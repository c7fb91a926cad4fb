/**
 * The data-bins of a target (ISO/IEC 15444-9 A.3), built from the codestream index of any JPEG 2000
 * file — no index boxes needed:
 *
 * - main header data-bin (class 6, A.3.5): the main header's marker segments from SOC on, without
 *   TLM, PLM and PPM (index-only segments whose lengths describe the original file layout; packed
 *   packet headers are put back into the packets, see below);
 * - tile header data-bin (class 2, A.3.3): the marker segments of all tile-part headers of the tile,
 *   without SOT, SOD, PLT and PPT. `openjpegTileHeaders` gives the form OpenJPEG's
 *   `opj_jpip_*` tools read instead: the SOT segment after its marker (one tile-part, Psot 0) + the
 *   segments + SOD;
 * - precinct data-bin (class 0, A.3.2): the precinct's packets in layer order, each as it lies in
 *   the codestream (SOP, header, body; a header packed in PPM/PPT put in front of its body). A
 *   packet the codestream leaves out at the end of a tile is an empty packet (0x00);
 * - tile data-bin (class 4, A.3.4, JPT-streams): the tile's tile-parts, SOT to end, concatenated;
 * - metadata-bin 0 (class 8, A.3.6): the file's top-level boxes the index kept (signature, ftyp,
 *   jp2h with ihdr / colr / pclr / cmap / cdef / res, rreq, small boxes), with the Contiguous
 *   Codestream box replaced by a placeholder box (A.3.6.3) that names codestream 0.
 *
 * Precincts are identified as I = t + (c + s·numComponents)·numTiles (A.3.2.1).
 * @module
 */
import { J2kError } from "../errors.js";
import type { CodestreamIndex, TilePackets } from "../codestream/codestream_index.js";
import type { TileGeom } from "../codestream/geometry.js";
import { M } from "../codestream/markers.js";
import { neededPackets, type DecodeArea } from "../codestream/plan.js";
import { mergeRanges, type ByteRange } from "../codestream/source.js";
import type { FileLayout } from "../range/boxes.js";
import { precinctId, windowPrecincts } from "./window.js";
import { joinBytes, writeU32 } from "../io/bytes.js";

/** One packet of a precinct data-bin: file ranges (+ a packed header to put after `sop` bytes). */
export interface PacketPiece {
  ranges: ByteRange[];
  /** Bytes of the packet in the data-bin. */
  length: number;
  /** Packed header (PPM/PPT) inserted after the first `sop` bytes of the ranges. */
  header?: Uint8Array;
  sop: number;
  /** An absent packet (the codestream ended before it): one 0x00 byte. */
  absent?: boolean;
}

/** What the server knows of one precinct data-bin. */
export interface PrecinctBin {
  id: number;
  tile: number;
  c: number;
  r: number;
  p: number;
  /** Packets of layers 0, 1, ... as far as located. */
  packets: PacketPiece[];
  /** Bin offset where layer l starts (layerStart[l]) — one entry more than `packets`. */
  layerStart: number[];
  /** Total layers of the precinct (the tile's layer count). */
  layers: number;
}

const DROP_MAIN = new Set<number>([M.TLM, M.PLM, M.PPM]);
const DROP_TILE = new Set<number>([M.SOT, M.SOD, M.PLT, M.PPT]);

/** Options of {@link TargetBins}. */
export interface TargetBinsOptions {
  /** Tile header data-bins in OpenJPEG's form (see the module description). */
  openjpegTileHeaders?: boolean;
}

/** Per-tile packet bookkeeping. */
interface TileInfo {
  geom: TileGeom;
  /** Per precinct key (c, r, p): packet index k of each layer. */
  layersOf: Map<number, number[]>;
}

/** The data-bins of one target (file), built lazily through its codestream index. */
export class TargetBins {
  private main?: Uint8Array;
  private meta?: Uint8Array | null;
  private tileHeaders = new Map<number, Promise<Uint8Array>>();
  private tiles = new Map<number, Promise<TileInfo>>();

  constructor(
    readonly index: CodestreamIndex,
    readonly layout: FileLayout,
    private readonly options: TargetBinsOptions = {},
  ) {}

  /** Read `[offset, offset + length)` of the file. */
  read(offset: number, length: number): Promise<Uint8Array> {
    return this.index.source.read(offset, length);
  }

  /** The main header data-bin. */
  async mainHeader(): Promise<Uint8Array> {
    if (this.main) return this.main;
    const r = this.index.mainHeaderRange;
    const bytes = await this.read(r.offset, r.length);
    const keep: Uint8Array[] = [];
    for (const s of this.index.main.segments) {
      if (DROP_MAIN.has(s.marker)) continue;
      const at = s.offset - r.offset;
      keep.push(bytes.subarray(at, at + (s.length ? s.length + 2 : 2)));
    }
    this.main = concat(keep);
    return this.main;
  }

  /** Metadata-bin 0 (undefined for a raw codestream). */
  metadata(): Uint8Array | undefined {
    if (this.meta !== undefined) return this.meta ?? undefined;
    if (this.layout.format === "j2k") {
      this.meta = null;
      return undefined;
    }
    const cs = this.layout.codestream;
    const orig = new Uint8Array(8);
    const total = cs.length + 8;
    if (total < 2 ** 32) {
      writeU32(orig, 0, total);
      orig.set([0x6a, 0x70, 0x32, 0x63], 4);
    }
    this.meta = concat([...this.layout.before, placeholder(orig), ...this.layout.after]);
    return this.meta;
  }

  /** The tile header data-bin of tile `t`. */
  tileHeader(t: number): Promise<Uint8Array> {
    let p = this.tileHeaders.get(t);
    if (!p) {
      p = this.buildTileHeader(t);
      this.tileHeaders.set(t, p);
      p.catch(() => this.tileHeaders.delete(t));
    }
    return p;
  }

  private async buildTileHeader(t: number): Promise<Uint8Array> {
    await this.index.geometry(t); // reads every tile-part header of t
    const parts = await this.index.tileParts(t);
    const segs: Uint8Array[] = [];
    for (const part of parts) {
      const h = this.index.header(part);
      const hb = this.index.headerBytes(part);
      if (!h || !hb) throw new J2kError("INTERNAL", `tile-part header at byte ${part.offset} was not read`);
      for (const s of h.segments) {
        if (DROP_TILE.has(s.marker)) continue;
        const at = s.offset - part.offset;
        segs.push(hb.subarray(at, at + (s.length ? s.length + 2 : 2)));
      }
    }
    if (!this.options.openjpegTileHeaders) return concat(segs);
    // OpenJPEG's form: Lsot Isot Psot TPsot TNsot (one tile-part, Psot 0 = to be fixed by the reader), segments, SOD
    const sot = new Uint8Array([0, 10, t >> 8, t & 255, 0, 0, 0, 0, 0, 1]);
    return concat([sot, ...segs, new Uint8Array([0xff, 0x93])]);
  }

  /** The tile-parts of tile `t` (for tile data-bins). */
  async tileData(t: number): Promise<ByteRange[]> {
    const parts = await this.index.tileParts(t);
    return parts.map((p) => ({ offset: p.offset, length: p.length }));
  }

  private tileInfo(t: number): Promise<TileInfo> {
    let p = this.tiles.get(t);
    if (!p) {
      p = (async () => {
        const geom = await this.index.geometry(t);
        const pk = await this.index.packets(t, 0);
        const layersOf = new Map<number, number[]>();
        const o = pk.order;
        for (let k = 0; k < o.count; k++) {
          const key = precinctKey(o.component[k]!, o.resolution[k]!, o.precinct[k]!);
          let list = layersOf.get(key);
          if (!list) layersOf.set(key, (list = []));
          list.push(k);
        }
        return { geom, layersOf };
      })();
      this.tiles.set(t, p);
      p.catch(() => this.tiles.delete(t));
    }
    return p;
  }

  /** Geometry of tile `t` (tile-part headers read). */
  async geometry(t: number): Promise<TileGeom> {
    return (await this.tileInfo(t)).geom;
  }

  /**
   * The precinct data-bins tile `t` needs for `area`, in order (resolution, component, index), with
   * their packets located up to the layers the area asks for (all when `area.layers` is 0).
   */
  async precincts(t: number, area: DecodeArea): Promise<PrecinctBin[]> {
    const info = await this.tileInfo(t);
    const g = info.geom;
    const main = this.index.main;
    const first = await this.index.packets(t, 0);
    const needed = neededPackets(g, first.order, area, main.siz);
    const last = needed.lastIndexOf(1);
    const pk = await this.index.packets(t, last + 1, needed);
    const L = g.global.layers;
    const want = area.layers ? Math.min(area.layers, L) : L;
    const out: PrecinctBin[] = [];
    for (const wp of windowPrecincts(main, g, area)) {
      const ks = info.layersOf.get(precinctKey(wp.c, wp.r, wp.p)) ?? [];
      const packets: PacketPiece[] = [];
      const layerStart = [0];
      for (let l = 0; l < Math.min(want, ks.length); l++) {
        const k = ks[l]!;
        if (k >= pk.located) break;
        const piece = packetPiece(pk, k);
        packets.push(piece);
        layerStart.push(layerStart[layerStart.length - 1]! + piece.length);
      }
      out.push({ id: precinctId(main, g, wp.c, wp.r, wp.p), tile: t, c: wp.c, r: wp.r, p: wp.p, packets, layerStart, layers: ks.length });
    }
    return out;
  }

  /** Bytes of packet pieces, reading their ranges (merged) in one go. */
  async packetBytes(pieces: readonly PacketPiece[]): Promise<Uint8Array[]> {
    const all = pieces.flatMap((p) => p.ranges);
    const merged = mergeRanges(all, 512);
    const chunks = await Promise.all(merged.map((r) => this.read(r.offset, r.length)));
    const get = (r: ByteRange): Uint8Array => {
      let lo = 0, hi = merged.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (merged[mid]!.offset <= r.offset) lo = mid;
        else hi = mid - 1;
      }
      const m = merged[lo]!;
      const b = chunks[lo]!;
      const at = r.offset - m.offset;
      if (at < 0 || at + r.length > b.length) throw new J2kError("SOURCE_READ_FAILED", `the file ended before byte ${r.offset + r.length}`);
      return b.subarray(at, at + r.length);
    };
    return pieces.map((p) => {
      if (p.absent) return new Uint8Array([0]);
      const data = concat(p.ranges.map(get));
      if (!p.header) return data;
      return concat([data.subarray(0, p.sop), p.header, data.subarray(p.sop)]);
    });
  }
}

const precinctKey = (c: number, r: number, p: number) => (c * 64 + r) * 2 ** 32 + p;

function packetPiece(pk: TilePackets, k: number): PacketPiece {
  if (k >= pk.present) return { ranges: [], length: 1, sop: 0, absent: true };
  const ranges = pk.ranges(k);
  const header = pk.packedHeader(k);
  const len = ranges.reduce((a, r) => a + r.length, 0) + (header ? header.length : 0);
  return { ranges, length: len, sop: header ? pk.sopLength(k) : 0, ...(header ? { header } : {}) };
}

/**
 * A placeholder box (A.3.6.3) for the Contiguous Codestream box: Flags = 4 (the box is replaced
 * by a codestream: CSID/NCS fields present), OrigID 0, the original box header, EquivID 0 with an
 * empty equivalent box header, CSID 0 (codestream 0), NCS 1.
 */
function placeholder(origHeader: Uint8Array): Uint8Array {
  const body = new Uint8Array(4 + 8 + origHeader.length + 8 + 8 + 8 + 4);
  let o = 0;
  writeU32(body, o, 4);
  o += 4 + 8; // flags, OrigID = 0
  body.set(origHeader, o);
  o += origHeader.length;
  o += 8; // EquivID = 0
  o += 8; // EquivBH: empty (LBox 0, TBox 0)
  o += 8; // CSID = 0
  writeU32(body, o, 1); // NCS
  const out = new Uint8Array(8 + body.length);
  writeU32(out, 0, out.length);
  out.set([0x70, 0x68, 0x6c, 0x64], 4); // 'phld'
  out.set(body, 8);
  return out;
}

/** Concatenate byte arrays (the only part itself when there is one). */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : joinBytes(parts);
}
