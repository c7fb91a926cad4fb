/**
 * Checking PLT/PLM lengths against the packets themselves before trusting them with a decode. A
 * PLT whose lengths add up to the right total can still be wrong packet by packet (two lengths
 * swapped): the needed packets of every precinct (always layers 0..n-1, read in order) are parsed
 * from the bytes fetched for the plan, and each header + body must fill exactly the length the
 * marker gave. With SOP markers the check is also that each packet starts with one where the
 * stream says so. Costs CPU only (the bytes are already there), and once per precinct and index: a
 * precinct whose layers were checked by an earlier decode is not parsed again (`checkedLayers`).
 * @module
 */
import type { DecodePlan } from "./plan.js";
import type { PlannedBytes } from "./assemble.js";
import { BitReader, PrecinctState, readPacketHeader } from "./packet_header.js";
import { joinBytes } from "../io/bytes.js";

/** Tiles of `plan` whose marker lengths disagree with their packets (with the reason). */
export function checkMarkerLengths(plan: DecodePlan, get: PlannedBytes): Array<{ tile: number; why: string }> {
  const bad: Array<{ tile: number; why: string }> = [];
  for (const pt of plan.tiles) {
    const pk = pt.packets;
    if (!pk || pk.source === "headers" || !pt.needed) continue;
    const g = pk.geometry;
    const states = new Map<number, PrecinctState>();
    const n = Math.min(pk.located, pk.present);
    const { component, resolution, precinct, layer } = pk.order;
    const keyOf = (k: number) => (component[k]! * 64 + resolution[k]!) * 2 ** 32 + precinct[k]!;
    // layers of each precinct this plan needs (always a prefix 0..L-1 of them)
    const want = new Map<number, number>();
    for (let k = 0; k < n; k++) {
      if (!pt.needed[k]) continue;
      const key = keyOf(k);
      want.set(key, Math.max(want.get(key) ?? 0, layer[k]! + 1));
    }
    const checked = pk.checkedLayers;
    try {
      for (let k = 0; k < n; k++) {
        if (!pt.needed[k]) continue;
        if (pk.packedHeader(k)) break; // packed headers: lengths came from the headers themselves
        const key = keyOf(k);
        if (checked && (checked.get(key) ?? 0) >= want.get(key)!) continue;
        const c = component[k]!, r = resolution[k]!, p = precinct[k]!;
        let st = states.get(key);
        if (!st) {
          st = new PrecinctState(g.comps[c]!.res[r]!, p);
          states.set(key, st);
        }
        const ranges = pk.ranges(k);
        const bytes = ranges.length === 1 ? get(ranges[0]!.offset, ranges[0]!.length) : joinBytes(ranges.map((x) => get(x.offset, x.length)));
        let at = 0;
        if (g.global.sop && bytes.length >= 6 && bytes[0] === 0xff && bytes[1] === 0x91) at = 6;
        const br = new BitReader(bytes, at, bytes.length, true);
        const h = readPacketHeader(br, st, layer[k]!, g.comps[c]!.style.cblkStyle, g.global.eph, ranges[0]!.offset, pk.tile);
        const total = at + h.headerLength + h.bodyLength;
        if (total !== bytes.length) {
          bad.push({ tile: pt.tile, why: `packet ${k} holds ${total} bytes by its header, ${bytes.length} by the marker` });
          break;
        }
      }
    } catch (e) {
      bad.push({ tile: pt.tile, why: `packet headers do not parse where the marker puts them (${(e as Error).message})` });
    }
    // remember what was checked, only for a tile that passed (a failing one is re-indexed anyway)
    if (checked && (bad.length === 0 || bad[bad.length - 1]!.tile !== pt.tile)) {
      for (const key of states.keys()) checked.set(key, Math.max(checked.get(key) ?? 0, want.get(key)!));
    }
  }
  return bad;
}
