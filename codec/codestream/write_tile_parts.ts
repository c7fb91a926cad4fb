// Tile-part marker segments written by the encoder: SOT (A.4.2), PLT (A.7.3) and TLM (A.7.1).

import { Writer, wrU8, wrU16, wrU32, patchU16, patchU32 } from "../io/writer";
import { pltEntryBytes } from "../t2/packet_encoder";
import * as M from "./markers";

/** Bytes of an SOT marker segment (A.4.2: marker + Lsot 10) plus the SOD marker. */
export const SOT_SOD_BYTES: i32 = 14;

/** Bytes of a PLT marker segment besides its entries (marker, Lplt, Zplt). */
export const PLT_HEADER_BYTES: i32 = 5;

/** TLM entries per marker segment (Ltlm <= 65535; 4 bytes of Ltlm/Ztlm/Stlm, 6 bytes per entry). */
const TLM_PER_SEGMENT: i32 = (65535 - 4) / 6;

/** Bytes of the TLM marker segments for `n` tile-parts (A.7.1: Ttlm 16 bits, Ptlm 32 bits). */
export function tlmLength(n: i32): i32 {
  let segs = (n + TLM_PER_SEGMENT - 1) / TLM_PER_SEGMENT;
  return segs * 6 + n * 6;
}

/**
 * Write TLM marker segments with room for `n` tile-parts (Ztlm, Stlm = ST 2 (16-bit Ttlm) | SP 1
 * (32-bit Ptlm)); the entries are zero until tlmPatch() fills them.
 */
export function writeTlm(w: Writer, n: i32): void {
  let left = n, z = 0;
  while (left > 0) {
    let k = min(left, TLM_PER_SEGMENT);
    wrU16(w, M.TLM);
    wrU16(w, <u32>(4 + 6 * k));
    wrU8(w, <u32>z);
    wrU8(w, 0x60);
    for (let i = 0; i < k; i++) {
      wrU16(w, 0);
      wrU32(w, 0);
    }
    left -= k;
    z++;
  }
}

/** Fill TLM entry `entry` (tile index and tile-part length) of the segments written at `tlmAt`. */
export function tlmPatch(w: Writer, tlmAt: i32, entry: i32, tile: i32, psot: u32): void {
  let seg = entry / TLM_PER_SEGMENT, idx = entry % TLM_PER_SEGMENT;
  let at = tlmAt + seg * (6 + 6 * TLM_PER_SEGMENT) + 6 + idx * 6;
  patchU16(w, at, <u32>tile);
  patchU32(w, at + 2, psot);
}

/** SOT marker segment with Psot 0 (patched by sotPatchLength once the tile-part is written). */
export function writeSot(w: Writer, tile: i32, part: i32, numParts: i32): void {
  wrU16(w, M.SOT);
  wrU16(w, 10);
  wrU16(w, <u32>tile);
  wrU32(w, 0);
  wrU8(w, <u32>part);
  wrU8(w, <u32>numParts);
}

/** Set Psot of the SOT written at `sotAt` to the tile-part length. */
export function sotPatchLength(w: Writer, sotAt: i32, psot: u32): void {
  patchU32(w, sotAt + 6, psot);
}

/** PLT marker segments (A.7.3) for packets [p0, p1) whose lengths are the u32 at `lens`. */
export function writePlt(w: Writer, lens: usize, p0: i32, p1: i32): void {
  let z = 0;
  let p = p0;
  while (p < p1) {
    // gather entries up to 65535 - 3 bytes of Iplt per segment
    let q = p, bytes = 0;
    while (q < p1) {
      let b = pltEntryBytes(load<u32>(lens + (<usize>q << 2)));
      if (bytes + b > 65535 - 3) break;
      bytes += b;
      q++;
    }
    wrU16(w, M.PLT);
    wrU16(w, <u32>(3 + bytes));
    wrU8(w, <u32>(z & 0xff));
    for (let k = p; k < q; k++) {
      let v = load<u32>(lens + (<usize>k << 2));
      let n = pltEntryBytes(v);
      for (let i = n - 1; i >= 0; i--) wrU8(w, ((v >> (<u32>i * 7)) & 0x7f) | (i > 0 ? 0x80 : 0));
    }
    z++;
    p = q;
  }
}
