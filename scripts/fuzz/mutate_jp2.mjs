// JP2 / JPX box-aware mutations (ISO/IEC 15444-1 Annex I): LBox/XLBox values, removing /
// duplicating boxes, the fields of ihdr, colr (and the ICC profile header and tag table inside),
// pclr, cmap, cdef, res boxes; the codestream in jp2c goes to the codestream mutator with its box
// length kept consistent (or not).
import { u32be, put, get, cat, splice, interestingValue, hex } from "./bytes.mjs";
import { mutateCodestream } from "./mutate_codestream.mjs";

const SUPER = new Set(["jp2h", "res ", "uinf", "asoc", "jpch", "jplh", "cgrp", "ftbl", "comp"]);

/** Boxes of the file, depth first: { type, at, hdr, end, depth, parent }. */
export function parseBoxes(b, start = 0, end = b.length, depth = 0, out = [], parent = null) {
  let pos = start;
  while (pos + 8 <= end) {
    let len = u32be(b, pos);
    const type = String.fromCharCode(b[pos + 4], b[pos + 5], b[pos + 6], b[pos + 7]);
    let hdr = 8;
    if (len === 1) {
      if (pos + 16 > end) break;
      len = get(b, pos + 8, 8);
      hdr = 16;
    } else if (len === 0) {
      len = end - pos;
    }
    if (len < hdr || pos + len > end) {
      out.push({ type, at: pos, hdr, end: end, depth, parent, broken: true });
      break;
    }
    const box = { type, at: pos, hdr, end: pos + len, depth, parent };
    out.push(box);
    if (SUPER.has(type) && depth < 3) parseBoxes(b, pos + hdr, pos + len, depth + 1, out, box);
    pos += len;
  }
  return out;
}

export function isJp2(b) {
  return b.length >= 12 && u32be(b, 0) === 12 && b[4] === 0x6a && b[5] === 0x50 && b[6] === 0x20 && b[7] === 0x20;
}

function fieldsOfBox(b, box) {
  const c = box.at + box.hdr;
  const f = [];
  const add = (off, size, name) => {
    if (c + off + size <= box.end) f.push({ at: c + off, size, name });
  };
  switch (box.type) {
    case "ihdr":
      add(0, 4, "HEIGHT");
      add(4, 4, "WIDTH");
      add(8, 2, "NC");
      add(10, 1, "BPC");
      add(11, 1, "C");
      add(12, 1, "UnkC");
      add(13, 1, "IPR");
      break;
    case "colr":
      add(0, 1, "METH");
      add(1, 1, "PREC");
      add(2, 1, "APPROX");
      add(3, 4, "EnumCS");
      if (b[c] === 2 || b[c] === 3) {
        // ICC profile header (ICC.1 7.2) and tag table (7.3)
        add(3, 4, "icc.size");
        add(3 + 8, 4, "icc.version");
        add(3 + 16, 4, "icc.colourSpace");
        add(3 + 128, 4, "icc.tagCount");
        for (let i = 0; i < 8; i++) {
          add(3 + 132 + 12 * i + 4, 4, `icc.tag${i}.offset`);
          add(3 + 132 + 12 * i + 8, 4, `icc.tag${i}.size`);
        }
      }
      break;
    case "pclr":
      add(0, 2, "NE");
      add(2, 1, "NPC");
      for (let i = 0; i < 4; i++) add(3 + i, 1, `B${i}`);
      break;
    case "cmap":
      for (let i = 0; c + 4 * i + 4 <= box.end && i < 8; i++) {
        add(4 * i, 2, `CMP${i}`);
        add(4 * i + 2, 1, `MTYP${i}`);
        add(4 * i + 3, 1, `PCOL${i}`);
      }
      break;
    case "cdef":
      add(0, 2, "N");
      for (let i = 0; i < 4; i++) {
        add(2 + 6 * i, 2, `Cn${i}`);
        add(4 + 6 * i, 2, `Typ${i}`);
        add(6 + 6 * i, 2, `Asoc${i}`);
      }
      break;
    case "resc":
    case "resd":
      ["VR_N", "VR_D", "HR_N", "HR_D"].forEach((n, i) => add(2 * i, 2, n));
      add(8, 1, "VR_E");
      add(9, 1, "HR_E");
      break;
    case "ftyp":
      add(0, 4, "BR");
      add(4, 4, "MinV");
      add(8, 4, "CL0");
      break;
    default:
      for (let k = 0; k < Math.min(16, box.end - c); k++) add(k, 1, `byte${k}`);
  }
  return f;
}

