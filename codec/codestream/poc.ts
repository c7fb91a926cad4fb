// POC marker segment, ISO/IEC 15444-1 A.6.6 (Table A.32), and RGN, A.6.3 (Table A.24-A.26).

import { Reader, rdU8, rdU16, readerOffset } from "../io/reader";
import { PocList, PocEntry, pocEntry } from "./params";
import { arenaAlloc } from "../util/arena";
import { fail } from "../util/fail";
import { ERR_BAD_POC, ERR_BAD_RGN } from "../util/error_codes";

/** Append the progressions of one POC segment to `list` (growing it in the arena). */
export function readPoc(r: Reader, segLen: i32, Csiz: i32, list: PocList): void {
  let at = readerOffset(r) - 4;
  let entrySize = Csiz < 257 ? 7 : 9;
  let n = (segLen - 2) / entrySize;
  if (n < 1 || (segLen - 2) % entrySize != 0) fail(ERR_BAD_POC, at, segLen);
  if (list.count + n > list.cap) {
    let cap = max(list.cap * 2, list.count + n);
    let p = arenaAlloc(<usize>cap * offsetof<PocEntry>());
    if (list.count > 0) memory.copy(p, list.entries, <usize>list.count * offsetof<PocEntry>());
    list.entries = p;
    list.cap = cap;
  }
  for (let i = 0; i < n; i++) {
    let e = pocEntry(list, list.count + i);
    e.RSpoc = <i32>rdU8(r);
    e.CSpoc = Csiz < 257 ? <i32>rdU8(r) : <i32>rdU16(r);
    e.LYEpoc = <i32>rdU16(r);
    e.REpoc = <i32>rdU8(r);
    let ce = Csiz < 257 ? <i32>rdU8(r) : <i32>rdU16(r);
    // Table A.32: CEpoc = 0 means 256 (one byte) or 16384 (two bytes)
    e.CEpoc = ce == 0 ? (Csiz < 257 ? 256 : 16384) : ce;
    e.Ppoc = <i32>rdU8(r);
    if (e.Ppoc > 4) fail(ERR_BAD_POC, at, e.Ppoc);
  }
  list.count += n;
}

/** RGN: stores the ROI max-shift for the component into `shifts` (i32 per component). */
export function readRgn(r: Reader, Csiz: i32, shifts: usize): void {
  let at = readerOffset(r) - 4;
  let c = Csiz < 257 ? <i32>rdU8(r) : <i32>rdU16(r);
  if (c >= Csiz) fail(ERR_BAD_RGN, at, c);
  let Srgn = <i32>rdU8(r);
  if (Srgn != 0) fail(ERR_BAD_RGN, at, Srgn); // Table A.26: only implicit (max-shift) ROI in Part 1
  let shift = <i32>rdU8(r);
  store<i32>(shifts + (<usize>c << 2), shift);
}
