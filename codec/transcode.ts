// Coefficient-level transcoding between the Part 1 (EBCOT, ISO/IEC 15444-1 Annex D) and the HT
// (ISO/IEC 15444-15 clause 7) block coders, behind the block-coder seam (docs/ARCHITECTURE.md,
// "Transcoding between block coders"). No dequantisation, no DWT, no MCT:
//
//   input codestream → per tile: T2 (all layers) → each code-block decoded by its own block coder
//   into the Seam 1 reconstruction values v (v = 2K + 2^p) → the quantised magnitudes |v| >> 1
//   coded by the other block coder, truncated at the same coding pass → the input's SIZ, COD
//   (code-block style switched), QCD/QCC (the same exponents, mantissas and guard bits), POC,
//   precincts, progression, SOP/EPH → T2 and tile-parts of the encoder (one quality layer).
//
// Exactness. A block whose non-zero values are all odd (every coefficient decoded down to bit-plane
// 0: all passes present, or the passes missing could not change a non-zero value) is re-coded in
// full: both block coders are exact inverses of their decoders, so it decodes to the same v. A
// truncated block (a layer dropped, a rate-controlled lossy stream, an HT set with SigProp only) is
// re-coded up to the same pass (the same bit-plane and pass kind; Part 1 pass k and HT pass k have
// the same meaning), then decoded again and compared with the input's v sample by sample; a block
// that differs stops the run (TRANSCODE_BLOCK_NOT_EXACT), never a silently different image.
//
// What it refuses (a TRANSCODE_* status, the host says why): tiles without data, tiles whose packets
// end early, more magnitude bit-planes than the 32-bit path carries. Main-header COC (written again
// with the new style), RGN (ROI max-shift: the T1 values carry the shift, the same RGN lets the
// dequantiser undo it) and tile-part COD/COC/QCD/QCC/RGN/POC (copied into the first output tile-part
// header, style switched, layers clamped to 1) are kept.

import { Codestream, TileParams, resolveTile, tileBounds, tileStyle, tilePart } from "./codestream/header";
import * as M from "./codestream/markers";
import { Siz, CompSiz, GlobalStyle, CodingStyle, QuantStyle, PocList, PocEntry, pocEntry, newCodingStyle, copyCodingStyle, MAX_RES, CBLK_HT, CBLK_VCAUSAL } from "./codestream/params";
import { EncodeJob, encodeJobNew, encodeJobSetLayers } from "./encode_job";
import { encoderTileParams } from "./encoder";
import { DecodeJob, MAX_SEGS, decodeBlock, readTilePackets, tileHasSamples } from "./decoder";
import { Tile, TileComp, Band, CodeBlock, HT_PART1, buildTile, tileComp, resolution, band, precinctBand, codeBlock } from "./structure/tile";
import { t2TileAllocate } from "./t2/tile_encoder";
import { segmentStart } from "./t2/packet_encoder";
import { passesInSegment } from "./t1/segments";
import { encodeCodeBlock, decodeCodeBlock } from "./t1/block_coder";
import { htEncodeConfig } from "./t1/ht_encoder";
import { PASS_RECORD_BYTES, passesRate, passRecord } from "./t1/pass_record";
import { writeCodestream } from "./codestream/write_codestream";
import { arenaAlloc, arenaAllocZeroed } from "./util/arena";
import { cblkIterTile, cblkIterNext } from "./structure/cblk_iter";
import { MAX_BITPLANES, MAX_PASSES, MAX_BLOCK_SAMPLES } from "./util/constants";
import {
  TRANSCODE_OK, TRANSCODE_MISSING_TILE,
  TRANSCODE_SHORT_TILE, TRANSCODE_BITPLANES, TRANSCODE_STRUCTURE, TRANSCODE_BLOCK_NOT_EXACT, TranscodeInfo,
} from "./api_fields";

