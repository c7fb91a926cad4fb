// Structure-aware mutations of JPEG files (ISO/IEC 10918-1 Annex B): header fields of SOF, DHT,
// DQT, SOS and DRI, segment lengths, segments dropped, repeated or moved, and markers dropped into
// the entropy-coded data (RSTn, EOI, a stray marker, a run of fill bytes).
import { get, hex, interestingValue, put, splice } from "./bytes.mjs";

/** Marker segments before the entropy-coded data: [{ marker, at, len }] (`at` = the FF byte). */
export function jpegSegments(b) {
  const segs = [];
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return segs;
  let p = 2;
  while (p + 4 <= b.length && b[p] === 0xff) {
    const marker = b[p + 1];
    const len = get(b, p + 2, 2);
    segs.push({ marker, at: p, len });
    if (marker === 0xda) break; // SOS: the scan's data follows
    p += 2 + len;
  }
  return segs;
}

// Field offsets (from the FF byte) and sizes of each segment type's fixed fields, and of the
// repeated per-component / per-table fields.
const FIELDS = {
  0xc0: [[4, 1, "P"], [5, 2, "Y"], [7, 2, "X"], [9, 1, "Nf"], [10, 1, "C1"], [11, 1, "H1V1"], [12, 1, "Tq1"], [13, 1, "C2"], [14, 1, "H2V2"], [15, 1, "Tq2"], [17, 1, "H3V3"]],
  0xc4: [[4, 1, "TcTh"], [5, 1, "L1"], [6, 1, "L2"], [12, 1, "L8"], [20, 1, "L16"], [21, 1, "V1"]],
  0xdb: [[4, 1, "PqTq"], [5, 1, "Q0"], [6, 2, "Q1(16-bit)"]],
  0xda: [[4, 1, "Ns"], [5, 1, "Cs1"], [6, 1, "TdTa1"], [7, 1, "Cs2"], [8, 1, "TdTa2"], [-3, 1, "Ss"], [-2, 1, "Se"], [-1, 1, "AhAl"]],
  0xdd: [[4, 2, "Ri"]],
};

/** One structural mutation of `src` (a JPEG), or { what: null } when it is not one. */
export function mutateJpeg(src, rng) {
  const segs = jpegSegments(src);
  if (segs.length === 0) return { bytes: src, what: null };
  const sos = segs.find((s) => s.marker === 0xda);
  const dataStart = sos ? sos.at + 2 + sos.len : src.length;
  const b = src.slice();
  switch (rng.int(6)) {
    case 0:
    case 1: {
      // a header field
      const withFields = segs.filter((s) => FIELDS[s.marker]);
      if (withFields.length === 0) return { bytes: src, what: null };
      const s = rng.pick(withFields);
      const [off, size, name] = rng.pick(FIELDS[s.marker]);
      const at = off < 0 ? s.at + 2 + s.len + off : s.at + off;
      if (at < s.at + 4 || at + size > Math.min(src.length, s.at + 2 + s.len)) return { bytes: src, what: null };
      const old = get(b, at, size);
      const v = interestingValue(rng, size, old);
      put(b, at, size, v);
      return { bytes: b, what: `${hex(0xff00 | s.marker)}.${name} ${old}->${v}` };
    }
    case 2: {
      // a segment length
      const s = rng.pick(segs);
      const old = s.len;
      const v = interestingValue(rng, 2, old);
      put(b, s.at + 2, 2, v);
      return { bytes: b, what: `${hex(0xff00 | s.marker)}.L ${old}->${v}` };
    }
    case 3: {
      // drop, repeat or move a segment
      const s = rng.pick(segs);
      const seg = src.subarray(s.at, Math.min(src.length, s.at + 2 + s.len));
      const k = rng.int(3);
      if (k === 0) return { bytes: splice(src, s.at, s.at + seg.length), what: `drop ${hex(0xff00 | s.marker)}` };
      const to = rng.pick(segs).at;
      if (k === 1) return { bytes: splice(src, to, to, seg), what: `repeat ${hex(0xff00 | s.marker)} at ${to}` };
      const without = splice(src, s.at, s.at + seg.length);
      const at = Math.min(to, without.length);
      return { bytes: splice(without, at, at, seg), what: `move ${hex(0xff00 | s.marker)} to ${at}` };
    }
    case 4: {
      // the frame type: progressive, lossless, arithmetic, hierarchical, or baseline/extended swapped
      const sof = segs.find((s) => s.marker >= 0xc0 && s.marker <= 0xcf && s.marker !== 0xc4 && s.marker !== 0xc8 && s.marker !== 0xcc);
      if (!sof) return { bytes: src, what: null };
      const v = rng.pick([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc9, 0xca, 0xcb, 0xcd, 0xcf]);
      b[sof.at + 1] = v;
      return { bytes: b, what: `SOF ${hex(0xff00 | sof.marker)}->${hex(0xff00 | v)}` };
    }
    default: {
      // a marker inside the entropy-coded data
      if (dataStart >= src.length) return { bytes: src, what: null };
      const at = dataStart + rng.int(src.length - dataStart);
      const ins = rng.pick([
        [0xff, 0xd0 + rng.int(8)],
        [0xff, 0xd9],
        [0xff, 0xc4, 0x00, 0x02],
        [0xff, 0xff, 0xff],
        [0xff, 0x00],
        [0xff],
      ]);
      return { bytes: splice(src, at, at, Uint8Array.from(ins)), what: `insert ${ins.map((x) => x.toString(16)).join(" ")} at ${at}` };
    }
  }
}
