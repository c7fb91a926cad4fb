// Codestream-aware mutations (ISO/IEC 15444-1 Annex A): the mutator knows where the marker segments
// are and the layout of SIZ, COD/COC, QCD/QCC, RGN, POC, SOT, TLM, PLT/PLM, PPM/PPT, CAP, so it can
// set one header field to an extreme value, change Csiz with a consistent Lsiz, break or fix segment
// lengths, remove / duplicate / move segments, insert synthetic PPM/PPT/PLT/TLM/POC segments, change
// Psot / tile-parts, and damage packet data — besides the generic byte mutations.
import { u16be, u32be, put, get, cat, splice, interestingValue, hex } from "./bytes.mjs";

const NO_SEGMENT = (m) => m === 0xff4f || m === 0xff93 || m === 0xffd9 || m === 0xff92 || (m >= 0xff30 && m <= 0xff3f);
export const MARKER_NAME = {
  0xff4f: "SOC", 0xff51: "SIZ", 0xff52: "COD", 0xff53: "COC", 0xff55: "TLM", 0xff57: "PLM", 0xff58: "PLT", 0xff5c: "QCD",
  0xff5d: "QCC", 0xff5e: "RGN", 0xff5f: "POC", 0xff60: "PPM", 0xff61: "PPT", 0xff63: "CRG", 0xff64: "COM", 0xff90: "SOT",
  0xff91: "SOP", 0xff92: "EPH", 0xff93: "SOD", 0xffd9: "EOC", 0xff50: "CAP", 0xff59: "CPF",
};

/** Marker segments and tile-part bodies of a codestream (tolerant: stops where the structure breaks). */
export function parseCodestream(b) {
  const segs = [];
  const bodies = [];
  let pos = 0;
  let where = "main";
  let tilePartEnd = 0;
  let sot = -1;
  while (pos + 2 <= b.length) {
    const m = u16be(b, pos);
    if ((m & 0xff00) !== 0xff00) break;
    if (NO_SEGMENT(m)) {
      if (m === 0xff93) {
        const end = tilePartEnd > pos ? Math.min(tilePartEnd, b.length) : b.length >= 2 && u16be(b, b.length - 2) === 0xffd9 ? b.length - 2 : b.length;
        bodies.push({ sot, start: pos + 2, end });
        segs.push({ m, at: pos, len: 2, where: "sod" });
        pos = end;
        where = "main";
        continue;
      }
      segs.push({ m, at: pos, len: 2, where });
      if (m === 0xffd9) break;
      pos += 2;
      continue;
    }
    if (pos + 4 > b.length) break;
    const L = u16be(b, pos + 2);
    if (L < 2) break;
    if (m === 0xff90) {
      where = "tile";
      sot = pos;
      const psot = pos + 10 <= b.length ? u32be(b, pos + 6) : 0;
      tilePartEnd = psot > 0 ? pos + psot : 0;
    }
    segs.push({ m, at: pos, len: 2 + L, where });
    pos += 2 + L;
  }
  const siz = segs.find((s) => s.m === 0xff51);
  const csiz = siz && siz.at + 40 <= b.length ? u16be(b, siz.at + 38) : 1;
  return { segs, bodies, csiz };
}

