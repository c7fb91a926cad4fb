/**
 * A legal codestream (and JP2 file) from a client's data-bin cache, for j2kit's decoder:
 *
 * main header data-bin · per tile: SOT, the tile header data-bin, SOD, then every packet of the
 * tile in its progression order (POC included, src/codestream/progression.ts) — the packet from
 * the precinct data-bin when the bin's contiguous prefix holds it whole, else an empty packet (one
 * 0x00 byte: the zero-length bit of B.10.3; followed by EPH when the tile uses EPH) · EOC.
 *
 * Packet boundaries inside a precinct data-bin come from reading the packet headers (B.10, the
 * index's reader: tag trees and Lblock carried from layer to layer, HT code-blocks included),
 * skipping an SOP marker segment where one starts a packet. The parse state is kept per data-bin
 * and resumed as more bytes arrive. Decoding the result for a window gives what decoding the
 * whole file gives for that window once the window's data-bins are complete, because the decoder
 * uses no byte of the packets left empty (see src/codestream/assemble.ts).
 *
 * With metadata-bin 0 (a JP2 / JPX target) the codestream is wrapped in the file's boxes: every box
 * of the metadata-bin, the placeholder replaced by a Contiguous Codestream box.
 * @module
 */
import { J2kError } from "../errors.js";
import { tileGeometry, type TileGeom } from "../codestream/geometry.js";
import { M, readMainHeader, readTilePartHeader, type MainHeader } from "../codestream/markers.js";
import { BitReader, HeaderNeedsMore, PrecinctState, readPacketHeader } from "../codestream/packet_header.js";
import { packetOrder, type PacketOrder } from "../codestream/progression.js";
import { BinClass } from "./messages.js";
import type { DataBinCache } from "./cache.js";
import { precinctId } from "./window.js";
import { joinBytes } from "../io/bytes.js";

/** A rebuilt codestream and what went into it. */
export interface Rebuilt {
  /** The codestream, or a JP2 file around it when the target is one and metadata-bin 0 is complete. */
  file: Uint8Array;
  main: MainHeader;
  /** Tiles included (those with a complete tile header data-bin). */
  tiles: number[];
  /** Packets taken from the cache / left empty. */
  packets: number;
  emptyPackets: number;
  /** A tile-part was cut (JPT-stream still arriving): decode with `allowPartial`. */
  partial: boolean;
}

interface BinParse {
  state: PrecinctState;
  /** End offset of each complete packet. */
  ends: number[];
  /** Bin prefix seen at the last parse. */
  seen: number;
  /** The header at `ends[last]` needs more bytes than the prefix had. */
  blocked: boolean;
  /** A packet of the complete bin could not be read (no state to roll back to): no more are taken from it. */
  dead?: boolean;
}

interface TileInfo {
  segments: Uint8Array;
  geom: TileGeom;
  order: PacketOrder;
  ids: Float64Array;
  /** Packet k's precinct as a small index within the tile (0 .. precincts-1), for per-build arrays. */
  slot: Int32Array;
  precincts: number;
}

/** What {@link CodestreamBuilder.packetEnds} found for one precinct data-bin. */
interface PacketEnds {
  ends: number[];
  bytes: Uint8Array;
}

/** Builds codestreams from a {@link DataBinCache}, keeping per-bin parse state between calls. */
export class CodestreamBuilder {
  private mainHeader?: MainHeader;
  private mainBytes?: Uint8Array;
  private tileInfo = new Map<number, TileInfo>();
  private parses = new Map<number, BinParse>();

  constructor(readonly cache: DataBinCache) {}

  /** The main header, once its data-bin is complete. */
  main(): MainHeader | undefined {
    if (this.mainHeader) return this.mainHeader;
    const bin = this.cache.get(BinClass.MAIN_HEADER, 0);
    if (!bin?.complete) return undefined;
    const bytes = bin.bytes();
    const withSot = new Uint8Array(bytes.length + 2);
    withSot.set(bytes);
    withSot.set([0xff, 0x90], bytes.length);
    this.mainHeader = readMainHeader(withSot, 0);
    this.mainBytes = bytes.slice();
    return this.mainHeader;
  }

  /** Forget everything derived from the cache (after `cache.clear()`). */
  reset(): void {
    this.mainHeader = undefined;
    this.mainBytes = undefined;
    this.tileInfo.clear();
    this.parses.clear();
  }

