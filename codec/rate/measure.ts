// Exact codestream size per quality layer for the current layer assignment, by a dry run of T2
// (packet headers coded, bodies counted, not copied) plus the headers the writer adds: main
// header, TLM, SOT/SOD (and PLT) per tile-part, EOC. Rate control calls it to test a threshold
// against a byte budget; the result equals what codestream/write_codestream.ts writes.

import { EncodeJob, jobTile } from "../encode_job";
import { Tile, tileComp, resolution, band, precinctBand, codeBlock, PrecinctBand } from "../structure/tile";
import { BitWriter, bitWrite, bitWriterInit, bitWriterFlush } from "../t2/bit_writer";
import { runProgressions } from "../t2/progression";
import { encodePacket, passRate, writeOneSegment, pltEntryBytes } from "../t2/packet_encoder";
import { t2TileReset, t2TileContext } from "../t2/tile_encoder";
import { TagTree, tagTreeParents, tagTreeEncodeWalk, tagTreeWalksReset } from "../t2/tag_tree";
import { T2Context, KeptHeaders, HeaderStore } from "../t2/context";
import { CBLK_HT, CBLK_TERMALL, CBLK_BYPASS } from "../t1/segments";
import { fail } from "../util/fail";
import { ERR_INTERNAL } from "../util/error_codes";
import { mainHeaderLength } from "../codestream/write_codestream";
import { SOT_SOD_BYTES, PLT_HEADER_BYTES, tlmLength } from "../codestream/write_tile_parts";
import { arenaAlloc, arenaAllocZeroed, arenaFits, arenaEpoch } from "../util/arena";
import { cblkIterNew, cblkIterNextBand } from "../structure/cblk_iter";

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
  if (!(keptLayer == l && flatOn)) {
    // (a run that is not a flat trial moves the tag trees)
    trialLayer = -1;
    incLayer = -1;
  }
  if (keptLayer == l) {
    if (!flatOn) return measureFromKept(job, l, sizes, layerBytes);
    if (flatLastLayer == l) {
      // (the assignment has not changed since the last flat trial: its sizes)
      memory.copy(sizes, flatLastSizes, <usize>(l + 1) << 3);
      return load<f64>(flatLastSizes + (<usize>l << 3));
    }
    let size = measureFromFlat(job, l, sizes, layerBytes);
    flatLastSizes = arenaAlloc(<usize>(l + 1) << 3);
    memory.copy(flatLastSizes, sizes, <usize>(l + 1) << 3);
    flatLastLayer = l;
    return size;
  }
  // Packets of layers after l do not change the bytes of layers 0..l (a packet's header depends on
  // its own and earlier layers only, B.10), so the run stops after layer l — unless tile-parts are
  // divided (the count of tile-parts, whose headers are counted in full, depends on every packet).
  let runLayers = job.tilePartMode == 0 ? min(l + 1, L) : L;
  let tileParts = 0;
  for (let t = 0; t < T; t++) {
    let tile = jobTile(job, t);
    t2TileReset(tile, L);
    let ctx = dryContext(job, tile, t, layerBytes);
    runProgressions(ctx, tile, tile.params.poc, tile.params.g.progression, runLayers);
    tileParts += ctx.tileParts;
  }
  return sizesFrom(job, l, sizes, layerBytes, tileParts);
}

/** A dry-run T2 context for tile t writing packet headers to the scratch, packet bytes to `layerBytes`. */
function dryContext(job: EncodeJob, tile: Tile, t: i32, layerBytes: usize): T2Context {
  let ctx = t2TileContext(tile, t, job.layers, job.tilePartMode, job.plt);
  ctx.dry = 1;
  ctx.layerBytes = layerBytes;
  let bw = changetype<BitWriter>(arenaAllocZeroed(offsetof<BitWriter>()));
  bw.start = job.dryBuf;
  bw.pos = job.dryBuf;
  bw.end = job.dryBuf + job.dryCap;
  ctx.out = bw;
  return ctx;
}

/** measureLayers' result from the packet bytes per layer and the count of tile-parts. */
function sizesFrom(job: EncodeJob, l: i32, sizes: usize, layerBytes: usize, tileParts: i32): f64 {
  let fixed: f64 = <f64>job.mainHeaderLen + 2; // + EOC
  fixed += <f64>(tileParts * (SOT_SOD_BYTES + (job.plt != 0 ? PLT_HEADER_BYTES : 0)));
  if (job.tlm != 0) fixed += <f64>tlmLength(tileParts);
  let acc = fixed;
  for (let j = 0; j <= l; j++) {
    acc += load<f64>(layerBytes + (<usize>j << 3));
    store<f64>(sizes + (<usize>j << 3), acc);
  }
  return acc;
}

