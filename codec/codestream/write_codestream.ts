// Writing the encoder's codestream (Annex A): main header, then the tile-parts of every tile
// (split by resolution/layer/component on request) with SOT, optional PLT and TLM, then EOC.
// The packets come from T2 (codec/t2/tile_encoder.ts) with the layer assignment rate control made.

import { EncodeJob, jobTile, jobQuant } from "../encode_job";
import { QuantStyle, CodingStyle, MAX_BANDS } from "./params";
import { writeSiz, writeCap, writeCod, writeCoc, writeQcd, writeQcc, writeRgn, writeCom, writePoc } from "./write_headers";
import { SOT_SOD_BYTES, tlmLength, writeTlm, tlmPatch, writeSot, sotPatchLength, writePlt } from "./write_tile_parts";
import * as M from "./markers";
import { Tile, tileComp, resolution } from "../structure/tile";
import { cblkIterTile, cblkIterNext } from "../structure/cblk_iter";
import { BitWriter } from "../t2/bit_writer";
import { runProgressions } from "../t2/progression";
import { t2TileReset, t2TileContext } from "../t2/tile_encoder";
import { KeptHeaders } from "../t2/context";
import { blockDataBound } from "../t2/packet_encoder";
import { passesRate } from "../t1/pass_record";
import { Writer, writerInit, wrU16, wrBytes, writerLength } from "../io/writer";
import { arenaAlloc, arenaAllocZeroed } from "../util/arena";
import { fail } from "../util/fail";
import { ERR_ENCODE_OPTIONS, ERR_LIMIT_MEMORY } from "../util/error_codes";
import { CHECK_TILE_PARTS } from "../api_fields";
import { stageEnter, stageLeave, STAGE_WRITE } from "../util/stages";

/** Write the main header (SOC ... up to the first SOT, TLM excluded). */
function writeMainHeader(w: Writer, job: EncodeJob): void {
  let cs = job.cs;
  let C = cs.siz.Csiz;
  wrU16(w, M.SOC);
  let ht = (cs.cod.cblkStyle & 0x40) != 0;
  if (ht) cs.siz.Rsiz |= 0x4000; // ISO/IEC 15444-15 A.2: Rsiz bit 14, HT code-blocks present
  writeSiz(w, cs.siz);
  if (ht) writeCap(w, htCcap15(job));
  writeCod(w, cs.gcod, cs.cod);
  // COC of components with their own coding style (codec/transcode.ts keeps the input's; the
  // encoder sets none)
  for (let c = 0; c < C; c++) {
    let s = load<usize>(cs.coc + (<usize>c << alignof<usize>()));
    if (s != 0) writeCoc(w, c, C, changetype<CodingStyle>(s));
  }
  let q0 = jobQuant(job, 0);
  writeQcd(w, q0);
  for (let c = 1; c < C; c++) {
    let q = jobQuant(job, c);
    if (!sameQuant(q, q0)) writeQcc(w, c, C, q);
  }
  // ROI max-shift per component (codec/transcode.ts keeps the input's; the encoder sets none)
  for (let c = 0; c < C; c++) {
    let shift = load<i32>(cs.rgn + (<usize>c << 2));
    if (shift != 0) writeRgn(w, c, C, shift);
  }
  if (cs.poc.count > 0) writePoc(w, cs.poc, C);
  if (job.commentLen > 0) writeCom(w, job.comment, job.commentLen);
}

/**
 * Ccap15 of an HT codestream (ISO/IEC 15444-15 A.3): bits 15-14 = 0 (every code-block is HT), bit 13
 * some code-block sends more than one HT set (a later layer replaces the set of an earlier one:
 * codec/rate/ht_layers.ts), bit 5 irreversible path, bits 4-0 MAGB for
 * B_p = the largest Mb (+ ROI shift) of any band (B_p <= 27: MAGB = max(B_p - 8, 0); up to 71: 19 + ceil((B_p - 27) / 4);
 * else 31).
 */
function htCcap15(job: EncodeJob): i32 {
  let cs = job.cs;
  let bp = 0;
  let nb = 3 * cs.cod.levels + 1;
  for (let c = 0; c < cs.siz.Csiz; c++) {
    let q = jobQuant(job, c);
    for (let b = 0; b < nb; b++) {
      let e = <i32>(load<u16>(q.steps + (<usize>min(b, q.count - 1) << 1)) >> 11);
      bp = max(bp, q.guard + e - 1 + load<i32>(cs.rgn + (<usize>c << 2)));
    }
  }
  let magb = bp <= 27 ? max(bp - 8, 0) : bp <= 71 ? 19 + (bp - 27 + 3) / 4 : 31;
  let v = magb;
  if (job.layers > 1 && htMultiSetStream(job)) v |= 0x2000;
  let irreversible = cs.cod.reversible == 0;
  for (let c = 0; c < cs.siz.Csiz; c++) {
    let s = load<usize>(cs.coc + (<usize>c << alignof<usize>()));
    if (s != 0 && changetype<CodingStyle>(s).reversible == 0) irreversible = true;
  }
  if (irreversible) v |= 0x0020;
  return v;
}

