// Huffman tables: loading the Annex K.3 tables, deriving the code of every symbol (Annex C,
// Figures C.1-C.3), and building optimal tables from symbol counts (Annex K.2, Figures K.1-K.4,
// with the IJG library's tie-breaking so results match `cjpeg -optimize`).

import { fail } from "../util/fail";
import { ERR_INTERNAL } from "../util/error_codes";
import { CTX_BITS, CTX_VALS, CTX_CODE, CTX_SIZE, CTX_FREQ } from "./context";

// @ts-ignore: decorator
@inline
export function bitsPtr(ctx: usize, t: i32): usize {
  return ctx + CTX_BITS + (<usize>t << 5);
}

// @ts-ignore: decorator
@inline
export function valsPtr(ctx: usize, t: i32): usize {
  return ctx + CTX_VALS + (<usize>t << 8);
}

// @ts-ignore: decorator
@inline
export function freqPtr(ctx: usize, t: i32): usize {
  return ctx + CTX_FREQ + <usize>t * 257 * 8;
}

/** Number of symbols in table t (sum of BITS). */
export function huffCount(ctx: usize, t: i32): i32 {
  let b = bitsPtr(ctx, t);
  let n = 0;
  for (let l = 1; l <= 16; l++) n += load<u8>(b + <usize>l);
  return n;
}

/** Copy a specification (16 BITS counts then the values) into slot t. */
export function huffLoad(ctx: usize, t: i32, bits16: usize, vals: usize): void {
  let b = bitsPtr(ctx, t);
  memory.fill(b, 0, 32);
  let n = 0;
  for (let l = 1; l <= 16; l++) {
    let c = load<u8>(bits16 + <usize>(l - 1));
    store<u8>(b + <usize>l, c);
    n += c;
  }
  memory.copy(valsPtr(ctx, t), vals, <usize>n);
}

/** Derive EHUFCO/EHUFSI of slot t from BITS/HUFFVAL (C.2: sizes, canonical codes, ordering). */
export function huffDerive(ctx: usize, t: i32): void {
  let b = bitsPtr(ctx, t);
  let v = valsPtr(ctx, t);
  let co = ctx + CTX_CODE + (<usize>t << 10);
  let si = ctx + CTX_SIZE + (<usize>t << 8);
  memory.fill(si, 0, 256);
  let code: u32 = 0;
  let k: usize = 0;
  for (let l = 1; l <= 16; l++) {
    let n = <i32>load<u8>(b + <usize>l);
    for (let i = 0; i < n; i++) {
      let sym = <usize>load<u8>(v + k);
      store<u32>(co + (sym << 2), code);
      store<u8>(si + sym, <u8>l);
      code++;
      k++;
    }
    // Codes of one length must fit in it (an all-ones code is reserved, C.2 / K.2).
    if (code >= (<u32>1 << l)) fail(ERR_INTERNAL, -1, 80, t);
    code <<= 1;
  }
}

const MAX_CLEN = 64;
const CODESIZE: usize = memory.data(257 * 4, 16);
const OTHERS: usize = memory.data(257 * 4, 16);
const LBITS: usize = memory.data((MAX_CLEN + 1) * 4, 16);
const FREQ: usize = memory.data(257 * 8, 16);

/**
 * Optimal table for slot t from its symbol counts (K.2): Huffman code sizes with a reserved
 * symbol 256 so no code is all ones (Figure K.1), counts per size (K.2), lengths limited to 16
 * (Figure K.3), the reserved code removed, values sorted by size then symbol (Figure K.4).
 * Among equal counts the larger symbol is taken first, as the IJG library does.
 */