// ---------------------------------------------------------------------------------------------
// Trial runs of one layer without its earlier layers (pcrd.ts: the threshold search and the budget
// fill of layer l try many assignments of layer l while layers 0..l-1 stay as they are).
// The packet of layer l of a precinct depends only on that precinct's T2 state after its packets
// of layers 0..l-1 (B.10: its tag trees' states, and per code-block whether it was included, the
// passes sent and Lblock) and on layer l's assignment; and that state does not depend on any later
// layer's assignment. An inclusion tag-tree node whose value (the first layer a block in its
// subtree contributes to) is l or more has, after layers 0..l-1, signalled exactly "not below l"
// whatever that value is (tagTreeEncodeWalk writes 0 bits up to the threshold l), so its state is the
// same for every assignment of layer l. measureKeep(job, l) runs layers 0..l-1 once and keeps that
// state; measureLayers(job, l, ·) then restores it in every precinct (after t2TileReset has set
// the tag trees' values from the current assignment) and codes the packets of layer l only. With
// one tile-part per tile, the sizes do not depend on the order of the packets, so every
// progression order can use it; POC lists and HT blocks (whose zero-bit-plane values depend on
// the first layer sent) run in full.
// ---------------------------------------------------------------------------------------------

/** The layer whose earlier layers' T2 state is kept (-1: none). */
let keptLayer: i32 = -1;
/** The kept state (tag-tree states; included, passes sent and Lblock per code-block). */
let keptState: usize = 0;
/** Per tile: packets coded and tile-parts (i32 each) after the kept layers. */
let keptTiles: usize = 0;
/** f64[l]: packet bytes of the kept layers 0..l-1. */
let keptBytes: usize = 0;

const WALK_COUNT: i32 = 0;
const WALK_SAVE: i32 = 1;
const WALK_RESTORE: i32 = 2;

/**
 * Keep the T2 state after layers 0..l-1 of the current assignment (which must not change while
 * it is kept) so that measureLayers(job, l, ·) runs layer l only; until measureForget(). Does
 * nothing where the state cannot be reused (see above).
 */
export function measureKeep(job: EncodeJob, l: i32, assign: usize = 0, continued: bool = false): void {
  keptLayer = -1;
  flatOn = false;
  flatLastLayer = -1;
  let T = job.cs.siz.numTiles;
  if (l < 0 || l >= job.layers || job.tilePartMode != 0 || (job.cs.cod.cblkStyle & CBLK_HT) != 0) return;
  for (let t = 0; t < T; t++) if (jobTile(job, t).params.poc.count != 0) return;
  if (job.mainHeaderLen == 0) job.mainHeaderLen = mainHeaderLength(job);
  for (let t = 0; t < T; t++) {
    let need = tileHeaderBound(jobTile(job, t));
    if (need > job.dryCap) {
      job.dryCap = need;
      job.dryBuf = arenaAlloc(need);
    }
  }
  if (continued && assign != 0 && l > 0 && flatLayer == l - 1 && flatAssign == assign) {
    // layers 0..l-2 are kept in the flat form and `assign` holds layer l-1 as formed: its packets
    // move the kept state on to layer l (when the last trial ran this assignment, from its results)
    if (trialLayer == l - 1 && keptOn) {
      flatCommitTrial(job, l - 1);
      trialCommits++;
    }
    else flatRun(job, l - 1, keptBytes, true);
    trialLayer = -1;
    incLayer = -1;
    flatLayer = l;
    flatOn = true;
    keptLayer = l;
    return;
  }
  flatLayer = -1;
  trialLayer = -1;
  incLayer = -1;
  keptBytes = arenaAllocZeroed(<usize>job.layers << 3);
  keptTiles = arenaAlloc(<usize>T << 3);
  for (let t = 0; t < T; t++) {
    let tile = jobTile(job, t);
    t2TileReset(tile, job.layers);
    let ctx = dryContext(job, tile, t, keptBytes);
    runProgressions(ctx, tile, tile.params.poc, tile.params.g.progression, l);
    store<i32>(keptTiles + (<usize>t << 3), ctx.packets);
    store<i32>(keptTiles + (<usize>t << 3), ctx.tileParts, 4);
  }
  if (assign != 0 && flatFits(job)) {
    flatKeep(job, l);
    flatAssign = assign;
    flatLayer = l;
    flatOn = true;
  } else {
    keptState = arenaAlloc(walkState(job, 0, WALK_COUNT));
    walkState(job, keptState, WALK_SAVE);
  }
  keptLayer = l;
}

/** Stop using the state measureKeep kept. */
export function measureForget(): void {
  keptLayer = -1;
  flatOn = false;
  flatLastLayer = -1;
}

/** Are the flat trials in use (measureKeep with an assignment array)? */
export function measureFlat(): bool {
  return flatOn;
}

/** The assignment array measureKeep was given changed (the last flat trial's sizes no longer hold). */
export function measureAssignChanged(): void {
  flatLastLayer = -1;
  trialLayer = -1;
}

/** measureLayers(job, l, sizes) from the kept state of layers 0..l-1: layer l's packets only. */
function measureFromKept(job: EncodeJob, l: i32, sizes: usize, layerBytes: usize): f64 {
  let T = job.cs.siz.numTiles;
  restoreKept(job, keptState);
  let tileParts = 0;
  for (let t = 0; t < T; t++) {
    let tile = jobTile(job, t);
    let ctx = dryContext(job, tile, t, layerBytes);
    ctx.packets = load<i32>(keptTiles + (<usize>t << 3));
    ctx.tileParts = load<i32>(keptTiles + (<usize>t << 3), 4);
    ctx.lastKey = 0;
    let maxRes = 0;
    for (let c = 0; c < tile.numComps; c++) maxRes = max(maxRes, tileComp(tile, c).numRes);
    for (let r = 0; r < maxRes; r++) {
      for (let c = 0; c < tile.numComps; c++) {
        let tc = tileComp(tile, c);
        if (r >= tc.numRes) continue;
        let res = resolution(tc, r);
        let np = res.pw * res.ph;
        for (let p = 0; p < np; p++) encodePacket(ctx, tc, res, p, l);
      }
    }
    tileParts += ctx.tileParts;
  }
  for (let j = 0; j < l; j++) store<f64>(layerBytes + (<usize>j << 3), load<f64>(keptBytes + (<usize>j << 3)));
  return sizesFrom(job, l, sizes, layerBytes, tileParts);
}

