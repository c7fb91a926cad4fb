// DICOM-aware mutations (PS3.5 §7, A.4; PS3.10 §7.1): the mutator walks the Part 10 file (meta
// group, then the data set in explicit or implicit VR little endian, into sequences and the
// encapsulated Pixel Data items) and attacks element and item lengths, the Basic Offset Table, the
// Pixel Data length, the Image Pixel Module attributes (0028,xxxx), the Transfer Syntax UID, VRs,
// appended / removed / duplicated elements, truncation at element boundaries, and the JPEG 2000
// codestream inside a fragment (through the codestream mutator).
import { u16le, u32le, put, cat, splice, interestingValue, hex } from "./bytes.mjs";
import { mutateCodestream } from "./mutate_codestream.mjs";

const LONG_VR = new Set(["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]);
const IMPLICIT = "1.2.840.10008.1.2";
const UNDEFINED = 0xffffffff;

const TS_UIDS = [
  "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.4.90",
  "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.5", "1.2.3", "",
];

function tagOf(b, at) {
  return ((u16le(b, at) << 16) | u16le(b, at + 2)) >>> 0;
}

function tagName(t) {
  return `(${(t >>> 16).toString(16).padStart(4, "0")},${(t & 0xffff).toString(16).padStart(4, "0")})`.toUpperCase();
}

/**
 * Elements and items of a Part 10 file: { kind, tag, vr, at, lenAt, lenSize, valueAt, length, depth }.
 * Tolerant: stops where the structure breaks. `ts` is the Transfer Syntax UID from the meta group.
 */
export function walkDicom(b) {
  const out = [];
  if (b.length < 132 || b[128] !== 0x44 || b[129] !== 0x49 || b[130] !== 0x43 || b[131] !== 0x4d) return { items: out, ts: null };
  let ts = null;
  let pos = 132;
  // meta group: explicit VR LE
  while (pos + 8 <= b.length && u16le(b, pos) === 0x0002) {
    const e = readElement(b, pos, true, 0);
    if (!e) break;
    out.push(e);
    // a UID is at most 64 characters (PS3.5 §9.1); a mutated length may claim megabytes
    if (e.tag === 0x00020010) ts = String.fromCharCode(...b.subarray(e.valueAt, Math.min(b.length, e.valueAt + Math.min(e.length, 64)))).replace(/[\0 ]+$/, "");
    pos = e.valueAt + e.length;
  }
  if (ts === "1.2.840.10008.1.2.1.99") return { items: out, ts, datasetAt: pos };
  walkDataset(b, pos, b.length, ts !== IMPLICIT, 0, out);
  return { items: out, ts, datasetAt: pos };
}

function readElement(b, at, explicit, depth) {
  if (at + 8 > b.length) return null;
  const tag = tagOf(b, at);
  if (tag >>> 16 === 0xfffe) {
    return { kind: (tag & 0xffff) === 0xe000 ? "item" : "delim", tag, vr: "", at, lenAt: at + 4, lenSize: 4, valueAt: at + 8, length: u32le(b, at + 4), depth };
  }
  if (!explicit) return { kind: "element", tag, vr: "", at, lenAt: at + 4, lenSize: 4, valueAt: at + 8, length: u32le(b, at + 4), depth };
  const vr = String.fromCharCode(b[at + 4], b[at + 5]);
  if (LONG_VR.has(vr) || !/^[A-Z]{2}$/.test(vr)) {
    if (at + 12 > b.length) return null;
    return { kind: "element", tag, vr, at, lenAt: at + 8, lenSize: 4, valueAt: at + 12, length: u32le(b, at + 8), depth };
  }
  return { kind: "element", tag, vr, at, lenAt: at + 6, lenSize: 2, valueAt: at + 8, length: u16le(b, at + 6), depth };
}

function walkDataset(b, pos, end, explicit, depth, out) {
  while (pos + 8 <= end && out.length < 4000) {
    const e = readElement(b, pos, explicit, depth);
    if (!e) return pos;
    out.push(e);
    if (e.kind === "delim") return e.valueAt;
    if (e.length !== UNDEFINED) {
      if (e.vr === "SQ" || e.kind === "item") walkDataset(b, e.valueAt, Math.min(end, e.valueAt + e.length), explicit, depth + 1, out);
      pos = e.valueAt + e.length;
      continue;
    }
    // undefined length: a sequence (items with data sets) or encapsulated pixel data (items of bytes)
    const encapsulated = e.tag === 0x7fe00010 || e.vr === "OB" || e.vr === "OW";
    pos = e.valueAt;
    while (pos + 8 <= end) {
      const it = readElement(b, pos, explicit, depth + 1);
      if (!it || it.kind === "element") return pos;
      it.kind = it.kind === "item" ? (encapsulated ? "fragment" : "item") : "delim";
      out.push(it);
      if (it.kind === "delim") {
        pos = it.valueAt;
        break;
      }
      if (it.length === UNDEFINED) {
        pos = walkDataset(b, it.valueAt, end, explicit, depth + 2, out);
      } else {
        if (!encapsulated) walkDataset(b, it.valueAt, Math.min(end, it.valueAt + it.length), explicit, depth + 2, out);
        pos = it.valueAt + it.length;
      }
    }
  }
  return pos;
}

const PIXEL_MODULE = {
  0x00280002: "SamplesPerPixel", 0x00280004: "PhotometricInterpretation", 0x00280006: "PlanarConfiguration", 0x00280008: "NumberOfFrames",
  0x00280010: "Rows", 0x00280011: "Columns", 0x00280100: "BitsAllocated", 0x00280101: "BitsStored", 0x00280102: "HighBit", 0x00280103: "PixelRepresentation",
};
const PHOTOMETRIC = ["MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_RCT", "YBR_ICT", "PALETTE COLOR", "YBR_PARTIAL_420", "", "X"];

function asciiValue(s, evenPad = " ") {
  const t = s.length % 2 ? s + evenPad : s;
  return Uint8Array.from(t, (c) => c.charCodeAt(0) & 0xff);
}

/** Replace the value of element `e` (keeping the file consistent: its length field updated). */
function replaceValue(src, e, value) {
  const out = splice(src, e.valueAt, e.valueAt + Math.min(e.length, src.length - e.valueAt), value);
  put(out, e.lenAt, e.lenSize, value.length, true);
  return out;
}

/** One DICOM-aware mutation: { bytes, what } (what null: nothing applied). */
export function mutateDicom(src, rng) {
  const { items, ts } = walkDicom(src);
  if (items.length === 0) return { bytes: src, what: null };
  const choice = rng.int(100);
  const b = src.slice();
  const elements = items.filter((e) => e.kind === "element" && e.depth === 0 && e.length !== UNDEFINED);
  const fragments = items.filter((e) => e.kind === "fragment");

  if (choice < 18) {
    // an element or item length (any depth)
    const pool = items.filter((e) => e.kind !== "delim");
    const pixelData = items.find((x) => x.tag === 0x7fe00010 && x.depth === 0);
    const e = pixelData && rng.chance(0.3) ? pixelData : rng.pick(pool);
    const remaining = src.length - e.valueAt;
    const old = e.length;
    const v = rng.pick([
      0, 1, 2, old + 1, old + 2, Math.max(0, old - 2), remaining, remaining + 1, remaining + 2, remaining + 16,
      0x7fffffff, 0xfffffffe, UNDEFINED, 0x40000000, 0x8000000, interestingValue(rng, e.lenSize, old),
    ]);
    put(b, e.lenAt, e.lenSize, e.lenSize === 2 ? v & 0xffff : v, true);
    return { bytes: b, what: `${e.kind === "element" ? "elemlen" : "itemlen"} ${tagName(e.tag)}@${e.at} ${hex(old)}->${hex(e.lenSize === 2 ? v & 0xffff : v >>> 0)} (remaining ${remaining})` };
  }
  if (choice < 32 && fragments.length) {
    // Pixel Data fragment item lengths and the Basic Offset Table
    const f = rng.pick(fragments);
    const isBot = fragments.indexOf(f) === 0;
    if (isBot && f.length >= 4 && rng.chance(0.5)) {
      const k = rng.int(f.length / 4);
      const old = u32le(b, f.valueAt + 4 * k);
      const v = rng.pick([0, 1, 2, old + 2, old + 8, 0x7ffffffe, 0xfffffffe, rng.int(2 ** 32)]);
      put(b, f.valueAt + 4 * k, 4, v, true);
      return { bytes: b, what: `BOT entry ${k}@${f.valueAt + 4 * k} ${hex(old)}->${hex(v >>> 0)}` };
    }
    const old = f.length;
    const remaining = src.length - f.valueAt;
    const v = rng.pick([0, 2, old - 2, old + 2, remaining, remaining + 2, 0xfffffffe, UNDEFINED, 0x7ffffffe, rng.int(2 ** 32)]) >>> 0;
    put(b, f.lenAt, 4, v, true);
    return { bytes: b, what: `fraglen item@${f.at} ${old}->${v} (remaining ${remaining})` };
  }
  if (choice < 50) {
    // Image Pixel Module attributes (0028,xxxx)
    const attrs = items.filter((e) => e.kind === "element" && e.tag >>> 16 === 0x0028 && e.length !== UNDEFINED && e.valueAt + e.length <= src.length);
    if (attrs.length === 0) return { bytes: src, what: null };
    const e = rng.pick(attrs);
    const name = PIXEL_MODULE[e.tag] ?? tagName(e.tag);
    const isString = e.vr ? ["IS", "DS", "CS", "LO", "SH"].includes(e.vr) : e.tag === 0x00280004 || e.tag === 0x00280008;
    if (isString) {
      const s = e.tag === 0x00280004
        ? rng.pick(PHOTOMETRIC)
        : String(rng.pick([0, 1, 2, 3, -1, 65535, 65536, 2 ** 31, 2 ** 32, 1e9, 10000, "x", " 4 ", "1\\2", "NaN", ""]));
      const old = String.fromCharCode(...src.subarray(e.valueAt, e.valueAt + Math.min(e.length, 64)));
      return { bytes: replaceValue(src, e, asciiValue(s)), what: `attr28 ${name} ${JSON.stringify(old.trim())}->${JSON.stringify(s)}` };
    }
    if (e.length < 2) return { bytes: src, what: null };
    const old = u16le(b, e.valueAt);
    const v = rng.pick([0, 1, 2, 3, 4, 7, 8, 12, 15, 16, 17, 24, 31, 32, 33, 40, 64, 255, 0x7fff, 0x8000, 0xffff, old + 1, Math.max(0, old - 1), old * 2]);
    put(b, e.valueAt, 2, v & 0xffff, true);
    return { bytes: b, what: `attr28 ${name} ${old}->${v & 0xffff}` };
  }
  if (choice < 58) {
    const e = items.find((x) => x.tag === 0x00020010);
    if (!e) return { bytes: src, what: null };
    const uid = rng.pick(TS_UIDS.filter((u) => u !== ts));
    return { bytes: replaceValue(src, e, asciiValue(uid, "\0")), what: `tsuid ${ts}->${uid || "(empty)"}` };
  }
  if (choice < 66 && elements.length) {
    // a VR changed (explicit VR only): the length field is then read with the other layout
    const ex = elements.filter((e) => e.vr);
    if (ex.length === 0) return { bytes: src, what: null };
    const e = rng.pick(ex);
    const vr = rng.pick(["UN", "OB", "SQ", "US", "UL", "\0\0", "ox", "zz", "UT", "AT"]);
    b[e.at + 4] = vr.charCodeAt(0);
    b[e.at + 5] = vr.charCodeAt(1);
    return { bytes: b, what: `vr ${tagName(e.tag)}@${e.at} ${e.vr}->${JSON.stringify(vr)}` };
  }
  if (choice < 74) {
    // an element appended at the end (or before Pixel Data) with a declared length past the end
    const explicit = ts !== IMPLICIT;
    const vr = rng.pick(["UN", "OB", "\0\0", "LO", "SQ", "UT"]);
    const len = rng.pick([0x40000000, 0x8000000, 0xfffffffe, UNDEFINED, 0x10000, rng.int(2 ** 32)]);
    const tag = rng.pick([0x00090010, 0x00091001, 0x7fe00010, 0x00291010, 0xfffcfffc]);
    let h;
    if (!explicit) {
      h = new Uint8Array(8);
      put(h, 4, 4, len, true);
    } else if (LONG_VR.has(vr) || !/^[A-Z]{2}$/.test(vr)) {
      h = new Uint8Array(12);
      put(h, 8, 4, len, true);
    } else {
      h = new Uint8Array(8);
      put(h, 6, 2, len & 0xffff, true);
    }
    put(h, 0, 2, tag >>> 16, true);
    put(h, 2, 2, tag & 0xffff, true);
    if (explicit) {
      h[4] = vr.charCodeAt(0);
      h[5] = vr.charCodeAt(1);
    }
    const tail = new Uint8Array(rng.pick([0, 4, 16, 64]));
    return { bytes: cat(src, h, tail), what: `appended element ${tagName(tag)} VR ${JSON.stringify(vr)} length ${hex(len >>> 0)} + ${tail.length} bytes then EOF` };
  }
  if (choice < 80 && elements.length) {
    const e = rng.pick(elements);
    const end = Math.min(src.length, e.valueAt + e.length);
    if (rng.chance(0.5)) return { bytes: splice(src, e.at, end), what: `remove ${tagName(e.tag)}@${e.at}` };
    return { bytes: splice(src, end, end, src.slice(e.at, end)), what: `duplicate ${tagName(e.tag)}@${e.at}` };
  }
  if (choice < 86) {
    const e = rng.pick(items);
    const cut = Math.max(0, Math.min(src.length, e.at + rng.pick([0, 1, 4, 7, 8, 11, 12, rng.int(Math.max(1, Math.min(e.length, 4096)))])));
    return { bytes: src.subarray(0, cut), what: `truncate at ${cut} (in ${tagName(e.tag)}@${e.at})` };
  }
  if (fragments.length > 1) {
    // the codestream inside a fragment; the item length follows (or not)
    const f = rng.pick(fragments.slice(1));
    const end = Math.min(src.length, f.valueAt + f.length);
    const cs = src.subarray(f.valueAt, end);
    const m = mutateCodestream(cs, rng);
    if (!m.what) return { bytes: src, what: null };
    const out = splice(src, f.valueAt, end, m.bytes);
    let delta = m.bytes.length - cs.length;
    if (delta !== 0 && rng.chance(0.85)) {
      if ((m.bytes.length & 1) === 1) {
        // keep items even (PS3.5 A.4) by padding
        const padded = splice(out, f.valueAt + m.bytes.length, f.valueAt + m.bytes.length, new Uint8Array(1));
        put(padded, f.lenAt, 4, m.bytes.length + 1, true);
        return { bytes: padded, what: `frag@${f.at} j2k: ${m.what}` };
      }
      put(out, f.lenAt, 4, m.bytes.length, true);
      delta = 0;
    }
    return { bytes: out, what: `frag@${f.at} j2k: ${m.what}${delta ? " (item length not updated)" : ""}` };
  }
  return { bytes: src, what: null };
}