/** Named fields of a marker segment: { at, size, name }. */
export function fieldsOf(b, seg, csiz) {
  const f = [];
  const add = (off, size, name) => {
    if (seg.at + off + size <= Math.min(b.length, seg.at + seg.len)) f.push({ at: seg.at + off, size, name });
  };
  const cs = csiz < 257 ? 1 : 2;
  switch (seg.m) {
    case 0xff51: {
      add(4, 2, "Rsiz");
      ["Xsiz", "Ysiz", "XOsiz", "YOsiz", "XTsiz", "YTsiz", "XTOsiz", "YTOsiz"].forEach((n, i) => add(6 + 4 * i, 4, n));
      add(38, 2, "Csiz");
      for (let i = 0; i < Math.min(csiz, 64); i++) {
        add(40 + 3 * i, 1, `Ssiz${i}`);
        add(41 + 3 * i, 1, `XRsiz${i}`);
        add(42 + 3 * i, 1, `YRsiz${i}`);
      }
      break;
    }
    case 0xff52: {
      add(4, 1, "Scod");
      add(5, 1, "progression");
      add(6, 2, "layers");
      add(8, 1, "mct");
      add(9, 1, "levels");
      add(10, 1, "xcb");
      add(11, 1, "ycb");
      add(12, 1, "cblkStyle");
      add(13, 1, "transform");
      for (let k = 14; k < seg.len; k++) add(k, 1, `PP${k - 14}`);
      break;
    }
    case 0xff53: {
      add(4, cs, "Ccoc");
      const o = 4 + cs;
      ["Scoc", "levels", "xcb", "ycb", "cblkStyle", "transform"].forEach((n, i) => add(o + i, 1, n));
      for (let k = o + 6; k < seg.len; k++) add(k, 1, `PP${k - o - 6}`);
      break;
    }
    case 0xff5c:
    case 0xff5d: {
      const o = seg.m === 0xff5c ? 4 : 4 + cs;
      if (seg.m === 0xff5d) add(4, cs, "Cqcc");
      add(o, 1, "Sq");
      const style = b[seg.at + o] & 0x1f;
      const w = style === 0 ? 1 : 2;
      for (let k = o + 1, i = 0; k + w <= seg.len; k += w, i++) add(k, w, `SPq${i}`);
      break;
    }
    case 0xff5e:
      add(4, cs, "Crgn");
      add(4 + cs, 1, "Srgn");
      add(5 + cs, 1, "SPrgn");
      break;
    case 0xff5f: {
      const e = 5 + 2 * cs;
      for (let k = 4, i = 0; k + e <= seg.len; k += e, i++) {
        add(k, 1, `RSpoc${i}`);
        add(k + 1, cs, `CSpoc${i}`);
        add(k + 1 + cs, 2, `LYEpoc${i}`);
        add(k + 3 + cs, 1, `REpoc${i}`);
        add(k + 4 + cs, cs, `CEpoc${i}`);
        add(k + 4 + 2 * cs, 1, `Ppoc${i}`);
      }
      break;
    }
    case 0xff90:
      add(4, 2, "Isot");
      add(6, 4, "Psot");
      add(10, 1, "TPsot");
      add(11, 1, "TNsot");
      break;
    case 0xff55: {
      add(4, 1, "Ztlm");
      add(5, 1, "Stlm");
      const st = b[seg.at + 5] ?? 0;
      const ts = (st >> 4) & 3, ps = (st >> 6) & 1 ? 4 : 2;
      for (let k = 6, i = 0; k + ts + ps <= seg.len && i < 32; k += ts + ps, i++) {
        if (ts) add(k, ts, `Ttlm${i}`);
        add(k + ts, ps, `Ptlm${i}`);
      }
      break;
    }
    case 0xff58:
    case 0xff57:
    case 0xff61:
      add(4, 1, "Z");
      for (let k = 5; k < Math.min(seg.len, 69); k++) add(k, 1, `I${k - 5}`);
      break;
    case 0xff60:
      add(4, 1, "Zppm");
      add(5, 4, "Nppm0");
      for (let k = 9; k < Math.min(seg.len, 41); k++) add(k, 1, `Ippm${k - 9}`);
      break;
    case 0xff50:
      add(4, 4, "Pcap");
      for (let k = 8; k + 2 <= seg.len; k += 2) add(k, 2, `Ccap${(k - 8) / 2}`);
      break;
    default:
      for (let k = 4; k < Math.min(seg.len, 36); k++) add(k, 1, `byte${k - 4}`);
  }
  return f;
}

const SEG_WEIGHT = { 0xff51: 6, 0xff52: 4, 0xff53: 2, 0xff5c: 3, 0xff5d: 2, 0xff5e: 1, 0xff5f: 2, 0xff90: 4, 0xff55: 2, 0xff58: 2, 0xff57: 1, 0xff60: 2, 0xff61: 2, 0xff50: 1 };

function segName(s) {
  return `${MARKER_NAME[s.m] ?? hex(s.m)}@${s.at}`;
}

