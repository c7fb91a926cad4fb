/**
 * A sparse codestream for a {@link DecodePlan}: a legal codestream holding the main header, the
 * planned tiles, and in them the needed packets byte for byte while every other packet becomes an
 * empty packet (a single 0x00 byte: the zero-length bit of B.10.3, padded). Decoding it with the
 * request's options gives exactly the samples a decode of the whole file gives, because the
 * decoder uses no byte of the packets replaced (see plan.ts) and precincts are independent in
 * packet-header coding (B.10: each precinct has its own tag trees; a suffix of layers or a whole
 * precinct can be emptied without changing how the rest is read).
 *
 * Index-only marker segments are dropped (TLM, PLM, PLT: their lengths no longer hold); packed
 * packet headers (PPM, PPT) are moved into the packets, as if they had never been packed (A.7.4,
 * A.7.5: the same header bits, byte-aligned per packet). Tiles outside the plan are left out; the
 * decoder never visits them for the request's region.
 * @module
 */
import { J2kError } from "../errors.js";
import { M, be16, be32 } from "./markers.js";
import type { CodestreamIndex, TilePackets } from "./codestream_index.js";
import { TlmMismatch } from "./source.js";
import type { DecodePlan } from "./plan.js";
import { joinBytes, writeU32 } from "../io/bytes.js";

/** Reads planned bytes: `[offset, offset + length)` of the file (all inside the plan's ranges). */
export type PlannedBytes = (offset: number, length: number) => Uint8Array;

const DROP_MAIN = new Set<number>([M.TLM, M.PLM, M.PPM]);
const DROP_TILE = new Set<number>([M.PLT, M.PPT]);

/** Build the sparse codestream of `plan` from its bytes (see the module description). */
export function assembleCodestream(index: CodestreamIndex, plan: DecodePlan, get: PlannedBytes): Uint8Array {
  // Pieces in order; a number stands for that many 0x00 bytes (runs of empty packets: a sparse
  // stream of a small region is mostly those, and the output array starts zeroed).
  const out: Piece[] = [];
  let total = 0;
  const push = (b: Piece) => {
    out.push(b);
    total += size(b);
  };
  for (const s of index.main.segments) {
    if (DROP_MAIN.has(s.marker)) continue;
    push(get(s.offset, s.length ? s.length + 2 : 2));
  }
  for (const pt of [...plan.tiles].sort((a, b) => a.tile - b.tile)) {
    if (!pt.packets) {
      pt.parts.forEach((p, i) => {
        const b = get(p.offset, p.length);
        checkSot(index, b, p.offset, pt.tile, p.part, p.length, i === pt.parts.length - 1);
        const copy = b.slice();
        writeU32(copy, 6, p.length);
        push(copy);
      });
      continue;
    }
    const pk = pt.packets;
    const needed = pt.needed!;
    const n = pk.order.count;
    const byPart: Piece[][] = pt.parts.map(() => []);
    const last = pt.parts.length - 1;
    const present = Math.min(pk.located, pk.present);
    // First packet of each tile-part (partOf is non-decreasing in k): found by binary search, so
    // the loop below costs one test per unneeded packet and writes runs of them as one number.
    const firstOf = partStarts(pk, present, last);
    const empty = (dst: Piece[], count: number) => {
      const i = dst.length - 1;
      if (i >= 0 && typeof dst[i] === "number") dst[i] = (dst[i] as number) + count;
      else dst.push(count);
    };
    let part = 0;
    for (let k = 0; k < present; ) {
      while (part < last && k >= firstOf[part + 1]!) part++;
      const dst = byPart[part]!;
      if (!needed[k]) {
        const stop = part < last ? Math.min(present, firstOf[part + 1]!) : present;
        let j = k + 1;
        while (j < stop && !needed[j]) j++;
        empty(dst, j - k);
        k = j;
        continue;
      }
      const hdr = pk.packedHeader(k);
      const rs = pk.ranges(k);
      if (!hdr) {
        for (const r of rs) dst.push(get(r.offset, r.length));
        k++;
        continue;
      }
      // packed header: SOP (if any), then the header, then the body
      const data = concat(rs.map((r) => get(r.offset, r.length)));
      const sop = pk.sopLength(k);
      dst.push(data.subarray(0, sop), hdr, data.subarray(sop));
      k++;
    }
    // packets not located (after the last one the plan needs) are written as empty packets at the
    // end of the last tile-part; packets absent from the data (present < located) are left out
    if (pk.located < n && pk.located <= pk.present) empty(byPart[last]!, n - pk.located);
    pt.parts.forEach((p, i) => {
      const h = index.header(p);
      const hb = index.headerBytes(p);
      if (!h || !hb) throw new J2kError("INTERNAL", `tile-part header at byte ${p.offset} was not read`);
      const segs: Uint8Array[] = [];
      for (const s of h.segments) {
        if (s.marker === M.SOT || s.marker === M.SOD || DROP_TILE.has(s.marker)) continue;
        const at = s.offset - p.offset;
        segs.push(hb.subarray(at, at + (s.length ? s.length + 2 : 2)));
      }
      const body = byPart[i]!;
      const psot = 12 + segs.reduce((a, b) => a + b.length, 0) + 2 + body.reduce((a: number, b) => a + size(b), 0);
      const sot = new Uint8Array(12);
      sot.set([0xff, 0x90, 0, 10, pt.tile >> 8, pt.tile & 255]);
      writeU32(sot, 6, psot);
      sot[10] = h.TPsot;
      // later tile-parts left unread by the index (their packets written empty above): the tile ends here
      sot[11] = pk.partial ? pt.parts.length : h.TNsot;
      push(sot);
      for (const s of segs) push(s);
      push(new Uint8Array([0xff, 0x93]));
      for (const b of body) push(b);
    });
  }
  push(new Uint8Array([0xff, 0xd9]));
  const cs = new Uint8Array(total);
  let o = 0;
  for (const b of out) {
    if (typeof b === "number") {
      o += b; // already 0
      continue;
    }
    cs.set(b, o);
    o += b.length;
  }
  return cs;
}