/** The state of one transcode run (read back by the host through transcoderInfo). */
@unmanaged
export class TranscodeJob {
  enc: EncodeJob;
  dec: DecodeJob;
  toHt: i32;
  /** 1: every re-coded block is decoded again and compared, not only truncated ones. */
  verifyAll: i32;
  /** Code-blocks with data, blocks re-coded truncated (not every bit-plane), blocks decoded again and compared. */
  blocks: i32;
  truncated: i32;
  verified: i32;
  /** Part 1 blocks whose last segment got the whole codeword (the shortest prefix decoded differently). */
  extended: i32;
  /** Where a refusal was found: tile, component (-1 when not about one). */
  failTile: i32;
  failComp: i32;
  /** Scratch: the coefficients to code, a decode of the re-coded block, its codeword with room after it. */
  coefs: usize;
  check: usize;
  data: usize;
}

/** Resolved main-header coding style / quantisation of component c (A.6: COC > COD, QCC > QCD). */
function mainStyle(cs: Codestream, c: i32): CodingStyle {
  let s = load<usize>(cs.coc + (<usize>c << alignof<usize>()));
  return changetype<CodingStyle>(s != 0 ? s : changetype<usize>(cs.cod));
}
function mainQuant(cs: Codestream, c: i32): QuantStyle {
  let q = load<usize>(cs.qcc + (<usize>c << alignof<usize>()));
  return changetype<QuantStyle>(q != 0 ? q : changetype<usize>(cs.qcd));
}

/**
 * The code-block style of the output: HT keeps only the vertically causal flag (the other Part 1
 * flags have no meaning for HT blocks, ISO/IEC 15444-15); Part 1 output from HT input keeps only it
 * too, from a mixed input (0xC0) the Part 1 flags its Part 1 blocks used.
 */
function outputStyle(inStyle: i32, toHt: bool): i32 {
  if (toHt) return CBLK_HT | (inStyle & CBLK_VCAUSAL);
  if ((inStyle & 0x80) != 0) return inStyle & 0x3f;
  return (inStyle & CBLK_HT) != 0 ? inStyle & CBLK_VCAUSAL : inStyle & 0x3f;
}

/**
 * The encoder job that writes the output: the input's SIZ (Rsiz bit 14 follows the block coder),
 * COD with the new code-block style and one layer, its QCD/QCC per component, its main-header POC
 * (layer ends clamped to the one layer), its main-header COC with the new style.
 */
function outputJob(inCs: Codestream, toHt: bool, tilePartMode: i32, tlm: i32, plt: i32): EncodeJob {
  let C = inCs.siz.Csiz;
  let job = encodeJobNew(C, 1, 1);
  let cs = job.cs;
  let siz = changetype<Siz>(arenaAlloc(offsetof<Siz>()));
  memory.copy(changetype<usize>(siz), changetype<usize>(inCs.siz), offsetof<Siz>());
  siz.comps = arenaAlloc(<usize>C * offsetof<CompSiz>());
  memory.copy(siz.comps, inCs.siz.comps, <usize>C * offsetof<CompSiz>());
  // ISO/IEC 15444-15 A.2: Rsiz bit 14 = HT code-blocks present (the writer sets it for HT)
  siz.Rsiz &= ~0x4000;
  cs.siz = siz;
  let g = changetype<GlobalStyle>(arenaAlloc(offsetof<GlobalStyle>()));
  memory.copy(changetype<usize>(g), changetype<usize>(inCs.gcod), offsetof<GlobalStyle>());
  cs.gcod = g;
  encodeJobSetLayers(job, 1);
  cs.cod = newCodingStyle();
  copyCodingStyle(cs.cod, inCs.cod);
  cs.cod.cblkStyle = outputStyle(inCs.cod.cblkStyle, toHt);
  // main-header COC (A.6.2): the component's own structure and wavelet, the new code-block style
  for (let c = 0; c < C; c++) {
    let ic = load<usize>(inCs.coc + (<usize>c << alignof<usize>()));
    if (ic == 0) continue;
    let oc = newCodingStyle();
    copyCodingStyle(oc, changetype<CodingStyle>(ic));
    oc.cblkStyle = outputStyle(oc.cblkStyle, toHt);
    store<usize>(cs.coc + (<usize>c << alignof<usize>()), changetype<usize>(oc));
  }
  cs.qcd = inCs.qcd;
  // RGN (A.6.3): the same max-shift per component; T1 values carry it, the dequantiser undoes it
  memory.copy(cs.rgn, inCs.rgn, <usize>C << 2);
  job.quants = arenaAlloc(<usize>C * sizeof<usize>());
  for (let c = 0; c < C; c++) store<usize>(job.quants + (<usize>c << alignof<usize>()), changetype<usize>(mainQuant(inCs, c)));
  job.guard = inCs.qcd.guard;
  cs.poc = clampedPoc(inCs.poc);
  job.tilePartMode = tilePartMode;
  job.tlm = tlm;
  job.plt = plt;
  return job;
}