/** A synthetic marker segment of a kind the seed may not have. */
function syntheticSegment(rng, csiz) {
  const kind = rng.pick(["PPM", "PPT", "PLT", "TLM", "POC", "COC", "QCC", "RGN", "CAP", "COM"]);
  const body = [];
  const n = rng.range(0, 40);
  const cs = csiz < 257 ? 1 : 2;
  const push = (size, v) => {
    for (let k = size - 1; k >= 0; k--) body.push(Math.floor(v / 2 ** (8 * k)) & 0xff);
  };
  let m;
  switch (kind) {
    case "PPM":
      m = 0xff60;
      push(1, rng.int(4));
      push(4, rng.pick([0, 1, 4, n, 0xffff, 0xffffffff, rng.int(2 ** 32)]));
      for (let i = 0; i < n; i++) push(1, rng.int(256));
      break;
    case "PPT":
    case "PLT":
      m = kind === "PPT" ? 0xff61 : 0xff58;
      push(1, rng.int(3));
      for (let i = 0; i < n; i++) push(1, rng.chance(0.3) ? 0xff : rng.int(256));
      break;
    case "TLM": {
      m = 0xff55;
      const st = rng.pick([0x00, 0x10, 0x20, 0x40, 0x50, 0x60, rng.int(256)]);
      push(1, rng.int(3));
      push(1, st);
      for (let i = 0; i < n; i++) push(1, rng.int(256));
      break;
    }
    case "POC":
      m = 0xff5f;
      for (let e = 0; e < rng.range(1, 4); e++) {
        push(1, rng.int(34));
        push(cs, rng.int(csiz + 2));
        push(2, rng.pick([0, 1, 0xffff, rng.int(65536)]));
        push(1, rng.int(34));
        push(cs, rng.pick([0, 1, csiz, csiz + 1, 0xff]));
        push(1, rng.int(6));
      }
      break;
    case "COC":
      m = 0xff53;
      push(cs, rng.int(csiz + 1));
      push(1, rng.int(2));
      push(1, rng.pick([0, 1, 5, 32, 33, 255]));
      push(1, rng.int(10));
      push(1, rng.int(10));
      push(1, rng.int(256));
      push(1, rng.int(3));
      break;
    case "QCC":
      m = 0xff5d;
      push(cs, rng.int(csiz + 1));
      push(1, rng.pick([0x00, 0x01, 0x02, 0x22, 0x42, 0xe2]));
      for (let i = 0; i < n; i++) push(1, rng.int(256));
      break;
    case "RGN":
      m = 0xff5e;
      push(cs, rng.int(csiz + 1));
      push(1, 0);
      push(1, rng.pick([0, 1, 30, 31, 37, 255]));
      break;
    case "CAP":
      m = 0xff50;
      push(4, rng.pick([0x00020000, 0xffffffff, rng.int(2 ** 32)]));
      for (let i = 0; i < rng.int(8); i++) push(2, rng.int(65536));
      break;
    default:
      m = 0xff64;
      push(2, 1);
      for (let i = 0; i < n; i++) push(1, rng.int(256));
  }
  const seg = new Uint8Array(4 + body.length);
  put(seg, 0, 2, m);
  put(seg, 2, 2, 2 + body.length);
  seg.set(body, 4);
  return { seg, kind };
}

/**
 * One structure-aware mutation of a codestream. Returns { bytes, what } (bytes may be the input when
 * nothing applied: the caller then falls back to a generic mutation).
 */
