// Encoder exports (C-like ABI). The host: jobBegin → encoderCreate → encoderSet* → encoderPlane(c)
// (fill with unpackComponent) → encoderRun → copy encoderOutput()/encoderOutputLength() out.

import { EncodeJob, encodeJobNew, encodeRun, compWidth, compHeight } from "./encoder";
import { compSiz, PocEntry, pocEntry } from "./codestream/params";
import { arenaAlloc, arenaAllocZeroed } from "./util/arena";
import { fail } from "./util/fail";
import { ERR_ENCODE_OPTIONS } from "./util/error_codes";
import { EncoderParam, EncoderInfo, CHECK_COMPONENT_INDEX, CHECK_LAYERS, CHECK_GUARD_BITS, CHECK_UNKNOWN_PARAM, CHECK_PRECINCT_SIZE, CHECK_LAYER_INDEX } from "./api_fields";

let gJob: usize = 0;

// @ts-ignore: decorator
@inline
function job(): EncodeJob {
  return changetype<EncodeJob>(gJob);
}

export function encoderCreate(numComps: i32, width: i32, height: i32): void {
  gJob = changetype<usize>(encodeJobNew(numComps, width, height));
}

/** Component c: precision 1-24 bits, signedness, sub-sampling XRsiz/YRsiz. */
export function encoderSetComp(c: i32, prec: i32, sgnd: i32, dx: i32, dy: i32): void {
  let s = job().cs.siz;
  if (c < 0 || c >= s.Csiz) fail(ERR_ENCODE_OPTIONS, -1, CHECK_COMPONENT_INDEX, c);
  let k = compSiz(s, c);
  k.prec = prec;
  k.sgnd = sgnd != 0 ? 1 : 0;
  k.dx = dx;
  k.dy = dy;
}

/** Set scalar parameter `field` (an EncoderParam) to `value`. */
export function encoderSet(field: i32, value: f64): void {
  let j = job();
  let cs = j.cs;
  let s = cs.siz;
  let v = <i32>value;
  switch (field) {
    case EncoderParam.originX: { s.XOsiz = v; s.Xsiz += v; break; }
    case EncoderParam.originY: { s.YOsiz = v; s.Ysiz += v; break; }
    case EncoderParam.tileWidth: { s.XTsiz = v; break; }
    case EncoderParam.tileHeight: { s.YTsiz = v; break; }
    case EncoderParam.tileX0: { s.XTOsiz = v; break; }
    case EncoderParam.tileY0: { s.YTOsiz = v; break; }
    case EncoderParam.levels: { cs.cod.levels = v; break; }
    case EncoderParam.xcb: { cs.cod.xcb = v; break; }
    case EncoderParam.ycb: { cs.cod.ycb = v; break; }
    case EncoderParam.cblkStyle: { cs.cod.cblkStyle = v & 0x3f; break; }
    case EncoderParam.reversible: { cs.cod.reversible = v != 0 ? 1 : 0; break; }
    case EncoderParam.mct: { cs.gcod.mct = v != 0 ? 1 : 0; break; }
    case EncoderParam.progression: { cs.gcod.progression = v; break; }
    case EncoderParam.layers: {
      if (v < 1 || v > 65535) fail(ERR_ENCODE_OPTIONS, -1, CHECK_LAYERS, v);
      cs.gcod.layers = v;
      j.layers = v;
      j.layerBytes = arenaAllocZeroed(<usize>v * 8);
      j.layerDist = arenaAllocZeroed(<usize>v * 8);
      break;
    }
    case EncoderParam.sop: { cs.gcod.sop = v != 0 ? 1 : 0; break; }
    case EncoderParam.eph: { cs.gcod.eph = v != 0 ? 1 : 0; break; }
    case EncoderParam.guardBits: {
      if (v < 0 || v > 7) fail(ERR_ENCODE_OPTIONS, -1, CHECK_GUARD_BITS, v);
      j.guard = v;
      break;
    }
    case EncoderParam.tlm: { j.tlm = v; break; }
    case EncoderParam.plt: { j.plt = v; break; }
    case EncoderParam.tileParts: { j.tilePartMode = v; break; }
    case EncoderParam.baseStep: { j.baseStep = value; break; }
    case EncoderParam.Rsiz: { s.Rsiz = v; break; }
    default: fail(ERR_ENCODE_OPTIONS, -1, CHECK_UNKNOWN_PARAM, field);
  }
}