/** Count (returns bytes), save to or restore from `buf` the T2 state of every precinct of every tile. */
function walkState(job: EncodeJob, buf: usize, mode: i32): usize {
  let at = buf;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNextBand(it)) {
    let pb = it.pb;
    let n = pb.cw * pb.ch;
    if (n == 0) continue;
    at = walkTree(pb.incl, at, mode);
    at = walkTree(pb.imsb, at, mode);
    for (let i = 0; i < n; i++) {
      let cb = codeBlock(pb, i);
      if (mode == WALK_SAVE) {
        store<i32>(at, cb.included);
        store<i32>(at, cb.encSentPasses, 4);
        store<i32>(at, cb.lblock, 8);
      } else if (mode == WALK_RESTORE) {
        cb.included = load<i32>(at);
        cb.encSentPasses = load<i32>(at, 4);
        cb.lblock = load<i32>(at, 8);
      }
      at += 12;
    }
  }
  return at - buf;
}

/**
 * Before a trial of layer `keptLayer`: what t2TileReset and walkState(WALK_RESTORE) give, in one
 * walk. The inclusion trees take their leaves (each block's first layer with passes, as
 * prepareResolutionForT2 sets them) from the current assignment and their parents anew; the
 * zero-bit-plane trees' values do not depend on the assignment (Part 1 blocks: the zero bit-planes
 * alone) and stay as measureKeep's t2TileReset set them; then the kept states are copied back.
 */
function restoreKept(job: EncodeJob, buf: usize): void {
  let L = job.layers;
  let at = buf;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNextBand(it)) {
    let pb = it.pb;
    let n = pb.cw * pb.ch;
    if (n == 0) continue;
    let incl = pb.incl;
    // (leaves are the first level: node i of the tree is block i of the precinct-band)
    for (let i = 0; i < n; i++) {
      let cb = codeBlock(pb, i);
      let first = L + 1000;
      let lp = cb.encLayerPasses;
      for (let j = 0; j < L; j++) {
        if (load<i32>(lp + (<usize>j << 2)) > 0) {
          first = j;
          break;
        }
      }
      store<i32>(incl.value + (<usize>i << 2), first);
    }
    tagTreeParents(incl);
    at = walkTree(incl, at, WALK_RESTORE);
    at = walkTree(pb.imsb, at, WALK_RESTORE);
    for (let i = 0; i < n; i++) {
      let cb = codeBlock(pb, i);
      cb.included = load<i32>(at);
      cb.encSentPasses = load<i32>(at, 4);
      cb.lblock = load<i32>(at, 8);
      at += 12;
    }
  }
}

/** walkState for one tag tree: its nodes' lower bounds and "signalled" flags. */
function walkTree(tt: TagTree, at: usize, mode: i32): usize {
  let bytes = <usize>tt.numNodes << 2;
  if (mode == WALK_SAVE) {
    memory.copy(at, tt.low, bytes);
    memory.copy(at + bytes, tt.known, bytes);
  } else if (mode == WALK_RESTORE) {
    memory.copy(tt.low, at, bytes);
    memory.copy(tt.known, at + bytes, bytes);
  }
  return at + 2 * bytes;
}

// ---------------------------------------------------------------------------------------------
// Flat trials: the same sizes as measureFromKept from compact arrays, for the threshold searches of
// rate/pcrd.ts when every block sends one codeword segment per packet (no TERMALL, BYPASS or HT;
// measureKeep's other conditions hold too). A trial then reads no CodeBlock: the kept state of every
// block (after layers 0..l-1) lies in FLAT_KEPT_BYTES per block in cblkIter order, the assignment
// of layer l in the caller's `assign` array (i32 passes, i32 codeword bytes of those passes per
// block, cblkIter order: pcrd.ts keeps it with every change of layer l while the state is kept), the
// tag-tree states back to back, and the packets' precinct-bands in the order they are coded (the
// plan). The packet headers are coded as encodePacket codes them (the same tag-tree walks and
// writeOneSegment), with the kept state in place of the CodeBlock fields.
// ---------------------------------------------------------------------------------------------

/** measureFromFlat is in use (measureKeep with an assignment array, flatFits). */
let flatOn = false;
/**
 * The layer whose kept state the flat arrays hold (-1: none): measureKeep's `continued` call for
 * the next layer moves them on by one layer instead of running every earlier layer again.
 */
