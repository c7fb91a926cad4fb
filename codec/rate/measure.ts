// Exact codestream size per quality layer for the current layer assignment, by a dry run of T2
// (packet headers coded, bodies counted, not copied) plus the headers the writer adds: main
// header, TLM, SOT/SOD (and PLT) per tile-part, EOC. Rate control calls it to test a threshold
// against a byte budget; the result equals what codestream/write_codestream.ts writes.

import { EncodeJob, jobTile } from "../encode_job";
import { Tile } from "../structure/tile";
import { BitWriter } from "../t2/bit_writer";
import { runProgressions } from "../t2/progression";
import { t2TileReset, t2TileContext } from "../t2/tile_encoder";
import { mainHeaderLength } from "../codestream/write_codestream";
import { SOT_SOD_BYTES, PLT_HEADER_BYTES, tlmLength } from "../codestream/write_tile_parts";
import { arenaAlloc, arenaAllocZeroed } from "../util/arena";

/**
 * Bytes of the codestream up to the end of layer `l` (main header, tile-part headers, TLM, the
 * packets of layers 0..l, EOC); also stores the cumulative sizes of layers 0..l in f64 `sizes`.
 */
export function measureLayers(job: EncodeJob, l: i32, sizes: usize): f64 {
  let T = job.cs.siz.numTiles;
  let L = job.layers;
  if (job.mainHeaderLen == 0) job.mainHeaderLen = mainHeaderLength(job);
  // scratch for the packet headers, kept across calls
  for (let t = 0; t < T; t++) {
    let need = tileHeaderBound(jobTile(job, t));
    if (need > job.dryCap) {
      job.dryCap = need;
      job.dryBuf = arenaAlloc(need);
    }
  }
  let layerBytes = arenaAllocZeroed(<usize>L << 3);
  // Packets of layers after l do not change the bytes of layers 0..l (a packet's header depends on
  // its own and earlier layers only, B.10), so the run stops after layer l — unless tile-parts are
  // divided (the count of tile-parts, whose headers are counted in full, depends on every packet).
  let runLayers = job.tilePartMode == 0 ? min(l + 1, L) : L;
  let tileParts = 0;
  let fixed: f64 = <f64>job.mainHeaderLen + 2; // + EOC
  for (let t = 0; t < T; t++) {
    let tile = jobTile(job, t);
    t2TileReset(tile, L);
    let ctx = t2TileContext(tile, t, L, job.tilePartMode, job.plt);
    ctx.dry = 1;
    ctx.layerBytes = layerBytes;
    let bw = changetype<BitWriter>(arenaAllocZeroed(offsetof<BitWriter>()));
    bw.start = job.dryBuf;
    bw.pos = job.dryBuf;
    bw.end = job.dryBuf + job.dryCap;
    ctx.out = bw;
    runProgressions(ctx, tile, tile.params.poc, tile.params.g.progression, runLayers);
    tileParts += ctx.tileParts;
    fixed += <f64>(ctx.tileParts * (SOT_SOD_BYTES + (job.plt != 0 ? PLT_HEADER_BYTES : 0)));
  }
  if (job.tlm != 0) fixed += <f64>tlmLength(tileParts);
  let acc = fixed;
  for (let j = 0; j <= l; j++) {
    acc += load<f64>(layerBytes + (<usize>j << 3));
    store<f64>(sizes + (<usize>j << 3), acc);
  }
  return acc;
}

/** Bound of the packet-header bytes of one packet of the tile (for the dry-run scratch). */
function tileHeaderBound(tile: Tile): usize {
  return <usize>min(tile.numCblks * 64 + 65536, <i64>0x7fff0000);
}