export function mutateCodestream(src, rng) {
  const { segs, bodies, csiz } = parseCodestream(src);
  const withLen = segs.filter((s) => s.len > 2);
  if (withLen.length === 0) return { bytes: src, what: null };
  const choice = rng.int(100);
  let b = src.slice();

  if (choice < 38) {
    // one header field to an extreme / nearby / random value
    const weighted = withLen.map((s) => ({ s, weight: SEG_WEIGHT[s.m] ?? 0.3 }));
    const { s } = rng.weighted(weighted);
    const fields = fieldsOf(b, s, csiz);
    if (fields.length === 0) return { bytes: src, what: null };
    const fld = rng.pick(fields);
    const old = get(b, fld.at, fld.size);
    const v = interestingValue(rng, fld.size, old);
    put(b, fld.at, fld.size, v);
    return { bytes: b, what: `field ${segName(s)}.${fld.name} ${hex(old)}->${hex(v)}` };
  }
  if (choice < 44) {
    // Csiz changed with Lsiz kept consistent (component entries copied or dropped)
    const siz = segs.find((s) => s.m === 0xff51);
    if (!siz || siz.at + 43 > src.length) return { bytes: src, what: null };
    const old = u16be(src, siz.at + 38);
    const target = rng.pick([0, 1, 2, 3, 4, 255, 256, 257, 956, 1000, 16384, 16385, 65535, old + 1, Math.max(1, old - 1), rng.range(1, 4096)]);
    const entry = src.subarray(siz.at + 40 + 3 * (old - 1), siz.at + 43 + 3 * (old - 1));
    const entries = new Uint8Array(3 * target);
    for (let i = 0; i < target; i++) entries.set(i < old ? src.subarray(siz.at + 40 + 3 * i, siz.at + 43 + 3 * i) : entry, 3 * i);
    if (rng.chance(0.3) && target > 0) {
      const k = rng.int(target);
      entries[3 * k + rng.int(3)] = rng.pick([0, 1, 17, 38, 0x7f, 0x80, 0xa5, 255]);
    }
    const head = src.slice(siz.at, siz.at + 40);
    put(head, 2, 2, Math.min(0xffff, 38 + 3 * target));
    put(head, 38, 2, target);
    b = splice(src, siz.at, siz.at + siz.len, cat(head, entries));
    return { bytes: b, what: `sizcomp Csiz ${old}->${target} (consistent Lsiz)` };
  }
  if (choice < 52) {
    const s = rng.pick(withLen);
    const old = u16be(b, s.at + 2);
    const v = rng.pick([0, 1, 2, 3, old - 1, old + 1, old + 2, 0xffff, rng.int(65536)]) & 0xffff;
    put(b, s.at + 2, 2, v);
    return { bytes: b, what: `seglen ${segName(s)} ${old}->${v}` };
  }
  if (choice < 58) {
    const s = rng.pick(withLen.filter((x) => x.m !== 0xff90).length ? withLen.filter((x) => x.m !== 0xff90) : withLen);
    return { bytes: splice(src, s.at, s.at + s.len), what: `remove ${segName(s)} [${s.at},+${s.len}]` };
  }
  if (choice < 63) {
    const s = rng.pick(withLen);
    const copy = src.slice(s.at, s.at + s.len);
    const to = rng.chance(0.5) ? s.at + s.len : rng.pick(segs).at;
    return { bytes: splice(src, to, to, copy), what: `duplicate ${segName(s)} at ${to}` };
  }
  if (choice < 71) {
    const { seg, kind } = syntheticSegment(rng, csiz);
    const tileHdr = segs.filter((s) => s.where === "tile" && s.m === 0xff90);
    const mainEnd = segs.find((s) => s.m === 0xff90)?.at ?? src.length;
    let at;
    if ((kind === "PPT" || kind === "PLT" || rng.chance(0.3)) && tileHdr.length) {
      const sot = rng.pick(tileHdr);
      at = sot.at + sot.len;
      // keep Psot consistent when the tile-part length is known
      const psot = u32be(src, sot.at + 6);
      const out = splice(src, at, at, seg);
      if (psot > 0 && rng.chance(0.8)) put(out, sot.at + 6, 4, psot + seg.length);
      return { bytes: out, what: `insert ${kind} (${seg.length} bytes) in tile-part header at ${at}` };
    }
    at = Math.min(mainEnd, segs.length > 2 ? rng.pick(segs.filter((s) => s.at > 2 && s.at <= mainEnd))?.at ?? mainEnd : mainEnd);
    return { bytes: splice(src, at, at, seg), what: `insert ${kind} (${seg.length} bytes) in main header at ${at}` };
  }
  if (choice < 77) {
    const sots = segs.filter((s) => s.m === 0xff90);
    if (sots.length === 0) return { bytes: src, what: null };
    const s = rng.pick(sots);
    const op = rng.int(3);
    if (op === 0) {
      const v = rng.pick([0, 13, 14, src.length, src.length - s.at + 1, 0x7fffffff, 0xffffffff]);
      put(b, s.at + 6, 4, v);
      return { bytes: b, what: `SOT@${s.at} Psot->${hex(v)}` };
    }
    const body = bodies.find((x) => x.sot === s.at);
    const end = body ? body.end : s.at + s.len;
    if (op === 1) {
      const copy = src.slice(s.at, end);
      return { bytes: splice(src, end, end, copy), what: `duplicate tile-part @${s.at} (${end - s.at} bytes)` };
    }
    return { bytes: splice(src, s.at, end), what: `remove tile-part @${s.at}` };
  }
  if (choice < 92) {
    if (bodies.length === 0) return { bytes: src, what: null };
    const body = rng.pick(bodies.filter((x) => x.end > x.start).length ? bodies.filter((x) => x.end > x.start) : bodies);
    if (body.end <= body.start) return { bytes: src, what: null };
    const n = rng.range(1, 6);
    const at = [];
    const headerish = rng.chance(0.5);
    for (let i = 0; i < n; i++) {
      const span = headerish ? Math.min(64, body.end - body.start) : body.end - body.start;
      const p = body.start + rng.int(span);
      b[p] = rng.chance(0.5) ? b[p] ^ (1 << rng.int(8)) : rng.pick([0x00, 0xff, 0x80, 0x7f, rng.int(256)]);
      at.push(p);
    }
    return { bytes: b, what: `tiledata tile@${body.start} bytes ${at.join(",")}` };
  }
  // truncation at or near a structure boundary
  const s = rng.pick(segs);
  const cut = Math.max(0, Math.min(src.length, s.at + rng.range(-2, s.len + 2)));
  return { bytes: src.subarray(0, cut), what: `truncate at ${cut} (near ${segName(s)})` };
}
