// Main-header marker segments written by the encoder: SIZ (A.5.1), COD (A.6.1), COC (A.6.2),
// QCD (A.6.4), QCC (A.6.5), RGN (A.6.3), POC (A.6.6), COM (A.9.2).

import { Writer, wrU8, wrU16, wrU32, wrBytes } from "../io/writer";
import * as M from "./markers";
import { Siz, CodingStyle, GlobalStyle, QuantStyle, PocList, compSiz, pocEntry, QUANT_NONE, QUANT_DERIVED } from "./params";

export function writeSiz(w: Writer, s: Siz): void {
  wrU16(w, M.SIZ);
  wrU16(w, <u32>(38 + 3 * s.Csiz));
  wrU16(w, <u32>s.Rsiz);
  wrU32(w, <u32>s.Xsiz);
  wrU32(w, <u32>s.Ysiz);
  wrU32(w, <u32>s.XOsiz);
  wrU32(w, <u32>s.YOsiz);
  wrU32(w, <u32>s.XTsiz);
  wrU32(w, <u32>s.YTsiz);
  wrU32(w, <u32>s.XTOsiz);
  wrU32(w, <u32>s.YTOsiz);
  wrU16(w, <u32>s.Csiz);
  for (let c = 0; c < s.Csiz; c++) {
    let k = compSiz(s, c);
    wrU8(w, <u32>((k.sgnd << 7) | (k.prec - 1)));
    wrU8(w, <u32>k.dx);
    wrU8(w, <u32>k.dy);
  }
}

/** CAP (ISO/IEC 15444-15 A.3): Pcap with only bit 17 (Ccap15 follows), then Ccap15. */
export function writeCap(w: Writer, ccap15: i32): void {
  wrU16(w, M.CAP);
  wrU16(w, 8);
  wrU32(w, 0x00020000);
  wrU16(w, <u32>ccap15);
}

function writeSPcod(w: Writer, s: CodingStyle): void {
  wrU8(w, <u32>s.levels);
  wrU8(w, <u32>(s.xcb - 2));
  wrU8(w, <u32>(s.ycb - 2));
  wrU8(w, <u32>s.cblkStyle);
  wrU8(w, <u32>s.reversible);
  if (s.userPrecincts != 0) {
    for (let r = 0; r <= s.levels; r++) wrU8(w, <u32>load<u8>(s.pp + <usize>r));
  }
}

export function writeCod(w: Writer, g: GlobalStyle, s: CodingStyle): void {
  wrU16(w, M.COD);
  wrU16(w, <u32>(12 + (s.userPrecincts != 0 ? s.levels + 1 : 0)));
  wrU8(w, <u32>(s.userPrecincts | (g.sop << 1) | (g.eph << 2)));
  wrU8(w, <u32>g.progression);
  wrU16(w, <u32>g.layers);
  wrU8(w, <u32>g.mct);
  writeSPcod(w, s);
}

export function writeCoc(w: Writer, c: i32, Csiz: i32, s: CodingStyle): void {
  let cb = Csiz < 257 ? 1 : 2;
  wrU16(w, M.COC);
  wrU16(w, <u32>(2 + cb + 1 + 5 + (s.userPrecincts != 0 ? s.levels + 1 : 0)));
  if (cb == 1) wrU8(w, <u32>c);
  else wrU16(w, <u32>c);
  wrU8(w, <u32>s.userPrecincts);
  writeSPcod(w, s);
}

function sqcdBytes(q: QuantStyle): i32 {
  return q.style == QUANT_NONE ? q.count : q.style == QUANT_DERIVED ? 2 : 2 * q.count;
}

function writeSqcd(w: Writer, q: QuantStyle): void {
  wrU8(w, <u32>((q.guard << 5) | q.style));
  if (q.style == QUANT_NONE) {
    for (let i = 0; i < q.count; i++) wrU8(w, <u32>((load<u16>(q.steps + (<usize>i << 1)) >> 11) << 3));
  } else {
    let n = q.style == QUANT_DERIVED ? 1 : q.count;
    for (let i = 0; i < n; i++) wrU16(w, <u32>load<u16>(q.steps + (<usize>i << 1)));
  }
}

export function writeQcd(w: Writer, q: QuantStyle): void {
  wrU16(w, M.QCD);
  wrU16(w, <u32>(3 + sqcdBytes(q)));
  writeSqcd(w, q);
}

export function writeQcc(w: Writer, c: i32, Csiz: i32, q: QuantStyle): void {
  let cb = Csiz < 257 ? 1 : 2;
  wrU16(w, M.QCC);
  wrU16(w, <u32>(2 + cb + 1 + sqcdBytes(q)));
  if (cb == 1) wrU8(w, <u32>c);
  else wrU16(w, <u32>c);
  writeSqcd(w, q);
}

/** RGN (A.6.3): implicit (max-shift) ROI of component c, Srgn = 0, SPrgn = shift. */
export function writeRgn(w: Writer, c: i32, Csiz: i32, shift: i32): void {
  let cb = Csiz < 257 ? 1 : 2;
  wrU16(w, M.RGN);
  wrU16(w, <u32>(2 + cb + 2));
  if (cb == 1) wrU8(w, <u32>c);
  else wrU16(w, <u32>c);
  wrU8(w, 0);
  wrU8(w, <u32>shift);
}

export function writePoc(w: Writer, l: PocList, Csiz: i32): void {
  let cb = Csiz < 257 ? 1 : 2;
  wrU16(w, M.POC);
  wrU16(w, <u32>(2 + l.count * (5 + 2 * cb)));
  for (let i = 0; i < l.count; i++) {
    let e = pocEntry(l, i);
    wrU8(w, <u32>e.RSpoc);
    if (cb == 1) wrU8(w, <u32>e.CSpoc);
    else wrU16(w, <u32>e.CSpoc);
    wrU16(w, <u32>e.LYEpoc);
    wrU8(w, <u32>e.REpoc);
    if (cb == 1) wrU8(w, <u32>(e.CEpoc & 0xff));
    else wrU16(w, <u32>(e.CEpoc & 0xffff));
    wrU8(w, <u32>e.Ppoc);
  }
}

/** COM with Rcom = 1 (Latin text), A.9.2. */
export function writeCom(w: Writer, text: usize, len: i32): void {
  wrU16(w, M.COM);
  wrU16(w, <u32>(4 + len));
  wrU16(w, 1);
  wrBytes(w, text, <usize>len);
}
