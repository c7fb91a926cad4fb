/**
 * Re-packing a codestream without re-coding a code-block: packets put in another progression
 * order, tile-parts split by resolution / layer / component, TLM and PLT added. Packets move as
 * they are (header and body bytes unchanged): a packet's header depends only on the earlier layers
 * of its own precinct (B.10: tag trees, Lblock and segment state are per precinct), and every
 * progression order keeps a precinct's layers in order (B.12), so any order of whole packets that
 * does is a valid codestream with the same code-block data — hence the same samples.
 *
 * What changes in the headers: SGcod's progression byte (COD, main and tile-part), POC removed when
 * a progression is given, PPM/PPT headers moved into the packets, SOP sequence numbers renumbered
 * (A.8.1: Nsop counts the packets of the tile), old TLM/PLT/PLM dropped and new ones written
 * (A.7.1: TLM with 16-bit tile indices and 32-bit lengths; A.7.3: PLT per tile-part).
 * @module
 */
import { J2kError } from "../errors.js";
import type { ProgressionOrder } from "../types.js";
import type { CodestreamIndex } from "./codestream_index.js";
import { M } from "./markers.js";
import { packetOrder, type PacketOrder } from "./progression.js";
import { interleaveTileParts, tlmSegments, type TilePartOrder } from "./interleave.js";
import { joinBytes, writeU32 } from "../io/bytes.js";

/** Options of {@link repackCodestream}. */
export interface RepackOptions {
  /** New progression order (POC removed); default: keep the codestream's order, POC included. */
  progression?: ProgressionOrder;
  /** Split each tile's packets into tile-parts at every change of resolution, layer or component. */
  tileParts?: "R" | "L" | "C";
  /** Write a TLM marker segment (tile-part lengths) in the main header. */
  tlm?: boolean;
  /** Write PLT marker segments (packet lengths) in every tile-part header. */
  plt?: boolean;
  /**
   * `"interleaved"`: all tiles' first tile-parts, then all their second tile-parts, ...
   * (src/codestream/interleave.ts; with RPCL and `tileParts: "R"` the file is resolution-major
   * across tiles, so a coarse view of a tiled image is one run of bytes). Default `"tile"`: each
   * tile's tile-parts together.
   */
  tilePartOrder?: TilePartOrder;
}

const ORDERS: ProgressionOrder[] = ["LRCP", "RLCP", "RPCL", "PCRL", "CPRL"];
const INDEX_MARKERS = new Set<number>([M.TLM, M.PLM, M.PPM, M.PLT, M.PPT]);

/** Packets of a tile, read fully: bytes of each (inline form) in the original order. */
interface TilePackets {
  order: PacketOrder;
  bytes: Array<Uint8Array | undefined>;
}