/** A copy of a POC list with every layer end clamped to the output's one layer. */
function clampedPoc(ip: PocList): PocList {
  let op = changetype<PocList>(arenaAllocZeroed(offsetof<PocList>()));
  if (ip.count == 0) return op;
  op.entries = arenaAlloc(<usize>ip.count * offsetof<PocEntry>());
  memory.copy(op.entries, ip.entries, <usize>ip.count * offsetof<PocEntry>());
  op.count = ip.count;
  op.cap = ip.count;
  for (let i = 0; i < op.count; i++) {
    let e = pocEntry(op, i);
    e.LYEpoc = min(e.LYEpoc, 1);
  }
  return op;
}

/**
 * Tile parameters of output tile t: the main header's, or with the input tile's own parameters
 * `itp` (its tile-part COD/COC/QCD/QCC/RGN/POC, written again by tileHeaderBlob) when given.
 */
function outputTileParams(job: EncodeJob, t: i32, inCs: Codestream, itp: TileParams | null, toHt: bool): TileParams {
  let cs = job.cs;
  let C = cs.siz.Csiz;
  // the encoder's tile parameters, with each component's main-header style (COC where the input has one)
  let tp = encoderTileParams(job, t);
  for (let c = 0; c < C; c++) store<usize>(tp.styles + (<usize>c << alignof<usize>()), changetype<usize>(mainStyle(cs, c)));
  if (itp === null) return tp;
  let g = changetype<GlobalStyle>(arenaAlloc(offsetof<GlobalStyle>()));
  memory.copy(changetype<usize>(g), changetype<usize>(itp.g), offsetof<GlobalStyle>());
  g.layers = 1;
  tp.g = g;
  for (let c = 0; c < C; c++) {
    let is = tileStyle(itp, c);
    if (is == mainStyle(inCs, c)) continue;
    let s = newCodingStyle();
    copyCodingStyle(s, is);
    s.cblkStyle = outputStyle(s.cblkStyle, toHt);
    store<usize>(tp.styles + (<usize>c << alignof<usize>()), changetype<usize>(s));
  }
  tp.quants = itp.quants;
  tp.roi = itp.roi;
  if (itp.poc != inCs.poc) tp.poc = clampedPoc(itp.poc);
  return tp;
}

/**
 * The marker segments of tile t's tile-part headers that set its coding parameters (COD, COC, QCD,
 * QCC, RGN, POC; A.4.2), copied for the output's first tile-part header with the code-block style
 * switched (outputStyle) and the layer counts clamped to the one layer. [u32 length][bytes], or 0.
 */
