// Context formation look-up tables of the EBCOT block coder (ISO/IEC 15444-1 D.3).
//
// SIG_LUT  (Table D.1): significance context 0..8 from the 3×3 neighbourhood of a coefficient,
//          one 512-byte table per sub-band orientation (index = 9 neighbourhood bits as laid out
//          in flags.ts: 0 NW, 1 N, 2 NE, 3 W, 4 self, 5 E, 6 SW, 7 S, 8 SE; the self bit is ignored).
// SIGN_LUT (Table D.2/D.3): sign context 9..13 in bits 0..4 and the XOR bit in bit 7, from the
//          significance and sign of the four direct neighbours (index layout: see signIndexNb()).

/** Four 512-entry significance context tables: orientation 0 LL, 1 HL, 2 LH, 3 HH. */
const SIG_LUT: usize = memory.data(4 * 512, 16);
/** 256-entry sign context table. */
export const SIGN_LUT: usize = memory.data(256, 16);

let lutReady = false;

/** Significance context of Table D.1 from the neighbour counts. */
function sigContext(orient: i32, h: i32, v: i32, d: i32): u8 {
  if (orient == 3) {
    // HH: diagonals first
    const hv = h + v;
    if (d >= 3) return 8;
    if (d == 2) return hv >= 1 ? 7 : 6;
    if (d == 1) return hv >= 2 ? 5 : hv == 1 ? 4 : 3;
    return hv >= 2 ? 2 : hv == 1 ? 1 : 0;
  }
  if (orient == 1) {
    // HL (horizontally high-pass): vertical neighbours play the role of the horizontal ones
    const t = h;
    h = v;
    v = t;
  }
  // LL and LH
  if (h == 2) return 8;
  if (h == 1) return v >= 1 ? 7 : d >= 1 ? 6 : 5;
  if (v == 2) return 4;
  if (v == 1) return 3;
  return d >= 2 ? 2 : d == 1 ? 1 : 0;
}

/** Contribution of one neighbour to H or V in Table D.2: +1 significant positive, -1 significant negative. */
function signContribution(sig: i32, neg: i32): i32 {
  return sig == 0 ? 0 : neg != 0 ? -1 : 1;
}

function clampUnit(x: i32): i32 {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

/** Build the tables once per instance. */
export function contextTablesInit(): void {
  if (lutReady) return;
  for (let o = 0; o < 4; o++) {
    for (let i = 0; i < 512; i++) {
      const h = ((i >> 3) & 1) + ((i >> 5) & 1);
      const v = ((i >> 1) & 1) + ((i >> 7) & 1);
      const d = (i & 1) + ((i >> 2) & 1) + ((i >> 6) & 1) + ((i >> 8) & 1);
      store<u8>(SIG_LUT + <usize>((o << 9) + i), sigContext(o, h, v, d));
    }
  }
  for (let i = 0; i < 256; i++) {
    // index layout of signIndexNb: σ at the neighbourhood bits (1 N, 3 W, 5 E, 7 S), χ beside them
    const n = signContribution((i >> 1) & 1, i & 1);
    const wst = signContribution((i >> 3) & 1, (i >> 4) & 1);
    const e = signContribution((i >> 5) & 1, (i >> 6) & 1);
    const s = signContribution((i >> 7) & 1, (i >> 2) & 1);
    const hc = clampUnit(wst + e);
    const vc = clampUnit(n + s);
    // Table D.3: (H, V) -> context, XOR bit; negating both H and V gives the same context with XOR 1.
    let cx: i32;
    let xr = 0;
    let hh = hc;
    let vv = vc;
    if (hh < 0 || (hh == 0 && vv < 0)) {
      hh = -hh;
      vv = -vv;
      xr = 1;
    }
    if (hh == 1) cx = vv == 1 ? 13 : vv == 0 ? 12 : 11;
    else cx = vv == 1 ? 10 : 9; // hh == 0, vv in {0, 1}
    store<u8>(SIGN_LUT + <usize>i, <u8>(cx | (xr << 7)));
  }
  lutReady = true;
}

/** The significance table for a sub-band orientation (0 LL, 1 HL, 2 LH, 3 HH). */
// @ts-ignore: decorator
@inline
export function sigLut(orient: i32): usize {
  return SIG_LUT + (<usize>(orient & 3) << 9);
}

/**
 * SIGN_LUT index for row r of the column with flag word `f`, west word `fw` and east word `fe`
 * (flags.ts): as signIndexNb.
 */
// @ts-ignore: decorator
@inline
export function signIndex(f: u32, fw: u32, fe: u32, r: i32): u32 {
  return signIndexNb(f >>> (3 * r), f, fw, fe, r);
}

/**
 * SIGN_LUT index for row r from its neighbourhood bits `nb` (bits 0..8 of f >>> 3r, flags.ts; only
 * the σ of N, W, E, S are used) and the χ bits of f, fw, fe: bit 0 χN, 1 σN, 2 χS, 3 σW, 4 χW,
 * 5 σE, 6 χE, 7 σS. The σ bits stay where the neighbourhood has them; χN and χS are f's bits
 * 18 + r and 20 + r, moved together.
 */
// @ts-ignore: decorator
@inline
export function signIndexNb(nb: u32, f: u32, fw: u32, fe: u32, r: i32): u32 {
  return (nb & 0xaa) | ((f >>> (18 + r)) & 5) | ((fw >>> (15 + r)) & 0x10) | ((fe >>> (13 + r)) & 0x40);
}