let flatLayer: i32 = -1;
/** The layer of the last flat trial while its assignment stands (-1: none; measureAssignChanged), and its sizes (f64[layer + 1]). */
let flatLastLayer: i32 = -1;
let flatLastSizes: usize = 0;
/** i32[2] per block (cblkIter order): layer l's passes and their codeword bytes (pcrd.ts). */
let flatAssign: usize = 0;
/** Per block (cblkIter order): first layer with passes (-1 if not included yet), passes sent, Lblock, bytes sent. */
let flatKept: usize = 0;
const FLAT_KEPT_BYTES: usize = 16;
/** Tag-tree states (walkTree's layout: inclusion tree, then zero-bit-plane tree) of every precinct-band with blocks, cblkIter order. */
let flatTrees: usize = 0;
/**
 * Per tile: i32 packets, then per packet i32 count of its precinct-bands with blocks, then per
 * precinct-band its pointer, the cblkIter index of its first block and where its trees' states lie
 * in flatTrees (i32 each, PLAN_PB bytes; wasm32 pointers).
 */
let flatPlan: usize = 0;
const PLAN_PB: usize = 12;

/** Can the flat trials stand for measureFromKept: one codeword segment per contribution in every tile-component? */
function flatFits(job: EncodeJob): bool {
  for (let t = 0; t < job.cs.siz.numTiles; t++) {
    let tile = jobTile(job, t);
    for (let c = 0; c < tile.numComps; c++) {
      if ((tileComp(tile, c).style.cblkStyle & (CBLK_TERMALL | CBLK_BYPASS | CBLK_HT)) != 0) return false;
    }
  }
  return sizeof<usize>() == 4;
}

/** measureKeep's state in the flat form, after its run of layers 0..l-1; and the plan. */
function flatKeep(job: EncodeJob, l: i32): void {
  let T = job.cs.siz.numTiles;
  // counts: blocks, tree bytes, precinct-bands
  let nb = 0, treeBytes: usize = 0, npb = 0, packets = 0;
  let it = cblkIterNew(job.tiles, T);
  while (cblkIterNextBand(it)) {
    let pb = it.pb;
    // (a resolution's packets, at its first precinct-band; one without precincts adds none)
    if (it.k == 0 && it.p == 0) packets += it.res.pw * it.res.ph;
    let n = pb.cw * pb.ch;
    npb++;
    if (n == 0) continue;
    nb += n;
    treeBytes += <usize>(pb.incl.numNodes + pb.imsb.numNodes) << 3;
  }
  flatKept = arenaAlloc(<usize>max(nb, 1) * FLAT_KEPT_BYTES);
  trialLblock = arenaAlloc(<usize>max(nb, 1) << 2);
  trialLayer = -1;
  flatTrees = arenaAlloc(max(treeBytes, 4));
  // (the cblkIter index of each precinct-band's first block, and where its trees' states lie in
  // flatTrees, in cblkIter order)
  let bases = arenaAlloc(<usize>max(npb, 1) << 2);
  let treeAt = arenaAlloc(<usize>max(npb, 1) << 2);
  let at = flatTrees;
  let kb = flatKept;
  let i0 = 0, q = 0;
  it = cblkIterNew(job.tiles, T);
  while (cblkIterNextBand(it)) {
    let pb = it.pb;
    let n = pb.cw * pb.ch;
    store<i32>(bases + (<usize>q << 2), i0);
    store<i32>(treeAt + (<usize>q << 2), <i32>(at - flatTrees));
    q++;
    if (n == 0) continue;
    at = walkTree(pb.incl, at, WALK_SAVE);
    at = walkTree(pb.imsb, at, WALK_SAVE);
    for (let i = 0; i < n; i++) {
      let cb = codeBlock(pb, i);
      let first = -1;
      if (cb.included != 0) {
        let lp = cb.encLayerPasses;
        for (let j = 0; j < l; j++) {
          if (load<i32>(lp + (<usize>j << 2)) > 0) {
            first = j;
            break;
          }
        }
        if (first < 0) fail(ERR_INTERNAL, -1, 46, l);
      }
      store<i32>(kb, first);
      store<i32>(kb, cb.encSentPasses, 4);
      store<i32>(kb, cb.lblock, 8);
      store<i32>(kb, passRate(cb, cb.encSentPasses - 1), 12);
      kb += FLAT_KEPT_BYTES;
    }
    i0 += n;
  }
  // the plan: measureFromKept's packet order (resolution, component, precinct), bands within
  flatPlan = arenaAlloc(<usize>(T + packets + 3 * npb) << 2);
  incLayer = -1;
  incContrib = arenaAlloc(<usize>max(packets, 1) << 3);
  incAssign = arenaAlloc(<usize>max(nb, 1) << 3);
  // (where the final write finds a packet's kept header: hdrTiles, hdrTcs, hdrRes)
  let tcs = 0, ress = 0;
  for (let t = 0; t < T; t++) {
    let tile = jobTile(job, t);
    tcs += tile.numComps;
    for (let c = 0; c < tile.numComps; c++) ress += tileComp(tile, c).numRes;
  }
  hdrTiles = arenaAlloc(<usize>max(T, 1) << 2);
  hdrTcs = arenaAlloc(<usize>max(tcs, 1) << 2);
  hdrRes = arenaAlloc(<usize>max(ress, 1) << 2);
  tcs = 0;
  ress = 0;
  for (let t = 0; t < T; t++) {
    let tile = jobTile(job, t);
    store<i32>(hdrTiles + (<usize>t << 2), tcs);
    for (let c = 0; c < tile.numComps; c++) {
      store<i32>(hdrTcs + (<usize>(tcs + c) << 2), ress);
      ress += tileComp(tile, c).numRes;
    }
    tcs += tile.numComps;
  }
  hdrPackets = packets;
  hdrBlocks = nb;
  hdrStores = arenaAllocZeroed(<usize>job.layers * sizeof<usize>());
  hdrSealed = false;
  let kAll = 0; // the packet's index in the plan (every tile's packets of a layer)
  let w = flatPlan;
  let q0 = 0; // the first precinct-band of the tile (cblkIter order)
  for (let t = 0; t < T; t++) {
    let tile = jobTile(job, t);
    let maxRes = 0;
    for (let c = 0; c < tile.numComps; c++) maxRes = max(maxRes, tileComp(tile, c).numRes);
    let tcAt = load<i32>(hdrTiles + (<usize>t << 2));
    let tileStart = w;
    w += 4;
    let count = 0;
    let tilePbs = 0;
    for (let r = 0; r < maxRes; r++) {
      for (let c = 0; c < tile.numComps; c++) {
        let tc = tileComp(tile, c);
        if (r >= tc.numRes) continue;
        let res = resolution(tc, r);
        let np = res.pw * res.ph;
        // (cblkIter order: component, resolution, band, precinct)
        let qr = q0;
        for (let c2 = 0; c2 < c; c2++) {
          let tc2 = tileComp(tile, c2);
          for (let r2 = 0; r2 < tc2.numRes; r2++) {
            let res2 = resolution(tc2, r2);
            qr += res2.pw * res2.ph * res2.numBands;
          }
        }
        for (let r2 = 0; r2 < r; r2++) {
          let res2 = resolution(tc, r2);
          qr += res2.pw * res2.ph * res2.numBands;
        }
        store<i32>(hdrRes + (<usize>(load<i32>(hdrTcs + (<usize>(tcAt + c) << 2)) + r) << 2), kAll);
        kAll += np;
        for (let p = 0; p < np; p++) {
          let head = w;
          w += 4;
          let m = 0;
          for (let b = 0; b < res.numBands; b++) {
            let pb = precinctBand(band(res, b), p);
            if (pb.cw * pb.ch == 0) continue;
            store<u32>(w, <u32>changetype<usize>(pb));
            store<i32>(w, load<i32>(bases + (<usize>(qr + b * np + p) << 2)), 4);
            store<i32>(w, load<i32>(treeAt + (<usize>(qr + b * np + p) << 2)), 8);
            w += PLAN_PB;
            m++;
          }
          store<i32>(head, m);
          count++;
        }
      }
    }
    store<i32>(tileStart, count);
    for (let c = 0; c < tile.numComps; c++) {
      let tc = tileComp(tile, c);
      for (let r = 0; r < tc.numRes; r++) {
        let res = resolution(tc, r);
        tilePbs += res.pw * res.ph * res.numBands;
      }
    }
    q0 += tilePbs;
  }
}

