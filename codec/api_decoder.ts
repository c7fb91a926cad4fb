// Decoder exports (C-like ABI). The host: jobBegin → alloc+copy the codestream → decoderParse →
// header getters → decoderRun → decoderPlane* → pack kernels → copy out.

import { Codestream, parseCodestream, MarkerRec, TilePart, tilePart } from "./codestream/header";
import { compSiz, ppx, ppy, CodingStyle } from "./codestream/params";
import { DecodeJob, decodeSetup, decodeTiles, plane, Plane } from "./decoder";
import { PackedOutput } from "./decode_output";
import { arenaAllocZeroed } from "./util/arena";
import { fail } from "./util/fail";
import { ERR_INVALID_ARGUMENT } from "./util/error_codes";
import { setParsedCodestream } from "./parsed_codestream";
import { suppliedClear } from "./supplied_blocks";
import { SizField, CompField, CodField, CapField, MarkerField, TilePartField, PlaneField, DecodeWarning } from "./api_fields";

let gCs: usize = 0;
let gJob: usize = 0;
/** The next decoderRun's output layout (decoderSetPacked); taken and cleared by decoderRun. */
let gOut: usize = 0;

/** Parse the main header and index the tile-parts of the codestream at [ptr, ptr+len). Returns Csiz. */
export function decoderParse(ptr: usize, len: i32): i32 {
  gJob = 0;
  gCs = 0;
  gOut = 0;
  setParsedCodestream(0);
  suppliedClear(); // (threaded decoding: blocks supplied for another job's codestream never apply)
  let cs = parseCodestream(ptr, len);
  gCs = changetype<usize>(cs);
  setParsedCodestream(gCs);
  return cs.siz.Csiz;
}

// @ts-ignore: decorator
@inline
function cs(): Codestream {
  return changetype<Codestream>(gCs);
}

/** SIZ field `field` (a SizField) of the parsed main header; -1 for an unknown field. */
export function headerSiz(field: i32): f64 {
  let s = cs().siz;
  switch (field) {
    case SizField.Rsiz: return <f64>s.Rsiz;
    case SizField.Xsiz: return <f64><u32>s.Xsiz;
    case SizField.Ysiz: return <f64><u32>s.Ysiz;
    case SizField.XOsiz: return <f64><u32>s.XOsiz;
    case SizField.YOsiz: return <f64><u32>s.YOsiz;
    case SizField.XTsiz: return <f64><u32>s.XTsiz;
    case SizField.YTsiz: return <f64><u32>s.YTsiz;
    case SizField.XTOsiz: return <f64><u32>s.XTOsiz;
    case SizField.YTOsiz: return <f64><u32>s.YTOsiz;
    case SizField.Csiz: return <f64>s.Csiz;
    case SizField.tilesX: return <f64>s.tilesX;
    case SizField.tilesY: return <f64>s.tilesY;
  }
  return -1;
}

/** Field `field` (a CompField) of component c; -1 for an unknown field. */
export function headerComp(c: i32, field: i32): i32 {
  let k = compSiz(cs().siz, c);
  switch (field) {
    case CompField.precision: return k.prec;
    case CompField.signed: return k.sgnd;
    case CompField.dx: return k.dx;
    case CompField.dy: return k.dy;
  }
  return -1;
}

/**
 * Field `field` (a CodField) of the default coding style: the main COD, or component c's main COC
 * when c >= 0 (QCD, RGN and stream facts likewise); -1 for an unknown field.
 */
export function headerCod(c: i32, field: i32): i32 {
  let x = cs();
  let s = x.cod;
  if (c >= 0 && c < x.siz.Csiz) {
    let p = load<usize>(x.coc + (<usize>c << alignof<usize>()));
    if (p != 0) s = changetype<CodingStyle>(p);
  }
  switch (field) {
    case CodField.levels: return s.levels;
    case CodField.xcb: return s.xcb;
    case CodField.ycb: return s.ycb;
    case CodField.cblkStyle: return s.cblkStyle;
    case CodField.reversible: return s.reversible;
    case CodField.userPrecincts: return s.userPrecincts;
    case CodField.progression: return x.gcod.progression;
    case CodField.layers: return x.gcod.layers;
    case CodField.mct: return x.gcod.mct;
    case CodField.sop: return x.gcod.sop;
    case CodField.eph: return x.gcod.eph;
    case CodField.guardBits: return x.qcd.guard;
    case CodField.quantStyle: return x.qcd.style;
    case CodField.htj2k: return x.htj2k;
    case CodField.truncated: return x.truncated;
    case CodField.numTileParts: return x.numTileParts;
    case CodField.roiShift: return c >= 0 && c < x.siz.Csiz ? load<i32>(x.rgn + (<usize>c << 2)) : 0;
  }
  return -1;
}

/** CAP marker field `field` (a CapField; ISO/IEC 15444-15 A.3); -1 for an unknown field. */
export function headerCap(field: i32): f64 {
  let x = cs();
  return field == CapField.Pcap ? <f64><u32>x.pcap : field == CapField.Ccap15 ? <f64>x.ccap15 : -1;
}

