/**
 * One JPIP response: the messages of a view-window in a useful order, minus what the cache model
 * says the client holds, cut at the byte limit, ended by an EOR message (D.3).
 *
 * Order (JPP-stream): main header data-bin, metadata-bin 0, the tile header data-bins of the
 * window's tiles, then packets layer by layer and within a layer resolution by resolution (tile,
 * component, precinct inside): the first bytes already decode to a coarse image of the whole
 * window, later ones refine it. Every message carries one packet (or the rest of it), so that
 * readers that map messages to packets (OpenJPEG's) work too. JPT-stream: main header, metadata,
 * then the window's tiles' tile data-bins, one tile-part per message.
 * @module
 */
import type { DecodeArea } from "../codestream/plan.js";
import type { TargetBins, PacketPiece, PrecinctBin } from "./databins.js";
import { BinClass, EorReason, MessageWriter } from "./messages.js";
import type { CacheModel } from "./model.js";
import { needs } from "./model.js";
import type { ModelClass, ModelItem, TilePartItem } from "./request.js";
import type { ResolvedWindow } from "./window.js";

/** What a response is made from. */
export interface ResponsePlan {
  bins: TargetBins;
  model: CacheModel;
  window: ResolvedWindow;
  area: DecodeArea;
  tiles: number[];
  type: "jpp-stream" | "jpt-stream";
  /** Maximum bytes of messages (the `len` field); the EOR message comes on top. */
  len?: number;
  need?: ModelItem[];
  tpmodel?: TilePartItem[];
  /** Polled between messages: a reason code to stop with (window change, response limit). */
  stop?: () => number | undefined;
}

/** Statistics of a response (for logs, tests and the benchmark). */
export interface ResponseStats {
  messages: number;
  /** Bytes of data-bin messages (headers included), not counting the EOR. */
  bytes: number;
  eor: number;
}

/** Packets read per batch (bounded memory: a batch is read, sent, dropped). */
const BATCH_BYTES = 4 << 20;

/**
 * The response as chunks of bytes (each a run of whole messages). `stats` is filled as it goes;
 * the last chunk holds the EOR message.
 */