/** measureFromKept from the flat state (see above): layer l's packets only. */
function measureFromFlat(job: EncodeJob, l: i32, sizes: usize, layerBytes: usize): f64 {
  let tileParts = flatRun(job, l, layerBytes, false);
  for (let j = 0; j < l; j++) store<f64>(layerBytes + (<usize>j << 3), load<f64>(keptBytes + (<usize>j << 3)));
  return sizesFrom(job, l, sizes, layerBytes, tileParts);
}

/**
 * Code layer l's packets from the flat state kept after layers 0..l-1, adding their bytes to
 * f64 `layerBytes`[l]; returns the count of tile-parts. With `commit`, the kept state moves on to
 * the state after layer l (as measureKeep(job, l + 1) would keep it: the blocks' states and the
 * tag trees' after these packets, the packets and tile-parts per tile).
 */
function flatRun(job: EncodeJob, l: i32, layerBytes: usize, commit: bool): i32 {
  let T = job.cs.siz.numTiles;
  let L = job.layers;
  let assign = flatAssign;
  let kept = flatKept;
  // Another trial of the layer the last run tried: only the packets with a block whose assignment
  // changed since are coded (the others' headers, bytes and tag trees are as that run left them;
  // a packet's header depends on its own precinct-bands only)
  let inc = !commit && incLayer == l && keptOn;
  if (inc) incTrials++;
  // the inclusion trees' leaves from the assignment (as restoreKept: the first layer with passes)
  // and the kept tree states (incremental: of the packets coded, below)
  let at = flatTrees;
  let b0 = 0;
  let it = cblkIterNew(job.tiles, T);
  while (!inc && cblkIterNextBand(it)) {
    let pb = it.pb;
    let n = pb.cw * pb.ch;
    if (n == 0) continue;
    let incl = pb.incl;
    for (let i = 0; i < n; i++) {
      let first = load<i32>(kept + <usize>(b0 + i) * FLAT_KEPT_BYTES);
      if (first < 0) first = load<i32>(assign + (<usize>(b0 + i) << 3)) > 0 ? l : L + 1000;
      store<i32>(incl.value + (<usize>i << 2), first);
    }
    b0 += n;
    tagTreeParents(incl);
    at = walkTree(incl, at, WALK_RESTORE);
    at = walkTree(pb.imsb, at, WALK_RESTORE);
  }
  let bw = changetype<BitWriter>(arenaAllocZeroed(offsetof<BitWriter>()));
  let lb = layerBytes + (<usize>l << 3);
  let plt = job.plt != 0;
  let tileParts = 0;
  let w = flatPlan;
  // the headers go to the layer's store (for the final write), back to back
  let hs = headerStore(l);
  let hAt: usize = 0;
  let kAll = 0;
  if (hs != null) {
    if (!inc) {
      hs.at = hs.buf;
      hs.ok = 1;
    }
    hAt = hs.at;
    hs.final = 0;
  }
  for (let t = 0; t < T; t++) {
    let tp = jobTile(job, t).params;
    let extra = (tp.g.sop != 0 ? 6 : 0) + (tp.g.eph != 0 ? 2 : 0);
    let count = load<i32>(w);
    w += 4;
    for (let k = 0; k < count; k++) {
      let m = load<i32>(w);
      w += 4;
      let end = w + <usize>m * PLAN_PB;
      if (inc) {
        let changed = false;
        for (let e = w; e < end && !changed; e += PLAN_PB) {
          let pb = changetype<PrecinctBand>(<usize>load<u32>(e));
          let base = <usize>load<i32>(e, 4);
          let n = pb.cw * pb.ch;
          for (let i = 0; i < n; i++) {
            if (load<u64>(assign + ((base + <usize>i) << 3)) != load<u64>(incAssign + ((base + <usize>i) << 3))) {
              changed = true;
              break;
            }
          }
        }
        if (!changed) {
          store<f64>(lb, load<f64>(lb) + load<f64>(incContrib + (<usize>kAll << 3)));
          kAll++;
          w = end;
          continue;
        }
        for (let e = w; e < end; e += PLAN_PB) {
          let pb = changetype<PrecinctBand>(<usize>load<u32>(e));
          let base = <usize>load<i32>(e, 4);
          let n = pb.cw * pb.ch;
          let incl = pb.incl;
          for (let i = 0; i < n; i++) {
            let first = load<i32>(kept + (base + <usize>i) * FLAT_KEPT_BYTES);
            if (first < 0) first = load<i32>(assign + ((base + <usize>i) << 3)) > 0 ? l : L + 1000;
            store<i32>(incl.value + (<usize>i << 2), first);
          }
          tagTreeParents(incl);
          let ta = walkTree(incl, flatTrees + <usize>load<i32>(e, 8), WALK_RESTORE);
          walkTree(pb.imsb, ta, WALK_RESTORE);
          memory.copy(incAssign + (base << 3), assign + (base << 3), <usize>n << 3);
        }
      }
      bitWriterInit(bw, job.dryBuf, job.dryBuf + job.dryCap);
      tagTreeWalksReset();
      // any contribution?
      let any = false;
      for (let e = w; e < end && !any; e += PLAN_PB) {
        let pb = changetype<PrecinctBand>(<usize>load<u32>(e));
        let base = load<i32>(e, 4);
        let n = pb.cw * pb.ch;
        for (let i = 0; i < n; i++) {
          if (load<i32>(assign + (<usize>(base + i) << 3)) > load<i32>(kept + <usize>(base + i) * FLAT_KEPT_BYTES, 4)) {
            any = true;
            break;
          }
        }
      }
      let body: usize = 0;
      if (!any) {
        bitWrite(bw, 0);
      } else {
        bitWrite(bw, 1);
        for (let e = w; e < end; e += PLAN_PB) {
          let pb = changetype<PrecinctBand>(<usize>load<u32>(e));
          let ab = assign + (<usize>load<i32>(e, 4) << 3);
          let kb = kept + <usize>load<i32>(e, 4) * FLAT_KEPT_BYTES;
          let cw = pb.cw, ch = pb.ch;
          for (let iy = 0; iy < ch; iy++) {
            for (let ix = 0; ix < cw; ix++, ab += 8, kb += FLAT_KEPT_BYTES) {
              let first = load<i32>(kb);
              let newPasses = load<i32>(ab) - load<i32>(kb, 4);
              if (first < 0) tagTreeEncodeWalk(pb.incl, bw, ix, iy, l + 1, 0);
              else bitWrite(bw, newPasses > 0 ? 1 : 0);
              if (newPasses <= 0) continue;
              if (first < 0) tagTreeEncodeWalk(pb.imsb, bw, ix, iy, 999, 1);
              let len = load<i32>(ab, 4) - load<i32>(kb, 12);
              if (len < 0) fail(ERR_INTERNAL, -1, load<i32>(kb, 12), load<i32>(ab, 4));
              let lblock = writeOneSegment(bw, newPasses, len, load<i32>(kb, 8));
              body += <usize>len;
              if (commit) {
                // (as encodePacket's dry run moves the block on)
                if (first < 0) store<i32>(kb, l);
                store<i32>(kb, load<i32>(ab), 4);
                store<i32>(kb, lblock, 8);
                store<i32>(kb, load<i32>(ab, 4), 12);
              } else {
                store<i32>(trialLblock + ((ab - assign) >> 1), lblock); // (block index · 4)
              }
            }
          }
        }
      }
      let hLen = bitWriterFlush(bw);
      if (hs != null) {
        // (kept if it fits: else the final write codes the headers)
        if (<usize>hLen <= hs.end - hAt) {
          memory.copy(hAt, job.dryBuf, <usize>hLen);
          let pk = hs.pk + (<usize>kAll << 3);
          store<i32>(pk, <i32>(hAt - hs.buf));
          store<i32>(pk, hLen, 4);
          hAt += <usize>hLen;
        } else {
          hs.ok = 0;
        }
      }
      let total = <usize>hLen + <usize>extra + body;
      let contrib = <f64>total + <f64>(plt ? pltEntryBytes(<u32>total) : 0);
      store<f64>(incContrib + (<usize>kAll << 3), contrib);
      kAll++;
      store<f64>(lb, load<f64>(lb) + contrib);
      w = end;
    }
    // (one tile-part per tile: as encodePacket counts them after the kept packets)
    let keptPackets = load<i32>(keptTiles + (<usize>t << 3));
    let parts = keptPackets == 0 ? (count > 0 ? 1 : 0) : load<i32>(keptTiles + (<usize>t << 3), 4);
    tileParts += parts;
    if (commit) {
      store<i32>(keptTiles + (<usize>t << 3), keptPackets + count);
      store<i32>(keptTiles + (<usize>t << 3), parts, 4);
    }
  }
  if (hs != null) hs.at = hAt;
  if (commit && hs != null && hs.ok != 0) hs.final = 1;
  // (a trial's results, for flatCommitTrial while its assignment stands: measureAssignChanged)
  trialLayer = commit ? -1 : l;
  // (and for the next trial of the layer: the assignment it coded)
  if (!commit && !inc) memory.copy(incAssign, assign, <usize>hdrBlocks << 3);
  incLayer = commit ? -1 : l;
  trialBytes = load<f64>(lb);
  // the tag trees' states after these packets
  if (commit) saveFlatTrees(job, T);
  return tileParts;
}

