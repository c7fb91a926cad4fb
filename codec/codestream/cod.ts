// COD and COC marker segments, ISO/IEC 15444-1 A.6.1 and A.6.2 (Tables A.12-A.23).

import { Reader, rdU8, rdU16, readerOffset } from "../io/reader";
import { CodingStyle, GlobalStyle, MAX_LEVELS, CBLK_HT } from "./params";
import { fail } from "../util/fail";
import { ERR_BAD_COD, ERR_UNSUPPORTED_PART2 } from "../util/error_codes";

/** SPcod / SPcoc (Table A.15), shared by COD and COC. `userPrecincts` comes from Scod/Scoc bit 0. */
function readSPcod(r: Reader, segEnd: usize, s: CodingStyle, userPrecincts: i32, at: i32): void {
  let levels = <i32>rdU8(r);
  let xcbField = <i32>rdU8(r);
  let ycbField = <i32>rdU8(r);
  let style = <i32>rdU8(r);
  let transform = <i32>rdU8(r);
  if (levels > MAX_LEVELS) fail(ERR_BAD_COD, at, levels);
  // Table A.18: xcb, ycb in 0..8 (exponent - 2), and xcb + ycb <= 8
  if (xcbField > 8 || ycbField > 8 || xcbField + ycbField > 8) fail(ERR_BAD_COD, at, xcbField, ycbField);
  // Table A.19 + ISO/IEC 15444-15 Table A.3: bit 6 = HT code-blocks, bits 6-7 = mixed HT / Part 1
  // code-blocks; bit 7 alone is reserved
  if ((style & 0xc0) == 0x80) fail(ERR_UNSUPPORTED_PART2, at, style);
  // Table A.20: 0 = 9-7 irreversible, 1 = 5-3 reversible; other values are Part 2 (ATK)
  if (transform > 1) fail(ERR_UNSUPPORTED_PART2, at, transform);
  s.levels = levels;
  s.xcb = xcbField + 2;
  s.ycb = ycbField + 2;
  s.cblkStyle = style;
  s.reversible = transform;
  s.userPrecincts = userPrecincts;
  if (userPrecincts != 0) {
    if (<usize>(levels + 1) > segEnd - r.pos) fail(ERR_BAD_COD, at, levels);
    for (let i = 0; i <= levels; i++) {
      let v = <i32>rdU8(r);
      // Table A.21: PPx = PPy = 0 only allowed for the lowest resolution (B.6)
      if (i > 0 && ((v & 15) == 0 || (v >> 4) == 0)) fail(ERR_BAD_COD, at, v);
      store<u8>(s.pp + <usize>i, <u8>v);
    }
  } else {
    for (let i = 0; i <= levels; i++) store<u8>(s.pp + <usize>i, 0xff);
  }
}

/** COD: Scod, SGcod and SPcod. */
export function readCod(r: Reader, segEnd: usize, g: GlobalStyle, s: CodingStyle): void {
  let at = readerOffset(r) - 4;
  let Scod = <i32>rdU8(r);
  if ((Scod & ~0x07) != 0) fail(ERR_UNSUPPORTED_PART2, at, Scod); // bits 3-4 are Part 2 (variable offsets)
  let prog = <i32>rdU8(r);
  let layers = <i32>rdU16(r);
  let mct = <i32>rdU8(r);
  if (prog > 4) fail(ERR_BAD_COD, at, prog);
  if (layers < 1) fail(ERR_BAD_COD, at, layers);
  if (mct > 1) fail(ERR_UNSUPPORTED_PART2, at, mct);
  g.sop = (Scod >> 1) & 1;
  g.eph = (Scod >> 2) & 1;
  g.progression = prog;
  g.layers = layers;
  g.mct = mct;
  readSPcod(r, segEnd, s, Scod & 1, at);
}

/** COC: Ccoc, Scoc and SPcoc. Returns the component index. */
export function readCoc(r: Reader, segEnd: usize, Csiz: i32, s: CodingStyle): i32 {
  let at = readerOffset(r) - 4;
  let c = Csiz < 257 ? <i32>rdU8(r) : <i32>rdU16(r);
  if (c >= Csiz) fail(ERR_BAD_COD, at, c);
  let Scoc = <i32>rdU8(r);
  if ((Scoc & ~0x01) != 0) fail(ERR_BAD_COD, at, Scoc);
  readSPcod(r, segEnd, s, Scoc & 1, at);
  return c;
}