export function huffOptimal(ctx: usize, t: i32): void {
  let src = freqPtr(ctx, t);
  for (let i: usize = 0; i < 257; i++) {
    store<u64>(FREQ + (i << 3), load<u64>(src + (i << 3)));
    store<i32>(CODESIZE + (i << 2), 0);
    store<i32>(OTHERS + (i << 2), -1);
  }
  store<u64>(FREQ + (256 << 3), 1);
  while (true) {
    let c1 = -1;
    let v1: u64 = u64.MAX_VALUE;
    for (let i = 0; i <= 256; i++) {
      let f = load<u64>(FREQ + (<usize>i << 3));
      if (f != 0 && f <= v1) { v1 = f; c1 = i; }
    }
    let c2 = -1;
    let v2: u64 = u64.MAX_VALUE;
    for (let i = 0; i <= 256; i++) {
      let f = load<u64>(FREQ + (<usize>i << 3));
      if (f != 0 && f <= v2 && i != c1) { v2 = f; c2 = i; }
    }
    if (c2 < 0) break;
    store<u64>(FREQ + (<usize>c1 << 3), v1 + v2);
    store<u64>(FREQ + (<usize>c2 << 3), 0);
    // Every symbol in c1's and c2's subtrees gets one bit longer; c2's chain hangs off c1's.
    store<i32>(CODESIZE + (<usize>c1 << 2), load<i32>(CODESIZE + (<usize>c1 << 2)) + 1);
    while (load<i32>(OTHERS + (<usize>c1 << 2)) >= 0) {
      c1 = load<i32>(OTHERS + (<usize>c1 << 2));
      store<i32>(CODESIZE + (<usize>c1 << 2), load<i32>(CODESIZE + (<usize>c1 << 2)) + 1);
    }
    store<i32>(OTHERS + (<usize>c1 << 2), c2);
    store<i32>(CODESIZE + (<usize>c2 << 2), load<i32>(CODESIZE + (<usize>c2 << 2)) + 1);
    while (load<i32>(OTHERS + (<usize>c2 << 2)) >= 0) {
      c2 = load<i32>(OTHERS + (<usize>c2 << 2));
      store<i32>(CODESIZE + (<usize>c2 << 2), load<i32>(CODESIZE + (<usize>c2 << 2)) + 1);
    }
  }
  memory.fill(LBITS, 0, (MAX_CLEN + 1) * 4);
  for (let i: usize = 0; i <= 256; i++) {
    let s = load<i32>(CODESIZE + (i << 2));
    if (s == 0) continue;
    if (s > MAX_CLEN) fail(ERR_INTERNAL, -1, 81, s);
    store<i32>(LBITS + (<usize>s << 2), load<i32>(LBITS + (<usize>s << 2)) + 1);
  }
  // Figure K.3: move pairs of the longest codes up until no code is longer than 16 bits.
  for (let i = MAX_CLEN; i > 16; i--) {
    while (load<i32>(LBITS + (<usize>i << 2)) > 0) {
      let j = i - 2;
      while (load<i32>(LBITS + (<usize>j << 2)) == 0) j--;
      store<i32>(LBITS + (<usize>i << 2), load<i32>(LBITS + (<usize>i << 2)) - 2);
      store<i32>(LBITS + (<usize>(i - 1) << 2), load<i32>(LBITS + (<usize>(i - 1) << 2)) + 1);
      store<i32>(LBITS + (<usize>(j + 1) << 2), load<i32>(LBITS + (<usize>(j + 1) << 2)) + 2);
      store<i32>(LBITS + (<usize>j << 2), load<i32>(LBITS + (<usize>j << 2)) - 1);
    }
  }
  // Drop the reserved symbol's code (one of the longest).
  let l = 16;
  while (l > 0 && load<i32>(LBITS + (<usize>l << 2)) == 0) l--;
  if (l == 0) fail(ERR_INTERNAL, -1, 82, t); // a table with no symbol is never built
  store<i32>(LBITS + (<usize>l << 2), load<i32>(LBITS + (<usize>l << 2)) - 1);

  let b = bitsPtr(ctx, t);
  memory.fill(b, 0, 32);
  for (let i = 1; i <= 16; i++) store<u8>(b + <usize>i, <u8>load<i32>(LBITS + (<usize>i << 2)));
  let v = valsPtr(ctx, t);
  let p: usize = 0;
  for (let s = 1; s <= MAX_CLEN; s++) {
    for (let j = 0; j <= 255; j++) {
      if (load<i32>(CODESIZE + (<usize>j << 2)) == s) {
        store<u8>(v + p, <u8>j);
        p++;
      }
    }
  }
}