/** Save every precinct-band's tag trees (inclusion, zero bit-planes) into flatTrees, in cblkIter order. */
function saveFlatTrees(job: EncodeJob, T: i32): void {
  let at = flatTrees;
  let it = cblkIterNew(job.tiles, T);
  while (cblkIterNextBand(it)) {
    let pb = it.pb;
    if (pb.cw * pb.ch == 0) continue;
    at = walkTree(pb.incl, at, WALK_SAVE);
    at = walkTree(pb.imsb, at, WALK_SAVE);
  }
}

/** The layer the last trial flatRun ran (its assignment unchanged since: measureAssignChanged), or -1. */
let trialLayer: i32 = -1;
/** i32 per block (cblkIter order): its Lblock after the last trial's packets, where it contributed. */
let trialLblock: usize = 0;
/** The packet bytes of the last trial's layer (its layerBytes entry). */
let trialBytes: f64 = 0;
/**
 * The layer the last flat run tried (not a commit run; -1: none), whose tag trees, headers and
 * packet bytes stand for the assignment `incAssign` (i32 passes, i32 bytes per block, as `assign`):
 * the next trial of that layer codes only the packets where the assignment changed.
 */
let incLayer: i32 = -1;
let incAssign: usize = 0;
/** f64 per packet (plan order): its bytes in the last run (PLT entry included), for the packets an incremental trial does not code. */
let incContrib: usize = 0;

