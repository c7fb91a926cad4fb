// Strip decoding exports (C-like ABI; see codec/strip_decoder.ts). The host: jobBegin → alloc+copy
// the codestream → decoderParse → header getters → for each session (a row of tiles, or the rows a
// memory budget allows): stripBegin → { stripNext → stripPlane/stripInfo → pack kernels → copy out }*
// → stripEnd. Sessions reuse the parsed codestream; each releases all it allocated.

import { Codestream } from "./codestream/header";
import { StripSession, stripOpen, stripRun, stripPacked } from "./strip_decoder";
import { plane } from "./decoder";
import { parsedCodestream } from "./parsed_codestream";
import { arenaMark, arenaRelease } from "./util/arena";
import { fail } from "./util/fail";
import { ERR_INVALID_ARGUMENT } from "./util/error_codes";
import { PlaneField, StripField } from "./api_fields";

let gSession: usize = 0;
let gMark: usize = 0;

// @ts-ignore: decorator
@inline
function session(): StripSession {
  if (gSession == 0) fail(ERR_INVALID_ARGUMENT, -1, 0, 0);
  return changetype<StripSession>(gSession);
}

/**
 * Open a strip session over the region [rx0, rx1) x [ry0, ry1) of the reference grid of the
 * codestream parsed last, at resolution reduction `reduce` with `layers` layers (0 = all), in strips
 * of `rows` rows of the reduced grid (the first `first` rows), each also decoding `up` reference rows above it (for
 * upsampling sub-sampled components). `wantMask`: u8 per component (0 = all). Runs T2 for every tile
 * of the region. Returns the number of strips.
 */
export function stripBegin(reduce: i32, layers: i32, rx0: i32, ry0: i32, rx1: i32, ry1: i32, allowPartial: i32, wantMask: usize, maxCblks: f64, rows: i32, first: i32, up: i32): i32 {
  let cs = parsedCodestream();
  if (cs == 0) fail(ERR_INVALID_ARGUMENT, -1, 1, 0);
  gSession = 0;
  gMark = arenaMark();
  let s = stripOpen(changetype<Codestream>(cs), reduce, layers, rx0, ry0, rx1, ry1, allowPartial, wantMask, <i64>maxCblks, rows, first, up);
  gSession = changetype<usize>(s);
  return s.count;
}

/**
 * Deliver the session's strips as interleaved samples of `bytesPerSample` bytes (1, 2, 4; `signed`
 * 0/1) at stripInfo(packed) instead of planes: every component decoded, none sub-sampled, no rows
 * above the strips (`up` 0); call before the first stripNext.
 */
export function stripSetPacked(bytesPerSample: i32, signed: i32): void {
  stripPacked(session(), bytesPerSample, signed);
}

/** Decode the next strip of the session into its planes (stripPlane). Returns 0 when none is left. */
export function stripNext(): i32 {
  return stripRun(session());
}

/** Field `field` (a StripField) of the session / the strip decoded last; -1 for an unknown field. */
export function stripInfo(field: i32): f64 {
  let s = session();
  switch (field) {
    case StripField.gridY0: return <f64>s.gy0;
    case StripField.gridY1: return <f64>s.gy1;
    case StripField.refY0: return <f64>s.ry0;
    case StripField.refY1: return <f64>s.ry1;
    case StripField.strips: return <f64>s.count;
    case StripField.tiles: return <f64>s.numTiles;
    case StripField.partial: return <f64>s.job.partial;
    case StripField.missingTiles: return <f64>s.job.missingTiles;
    case StripField.shortTiles: return <f64>s.job.shortTiles;
    case StripField.cacheBytes: return s.cacheBytes;
    case StripField.sessionBytes: return <f64>(s.mark - gMark);
    case StripField.blocksDecoded: return s.blocksDecoded;
    case StripField.packed: return <f64>s.packed;
  }
  return -1;
}

/** Field `field` (a PlaneField) of component c's plane of the strip decoded last; -1 for an unknown field. */
export function stripPlane(c: i32, field: i32): f64 {
  let pl = plane(session().job, c);
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

/** Close the session: everything it allocated is released (the parsed codestream stays). */
export function stripEnd(): void {
  gSession = 0;
  if (gMark != 0) arenaRelease(gMark);
  gMark = 0;
}