/**
 * Precinct size exponents, `i` counted from the HIGHEST resolution (0 = full resolution), as
 * opj_compress -c takes them; the last one given repeats for the lower resolutions. Mapped onto
 * resolutions once the decomposition levels are final. Switches precincts on (Scod bit 0).
 */
export function encoderSetPrecinct(i: i32, ppx: i32, ppy: i32): void {
  let j = job();
  if (i < 0 || i > 32 || ppx < 0 || ppx > 15 || ppy < 0 || ppy > 15) fail(ERR_ENCODE_OPTIONS, -1, CHECK_PRECINCT_SIZE, i);
  if (j.precinctsFromTop == 0) j.precinctsFromTop = arenaAllocZeroed(33);
  store<u8>(j.precinctsFromTop + <usize>i, <u8>(ppx | (ppy << 4)));
  if (i + 1 > j.numPrecinctSizes) j.numPrecinctSizes = i + 1;
}

/** Layer l: cumulative byte budget (0 = none) and squared-error target (0 = none). */
export function encoderSetLayer(l: i32, bytes: f64, dist: f64): void {
  let j = job();
  if (l < 0 || l >= j.layers) fail(ERR_ENCODE_OPTIONS, -1, CHECK_LAYER_INDEX, l);
  store<f64>(j.layerBytes + (<usize>l << 3), bytes);
  store<f64>(j.layerDist + (<usize>l << 3), dist);
}

/** Append a progression order change (A.6.6). */
export function encoderAddPoc(rs: i32, cs0: i32, lye: i32, re: i32, ce: i32, order: i32): void {
  let l = job().cs.poc;
  if (l.count == l.cap) {
    let cap = max(4, l.cap * 2);
    let p = arenaAlloc(<usize>cap * offsetof<PocEntry>());
    if (l.count > 0) memory.copy(p, l.entries, <usize>l.count * offsetof<PocEntry>());
    l.entries = p;
    l.cap = cap;
  }
  let e = pocEntry(l, l.count);
  e.RSpoc = rs;
  e.CSpoc = cs0;
  e.LYEpoc = lye;
  e.REpoc = re;
  e.CEpoc = ce;
  e.Ppoc = order;
  l.count++;
}

/** Comment (COM, Latin text) of `len` bytes at `ptr`. */
export function encoderSetComment(ptr: usize, len: i32): void {
  job().comment = ptr;
  job().commentLen = len;
}

/** The i32 input plane of component c (its grid size: encoderPlaneWidth/Height), allocated on first call. */
export function encoderPlane(c: i32): usize {
  let j = job();
  let s = j.cs.siz;
  if (c < 0 || c >= s.Csiz) fail(ERR_ENCODE_OPTIONS, -1, CHECK_COMPONENT_INDEX, c);
  let slot = j.planes + (<usize>c << alignof<usize>());
  let p = load<usize>(slot);
  if (p == 0) {
    let n = <usize>compWidth(s, c) * <usize>compHeight(s, c);
    p = arenaAlloc(max(n, 1) * 4);
    store<usize>(slot, p);
  }
  return p;
}

export function encoderPlaneWidth(c: i32): i32 {
  return compWidth(job().cs.siz, c);
}

export function encoderPlaneHeight(c: i32): i32 {
  return compHeight(job().cs.siz, c);
}

/** Encode; returns the codestream pointer. */
export function encoderRun(): usize {
  return encodeRun(job());
}

export function encoderOutputLength(): i32 {
  return job().outLen;
}

/** Bytes of the codestream up to the end of layer l (all headers included). */
export function encoderLayerSize(l: i32): f64 {
  let j = job();
  if (l < 0 || l >= j.layers || j.layerSizes == 0) return -1;
  return load<f64>(j.layerSizes + (<usize>l << 3));
}

/** Fact `field` (an EncoderInfo) of the finished run; -1 for an unknown field. */
export function encoderInfo(field: i32): f64 {
  let j = job();
  switch (field) {
    case EncoderInfo.levels: return <f64>j.cs.cod.levels;
    case EncoderInfo.allPasses: return <f64>j.allPasses;
  }
  return -1;
}
