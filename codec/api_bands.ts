// Work-balanced row bands for threaded decoding (src/worker/threads.ts). Each worker decodes a band
// of rows as a region; with equal-height bands the busier half of an image (texture, noise) keeps
// one worker running long after the other is done. This entry point estimates where the decoding
// work lies: T2 (Annex B.9-B.10) of every tile with the whole image as window, then each
// code-block's cost — its codeword bytes (T1 decodes one MQ symbol per few bits) and its samples
// (dequantisation, inverse DWT, output) — spread over the reference-grid rows the block covers
// (a block of a sub-band of decomposition level nb covers about 2^nb component rows, B.5).
// Every worker computes the same cuts from the same codestream, so the bands tile the image.
//   jobBegin → alloc+copy the codestream → decoderParse → decoderBandCuts

import { Codestream, TileParams, resolveTile } from "./codestream/header";
import { buildTile, tileComp, resolution, band, precinctBand, codeBlock } from "./structure/tile";
import { setWindows } from "./structure/window";
import { DecodeJob, readTilePackets, tileToDecode } from "./decoder";
import { parsedCodestream } from "./parsed_codestream";
import { arenaAllocArrayZeroed, arenaAllocZeroed, arenaMark, arenaRelease } from "./util/arena";
import { fail } from "./util/fail";
import { ERR_INVALID_ARGUMENT } from "./util/error_codes";

/**
 * Cut the image of the codestream parsed last into `n` bands of rows of about equal decoding work
 * (all `layers`, 0 = all, full resolution), every band at least `minRows` rows; a code-block's
 * work is `byteWeight` per codeword byte plus one per sample. Writes the n + 1
 * band boundaries (i32, image rows: 0 first, the image height last) at `out`. Returns n, or 0 when
 * the image cannot be cut that way (too few rows); the arena is left as it was.
 *
 * Cuts fall in the middle of a row of the finest level's code-blocks (reference rows 2^ycb' mod
 * 2^(ycb'+1), B.7): a cut on a block boundary makes both bands decode the block rows on either side
 * of it (the DWT margin reaches across), a cut mid-block only the one row it falls in — and so at
 * every coarser level too (the cut is an odd multiple of 2^ycb', never a multiple of a coarser
 * level's block height).
 */