function tileHeaderBlob(inCs: Codestream, t: i32, toHt: bool): usize {
  let nParts = load<i32>(inCs.partCount + (<usize>t << 2));
  let first = load<i32>(inCs.partFirst + (<usize>t << 2));
  let cb = inCs.siz.Csiz < 257 ? 1 : 2;
  let total: usize = 0;
  for (let pass = 0; pass < 2; pass++) {
    let blob: usize = 0;
    if (pass == 1) {
      if (total == 0) return 0;
      blob = arenaAlloc(total + 4);
      store<u32>(blob, <u32>total);
    }
    let at: usize = 4;
    for (let k = 0; k < nParts; k++) {
      let part = tilePart(inCs, load<i32>(inCs.partOrder + (<usize>(first + k) << 2)));
      let pos = inCs.data + <usize>part.hdrStart;
      let end = inCs.data + <usize>(part.dataStart - 2); // the SOD marker
      while (pos + 4 <= end) {
        let m = (<u32>load<u8>(pos) << 8) | <u32>load<u8>(pos + 1);
        if (M.isNoLengthMarker(m)) {
          pos += 2;
          continue;
        }
        let L = <usize>((<u32>load<u8>(pos + 2) << 8) | <u32>load<u8>(pos + 3));
        if (L < 2 || pos + 2 + L > end) break; // resolveTile checked these segments already
        let keep = m == M.COD || m == M.COC || m == M.QCD || m == M.QCC || m == M.RGN || m == M.POC;
        if (keep && pass == 1) {
          let d = blob + at;
          memory.copy(d, pos, 2 + L);
          if (m == M.COD && L >= 11) {
            store<u8>(d + 6, 0); // SGcod layers = 1
            store<u8>(d + 7, 1);
            store<u8>(d + 12, <u8>outputStyle(<i32>load<u8>(d + 12), toHt));
          } else if (m == M.COC && L >= <usize>(7 + cb)) {
            let o = d + 8 + <usize>cb;
            store<u8>(o, <u8>outputStyle(<i32>load<u8>(o), toHt));
          } else if (m == M.POC) {
            let entry = <usize>(5 + 2 * cb);
            for (let e = d + 4; e + entry <= d + 2 + L; e += entry) {
              let ly = e + 1 + <usize>cb;
              if (((<u32>load<u8>(ly) << 8) | <u32>load<u8>(ly + 1)) > 1) {
                store<u8>(ly, 0);
                store<u8>(ly + 1, 1);
              }
            }
          }
        }
        if (keep) at += 2 + L;
        pos += 2 + L;
      }
    }
    if (pass == 1) return blob;
    total = at - 4;
  }
  return 0;
}

/** Every code-block of the output tile starts empty (no passes in the one layer). */
function clearTile(tile: Tile): void {
  let it = cblkIterTile(tile);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    cb.encLayerPasses = arenaAllocZeroed(4);
    cb.encNumPasses = 0;
    cb.encNumBps = 0;
    cb.zbp = 0;
  }
}

/**
 * Transcode the parsed codestream `inCs` into the other block coder (toHt: HT, else Part 1).
 * Returns TRANSCODE_OK with the codestream in tj.enc.out / outLen, or the TRANSCODE_* reason it
 * cannot be done exactly (tj.failTile / failComp say where).
 */
export function transcodeRun(tj: TranscodeJob, inCs: Codestream, tilePartMode: i32, tlm: i32, plt: i32, maxCblks: i64): i32 {
  let toHt = tj.toHt != 0;
  let siz = inCs.siz;
  let C = siz.Csiz;
  tj.failTile = -1;
  tj.failComp = -1;
  let job = outputJob(inCs, toHt, tilePartMode, tlm, plt);
  tj.enc = job;
  let dec = changetype<DecodeJob>(arenaAllocZeroed(offsetof<DecodeJob>()));
  dec.cs = inCs;
  dec.rx0 = siz.XOsiz;
  dec.ry0 = siz.YOsiz;
  dec.rx1 = siz.Xsiz;
  dec.ry1 = siz.Ysiz;
  dec.maxCblks = maxCblks;
  dec.segLens = arenaAlloc(<usize>MAX_SEGS * 4);
  dec.segPasses = arenaAlloc(<usize>MAX_SEGS * 4);
  dec.cbOut = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 4);
  tj.dec = dec;
  job.cbScratch = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 40 + 4096);
  job.cbPasses = arenaAlloc(<usize>MAX_PASSES * PASS_RECORD_BYTES);
  job.cbInfo = arenaAlloc(16);
  tj.coefs = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 4);
  tj.check = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 4);
  tj.data = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 40 + 4096 + 16);

  let T = siz.numTiles;
  job.tiles = arenaAlloc(<usize>max(T, 1) * sizeof<usize>());
  let probe = changetype<TileParams>(arenaAllocZeroed(offsetof<TileParams>()));
  for (let t = 0; t < T; t++) {
    tj.failTile = t;
    tj.failComp = -1;
    tileBounds(inCs, t, probe);
    let parts = load<i32>(inCs.partCount + (<usize>t << 2));
    let tp: TileParams | null = null;
    if (parts > 0) {
      tp = resolveTile(inCs, t);
      let blob = tileHeaderBlob(inCs, t, toHt);
      if (blob != 0) {
        if (job.tileHeaders == 0) job.tileHeaders = arenaAllocZeroed(<usize>T * sizeof<usize>());
        store<usize>(job.tileHeaders + (<usize>t << alignof<usize>()), blob);
      }
    }
    let otile = buildTile(job.cs, outputTileParams(job, t, inCs, tp, toHt), maxCblks);
    store<usize>(job.tiles + (<usize>t << alignof<usize>()), changetype<usize>(otile));
    t2TileAllocate(otile);
    clearTile(otile);
    if (tp === null) {
      // no tile-part: an empty tile is fine, a tile with samples would decode to 0, not to the
      // mid-grey its empty output packets would give
      if (tileHasSamples(inCs, probe)) return TRANSCODE_MISSING_TILE;
      continue;
    }
    let itile = buildTile(inCs, tp, maxCblks, false);
    dec.shortTiles = 0;
    readTilePackets(dec, itile, t, tp);
    if (dec.shortTiles != 0) return TRANSCODE_SHORT_TILE;
    let st = transcodeTile(tj, itile, otile);
    if (st != TRANSCODE_OK) return st;
  }
  tj.failTile = -1;
  tj.failComp = -1;
  writeCodestream(job);
  return TRANSCODE_OK;
}

