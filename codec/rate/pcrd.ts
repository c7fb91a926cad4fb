// Rate control: which coding passes of each code-block go into each quality layer.
// Without targets every pass goes into the first layer (lossless, or a fixed quantisation).

import { EncodeJob, jobTile } from "../encoder";
import { Tile, TileComp, Resolution, Band, PrecinctBand, CodeBlock, tileComp, resolution, band, precinctBand, codeBlock } from "../structure/tile";

/** Fill CodeBlock.encLayerPasses (cumulative passes per layer) for every block of every tile. */
export function allocateLayers(job: EncodeJob): void {
  let T = job.cs.siz.numTiles;
  for (let t = 0; t < T; t++) {
    let tile = jobTile(job, t);
    for (let c = 0; c < tile.numComps; c++) {
      let tc = tileComp(tile, c);
      for (let r = 0; r < tc.numRes; r++) {
        let res = resolution(tc, r);
        let np = res.pw * res.ph;
        for (let k = 0; k < res.numBands; k++) {
          let bd = band(res, k);
          for (let p = 0; p < np; p++) {
            let pb = precinctBand(bd, p);
            let n = pb.cw * pb.ch;
            for (let i = 0; i < n; i++) {
              let cb = codeBlock(pb, i);
              for (let l = 0; l < job.layers; l++) store<i32>(cb.encLayerPasses + (<usize>l << 2), cb.encNumPasses);
            }
          }
        }
      }
    }
  }
}