/** Fix the LBox of `box` and of its parents after its contents grew by `delta` bytes. */
function fixLengths(b, boxes, box, delta) {
  for (let x = box; x; x = x.parent) {
    if (x.hdr === 8) {
      const l = u32be(b, x.at);
      if (l !== 0) put(b, x.at, 4, l + delta);
    } else {
      put(b, x.at + 8, 4, get(b, x.at + 12, 4) + delta);
    }
  }
}

/** One structure-aware mutation of a JP2/JPX file: { bytes, what } (what null: nothing applied). */
export function mutateJp2(src, rng) {
  const boxes = parseBoxes(src).filter((x) => !x.broken);
  if (boxes.length === 0) return { bytes: src, what: null };
  const jp2c = boxes.find((x) => x.type === "jp2c");
  const choice = rng.int(100);
  if (jp2c && choice < 45) {
    const cs = src.subarray(jp2c.at + jp2c.hdr, jp2c.end);
    const m = mutateCodestream(cs, rng);
    if (!m.what) return { bytes: src, what: null };
    const out = splice(src, jp2c.at + jp2c.hdr, jp2c.end, m.bytes);
    const delta = m.bytes.length - cs.length;
    if (delta !== 0 && rng.chance(0.85)) fixLengths(out, boxes, jp2c, delta);
    return { bytes: out, what: `jp2c: ${m.what}${delta ? ` (LBox ${delta > 0 ? "+" : ""}${delta})` : ""}` };
  }
  const b = src.slice();
  if (choice < 70) {
    const interesting = boxes.filter((x) => ["ihdr", "colr", "pclr", "cmap", "cdef", "resc", "resd", "ftyp", "bpcc"].includes(x.type));
    const box = rng.pick(interesting.length ? interesting : boxes);
    const fields = fieldsOfBox(b, box);
    if (fields.length === 0) return { bytes: src, what: null };
    const fld = rng.pick(fields);
    const old = get(b, fld.at, fld.size);
    const v = interestingValue(rng, fld.size, old);
    put(b, fld.at, fld.size, v);
    return { bytes: b, what: `box ${box.type}@${box.at}.${fld.name} ${hex(old)}->${hex(v)}` };
  }
  if (choice < 82) {
    const box = rng.pick(boxes);
    if (box.hdr === 16) {
      const old = get(b, box.at + 8, 8);
      const v = rng.pick([0, 1, 15, 16, old - 1, old + 1, 2 ** 32, 2 ** 53 - 1]);
      put(b, box.at + 8, 4, Math.floor(v / 2 ** 32));
      put(b, box.at + 12, 4, v % 2 ** 32);
      return { bytes: b, what: `box ${box.type}@${box.at} XLBox ${old}->${v}` };
    }
    const old = u32be(b, box.at);
    const v = rng.pick([0, 1, 2, 7, 8, 9, old - 1, old + 1, old + 8, 0x7fffffff, 0xffffffff, rng.int(2 ** 32)]) >>> 0;
    put(b, box.at, 4, v);
    return { bytes: b, what: `box ${box.type}@${box.at} LBox ${old}->${v}` };
  }
  if (choice < 90) {
    const box = rng.pick(boxes.filter((x) => x.type !== "jP  ") .length ? boxes.filter((x) => x.type !== "jP  ") : boxes);
    const out = splice(src, box.at, box.end);
    if (box.parent && rng.chance(0.8)) fixLengths(out, boxes, box.parent, -(box.end - box.at));
    return { bytes: out, what: `remove box ${box.type}@${box.at}` };
  }
  const box = rng.pick(boxes);
  const copy = src.slice(box.at, box.end);
  const out = splice(src, box.end, box.end, copy);
  if (box.parent && rng.chance(0.8)) fixLengths(out, boxes, box.parent, copy.length);
  return { bytes: out, what: `duplicate box ${box.type}@${box.at}` };
}

export { cat };
