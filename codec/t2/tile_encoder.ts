// Running the packet encoder over one tile (B.9-B.12): the set-up both the size measurement of
// rate control (codec/rate/measure.ts, a dry run) and the codestream writer
// (codec/codestream/write_codestream.ts) need.

import { T2Context, T2_ENCODE } from "./context";
import { prepareResolutionForT2 } from "./packet_encoder";
import { tagTreeFinish } from "./tag_tree";
import { Tile, tileComp, resolution } from "../structure/tile";
import { arenaAllocZeroed } from "../util/arena";
import { cblkIterTile, cblkIterNextBand } from "../structure/cblk_iter";

/**
 * Reset the T2 state of a tile before a run: every packet unvisited and, unless `headers` is false,
 * the tag trees and sent passes (prepareResolutionForT2). `headers` false is for a run that codes
 * no packet header (the final write from kept headers, t2/packet_encoder.ts encodeKeptPacket).
 * Returns the packet count.
 */
export function t2TileReset(tile: Tile, layers: i32, headers: bool = true): i32 {
  let packets = 0;
  for (let c = 0; c < tile.numComps; c++) {
    let tc = tileComp(tile, c);
    for (let r = 0; r < tc.numRes; r++) {
      let res = resolution(tc, r);
      memory.fill(res.layersDone, 0, <usize>(res.pw * res.ph) * 4);
      if (headers) prepareResolutionForT2(res, layers, (tc.style.cblkStyle & 0x40) != 0);
      packets += res.pw * res.ph;
    }
  }
  return packets * layers;
}

/** An encoding T2 context for tile `t` (the caller sets the output and, for dry runs, `dry`/`layerBytes`). */
export function t2TileContext(tile: Tile, t: i32, layers: i32, tilePartMode: i32, plt: i32): T2Context {
  let tp = tile.params;
  let ctx = changetype<T2Context>(arenaAllocZeroed(offsetof<T2Context>()));
  ctx.mode = T2_ENCODE;
  ctx.tile = tile;
  ctx.tileIndex = t;
  ctx.numLayers = layers;
  ctx.sop = tp.g.sop;
  ctx.eph = tp.g.eph;
  ctx.tilePartMode = tilePartMode;
  ctx.plt = plt;
  return ctx;
}

/**
 * Allocate every piece of T2 state of the tile now (the tag trees' lazily allocated node states),
 * so that nothing T2 keeps lies above an arena mark the encoder later releases (rate control
 * codes the blocks again after a step refinement; T2 state must survive that).
 */
export function t2TileAllocate(tile: Tile): void {
  let it = cblkIterTile(tile);
  while (cblkIterNextBand(it)) {
    let pb = it.pb;
    if (pb.cw * pb.ch == 0) continue;
    tagTreeFinish(pb.incl);
    tagTreeFinish(pb.imsb);
  }
}