export function decoderBandCuts(layers: i32, allowPartial: i32, maxCblks: f64, n: i32, minRows: i32, byteWeight: f64, out: usize): i32 {
  let csp = parsedCodestream();
  if (csp == 0 || n < 1 || n > 64 || minRows < 1) fail(ERR_INVALID_ARGUMENT, -1, n, minRows);
  let cs = changetype<Codestream>(csp);
  let siz = cs.siz;
  let H = siz.Ysiz - siz.YOsiz;
  if (<i64>n * <i64>minRows > <i64>H) return 0;
  let mark = arenaMark();
  let bins = arenaAllocArrayZeroed(<u64>H + 1, 8); // cost per row, then prefix sums
  let job = changetype<DecodeJob>(arenaAllocZeroed(offsetof<DecodeJob>()));
  job.cs = cs;
  job.layers = layers;
  job.allowPartial = allowPartial;
  job.rx0 = siz.XOsiz;
  job.ry0 = siz.YOsiz;
  job.rx1 = siz.Xsiz;
  job.ry1 = siz.Ysiz;
  job.maxCblks = <i64>maxCblks;
  let period: i64 = 0; // 2^(ycb'+1) reference rows: code-block rows of the finest level
  let probe = changetype<TileParams>(arenaAllocZeroed(offsetof<TileParams>()));
  for (let t = 0; t < siz.numTiles; t++) {
    if (!tileToDecode(job, t, probe)) continue;
    let tmark = arenaMark();
    let tp = resolveTile(cs, t);
    let tile = buildTile(cs, tp, job.maxCblks, true);
    for (let c = 0; c < tile.numComps; c++) {
      let tc = tileComp(tile, c);
      let R = tc.numRes - 1;
      let top = resolution(tc, R);
      tc.topRes = R;
      setWindows(tc, R, top.x0, top.y0, top.x1, top.y1, false);
      if (period == 0 && R > 0) period = (<i64>1 << (band(top, 0).cbh + 1)) * <i64>tc.dy;
    }
    readTilePackets(job, tile, t, tp);
    for (let c = 0; c < tile.numComps; c++) {
      let tc = tileComp(tile, c);
      let R = tc.numRes - 1;
      let dy = <f64>tc.dy;
      for (let r = 0; r <= R; r++) {
        let res = resolution(tc, r);
        let level = r == 0 ? R : R - r + 1; // decomposition level nb of the resolution's bands
        let scale = <f64>(<i64>1 << level) * dy;
        let np = res.pw * res.ph;
        for (let b = 0; b < res.numBands; b++) {
          let bd = band(res, b);
          for (let p = 0; p < np; p++) {
            let pb = precinctBand(bd, p);
            let m = pb.cw * pb.ch;
            for (let i = 0; i < m; i++) {
              let cb = codeBlock(pb, i);
              let cost = byteWeight * <f64>cb.dataLen + <f64>(cb.x1 - cb.x0) * <f64>(cb.y1 - cb.y0);
              spread(bins, H, <f64>cb.y0 * scale - <f64>siz.YOsiz, <f64>cb.y1 * scale - <f64>siz.YOsiz, cost);
            }
          }
        }
      }
    }
    arenaRelease(tmark);
  }
  if (period < 2) period = 2;
  // prefix sums: bins[y] = work of rows [0, y)
  let acc: f64 = 0;
  for (let y = 0; y <= H; y++) {
    let v = load<f64>(bins + (<usize>y << 3));
    store<f64>(bins + (<usize>y << 3), acc);
    acc += v;
  }
  let total = acc;
  store<i32>(out, 0);
  store<i32>(out + (<usize>n << 2), H);
  let half = period >> 1;
  let y0 = <i64>siz.YOsiz;
  for (let k = 1; k < n; k++) {
    let lo = <i64>load<i32>(out + (<usize>(k - 1) << 2)) + <i64>minRows;
    let hi = <i64>H - <i64>(n - k) * <i64>minRows;
    // candidates: image rows y with y + YOsiz = half + j·period, within [lo, hi]
    let jlo = ceilDivI64(lo + y0 - half, period), jhi = floorDivI64(hi + y0 - half, period);
    if (jhi < jlo) {
      arenaRelease(mark);
      return 0;
    }
    let target = total * <f64>k / <f64>n;
    let best: i64 = -1;
    let bestErr: f64 = Infinity;
    for (let j = jlo; j <= jhi; j++) {
      let y = half + j * period - y0;
      let err = abs(load<f64>(bins + (<usize>y << 3)) - target);
      if (err < bestErr) {
        bestErr = err;
        best = y;
      }
    }
    store<i32>(out + (<usize>k << 2), <i32>best);
  }
  arenaRelease(mark);
  return n;
}

function floorDivI64(a: i64, b: i64): i64 {
  let q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

function ceilDivI64(a: i64, b: i64): i64 {
  return -floorDivI64(-a, b);
}

/** Add `cost` spread evenly over rows [y0, y1) (clamped to [0, H)) to the per-row `bins`. */
function spread(bins: usize, H: i32, y0: f64, y1: f64, cost: f64): void {
  if (cost <= 0) return;
  let a = max(y0, 0.0), b = min(y1, <f64>H);
  if (b <= a) {
    // a block of no image rows (sub-sampling, image edge): count it where it starts
    let k = <i32>min(max(floor(y0), 0.0), <f64>(H - 1));
    store<f64>(bins + (<usize>k << 3), load<f64>(bins + (<usize>k << 3)) + cost);
    return;
  }
  let per = cost / (b - a);
  let k0 = <i32>floor(a), k1 = <i32>min(ceil(b) - 1, <f64>(H - 1));
  for (let k = k0; k <= k1; k++) {
    let s = max(a, <f64>k), e = min(b, <f64>(k + 1));
    if (e > s) store<f64>(bins + (<usize>k << 3), load<f64>(bins + (<usize>k << 3)) + per * (e - s));
  }
}