/**
 * flatRun(job, l, keptBytes, true) when the last trial ran layer l with this assignment: the same
 * state after layer l from that trial's results instead of coding the packets again. The tag trees
 * are as the trial's packets left them (flatRun restores them before every run, and no other T2 run
 * came since: every one changes the assignment or resets trialLayer), the blocks move on as the
 * commit run moves them (the Lblock from the trial), the tile counts and layer bytes are the ones
 * that run would add, and the trial's headers are the layer's final ones.
 */
function flatCommitTrial(job: EncodeJob, l: i32): void {
  let T = job.cs.siz.numTiles;
  let assign = flatAssign;
  let kb = flatKept;
  for (let b = 0; b < hdrBlocks; b++, kb += FLAT_KEPT_BYTES) {
    let ab = assign + (<usize>b << 3);
    if (load<i32>(ab) <= load<i32>(kb, 4)) continue;
    if (load<i32>(kb) < 0) store<i32>(kb, l);
    store<i32>(kb, load<i32>(ab), 4);
    store<i32>(kb, load<i32>(trialLblock + (<usize>b << 2)), 8);
    store<i32>(kb, load<i32>(ab, 4), 12);
  }
  let w = flatPlan;
  for (let t = 0; t < T; t++) {
    let count = load<i32>(w);
    w += 4;
    for (let k = 0; k < count; k++) w += 4 + <usize>load<i32>(w) * PLAN_PB;
    let keptPackets = load<i32>(keptTiles + (<usize>t << 3));
    let parts = keptPackets == 0 ? (count > 0 ? 1 : 0) : load<i32>(keptTiles + (<usize>t << 3), 4);
    store<i32>(keptTiles + (<usize>t << 3), keptPackets + count);
    store<i32>(keptTiles + (<usize>t << 3), parts, 4);
  }
  let lb = keptBytes + (<usize>l << 3);
  store<f64>(lb, load<f64>(lb) + trialBytes);
  let hs = headerStore(l);
  if (hs != null && hs.ok != 0) hs.final = 1;
  saveFlatTrees(job, T);
}

/** Bound of the packet-header bytes of one packet of the tile (for the dry-run scratch). */
function tileHeaderBound(tile: Tile): usize {
  return <usize>min(tile.numCblks * 64 + 65536, <i64>0x7fff0000);
}

