/**
 * Structure-aware mutations of JPEG 2000 codestreams and JP2 files for the fuzz test: the
 * mutator knows where marker segments (A.1.4: marker, Lxxx, parameters) and boxes (I.4: LBox,
 * TBox) are, so it can attack their length fields, remove or duplicate whole segments and set
 * header fields to extreme values, besides blind bit flips, byte sets, truncations, insertions
 * and splices.
 * @module
 */
import { codestreamOf, isJp2, readBoxes, walkMarkers } from "./jp2_boxes.js";
import type { Prng } from "./prng.js";

/** A marker segment or box of the file. */
export interface Region {
  offset: number;
  length: number;
  /** Offset of the length field and its size in bytes. */
  lengthField: { at: number; size: 2 | 4 };
  what: string;
}

/** Marker segments and boxes of a file, as regions whose length fields can be attacked. */
export function regionsOf(bytes: Uint8Array): Region[] {
  const regions: Region[] = [];
  const cs = codestreamOf(bytes);
  if (isJp2(bytes)) {
    const walk = (start: number, end: number, depth: number) => {
      for (const b of readBoxes(bytes, start, end)) {
        regions.push({ offset: b.offset, length: b.end - b.offset, lengthField: { at: b.offset, size: 4 }, what: `box ${b.type}` });
        if (depth < 2 && ["jp2h", "res ", "uinf", "asoc"].includes(b.type)) walk(b.offset + b.headerLength, b.end, depth + 1);
      }
    };
    walk(0, bytes.length, 0);
  }
  if (cs) {
    const base = cs.byteOffset - bytes.byteOffset;
    for (const m of walkMarkers(cs)) {
      if (m.length <= 2) continue;
      regions.push({ offset: base + m.offset, length: m.length, lengthField: { at: base + m.offset + 2, size: 2 }, what: `marker 0x${m.marker.toString(16)}` });
    }
  }
  return regions;
}

const INTERESTING_16 = [0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_32 = [0, 1, 8, 16, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** Apply one random mutation; returns the mutated copy and a description. */
export function mutate(src: Uint8Array, regions: Region[], rng: Prng): { bytes: Uint8Array; what: string } {
  const b = src.slice();
  const headerEnd = Math.max(...regions.map((r) => r.offset + r.length), Math.min(src.length, 64));
  // Most damage goes where the structure is (headers); some anywhere.
  const pos = () => (rng.chance(0.7) ? rng.int(Math.min(headerEnd, src.length)) : rng.int(src.length));
  const kind = rng.int(10);
  switch (kind) {
    case 0: {
      const n = rng.range(1, 4);
      const at: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = pos();
        b[p]! ^= 1 << rng.int(8);
        at.push(p);
      }
      return { bytes: b, what: `bit flips at ${at.join(",")}` };
    }
    case 1: {
      const p = pos();
      const v = rng.pick([0x00, 0xff, 0x80, 0x7f, 0x01, rng.int(256)]);
      b[p] = v;
      return { bytes: b, what: `byte ${p} = 0x${v.toString(16)}` };
    }
    case 2: {
      const n = rng.int(src.length);
      return { bytes: b.subarray(0, n), what: `truncated to ${n} bytes` };
    }
    case 3:
    case 4: {
      const r = rng.pick(regions);
      const { at, size } = r.lengthField;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const old = size === 2 ? dv.getUint16(at) : dv.getUint32(at);
      const choice = rng.int(4);
      const v =
        choice === 0 ? old + rng.pick([-2, -1, 1, 2, 3])
        : choice === 1 ? rng.pick(size === 2 ? INTERESTING_16 : INTERESTING_32)
        : choice === 2 ? rng.int(size === 2 ? 65536 : 2 ** 32)
        : old + rng.range(-64, 64);
      const val = size === 2 ? v & 0xffff : v >>> 0;
      if (size === 2) dv.setUint16(at, val);
      else dv.setUint32(at, val);
      return { bytes: b, what: `${r.what} at ${r.offset}: length ${old} -> ${val}` };
    }
    case 5: {
      const r = rng.pick(regions);
      const out = new Uint8Array(src.length - r.length);
      out.set(src.subarray(0, r.offset));
      out.set(src.subarray(r.offset + r.length), r.offset);
      return { bytes: out, what: `removed ${r.what} at ${r.offset} (${r.length} bytes)` };
    }
    case 6: {
      const r = rng.pick(regions);
      const out = new Uint8Array(src.length + r.length);
      out.set(src.subarray(0, r.offset + r.length));
      out.set(src.subarray(r.offset, r.offset + r.length), r.offset + r.length);
      out.set(src.subarray(r.offset + r.length), r.offset + 2 * r.length);
      return { bytes: out, what: `duplicated ${r.what} at ${r.offset}` };
    }
    case 7: {
      // A field inside a marker segment / box set to an extreme (sizes, counts, levels, styles).
      const r = rng.pick(regions);
      const fieldAt = r.offset + rng.range(4, Math.max(4, r.length - 1));
      if (fieldAt + 1 >= b.length) return { bytes: b, what: "no-op" };
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      if (rng.chance(0.5) && fieldAt + 4 <= b.length) {
        const v = rng.pick(INTERESTING_32);
        dv.setUint32(fieldAt, v);
        return { bytes: b, what: `${r.what}: u32 at ${fieldAt} = 0x${v.toString(16)}` };
      }
      const v = rng.pick(INTERESTING_16);
      dv.setUint16(fieldAt, v);
      return { bytes: b, what: `${r.what}: u16 at ${fieldAt} = 0x${v.toString(16)}` };
    }
    case 8: {
      const p = pos();
      const n = rng.range(1, 16);
      const ins = Uint8Array.from({ length: n }, () => rng.pick([0xff, 0x4f, 0x90, 0x93, 0xd9, rng.int(256)]));
      const out = new Uint8Array(src.length + n);
      out.set(src.subarray(0, p));
      out.set(ins, p);
      out.set(src.subarray(p), p + n);
      return { bytes: out, what: `inserted ${n} bytes at ${p}` };
    }
    default: {
      const len = rng.range(1, Math.min(256, src.length));
      const from = rng.int(src.length - len + 1);
      const to = rng.int(src.length - len + 1);
      b.set(src.subarray(from, from + len), to);
      return { bytes: b, what: `copied ${len} bytes from ${from} to ${to}` };
    }
  }
}