/** Does any code-block send passes of two HT sets (its first contribution's and its last layer's)? */
function htMultiSetStream(job: EncodeJob): bool {
  let L = job.layers;
  for (let t = 0; t < job.cs.siz.numTiles; t++) {
    let it = cblkIterTile(jobTile(job, t));
    while (cblkIterNext(it)) {
      let lp = it.cb.encLayerPasses;
      if (lp == 0) return true; // (not assigned yet: the header's length is the same either way)
      let last = load<i32>(lp + (<usize>(L - 1) << 2));
      for (let l = 0; l < L; l++) {
        let n = load<i32>(lp + (<usize>l << 2));
        if (n == 0) continue;
        if ((n - 1) / 3 != (last - 1) / 3) return true;
        break;
      }
    }
  }
  return false;
}

function sameQuant(a: QuantStyle, b: QuantStyle): bool {
  if (a.style != b.style || a.guard != b.guard || a.count != b.count) return false;
  for (let i = 0; i < a.count; i++) {
    if (load<u16>(a.steps + (<usize>i << 1)) != load<u16>(b.steps + (<usize>i << 1))) return false;
  }
  return true;
}

/** Bytes of the main header (without TLM) with the current parameters. */
export function mainHeaderLength(job: EncodeJob): i32 {
  let C = job.cs.siz.Csiz;
  let cap = <usize>4096 + <usize>C * (64 + 2 * MAX_BANDS * 2) + <usize>job.commentLen + <usize>job.cs.poc.count * 16;
  let scratch = arenaAlloc(cap);
  let w = changetype<Writer>(arenaAllocZeroed(offsetof<Writer>()));
  writerInit(w, scratch, cap);
  writeMainHeader(w, job);
  return writerLength(w);
}

/** Packets of one tile, with their lengths and tile-part keys. */
@unmanaged
class TileOutput {
  data: usize;
  len: i32;
  packets: i32;
  lens: usize;
  keys: usize;
  tileParts: i32;
}

/** Upper bound of the bytes the T2 of a tile can produce. */
function tileBound(job: EncodeJob, tile: Tile): usize {
  let L = <u64>job.layers;
  let total: u64 = 1024;
  // headers: up to 16 bytes per packet and 8 per block and layer; bodies: every codeword byte
  for (let c = 0; c < tile.numComps; c++) {
    let tc = tileComp(tile, c);
    for (let r = 0; r < tc.numRes; r++) {
      let res = resolution(tc, r);
      total += <u64>(res.pw * res.ph) * L * 16;
    }
  }
  let it = cblkIterTile(tile);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    total += L * 8 + 16 + <u64>cb.encNumPasses * 6;
    total += blockDataBound(cb, it.tc.style.cblkStyle);
  }
  if (total > 0x7fff0000) fail(ERR_LIMIT_MEMORY, -1, <i32>min(total >> 10, <u64>0x7fffffff), 0x1fffc0);
  return <usize>total;
}

/** T2 of tile t into a fresh buffer (`kept`: the packet headers rate control kept, or 0). */
function tileData(job: EncodeJob, t: i32, kept: usize): TileOutput {
  let tile = jobTile(job, t);
  let numPackets = t2TileReset(tile, job.layers, kept == 0);
  let cap = tileBound(job, tile);
  let out = changetype<TileOutput>(arenaAllocZeroed(offsetof<TileOutput>()));
  out.data = arenaAlloc(cap);
  out.lens = arenaAlloc(<usize>max(numPackets, 1) * 4);
  out.keys = arenaAlloc(<usize>max(numPackets, 1) * 4);
  let ctx = t2TileContext(tile, t, job.layers, job.tilePartMode, job.plt);
  ctx.packetLens = out.lens;
  ctx.packetKeys = out.keys;
  ctx.packetLensCap = numPackets;
  if (kept != 0) {
    ctx.kept = kept;
    ctx.keptTc = changetype<KeptHeaders>(kept).tcs + (<usize>load<i32>(changetype<KeptHeaders>(kept).tiles + (<usize>t << 2)) << 2);
  }
  let bw = changetype<BitWriter>(arenaAllocZeroed(offsetof<BitWriter>()));
  bw.start = out.data;
  bw.pos = out.data;
  bw.end = out.data + cap;
  ctx.out = bw;
  runProgressions(ctx, tile, tile.params.poc, tile.params.g.progression, job.layers);
  out.len = <i32>(bw.pos - out.data);
  out.packets = ctx.packets;
  // A tile without packets holds no sample of any component (B.3: every tile-component empty, so
  // every resolution has no precinct, B.6). It gets no tile-part at all, as Kakadu writes such
  // tiles: OpenJPEG 2.5 and Grok refuse an SOT + SOD with an empty body ("Failed to decode tile"),
  // and decoders treat a tile without tile-parts as having no data. TLM lists only the tile-parts
  // written (Ttlm names the tile of each), and rate/measure.ts counts none for such a tile.
  out.tileParts = ctx.packets > 0 ? ctx.tileParts : 0;
  if (out.tileParts > 255) fail(ERR_ENCODE_OPTIONS, -1, CHECK_TILE_PARTS, out.tileParts);
  return out;
}