  private tile(t: number): TileInfo | undefined {
    const hit = this.tileInfo.get(t);
    if (hit) return hit;
    const main = this.main()!;
    const bin = this.cache.get(BinClass.TILE_HEADER, t);
    if (!bin?.complete) return undefined;
    const th = bin.bytes();
    let hb: Uint8Array;
    if (th.length >= 2 && th[0] === 0 && th[1] === 10) {
      // OpenJPEG's form: the SOT segment after its marker, the segments, SOD
      hb = new Uint8Array(th.length + 2);
      hb.set([0xff, 0x90]);
      hb.set(th, 2);
      hb[6] = hb[7] = hb[8] = hb[9] = 0;
    } else {
      hb = new Uint8Array(12 + th.length + 2);
      hb.set([0xff, 0x90, 0, 10, t >> 8, t & 255, 0, 0, 0, 0, 0, 1]);
      hb.set(th, 12);
      hb.set([0xff, 0x93], 12 + th.length);
    }
    const h = readTilePartHeader(hb, 0, main.siz, main.global, hb.length);
    if (h.tile !== t) throw new J2kError("JPIP_STREAM_INVALID", `tile header data-bin ${t} names tile ${h.tile}`);
    const geom = tileGeometry(main, t, [h]);
    const order = packetOrder(geom);
    const ids = new Float64Array(order.count);
    const slot = new Int32Array(order.count);
    const slots = new Map<number, number>();
    for (let k = 0; k < order.count; k++) {
      const id = precinctId(main, geom, order.component[k]!, order.resolution[k]!, order.precinct[k]!);
      ids[k] = id;
      let s = slots.get(id);
      if (s === undefined) slots.set(id, (s = slots.size));
      slot[k] = s;
    }
    const keep = h.segments.filter((s) => s.marker !== M.SOT && s.marker !== M.SOD && s.marker !== M.PLT && s.marker !== M.PPT);
    const segments = joinBytes(keep.map((s) => hb.subarray(s.offset, s.offset + (s.length ? s.length + 2 : 2))));
    const info = { segments, geom, order, ids, slot, precincts: slots.size };
    this.tileInfo.set(t, info);
    return info;
  }

  /** Complete packets of precinct data-bin `id` (their end offsets), parsing what is new. */
  private packetEnds(t: number, info: TileInfo, k: number): PacketEnds | undefined {
    const id = info.ids[k]!;
    const bin = this.cache.get(BinClass.PRECINCT, id);
    if (!bin || bin.prefix === 0) return undefined;
    const c = info.order.component[k]!, r = info.order.resolution[k]!, p = info.order.precinct[k]!;
    let ps = this.parses.get(id);
    if (!ps) {
      ps = { state: new PrecinctState(info.geom.comps[c]!.res[r]!, p), ends: [], seen: 0, blocked: false };
      this.parses.set(id, ps);
    }
    const bytes = bin.bytes();
    if (ps.dead) return { ends: ps.ends, bytes };
    const complete = bin.complete;
    if (bytes.length > ps.seen || (complete && ps.blocked)) {
      ps.seen = bytes.length;
      ps.blocked = false;
      const style = info.geom.comps[c]!.style.cblkStyle;
      const eph = info.geom.global.eph;
      const L = info.geom.global.layers;
      while (ps.ends.length < L) {
        let pos = ps.ends.length ? ps.ends[ps.ends.length - 1]! : 0;
        if (pos >= bytes.length) break;
        if (pos + 1 < bytes.length && bytes[pos] === 0xff && bytes[pos + 1] === 0x91) pos += 6;
        if (pos >= bytes.length) break;
        // a copy of the state to roll back to when the prefix ends inside this packet; a complete
        // bin holds every packet whole, so there a failure is final (and the copy, 5 arrays per
        // band, is spared: it was most of the rebuild's garbage)
        const snap = complete ? undefined : ps.state.snapshot();
        let end: number;
        try {
          const br = new BitReader(bytes, pos, bytes.length, complete);
          const h = readPacketHeader(br, ps.state, ps.ends.length, style, eph, 0, t);
          if (br.overrun) throw new J2kError("JPIP_STREAM_INVALID", `precinct data-bin ${id}: a packet header runs past the end of the data-bin`);
          end = pos + h.headerLength + h.bodyLength;
        } catch (e) {
          if (snap) ps.state.restore(snap);
          else ps.dead = true;
          if (e instanceof HeaderNeedsMore) {
            ps.blocked = true;
            break;
          }
          throw e;
        }
        if (end > bytes.length) {
          if (snap) ps.state.restore(snap);
          else ps.dead = true;
          ps.blocked = true;
          break;
        }
        ps.ends.push(end);
      }
    }
    return { ends: ps.ends, bytes };
  }

