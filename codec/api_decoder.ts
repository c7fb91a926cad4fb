// Decoder exports (C-like ABI). The host: jobBegin → alloc+copy the codestream → decoderParse →
// header getters → decoderRun → decoderPlane* → pack kernels → copy out.

import { Codestream, parseCodestream, MarkerRec, TilePart, tilePart } from "./codestream/header";
import { compSiz, ppx, ppy, CodingStyle } from "./codestream/params";
import { DecodeJob, decodeSetup, decodeTiles, plane, Plane } from "./decoder";
import { arenaAllocZeroed } from "./util/arena";

let gCs: usize = 0;
let gJob: usize = 0;

/** Parse the main header and index the tile-parts of the codestream at [ptr, ptr+len). Returns Csiz. */
export function decoderParse(ptr: usize, len: i32): i32 {
  gJob = 0;
  gCs = 0;
  let cs = parseCodestream(ptr, len);
  gCs = changetype<usize>(cs);
  return cs.siz.Csiz;
}

// @ts-ignore: decorator
@inline
function cs(): Codestream {
  return changetype<Codestream>(gCs);
}

/** SIZ fields: 0 Rsiz, 1 Xsiz, 2 Ysiz, 3 XOsiz, 4 YOsiz, 5 XTsiz, 6 YTsiz, 7 XTOsiz, 8 YTOsiz, 9 Csiz, 10 tilesX, 11 tilesY. */
export function headerSiz(field: i32): f64 {
  let s = cs().siz;
  switch (field) {
    case 0: return <f64>s.Rsiz;
    case 1: return <f64><u32>s.Xsiz;
    case 2: return <f64><u32>s.Ysiz;
    case 3: return <f64><u32>s.XOsiz;
    case 4: return <f64><u32>s.YOsiz;
    case 5: return <f64><u32>s.XTsiz;
    case 6: return <f64><u32>s.YTsiz;
    case 7: return <f64><u32>s.XTOsiz;
    case 8: return <f64><u32>s.YTOsiz;
    case 9: return <f64>s.Csiz;
    case 10: return <f64>s.tilesX;
    case 11: return <f64>s.tilesY;
  }
  return -1;
}

/** Component fields: 0 precision, 1 signed, 2 XRsiz, 3 YRsiz. */
export function headerComp(c: i32, field: i32): i32 {
  let k = compSiz(cs().siz, c);
  switch (field) {
    case 0: return k.prec;
    case 1: return k.sgnd;
    case 2: return k.dx;
    case 3: return k.dy;
  }
  return -1;
}

/**
 * Default coding style (main COD, or the component's main COC when c >= 0):
 * 0 levels, 1 xcb, 2 ycb, 3 cblkStyle, 4 reversible, 5 userPrecincts, 6 progression, 7 layers,
 * 8 mct, 9 sop, 10 eph, 11 guard bits (QCD/QCC), 12 quantization style, 13 htj2k, 14 truncated,
 * 15 numTileParts, 16 ROI shift (main RGN of c).
 */
export function headerCod(c: i32, field: i32): i32 {
  let x = cs();
  let s = x.cod;
  if (c >= 0 && c < x.siz.Csiz) {
    let p = load<usize>(x.coc + (<usize>c << alignof<usize>()));
    if (p != 0) s = changetype<CodingStyle>(p);
  }
  switch (field) {
    case 0: return s.levels;
    case 1: return s.xcb;
    case 2: return s.ycb;
    case 3: return s.cblkStyle;
    case 4: return s.reversible;
    case 5: return s.userPrecincts;
    case 6: return x.gcod.progression;
    case 7: return x.gcod.layers;
    case 8: return x.gcod.mct;
    case 9: return x.gcod.sop;
    case 10: return x.gcod.eph;
    case 11: return x.qcd.guard;
    case 12: return x.qcd.style;
    case 13: return x.htj2k;
    case 14: return x.truncated;
    case 15: return x.numTileParts;
    case 16: return c >= 0 && c < x.siz.Csiz ? load<i32>(x.rgn + (<usize>c << 2)) : 0;
  }
  return -1;
}

/** CAP marker (ISO/IEC 15444-15 A.3): 0 Pcap (as an unsigned number), 1 Ccap15 (-1 when absent). */
export function headerCap(field: i32): f64 {
  let x = cs();
  return field == 0 ? <f64><u32>x.pcap : <f64>x.ccap15;
}

/** Precinct exponents of resolution r of the default COD: PPx | PPy << 8. */
export function headerPrecinct(r: i32): i32 {
  let s = cs().cod;
  return ppx(s, r) | (ppy(s, r) << 8);
}

export function headerMarkerCount(): i32 {
  return cs().numMarkers;
}

/** Marker log: field 0 code, 1 offset, 2 length, 3 tile-part (-1 = main header). */
export function headerMarker(i: i32, field: i32): i32 {
  let m = changetype<MarkerRec>(cs().markers + <usize>i * offsetof<MarkerRec>());
  switch (field) {
    case 0: return m.code;
    case 1: return m.offset;
    case 2: return m.length;
    case 3: return m.part;
  }
  return -1;
}

/** Tile-part fields: 0 tile, 1 TPsot, 2 TNsot, 3 SOT offset, 4 data start, 5 data end. */
export function headerTilePart(i: i32, field: i32): i32 {
  let p = tilePart(cs(), i);
  switch (field) {
    case 0: return p.tile;
    case 1: return p.TPsot;
    case 2: return p.TNsot;
    case 3: return p.sotOffset;
    case 4: return p.dataStart;
    case 5: return p.dataEnd;
  }
  return -1;
}

/**
 * Decode the region [rx0, rx1) x [ry0, ry1) of the reference grid at resolution reduction `reduce`,
 * keeping `layers` quality layers (0 = all). `wantMask`: u8 per component (0 = all).
 * Returns 1 if the result is partial (truncated data with allowPartial), else 0.
 */
export function decoderRun(reduce: i32, layers: i32, rx0: i32, ry0: i32, rx1: i32, ry1: i32, allowPartial: i32, wantMask: usize, maxCblks: f64): i32 {
  let job = changetype<DecodeJob>(arenaAllocZeroed(offsetof<DecodeJob>()));
  job.cs = cs();
  job.reduce = reduce;
  job.layers = layers;
  job.allowPartial = allowPartial;
  job.rx0 = rx0;
  job.ry0 = ry0;
  job.rx1 = rx1;
  job.ry1 = ry1;
  job.maxCblks = <i64>maxCblks;
  gJob = changetype<usize>(job);
  decodeSetup(job, wantMask, cs().gcod.mct != 0);
  decodeTiles(job);
  return job.partial;
}

/** Decode warnings: 0 tiles missing (left at 0), 1 tiles whose last packets were absent. */
export function decoderWarnings(field: i32): i32 {
  let job = changetype<DecodeJob>(gJob);
  return field == 0 ? job.missingTiles : field == 1 ? job.shortTiles : 0;
}

/** Output plane of component c: 0 data pointer, 1 x0, 2 y0, 3 width, 4 height, 5 wanted. */
export function decoderPlane(c: i32, field: i32): f64 {
  let pl = plane(changetype<DecodeJob>(gJob), c);
  switch (field) {
    case 0: return <f64>pl.data;
    case 1: return <f64>pl.x0;
    case 2: return <f64>pl.y0;
    case 3: return <f64>(pl.x1 - pl.x0);
    case 4: return <f64>(pl.y1 - pl.y0);
    case 5: return <f64>pl.wanted;
  }
  return -1;
}