/** Every code-block of the input tile, re-coded into the same block of the output tile. */
function transcodeTile(tj: TranscodeJob, itile: Tile, otile: Tile): i32 {
  for (let c = 0; c < itile.numComps; c++) {
    let itc = tileComp(itile, c), otc = tileComp(otile, c);
    tj.failComp = c;
    if (itc.numRes != otc.numRes) return TRANSCODE_STRUCTURE;
    for (let r = 0; r < itc.numRes; r++) {
      let ires = resolution(itc, r), ores = resolution(otc, r);
      if (ires.pw != ores.pw || ires.ph != ores.ph || ires.numBands != ores.numBands) return TRANSCODE_STRUCTURE;
      let np = ires.pw * ires.ph;
      for (let b = 0; b < ires.numBands; b++) {
        let ibd = band(ires, b), obd = band(ores, b);
        if (ibd.Mb != obd.Mb) return TRANSCODE_STRUCTURE;
        for (let p = 0; p < np; p++) {
          let ipb = precinctBand(ibd, p), opb = precinctBand(obd, p);
          let n = ipb.cw * ipb.ch;
          if (n != opb.cw * opb.ch) return TRANSCODE_STRUCTURE;
          for (let i = 0; i < n; i++) {
            let icb = codeBlock(ipb, i), ocb = codeBlock(opb, i);
            if (icb.x0 != ocb.x0 || icb.y0 != ocb.y0 || icb.x1 != ocb.x1 || icb.y1 != ocb.y1) return TRANSCODE_STRUCTURE;
            let st = transcodeBlock(tj, itc, ibd, icb, otc, obd, ocb);
            if (st != TRANSCODE_OK) return st;
          }
        }
      }
    }
  }
  return TRANSCODE_OK;
}

/**
 * The coding passes the input block's decode used, counted from its first pass (bit-plane
 * numBps - 1): Part 1 = every pass received (beyond the last bit-plane dropped, as decodeBlock
 * does); HT = up to the last HT set with a cleanup segment plus that set's refinement passes
 * (codec/t1/ht_decoder.ts). Pass k means the same in both: 3s = cleanup at bit-plane numBps-1-s,
 * 3s+1 / 3s+2 = significance propagation / magnitude refinement at bit-plane numBps-2-s.
 */
function passesUsed(dec: DecodeJob, ht: bool, numBps: i32): i32 {
  let n = dec.lastSegs;
  if (!ht) {
    let total = 0;
    for (let s = 0; s < n; s++) total += <i32>load<u32>(dec.segPasses + (<usize>s << 2));
    return min(total, 3 * numBps - 2);
  }
  let k = -1;
  for (let s = (n - 1) & ~1; s >= 0; s -= 2) {
    if (load<u32>(dec.segLens + (<usize>s << 2)) != 0) {
      k = s;
      break;
    }
  }
  if (k < 0) return 0;
  let set = k >> 1;
  let ref = k + 1 < n ? min(<i32>load<u32>(dec.segPasses + (<usize>(k + 1) << 2)), 2) : 0;
  if (numBps - 1 - set < 1) ref = 0;
  return 3 * set + 1 + ref;
}