/**
 * `out[i]` = the first packet (of `[0, present)`) in tile-part i or later; `out[0]` = 0. Packets
 * are in order through the tile-parts, so `partOf` is non-decreasing and each edge is a binary search.
 */
function partStarts(pk: TilePackets, present: number, last: number): number[] {
  const out = [0];
  let lo = 0;
  for (let i = 1; i <= last; i++) {
    let a = lo, b = present; // first k in [a, b) with partOf(k) >= i, else present
    while (a < b) {
      const mid = (a + b) >> 1;
      if (pk.partOf(mid) >= i) b = mid;
      else a = mid + 1;
    }
    out.push(a);
    lo = a;
  }
  return out;
}

/** Bytes, or a run of that many 0x00 bytes (empty packets). */
type Piece = Uint8Array | number;

function size(b: Piece): number {
  return typeof b === "number" ? b : b.length;
}

function checkSot(index: CodestreamIndex, b: Uint8Array, offset: number, tile: number, part: number, length: number, lastOfTile: boolean): void {
  let why: string | undefined;
  if (b.length < 12 || be16(b, 0) !== M.SOT || be16(b, 2) !== 10) why = `no SOT marker segment at byte ${offset}`;
  else if (be16(b, 4) !== tile || b[10] !== part) why = `the SOT at byte ${offset} is tile ${be16(b, 4)} part ${b[10]}, not tile ${tile} part ${part}`;
  else {
    const Psot = be32(b, 6);
    if (Psot !== length && !(Psot === 0 && lastOfTile)) why = `the SOT at byte ${offset} declares ${Psot} bytes, not ${length}`;
  }
  if (!why) return;
  if (index.tilePartSource === "TLM") throw new TlmMismatch(why);
  throw new J2kError("BAD_SOT", `tile-part changed or damaged: ${why}`, { offset });
}

function concat(pieces: Uint8Array[]): Uint8Array {
  return pieces.length === 1 ? pieces[0]! : joinBytes(pieces);
}
