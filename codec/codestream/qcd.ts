// QCD and QCC marker segments, ISO/IEC 15444-1 A.6.4 and A.6.5 (Tables A.27-A.30).

import { Reader, rdU8, rdU16, readerOffset } from "../io/reader";
import { QuantStyle, MAX_BANDS, QUANT_NONE, QUANT_DERIVED } from "./params";
import { fail } from "../util/fail";
import { ERR_BAD_QCD } from "../util/error_codes";

/** Sqcd and SPqcd from the reader up to `segEnd`. */
function readSqcd(r: Reader, segEnd: usize, q: QuantStyle, at: i32): void {
  let S = <i32>rdU8(r);
  let style = S & 0x1f;
  if (style > 2) fail(ERR_BAD_QCD, at, style);
  q.style = style;
  q.guard = S >> 5;
  let left = <i32>(segEnd - r.pos);
  let n: i32;
  if (style == QUANT_NONE) {
    n = left;
    if (n < 1) fail(ERR_BAD_QCD, at, n);
    n = min(n, MAX_BANDS);
    for (let i = 0; i < n; i++) {
      // Table A.29: exponent in the 5 high bits of one byte
      let e = <i32>rdU8(r) >> 3;
      store<u16>(q.steps + (<usize>i << 1), <u16>(e << 11));
    }
  } else {
    n = left >> 1;
    if (n < 1) fail(ERR_BAD_QCD, at, n);
    if (style == QUANT_DERIVED) n = 1;
    n = min(n, MAX_BANDS);
    for (let i = 0; i < n; i++) store<u16>(q.steps + (<usize>i << 1), <u16>rdU16(r));
  }
  q.count = n;
}

export function readQcd(r: Reader, segEnd: usize, q: QuantStyle): void {
  readSqcd(r, segEnd, q, readerOffset(r) - 4);
}

/** QCC: returns the component index. */
export function readQcc(r: Reader, segEnd: usize, Csiz: i32, q: QuantStyle): i32 {
  let at = readerOffset(r) - 4;
  let c = Csiz < 257 ? <i32>rdU8(r) : <i32>rdU16(r);
  if (c >= Csiz) fail(ERR_BAD_QCD, at, c);
  readSqcd(r, segEnd, q, at);
  return c;
}