function transcodeBlock(tj: TranscodeJob, itc: TileComp, ibd: Band, icb: CodeBlock, otc: TileComp, obd: Band, ocb: CodeBlock): i32 {
  let dec = tj.dec;
  let job = tj.enc;
  let w = icb.x1 - icb.x0, h = icb.y1 - icb.y0;
  let n = w * h;
  let inStyle = itc.style.cblkStyle;
  let inHt = (inStyle & CBLK_HT) != 0 && icb.htMode != HT_PART1;
  let nbIn = ibd.Mb + itc.roi - icb.zbp;
  dec.lastSegs = 0;
  if (!decodeBlock(dec, itc, ibd, icb)) return TRANSCODE_OK; // no data: the block stays empty
  let used = passesUsed(dec, inHt, nbIn);
  // Seam 1 values v = ±(2K + 2^p) → the magnitudes to code, |v| >> 1 (= K when p = 0)
  let v = dec.cbOut;
  let allOdd = true;
  let most: u32 = 0;
  for (let k = 0; k < n; k++) {
    let x = load<i32>(v + (<usize>k << 2));
    let a = <u32>abs<i32>(x);
    if (a != 0 && (a & 1) == 0) allOdd = false;
    let m = a >> 1;
    most |= m;
    store<i32>(tj.coefs + (<usize>k << 2), x < 0 ? -<i32>m : <i32>m);
  }
  if (most == 0) return TRANSCODE_OK; // nothing significant: an empty block decodes the same
  let nb = 32 - <i32>clz<u32>(most);
  if (nb > MAX_BITPLANES - 1 || nb > obd.Mb + otc.roi) return TRANSCODE_BITPLANES;
  let all = 3 * nb - 2;
  // the same last pass (same bit-plane, same kind) relative to the output's first bit-plane
  let passes = allOdd ? all : min(used - 3 * (nbIn - nb), all);
  if (passes < 1) return TRANSCODE_BLOCK_NOT_EXACT;
  let style = otc.style.cblkStyle;
  let ht = (style & CBLK_HT) != 0;
  if (ht) {
    let set = (passes - 1) / 3;
    htEncodeConfig(nb - 1 - set, 1, (passes - 1) % 3 != 0 ? 1 : 0);
  }
  let cap = w * h * (ht ? 40 : 8) + 4096;
  encodeCodeBlock(tj.coefs, w, w, h, obd.orient, style, 0, job.cbScratch, cap, job.cbPasses, MAX_PASSES, 0, job.cbInfo);
  if (ht) htEncodeConfig(0, 1, 0);
  let numBps = load<i32>(job.cbInfo);
  let npass = load<i32>(job.cbInfo, 4);
  let len = load<i32>(job.cbInfo, 8);
  if (numBps != nb || npass < passes) return TRANSCODE_STRUCTURE;
  tj.blocks++;
  if (passes < all) tj.truncated++;
  if (!allOdd || tj.verifyAll != 0) {
    if (!sameDecode(tj, job.cbScratch, job.cbPasses, passes, w, h, obd.orient, nb, style)) {
      // A Part 1 codeword cut at the encoder's shortest prefix for the pass may decode differently
      // from the whole codeword (seen on a 3x5 vertically causal block); sending more of the same
      // codeword for the same passes is always allowed (D.4), so the last segment gets all of it.
      if (ht || !extendLastSegment(job.cbPasses, passes, npass, len, style)) return TRANSCODE_BLOCK_NOT_EXACT;
      if (!sameDecode(tj, job.cbScratch, job.cbPasses, passes, w, h, obd.orient, nb, style)) return TRANSCODE_BLOCK_NOT_EXACT;
      tj.extended++;
    }
    tj.verified++;
  }
  ocb.encNumBps = numBps;
  ocb.encNumPasses = npass;
  ocb.encData = arenaAlloc(<usize>max(len, 1));
  memory.copy(ocb.encData, job.cbScratch, <usize>len);
  ocb.encPasses = arenaAlloc(<usize>max(npass, 1) * PASS_RECORD_BYTES);
  memory.copy(ocb.encPasses, job.cbPasses, <usize>npass * PASS_RECORD_BYTES);
  store<i32>(ocb.encLayerPasses, passes);
  ocb.zbp = obd.Mb + otc.roi - numBps; // B.10.5 (the input's zero bit-planes, less any all-zero leading planes)
  return TRANSCODE_OK;
}