  /**
   * Rebuild. `tiles`: the tiles to include (default: every tile whose header data-bin is
   * complete). Undefined until the main header data-bin is complete.
   */
  build(tiles?: readonly number[]): Rebuilt | undefined {
    const main = this.main();
    if (!main) return undefined;
    const parts: Uint8Array[] = [this.mainBytes!];
    const included: number[] = [];
    let packets = 0, empties = 0, partial = false;
    const list = tiles ? [...tiles].sort((a, b) => a - b) : Array.from({ length: main.siz.numTiles }, (_, i) => i);
    for (const t of list) {
      const jpt = this.cache.get(BinClass.TILE, t);
      if (jpt && jpt.prefix > 0) {
        const cut = tileParts(jpt.bytes(), jpt.complete);
        if (cut.parts.length) {
          parts.push(...cut.parts);
          included.push(t);
          partial ||= cut.partial;
        }
        continue;
      }
      const info = this.tile(t);
      if (!info) continue;
      included.push(t);
      const eph = info.geom.global.eph;
      const EMPTY = eph ? new Uint8Array([0, 0xff, 0x92]) : new Uint8Array([0]);
      const body: Uint8Array[] = [];
      let bodyLen = 0;
      const o = info.order;
      // each precinct's bin is looked at once per build (null: looked at, nothing there)
      const found: Array<PacketEnds | null | undefined> = new Array(info.precincts);
      for (let k = 0; k < o.count; k++) {
        const s = info.slot[k]!;
        let pe = found[s];
        if (pe === undefined) found[s] = pe = this.packetEnds(t, info, k) ?? null;
        const l = o.layer[k]!;
        let piece: Uint8Array;
        if (pe && l < pe.ends.length) {
          piece = pe.bytes.subarray(l === 0 ? 0 : pe.ends[l - 1]!, pe.ends[l]!);
          packets++;
        } else {
          piece = EMPTY;
          empties++;
        }
        body.push(piece);
        bodyLen += piece.length;
      }
      const psot = 12 + info.segments.length + 2 + bodyLen;
      const sot = new Uint8Array([0xff, 0x90, 0, 10, t >> 8, t & 255, (psot >>> 24) & 255, (psot >>> 16) & 255, (psot >>> 8) & 255, psot & 255, 0, 1]);
      parts.push(sot, info.segments, new Uint8Array([0xff, 0x93]), ...body);
    }
    parts.push(new Uint8Array([0xff, 0xd9]));
    const codestream = joinBytes(parts);
    return { file: this.wrap(codestream), main, tiles: included, packets, emptyPackets: empties, partial };
  }

  /** Wrap in the target's boxes (metadata-bin 0) when there are some. */
  private wrap(codestream: Uint8Array): Uint8Array {
    const meta = this.cache.get(BinClass.METADATA, 0);
    if (!meta?.complete) return codestream;
    const m = meta.bytes();
    const out: Uint8Array[] = [];
    let pos = 0;
    let placed = false;
    while (pos + 8 <= m.length) {
      let len = u32(m, pos);
      const type = String.fromCharCode(m[pos + 4]!, m[pos + 5]!, m[pos + 6]!, m[pos + 7]!);
      let hlen = 8;
      if (len === 1) {
        if (pos + 16 > m.length) break;
        len = u32(m, pos + 8) * 2 ** 32 + u32(m, pos + 12);
        hlen = 16;
      } else if (len === 0) len = m.length - pos;
      if (len < hlen || pos + len > m.length) throw new J2kError("JPIP_STREAM_INVALID", `metadata-bin 0: box '${type}' at ${pos} runs past its end`);
      if (type === "phld" || type === "jp2c") {
        if (!placed) out.push(box("jp2c", codestream));
        placed = true;
      } else out.push(m.subarray(pos, pos + len));
      pos += len;
    }
    if (!placed) out.push(box("jp2c", codestream));
    return joinBytes(out);
  }
}

/**
 * The tile-parts in the prefix of a tile data-bin (JPT-stream, A.3.4): whole ones as they are; a
 * cut one (its header complete) with Psot set to the bytes there are.
 */
function tileParts(b: Uint8Array, complete: boolean): { parts: Uint8Array[]; partial: boolean } {
  const parts: Uint8Array[] = [];
  let pos = 0;
  while (pos + 14 <= b.length) {
    if (b[pos] !== 0xff || b[pos + 1] !== 0x90) throw new J2kError("JPIP_STREAM_INVALID", `tile data-bin: no SOT marker at byte ${pos}`);
    let psot = u32(b, pos + 6);
    if (psot === 0) psot = complete ? b.length - pos : Infinity;
    if (psot < 14) throw new J2kError("JPIP_STREAM_INVALID", `tile data-bin: tile-part length ${psot} at byte ${pos}`);
    if (pos + psot <= b.length) {
      parts.push(b.subarray(pos, pos + psot));
      pos += psot;
      continue;
    }
    // cut: keep it when its header (through SOD) is here
    const rest = b.slice(pos);
    let o = 12, sod = false;
    while (o + 2 <= rest.length) {
      const m = (rest[o]! << 8) | rest[o + 1]!;
      if (m === M.SOD) {
        sod = true;
        break;
      }
      if (o + 4 > rest.length) break;
      o += 2 + ((rest[o + 2]! << 8) | rest[o + 3]!);
    }
    if (sod) {
      const n = rest.length;
      rest.set([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255], 6);
      parts.push(rest);
    }
    return { parts, partial: true };
  }
  return { parts, partial: pos < b.length || !complete };
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
}

function box(type: string, content: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + content.length);
  const n = out.length;
  out.set([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255, type.charCodeAt(0), type.charCodeAt(1), type.charCodeAt(2), type.charCodeAt(3)]);
  out.set(content, 8);
  return out;
}