export async function* respond(plan: ResponsePlan, stats: ResponseStats): AsyncGenerator<Uint8Array> {
  const w = new MessageWriter();
  const budget = plan.len ?? Infinity;
  let out: Uint8Array[] = [];
  let outBytes = 0;
  let limited = false;
  const model = plan.model;

  /** Queue the part of [start, end) of a data-bin the client lacks; false when the byte limit stops it. */
  const send = (cls: number, mcls: ModelClass, id: number, data: Uint8Array, start: number, complete: boolean, layerStart?: readonly number[]): boolean => {
    if (plan.need && !needs(plan.need, mcls, id)) return true;
    const held = model.bytes(mcls, id, layerStart);
    const end = start + data.length;
    // (an empty or fully held data-bin still gets a zero-length message carrying its completion)
    if (held === Infinity || (held >= end && !complete)) return true;
    let from = Math.min(Math.max(start, held), end);
    let to = end;
    const room = budget - stats.bytes;
    const hlen = w.headerLength({ cls, id, csn: 0, offset: from, length: to - from, complete, ...(cls & 1 ? { aux: 0 } : {}) });
    if (hlen + (to - from) > room) {
      const fit = room - hlen - 1;
      if (fit <= 0) {
        limited = true;
        return false;
      }
      to = from + fit;
      limited = true;
    }
    const isComplete = complete && to === end;
    const msg = w.data({ cls, id, csn: 0, offset: from, complete: isComplete, data: data.subarray(from - start, to - start) });
    out.push(msg);
    outBytes += msg.length;
    stats.bytes += msg.length;
    stats.messages++;
    model.add(mcls, id, isComplete ? Infinity : to);
    from = to;
    return !limited;
  };
  const flush = function* (): Generator<Uint8Array> {
    if (out.length === 0) return;
    const chunk = out.length === 1 ? out[0]! : concatAll(out, outBytes);
    out = [];
    outBytes = 0;
    yield chunk;
  };
  const finish = function* (reason: number): Generator<Uint8Array> {
    stats.eor = reason;
    out.push(w.eor(reason));
    outBytes += out[out.length - 1]!.length;
    yield* flush();
  };

  const mh = await plan.bins.mainHeader();
  if (!send(BinClass.MAIN_HEADER, "main", 0, mh, 0, true)) return yield* finish(EorReason.BYTE_LIMIT);
  const meta = plan.bins.metadata();
  if (meta && !send(BinClass.METADATA, "meta", 0, meta, 0, true)) return yield* finish(EorReason.BYTE_LIMIT);
  yield* flush();
  if (plan.window.empty || plan.tiles.length === 0) return yield* finish(EorReason.WINDOW_DONE);

  const stopped = (): number | undefined => plan.stop?.();

  if (plan.type === "jpt-stream") {
    for (const t of plan.tiles) {
      const r0 = stopped();
      if (r0) return yield* finish(r0);
      const parts = await plan.bins.tileData(t);
      const held = new Set((plan.tpmodel ?? []).filter((x) => x.tile === t).map((x) => x.part));
      let start = 0;
      // tile-parts the client holds (tpmodel) that form a prefix count as held bytes
      let prefix = 0;
      for (let i = 0; i < parts.length && held.has(i); i++) prefix += parts[i]!.length;
      if (prefix) model.add("tile", t, prefix === parts.reduce((a, p) => a + p.length, 0) ? Infinity : prefix);
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        const have = model.bytes("tile", t);
        if (have < start + p.length) {
          const bytes = await plan.bins.read(p.offset, p.length);
          if (!send(BinClass.TILE, "tile", t, bytes, start, i === parts.length - 1)) return yield* finish(EorReason.BYTE_LIMIT);
          yield* flush();
        }
        start += p.length;
      }
    }
    return yield* finish(doneReason(plan));
  }

  for (const t of plan.tiles) {
    const th = await plan.bins.tileHeader(t);
    if (!send(BinClass.TILE_HEADER, "tileHeader", t, th, 0, true)) return yield* finish(EorReason.BYTE_LIMIT);
  }
  yield* flush();
  const precincts: PrecinctBin[] = [];
  for (const t of plan.tiles) {
    const r0 = stopped();
    if (r0) return yield* finish(r0);
    precincts.push(...(await plan.bins.precincts(t, plan.area)));
  }
  let maxLayers = 0, maxRes = 0;
  for (const p of precincts) {
    maxLayers = Math.max(maxLayers, p.packets.length);
    maxRes = Math.max(maxRes, p.r);
  }
  // group by resolution once
  const byRes: PrecinctBin[][] = Array.from({ length: maxRes + 1 }, () => []);
  for (const p of precincts) byRes[p.r]!.push(p);
  for (let l = 0; l < maxLayers; l++) {
    for (let r = 0; r <= maxRes; r++) {
      // the packets of this (layer, resolution) the client lacks, read in batches
      let batch: Array<{ bin: PrecinctBin; piece: PacketPiece }> = [];
      let batchBytes = 0;
      const run = async function* (): AsyncGenerator<Uint8Array, boolean> {
        const bytes = await plan.bins.packetBytes(batch.map((b) => b.piece));
        for (let i = 0; i < batch.length; i++) {
          const { bin } = batch[i]!;
          const why = stopped();
          if (why) {
            yield* finish(why);
            return false;
          }
          const lastLayer = l === bin.layers - 1;
          if (!send(BinClass.PRECINCT, "precinct", bin.id, bytes[i]!, bin.layerStart[l]!, lastLayer, bin.layerStart)) {
            yield* finish(EorReason.BYTE_LIMIT);
            return false;
          }
          if (outBytes >= 64 << 10) yield* flush();
        }
        yield* flush();
        batch = [];
        batchBytes = 0;
        return true;
      };
      for (const bin of byRes[r]!) {
        if (l >= bin.packets.length) continue;
        const piece = bin.packets[l]!;
        if (model.bytes("precinct", bin.id, bin.layerStart) >= bin.layerStart[l + 1]!) continue;
        if (plan.need && !needs(plan.need, "precinct", bin.id)) continue;
        batch.push({ bin, piece });
        batchBytes += piece.length;
        if (batchBytes >= BATCH_BYTES && !(yield* run())) return;
      }
      if (batch.length && !(yield* run())) return;
    }
  }
  return yield* finish(doneReason(plan));
}

/** Image done when the window is the whole image at full resolution, quality and components. */
function doneReason(plan: ResponsePlan): number {
  const w = plan.window;
  const main = plan.bins.index.main;
  const full =
    w.reduce === 0 &&
    w.roff[0] === 0 &&
    w.roff[1] === 0 &&
    w.rsiz[0] === w.fsiz[0] &&
    w.rsiz[1] === w.fsiz[1] &&
    (w.layers === 0 || w.layers >= main.global.layers) &&
    (!w.comps || w.comps.length === main.siz.components.length) &&
    !plan.need;
  return full ? EorReason.IMAGE_DONE : EorReason.WINDOW_DONE;
}

function concatAll(parts: Uint8Array[], total: number): Uint8Array {
  const b = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    b.set(p, o);
    o += p.length;
  }
  return b;
}