/**
 * Let the segment holding pass `passes - 1` run to the end of the codeword (when it is the codeword's
 * last segment, i.e. no later pass is terminated before it ends): rates of passes from there on = len.
 */
function extendLastSegment(recs: usize, passes: i32, npass: i32, len: i32, style: i32): bool {
  let start = segmentStart(style, passes - 1);
  let end = start + passesInSegment(style, start);
  if (end < npass) return false; // a later segment starts inside the codeword
  for (let k = passes - 1; k < npass; k++) passRecord(recs, k).rate = <u32>len;
  return true;
}

/**
 * Decode the first `passes` passes of a block just coded (segments laid out as T2 sends them) and
 * compare with the input's values in dec.cbOut.
 */
function sameDecode(tj: TranscodeJob, data: usize, recs: usize, passes: i32, w: i32, h: i32, orient: i32, nb: i32, style: i32): bool {
  let dec = tj.dec;
  let segLens = dec.segLens, segPasses = dec.segPasses;
  let numSegs = 0;
  let bytes: usize = 0;
  if ((style & CBLK_HT) != 0) {
    // the set of the last pass alone, earlier sets empty (codec/t2/packet_encoder.ts htContribution)
    let set = (passes - 1) / 3;
    let extra = (passes - 1) % 3;
    let off = <usize>load<u32>(data + (<usize>set << 2));
    let lcup = passesRate(recs, 3 * set + 1);
    let all = passesRate(recs, passes);
    for (let s = 0; s < 2 * set; s++) {
      store<u32>(segLens + (<usize>s << 2), 0);
      store<u32>(segPasses + (<usize>s << 2), (s & 1) != 0 ? 2 : 1);
    }
    store<u32>(segLens + (<usize>(2 * set) << 2), lcup);
    store<u32>(segPasses + (<usize>(2 * set) << 2), 1);
    numSegs = 2 * set + 1;
    if (extra > 0) {
      store<u32>(segLens + (<usize>numSegs << 2), all - lcup);
      store<u32>(segPasses + (<usize>numSegs << 2), <u32>extra);
      numSegs++;
    }
    bytes = <usize>all;
    memory.copy(tj.data, data + off, bytes);
  } else {
    let k = 0;
    while (k < passes) {
      let start = segmentStart(style, k);
      let upto = min(start + passesInSegment(style, start), passes);
      store<u32>(segLens + (<usize>numSegs << 2), passesRate(recs, upto) - passesRate(recs, k));
      store<u32>(segPasses + (<usize>numSegs << 2), <u32>(upto - k));
      numSegs++;
      k = upto;
    }
    bytes = <usize>passesRate(recs, passes);
    memory.copy(tj.data, data, bytes);
  }
  store<u32>(tj.data + bytes, 0xffffffff);
  store<u32>(tj.data + bytes + 4, 0xffffffff);
  decodeCodeBlock(tj.data, segLens, segPasses, numSegs, w, h, orient, nb, style & 0x7f, tj.check, w);
  let v = dec.cbOut;
  let n = w * h;
  for (let k = 0; k < n; k++) {
    if (load<i32>(tj.check + (<usize>k << 2)) != load<i32>(v + (<usize>k << 2))) return false;
  }
  return true;
}

/** Field `field` (a TranscodeInfo) of the run. */
export function transcodeInfo(tj: TranscodeJob, field: i32): f64 {
  switch (field) {
    case TranscodeInfo.blocks: return <f64>tj.blocks;
    case TranscodeInfo.truncatedBlocks: return <f64>tj.truncated;
    case TranscodeInfo.verifiedBlocks: return <f64>tj.verified;
    case TranscodeInfo.extendedBlocks: return <f64>tj.extended;
    case TranscodeInfo.failTile: return <f64>tj.failTile;
    case TranscodeInfo.failComponent: return <f64>tj.failComp;
  }
  return -1;
}