/**
 * Main header, TLM, the tile-parts of every tile, EOC into job.out / job.outLen. `kept`: the packet
 * headers rate control's trials coded for the final assignment (rate/measure.ts measureTakeHeaders;
 * t2/context.ts KeptHeaders), copied instead of coded again; 0: T2 codes them.
 */
export function writeCodestream(job: EncodeJob, kept: usize = 0): void {
  stageEnter(STAGE_WRITE);
  let T = job.cs.siz.numTiles;
  let outs = arenaAlloc(<usize>T * sizeof<usize>());
  let total: u64 = 0;
  let totalParts = 0;
  for (let t = 0; t < T; t++) {
    let o = tileData(job, t, kept);
    store<usize>(outs + (<usize>t << alignof<usize>()), changetype<usize>(o));
    total += <u64>o.len + <u64>o.tileParts * <u64>SOT_SOD_BYTES + <u64>o.packets * 5 + <u64>o.tileParts * 16;
    totalParts += o.tileParts;
  }
  if (job.tileHeaders != 0) {
    for (let t = 0; t < T; t++) {
      let b = load<usize>(job.tileHeaders + (<usize>t << alignof<usize>()));
      if (b != 0) total += <u64>load<u32>(b);
    }
  }
  let cap = total + <u64>mainHeaderLength(job) + <u64>tlmLength(totalParts) + 64;
  if (cap > 0x7fff0000) fail(ERR_LIMIT_MEMORY, -1, <i32>min(cap >> 10, <u64>0x7fffffff), 0x1fffc0);
  let buf = arenaAlloc(<usize>cap);
  let w = changetype<Writer>(arenaAllocZeroed(offsetof<Writer>()));
  writerInit(w, buf, <usize>cap);
  writeMainHeader(w, job);
  // (some tile has a tile-part: the host refuses components without samples, src/encode.ts)
  let tlmAt = writerLength(w);
  if (job.tlm != 0) writeTlm(w, totalParts);
  let tlmEntry = 0;
  for (let t = 0; t < T; t++) {
    let o = changetype<TileOutput>(load<usize>(outs + (<usize>t << alignof<usize>())));
    let p = 0;
    let dataPos: usize = 0;
    for (let part = 0; part < o.tileParts; part++) {
      // packets of this tile-part: a run with the same key
      let q = p;
      if (o.packets > 0) {
        let key = load<i32>(o.keys + (<usize>p << 2));
        q = p + 1;
        while (q < o.packets && load<i32>(o.keys + (<usize>q << 2)) == key) q++;
      }
      let bytes: usize = 0;
      for (let k = p; k < q; k++) bytes += <usize>load<u32>(o.lens + (<usize>k << 2));
      if (o.packets == 0) bytes = <usize>o.len;
      let sotAt = writerLength(w);
      writeSot(w, t, part, o.tileParts);
      if (part == 0 && job.tileHeaders != 0) {
        let b = load<usize>(job.tileHeaders + (<usize>t << alignof<usize>()));
        if (b != 0) wrBytes(w, b + 4, <usize>load<u32>(b));
      }
      if (job.plt != 0 && q > p) writePlt(w, o.lens, p, q);
      wrU16(w, M.SOD);
      wrBytes(w, o.data + dataPos, bytes);
      dataPos += bytes;
      let psot = <u32>(writerLength(w) - sotAt);
      sotPatchLength(w, sotAt, psot);
      if (job.tlm != 0) tlmPatch(w, tlmAt, tlmEntry++, t, psot);
      p = q;
    }
  }
  wrU16(w, M.EOC);
  job.out = buf;
  job.outLen = writerLength(w);
  stageLeave(STAGE_WRITE);
}