/** Re-pack the whole codestream of `index` (all bytes readable through `get`). */
export async function repackCodestream(index: CodestreamIndex, get: (offset: number, length: number) => Uint8Array, o: RepackOptions = {}): Promise<Uint8Array> {
  const main = index.main;
  const siz = main.siz;
  const prog = o.progression === undefined ? undefined : ORDERS.indexOf(o.progression);
  if (prog === -1) throw new J2kError("INVALID_ARGUMENT", `progression must be one of ${ORDERS.join(", ")} (got ${String(o.progression)})`);
  if (o.tileParts !== undefined && !["R", "L", "C"].includes(o.tileParts)) throw new J2kError("INVALID_ARGUMENT", `tileParts must be "R", "L" or "C" (got ${String(o.tileParts)})`);
  if (o.tilePartOrder !== undefined && o.tilePartOrder !== "tile" && o.tilePartOrder !== "interleaved") {
    throw new J2kError("INVALID_ARGUMENT", `tilePartOrder must be "tile" or "interleaved" (got ${String(o.tilePartOrder)})`);
  }
  const out: Uint8Array[] = [];
  // main header: everything but index markers (and POC when the order changes); COD's progression patched
  for (const s of main.segments) {
    if (INDEX_MARKERS.has(s.marker) || (prog !== undefined && s.marker === M.POC)) continue;
    const seg = get(s.offset, s.length ? s.length + 2 : 2).slice();
    if (s.marker === M.COD && prog !== undefined) seg[5] = prog;
    out.push(seg);
  }
  const tlm: Array<{ tile: number; length: number }> = [];
  const body: Uint8Array[] = [];
  await index.allTileParts();
  for (let t = 0; t < siz.numTiles; t++) {
    const parts = await index.tileParts(t);
    if (parts.length === 0) continue;
    const pk = await index.packets(t);
    const src = readPackets(pk, get);
    const g = pk.geometry;
    const order = prog === undefined ? pk.order : packetOrder({ ...g, global: { ...g.global, progression: prog }, poc: [] });
    // where each (c, r, p, l) is in the original order
    const key = (c: number, r: number, p: number, l: number) => `${c}/${r}/${p}/${l}`;
    const at = new Map<string, number>();
    for (let k = 0; k < pk.order.count; k++) at.set(key(pk.order.component[k]!, pk.order.resolution[k]!, pk.order.precinct[k]!, pk.order.layer[k]!), k);
    // tile-part split
    const groups: number[][] = [];
    let last = NaN;
    for (let k = 0; k < order.count; k++) {
      const v = o.tileParts === "R" ? order.resolution[k]! : o.tileParts === "L" ? order.layer[k]! : o.tileParts === "C" ? order.component[k]! : 0;
      if (groups.length === 0 || v !== last) groups.push([]);
      groups[groups.length - 1]!.push(k);
      last = v;
    }
    if (groups.length === 0) groups.push([]);
    if (groups.length > 255) throw new J2kError("INVALID_ARGUMENT", `tile ${t} would need ${groups.length} tile-parts (at most 255): choose another tile-part split or progression`);
    // first tile-part header: the original tile-part headers' segments (COD/COC/QCD/QCC/RGN/COM, POC if kept)
    const tileSegs: Uint8Array[] = [];
    for (const part of parts) {
      const h = index.header(part)!;
      const hb = index.headerBytes(part)!;
      for (const s of h.segments) {
        if (s.marker === M.SOT || s.marker === M.SOD || INDEX_MARKERS.has(s.marker) || (prog !== undefined && s.marker === M.POC)) continue;
        const off = s.offset - part.offset;
        const seg = hb.slice(off, off + (s.length ? s.length + 2 : 2));
        if (s.marker === M.COD && prog !== undefined) seg[5] = prog;
        tileSegs.push(seg);
      }
    }
    let seq = 0;
    groups.forEach((ks, gi) => {
      const packets: Uint8Array[] = [];
      for (const k of ks) {
        const orig = at.get(key(order.component[k]!, order.resolution[k]!, order.precinct[k]!, order.layer[k]!));
        let b = orig === undefined ? undefined : src.bytes[orig];
        if (!b) b = EMPTY; // a packet the original left out (taken as empty)
        if (b.length >= 6 && b[0] === 0xff && b[1] === 0x91) {
          b = b.slice();
          b[4] = (seq >> 8) & 255;
          b[5] = seq & 255;
        }
        seq = (seq + 1) & 0xffff;
        packets.push(b);
      }
      const segs = gi === 0 ? [...tileSegs] : [];
      if (o.plt) segs.push(...pltSegments(packets.map((p) => p.length)));
      const size = 12 + segs.reduce((n, s) => n + s.length, 0) + 2 + packets.reduce((n, p) => n + p.length, 0);
      if (size > 0xffffffff) throw new J2kError("LIMIT_MEMORY", `tile-part of ${size} bytes exceeds Psot's 32 bits`);
      const sot = new Uint8Array(12);
      sot.set([0xff, 0x90, 0, 10, t >> 8, t & 255]);
      writeU32(sot, 6, size);
      sot[10] = gi;
      sot[11] = groups.length;
      body.push(sot, ...segs, SOD, ...packets);
      tlm.push({ tile: t, length: size });
    });
  }
  if (o.tlm) {
    // TLM goes right after the main header's last segment (any position in the main header is allowed)
    out.push(...tlmSegments(tlm));
  }
  const all = [...out, ...body, EOC];
  const cs = new Uint8Array(all.reduce((n, b) => n + b.length, 0));
  let p = 0;
  for (const b of all) {
    cs.set(b, p);
    p += b.length;
  }
  return o.tilePartOrder === "interleaved" ? interleaveTileParts(cs) : cs;
}

const EMPTY = new Uint8Array([0]);
const SOD = new Uint8Array([0xff, 0x93]);
const EOC = new Uint8Array([0xff, 0xd9]);

/** Every packet of a tile in inline form (SOP, header, body), in the original order. */
function readPackets(pk: Awaited<ReturnType<CodestreamIndex["packets"]>>, get: (offset: number, length: number) => Uint8Array): TilePackets {
  const bytes: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(pk.order.count);
  for (let k = 0; k < Math.min(pk.present, pk.located); k++) {
    const pieces = pk.ranges(k).map((r) => get(r.offset, r.length));
    let data = pieces.length === 1 ? pieces[0]! : joinBytes(pieces);
    const hdr = pk.packedHeader(k);
    if (hdr) {
      const sop = pk.sopLength(k);
      data = joinBytes([data.subarray(0, sop), hdr, data.subarray(sop)]);
    }
    bytes[k] = data;
  }
  return { order: pk.order, bytes };
}

/** PLT segments (A.7.3) for these packet lengths: Zplt, then 7-bit groups, high bit = more. */
function pltSegments(lengths: number[]): Uint8Array[] {
  const segs: Uint8Array[] = [];
  let cur: number[] = [];
  const flush = () => {
    if (segs.length >= 256) throw new J2kError("INVALID_ARGUMENT", "too many packets for the PLT marker segments of one tile-part (256 segments)");
    const L = 3 + cur.length;
    segs.push(new Uint8Array([0xff, 0x58, L >> 8, L & 255, segs.length, ...cur]));
    cur = [];
  };
  for (const len of lengths) {
    const groups: number[] = [];
    let v = len;
    do {
      groups.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < groups.length - 1; i++) groups[i]! |= 0x80;
    if (cur.length + groups.length > 65535 - 3) flush();
    cur.push(...groups);
  }
  if (cur.length > 0 || segs.length === 0) flush();
  return segs;
}
