/**
 * Checking PLT/PLM lengths against the packets themselves before trusting them with a decode. A
 * PLT whose lengths add up to the right total can still be wrong packet by packet (two lengths
 * swapped): the needed packets of every precinct (always layers 0..n-1, read in order) are parsed
 * from the bytes fetched for the plan, and each header + body must fill exactly the length the
 * marker gave. With SOP markers the check is also that each packet starts with one where the
 * stream says so. Costs CPU only (the bytes are already there).
 * @module
 */
import type { DecodePlan } from "./plan.js";
import type { PlannedBytes } from "./assemble.js";
import { BitReader, PrecinctState, readPacketHeader } from "./packet_header.js";

/** Tiles of `plan` whose marker lengths disagree with their packets (with the reason). */
export function checkMarkerLengths(plan: DecodePlan, get: PlannedBytes): Array<{ tile: number; why: string }> {
  const bad: Array<{ tile: number; why: string }> = [];
  for (const pt of plan.tiles) {
    const pk = pt.packets;
    if (!pk || pk.source === "headers" || !pt.needed) continue;
    const g = pk.geometry;
    const states = new Map<string, PrecinctState>();
    const n = Math.min(pk.located, pk.present);
    try {
      for (let k = 0; k < n; k++) {
        if (!pt.needed[k]) continue;
        if (pk.packedHeader(k)) break; // packed headers: lengths came from the headers themselves
        const c = pk.order.component[k]!, r = pk.order.resolution[k]!, p = pk.order.precinct[k]!;
        const key = `${c}/${r}/${p}`;
        let st = states.get(key);
        if (!st) {
          st = new PrecinctState(g.comps[c]!.res[r]!, p);
          states.set(key, st);
        }
        const ranges = pk.ranges(k);
        const bytes = ranges.length === 1 ? get(ranges[0]!.offset, ranges[0]!.length) : concat(ranges.map((x) => get(x.offset, x.length)));
        let at = 0;
        if (g.global.sop && bytes.length >= 6 && bytes[0] === 0xff && bytes[1] === 0x91) at = 6;
        const br = new BitReader(bytes, at, bytes.length, true);
        const h = readPacketHeader(br, st, pk.order.layer[k]!, g.comps[c]!.style.cblkStyle, g.global.eph, ranges[0]!.offset, pk.tile);
        const total = at + h.headerLength + h.bodyLength;
        if (total !== bytes.length) {
          bad.push({ tile: pt.tile, why: `packet ${k} holds ${total} bytes by its header, ${bytes.length} by the marker` });
          break;
        }
      }
    } catch (e) {
      bad.push({ tile: pt.tile, why: `packet headers do not parse where the marker puts them (${(e as Error).message})` });
    }
  }
  return bad;
}

function concat(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