// ---------------------------------------------------------------------------------------------
// Packet headers for the final write. The flat trials code every packet header of layer l exactly
// as the final write would (B.10: a packet's header depends only on its precinct's state after
// layers 0..l-1 and on layer l's assignment), so they keep them, layer by layer
// (t2/context.ts HeaderStore): layer l's final headers are those of the run that moves the kept
// state on past it (measureKeep's `continued` call for l + 1, which runs the final assignment of
// layer l), and the last layer's those of its last trial while its assignment stands
// (flatLastLayer). When every layer has them, measureSeal marks them for the final write of this
// job, which copies them instead of coding the headers again (measureTakeHeaders).
// ---------------------------------------------------------------------------------------------

/** usize per layer: its HeaderStore (0 until its first flat run); reset by every flatKeep. */
let hdrStores: usize = 0;
/** KeptHeaders' tables (flatKeep). */
let hdrTiles: usize = 0;
let hdrTcs: usize = 0;
let hdrRes: usize = 0;
/** Packets of one layer and code-blocks, every tile (flatKeep). */
let hdrPackets: i32 = 0;
let hdrBlocks: i32 = 0;
/** measureSeal found every layer's final headers kept, for job hdrJob in arena epoch hdrEpoch. */
let hdrSealed = false;
let hdrJob: usize = 0;
let hdrEpoch: u32 = 0;

/**
 * Reuse of what earlier runs coded on (the default) or off (tests compare the two): the final
 * write's kept headers, the state after a layer from its last trial (flatCommitTrial) and
 * incremental trials (flatRun).
 */
let keptOn = true;
/** Final writes that copied kept headers (measureTakeHeaders), ever. */
let keptWrites: i32 = 0;

/**
 * Kept packet headers for the final write, the kept state moved on from a layer's last trial and
 * incremental trials on (1, the default) or off (0: every run codes every packet).
 */
export function measureSetKeptHeaders(on: i32): void {
  keptOn = on != 0;
}

/** Runs that reused earlier ones so far (tests: the paths were taken): 0 final writes from kept headers, 1 incremental trials, 2 states moved on from a trial. */
export function measureKeptWrites(which: i32): i32 {
  return which == 1 ? incTrials : which == 2 ? trialCommits : keptWrites;
}
let incTrials: i32 = 0;
let trialCommits: i32 = 0;

/** Layer l's header store, made on its first use (null when it does not fit under the memory limit: the headers are then not kept). */
function headerStore(l: i32): HeaderStore | null {
  let slot = hdrStores + (<usize>l << alignof<usize>());
  let hs = load<usize>(slot);
  if (hs != 0) return changetype<HeaderStore>(hs);
  // (the headers are coded in the dry run's scratch and copied here if they fit: 8 bytes a block and
  // a packet is several times what a layer's headers take (saw at 20:1: ~1.3 bytes a block), and
  // thrice that leaves room for the packets incremental trials code again; where they do not fit,
  // the layer's headers are not kept and the final write codes them)
  let cap = 3 * (<u64>hdrBlocks * 8 + <u64>hdrPackets * 8) + 4096;
  let pkBytes = <u64>max(hdrPackets, 1) << 3;
  if (cap > 0x7fff0000 || !arenaFits(cap + pkBytes + 64)) return null;
  let st = changetype<HeaderStore>(arenaAllocZeroed(offsetof<HeaderStore>()));
  st.buf = arenaAlloc(<usize>cap);
  st.end = st.buf + <usize>cap;
  st.at = st.buf;
  st.pk = arenaAlloc(<usize>pkBytes);
  store<usize>(slot, changetype<usize>(st));
  return st;
}

/**
 * After rate control's last measureLayers of the last layer (rate_control.ts rateAllocate): if the
 * flat trials kept every layer's final packet headers, mark them for this job's final write.
 */
export function measureSeal(job: EncodeJob): void {
  hdrSealed = false;
  let L = job.layers;
  if (!flatOn || keptLayer != L - 1 || flatLastLayer != L - 1 || hdrStores == 0) return;
  for (let l = 0; l < L; l++) {
    let hs = load<usize>(hdrStores + (<usize>l << alignof<usize>()));
    if (hs == 0) return;
    let st = changetype<HeaderStore>(hs);
    if (st.ok == 0 || (l < L - 1 && st.final == 0)) return;
  }
  hdrSealed = true;
  hdrJob = changetype<usize>(job);
  hdrEpoch = arenaEpoch();
}

/** Forget measureSeal's mark and the last trial (rate control starts again: the assignment will change). */
export function measureUnseal(): void {
  hdrSealed = false;
  trialLayer = -1;
  incLayer = -1;
}

/**
 * The packet headers measureSeal marked for `job` (KeptHeaders, for codestream/write_codestream.ts),
 * or 0 (code them): only once, and only if nothing was released from the arena since.
 */
export function measureTakeHeaders(job: EncodeJob): usize {
  let ok = hdrSealed && hdrJob == changetype<usize>(job) && hdrEpoch == arenaEpoch() && keptOn;
  hdrSealed = false;
  if (!ok) return 0;
  keptWrites++;
  let kh = changetype<KeptHeaders>(arenaAllocZeroed(offsetof<KeptHeaders>()));
  kh.stores = hdrStores;
  kh.tiles = hdrTiles;
  kh.tcs = hdrTcs;
  kh.res = hdrRes;
  return changetype<usize>(kh);
}