/** Precinct exponents of resolution r of the default COD: PPx | PPy << 8. */
export function headerPrecinct(r: i32): i32 {
  let s = cs().cod;
  return ppx(s, r) | (ppy(s, r) << 8);
}

export function headerMarkerCount(): i32 {
  return cs().numMarkers;
}

/** Field `field` (a MarkerField) of marker log entry i; -1 for an unknown field. */
export function headerMarker(i: i32, field: i32): i32 {
  let m = changetype<MarkerRec>(cs().markers + <usize>i * offsetof<MarkerRec>());
  switch (field) {
    case MarkerField.code: return m.code;
    case MarkerField.offset: return m.offset;
    case MarkerField.length: return m.length;
    case MarkerField.tilePart: return m.part;
  }
  return -1;
}

/** Field `field` (a TilePartField) of tile-part i; -1 for an unknown field. */
export function headerTilePart(i: i32, field: i32): i32 {
  let p = tilePart(cs(), i);
  switch (field) {
    case TilePartField.tile: return p.tile;
    case TilePartField.TPsot: return p.TPsot;
    case TilePartField.TNsot: return p.TNsot;
    case TilePartField.sotOffset: return p.sotOffset;
    case TilePartField.dataStart: return p.dataStart;
    case TilePartField.dataEnd: return p.dataEnd;
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
  job.out = gOut;
  gOut = 0;
  decodeSetup(job, wantMask, cs().gcod.mct != 0);
  if (job.out != 0) checkPacked(job);
  decodeTiles(job);
  return job.partial;
}

/**
 * Ask the next decoderRun (after decoderParse) to write the samples straight into the host's layout
 * instead of output planes (codec/decode_output.ts): component k of region pixel (x, y) goes to
 * dst + k·compStep + (y·rowStride + x·sampleStep)·bytesPerSample (saturated like packComponent).
 * For every component, wanted, on the same grid (no sub-sampling); `dstBytes` is the room at dst.
 * The planes then hold no samples (decoderPlane data = 0).
 */
export function decoderSetPacked(dst: usize, dstBytes: f64, compStep: i32, sampleStep: i32, rowStride: i32, bytesPerSample: i32, signed: i32): void {
  let o = changetype<PackedOutput>(arenaAllocZeroed(offsetof<PackedOutput>()));
  o.dst = dst;
  o.dstBytes = dstBytes;
  o.compStep = compStep;
  o.sampleStep = sampleStep;
  o.rowStride = rowStride;
  o.bytesPerSample = bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4;
  o.signed = signed;
  gOut = changetype<usize>(o);
}

/** The packed layout must fit what was decoded: every component, full size, same grid, in `dstBytes`. */
function checkPacked(job: DecodeJob): void {
  let o = changetype<PackedOutput>(job.out);
  let siz = job.cs.siz;
  let C = siz.Csiz;
  o.numComps = C;
  let p0 = plane(job, 0);
  o.x0 = p0.x0;
  o.y0 = p0.y0;
  let w = p0.x1 - p0.x0, h = p0.y1 - p0.y0;
  for (let c = 0; c < C; c++) {
    let k = compSiz(siz, c);
    let pl = plane(job, c);
    if (k.dx != 1 || k.dy != 1 || pl.wanted == 0 || pl.x0 != p0.x0 || pl.y0 != p0.y0 || pl.x1 != p0.x1 || pl.y1 != p0.y1) fail(ERR_INVALID_ARGUMENT, -1, c, 1);
  }
  if (w <= 0 || h <= 0 || o.compStep < 0 || o.sampleStep < 1 || o.rowStride < 1) fail(ERR_INVALID_ARGUMENT, -1, w, h);
  // last byte written, in 64 bits
  let last = <f64>o.compStep * <f64>(C - 1) + (<f64>(h - 1) * <f64>o.rowStride + <f64>(w - 1) * <f64>o.sampleStep + 1) * <f64>o.bytesPerSample;
  if (last > o.dstBytes) fail(ERR_INVALID_ARGUMENT, -1, <i32>min(last, 2147483647.0), <i32>min(o.dstBytes, 2147483647.0));
}

/** Counter `field` (a DecodeWarning) of the last decode run. */
export function decoderWarnings(field: i32): i32 {
  let job = changetype<DecodeJob>(gJob);
  return field == DecodeWarning.missingTiles ? job.missingTiles : field == DecodeWarning.shortTiles ? job.shortTiles : -1;
}

/** Field `field` (a PlaneField) of the output plane of component c; -1 for an unknown field. */
export function decoderPlane(c: i32, field: i32): f64 {
  let pl = plane(changetype<DecodeJob>(gJob), c);
  switch (field) {
    case PlaneField.data: return <f64>pl.data;
    case PlaneField.x0: return <f64>pl.x0;
    case PlaneField.y0: return <f64>pl.y0;
    case PlaneField.width: return <f64>(pl.x1 - pl.x0);
    case PlaneField.height: return <f64>(pl.y1 - pl.y0);
    case PlaneField.wanted: return <f64>pl.wanted;
  }
  return -1;
}
