// A cursor over every code-block of one tile or of a list of tiles (tile, component, resolution,
// band, precinct, code-block order), with the enclosing records at hand. Rate control and the
// encoder's bookkeeping walk all blocks many times; this keeps those walks one loop each.
//
//   let it = cblkIterNew(tiles, numTiles);
//   while (cblkIterNext(it)) { ... it.cb, it.bd, it.tc ... }
//
// cblkIterNextBand steps by precinct-band instead (empty ones too), for walks of the bands' tag
// trees or of per-band counts.

import { Tile, TileComp, Resolution, Band, PrecinctBand, CodeBlock, tileComp, resolution, band, precinctBand, codeBlock } from "./tile";
import { arenaAllocZeroed } from "../util/arena";

@unmanaged
export class CblkIter {
  /** usize[numTiles] of Tile pointers. */
  tiles: usize;
  numTiles: i32;
  t: i32;
  c: i32;
  r: i32;
  k: i32;
  p: i32;
  i: i32;
  tile: Tile;
  tc: TileComp;
  res: Resolution;
  bd: Band;
  pb: PrecinctBand;
  cb: CodeBlock;
}

/** Cursor over the tiles in `tiles` (usize[numTiles]); call cblkIterNext before the first use. */
export function cblkIterNew(tiles: usize, numTiles: i32): CblkIter {
  let it = changetype<CblkIter>(arenaAllocZeroed(offsetof<CblkIter>()));
  it.tiles = tiles;
  it.numTiles = numTiles;
  it.t = -1;
  return it;
}

/** Cursor over one tile. */
export function cblkIterTile(tile: Tile): CblkIter {
  let slot = arenaAllocZeroed(sizeof<usize>());
  store<usize>(slot, changetype<usize>(tile));
  return cblkIterNew(slot, 1);
}

/** Advance to the next code-block; false when every block has been visited. */
export function cblkIterNext(it: CblkIter): bool {
  // resume inside the current precinct-band
  if (it.t >= 0) {
    it.i++;
    if (it.i < it.pb.cw * it.pb.ch) {
      it.cb = codeBlock(it.pb, it.i);
      return true;
    }
  }
  while (true) {
    if (it.t < 0 || !advanceOuter(it)) {
      // next tile
      it.t++;
      if (it.t >= it.numTiles) return false;
      it.tile = changetype<Tile>(load<usize>(it.tiles + (<usize>it.t << alignof<usize>())));
      it.c = -1;
      it.r = 0;
      it.k = 0;
      it.p = 0;
      if (!advanceOuter(it)) continue;
    }
    it.i = 0;
    if (it.pb.cw * it.pb.ch > 0) {
      it.cb = codeBlock(it.pb, 0);
      return true;
    }
  }
  return false;
}

/**
 * Advance to the next precinct-band (tile, component, resolution, band, precinct order: the order
 * of cblkIterNext's blocks), empty ones (no code-blocks) included; false when every precinct-band
 * has been visited. Sets it.t, c, r, k, p and it.tile, tc, res, bd, pb; leaves it.cb alone. A
 * tile without precinct-bands is skipped. Do not mix with cblkIterNext on one cursor.
 *
 *   let it = cblkIterNew(tiles, numTiles);
 *   while (cblkIterNextBand(it)) { let pb = it.pb; ... }
 */
export function cblkIterNextBand(it: CblkIter): bool {
  if (it.t >= 0 && it.t < it.numTiles && advanceOuter(it)) return true;
  while (true) {
    // next tile
    it.t++;
    if (it.t >= it.numTiles) {
      it.t = it.numTiles;
      return false;
    }
    it.tile = changetype<Tile>(load<usize>(it.tiles + (<usize>it.t << alignof<usize>())));
    it.c = -1;
    it.r = 0;
    it.k = 0;
    it.p = 0;
    if (advanceOuter(it)) return true;
  }
  return false;
}

/**
 * Move to the next precinct-band of the current tile (c, r, k, p); false when the tile is done.
 * A fresh tile has c = -1.
 */
function advanceOuter(it: CblkIter): bool {
  while (true) {
    if (it.c >= 0) {
      // next precinct, band, resolution, component
      it.p++;
      let np = it.res.pw * it.res.ph;
      if (it.p < np) {
        it.pb = precinctBand(it.bd, it.p);
        return true;
      }
      it.p = -1;
      it.k++;
      if (it.k < it.res.numBands) {
        it.bd = band(it.res, it.k);
        continue;
      }
      it.k = 0;
      it.r++;
      if (it.r < it.tc.numRes) {
        it.res = resolution(it.tc, it.r);
        it.bd = band(it.res, 0);
        continue;
      }
    }
    it.c++;
    if (it.c >= it.tile.numComps) return false;
    it.tc = tileComp(it.tile, it.c);
    it.r = 0;
    it.k = 0;
    it.p = -1;
    it.res = resolution(it.tc, 0);
    it.bd = band(it.res, 0);
  }
  return false;
}
