/**
 * Interleaving tile-parts across tiles: all tiles' first tile-parts, then all tiles' second
 * tile-parts, and so on (tiles in raster order within each round). With tile-parts split by
 * resolution in a resolution-major progression (RPCL or RLCP, as `optimize` and the "iiif" preset
 * write them), tile-part i of every tile holds resolution i, so the file becomes resolution-major
 * across the whole image: a coarse view of a tiled image — the low resolutions of every tile — is
 * one contiguous run at the start of the file instead of a few bytes in every tile.
 *
 * Allowed by ISO/IEC 15444-1 A.4.2: tile-parts of different tiles may appear in any order as long
 * as each tile's own tile-parts appear in order of TPsot. Tile-part bytes are moved unchanged except
 * Psot (written explicitly: a Psot of 0, "to the end of the codestream", only holds for the last
 * tile-part). TLM (A.7.1) lists tile-parts in codestream order, so it is rewritten for the new
 * order (Stlm ST = 2, SP = 1); PPM (A.7.4) also follows codestream order and is refused.
 * @module
 */
import { J2kError } from "../errors.js";
import { M, be16, be32, readMainHeader, NeedMoreBytes } from "./markers.js";
import { writeU32 } from "../io/bytes.js";

/** Order of the tile-parts in a written codestream (see the module description). */
export type TilePartOrder = "tile" | "interleaved";

interface PartSpan {
  tile: number;
  part: number;
  start: number;
  length: number;
}

/**
 * The codestream `cs` (SOC ... EOC) with its tile-parts interleaved across tiles (see the module
 * description). A codestream with at most one tile-part per tile comes back unchanged (the same
 * array).
 */
export function interleaveTileParts(cs: Uint8Array): Uint8Array {
  let main;
  try {
    main = readMainHeader(cs, 0);
  } catch (e) {
    if (e instanceof NeedMoreBytes) throw new J2kError("MAIN_HEADER_TRUNCATED", "the codestream ends inside its main header", { offset: cs.length });
    throw e;
  }
  const parts: PartSpan[] = [];
  const seen = new Map<number, number>();
  let pos = main.end;
  while (pos + 2 <= cs.length && be16(cs, pos) === M.SOT) {
    if (pos + 12 > cs.length) throw new J2kError("BAD_SOT", "the codestream ends inside an SOT marker segment", { offset: pos });
    const tile = be16(cs, pos + 4);
    let length = be32(cs, pos + 6);
    const part = cs[pos + 10]!;
    if (length === 0) length = cs.length - pos - (be16(cs, cs.length - 2) === M.EOC ? 2 : 0);
    if (length < 14 || pos + length > cs.length) throw new J2kError("BAD_SOT", `invalid tile-part length ${length}`, { offset: pos });
    const k = seen.get(tile) ?? 0;
    if (part !== k) throw new J2kError("BAD_SOT", `tile ${tile}: tile-part ${part} where ${k} was expected (A.4.2)`, { offset: pos });
    seen.set(tile, k + 1);
    parts.push({ tile, part, start: pos, length });
    pos += length;
  }
  if (parts.length === 0) throw new J2kError("NO_TILE_DATA", "the codestream contains no tile-part", { offset: main.end });
  if (![...seen.values()].some((n) => n > 1)) return cs;
  if (main.ppm) throw new J2kError("INVALID_ARGUMENT", "cannot interleave the tile-parts of a codestream with PPM (its packed headers follow the tile-part order); re-pack it with optimize first");
  // round r holds every tile's tile-part r, tiles in raster order
  const order = [...parts].sort((a, b) => a.part - b.part || a.tile - b.tile);
  const tail = cs.subarray(pos);
  const head: Uint8Array[] = [];
  for (const s of main.segments) {
    if (s.marker === M.TLM) continue;
    head.push(cs.subarray(s.offset, s.offset + (s.length ? s.length + 2 : 2)));
  }
  if (main.tlm.length > 0) head.push(...tlmSegments(order.map((p) => ({ tile: p.tile, length: p.length }))));
  const total = head.reduce((n, b) => n + b.length, 0) + order.reduce((n, p) => n + p.length, 0) + tail.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of head) {
    out.set(b, o);
    o += b.length;
  }
  for (const p of order) {
    out.set(cs.subarray(p.start, p.start + p.length), o);
    writeU32(out, o + 6, p.length);
    o += p.length;
  }
  out.set(tail, o);
  return out;
}

/** TLM segments (A.7.1): Stlm = ST 2 (16-bit tile index), SP 1 (32-bit lengths); 6 bytes per tile-part. */
export function tlmSegments(parts: ReadonlyArray<{ tile: number; length: number }>): Uint8Array[] {
  const per = Math.floor((65535 - 4) / 6);
  const segs: Uint8Array[] = [];
  for (let i = 0; i < parts.length; i += per) {
    if (segs.length >= 256) throw new J2kError("INVALID_ARGUMENT", "too many tile-parts for TLM (256 segments)");
    const chunk = parts.slice(i, i + per);
    const L = 4 + 6 * chunk.length;
    const s = new Uint8Array(2 + L);
    s.set([0xff, 0x55, L >> 8, L & 255, segs.length, 0x60]);
    chunk.forEach((p, j) => {
      const at = 6 + 6 * j;
      s[at] = p.tile >> 8;
      s[at + 1] = p.tile & 255;
      writeU32(s, at + 2, p.length);
    });
    segs.push(s);
  }
  return segs;
}
