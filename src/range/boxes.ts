/**
 * The box structure of a JP2 / JPX / JPH file read by ranges (Annex I, I.4): box headers are read
 * one at a time where the first bytes do not already hold them; the header boxes (ftyp, jp2h, and
 * what the JP2 reader looks at) are read whole, other boxes only by their headers; the first
 * Contiguous Codestream box gives where the codestream is. The boxes kept are reassembled around
 * a codestream into a small file that `readJp2` / `decode` accept: the same colour, palette,
 * channel and resolution handling as for the whole file.
 * @module
 */
import { J2kError } from "../errors.js";
import { BOX, boxCode, fourCC, sniffFormat } from "../jp2/boxes.js";
import type { ByteSource } from "../codestream/source.js";
import { writeU32 } from "../io/bytes.js";

/** A top-level box (offsets in the file). */
export interface RangeBox {
  type: string;
  offset: number;
  length: number;
}

/** Where the codestream is, and the boxes needed to rebuild a small JP2 around it. */
export interface FileLayout {
  format: "j2k" | "jp2" | "jpx";
  codestream: { offset: number; length: number };
  /** Top-level boxes as found (all of them, up to the limit). */
  boxes: RangeBox[];
  /** Kept boxes (complete bytes) before and after the codestream box, in file order. */
  before: Uint8Array[];
  after: Uint8Array[];
}

/** Boxes always read whole (the JP2 reader uses them); others only when small. */
const WANTED = new Set<number>([
  BOX.fileType,
  BOX.header,
  BOX.codestreamHeader,
  BOX.compositingLayerHeader,
  BOX.fragmentTable,
  boxCode("jP  "),
  boxCode("pclr"),
  boxCode("cmap"),
  boxCode("cdef"),
  boxCode("colr"),
  boxCode("ihdr"),
  boxCode("bpcc"),
  boxCode("res "),
  boxCode("rreq"),
]);
const SMALL_BOX = 65536;
const WANTED_LIMIT = 64 * 2 ** 20;
const MAX_BOXES = 4096;
const MAX_BOXES_AFTER = 64;

/** Read the file's box structure through `src` (its first bytes `prefix`). */
export async function readLayout(src: ByteSource, prefix: Uint8Array): Promise<FileLayout> {
  const size = src.size;
  const fmt = sniffFormat(prefix);
  if (fmt === "j2k") return { format: "j2k", codestream: { offset: 0, length: size }, boxes: [], before: [], after: [] };
  if (fmt === "unknown") {
    throw new J2kError("NOT_A_CODESTREAM", size === 0 ? "the input is empty: no JPEG 2000 data" : "not a JPEG 2000 codestream (FF4F FF51) or JP2/JPX file (signature box)", { offset: 0 });
  }
  const header = async (pos: number): Promise<Uint8Array> => {
    const n = Math.min(16, size - pos);
    if (pos + n <= prefix.length) return prefix.subarray(pos, pos + n);
    return src.read(pos, n);
  };
  const boxes: RangeBox[] = [];
  const before: Uint8Array[] = [];
  const after: Uint8Array[] = [];
  let codestream: { offset: number; length: number } | undefined;
  let pos = 0;
  let afterCount = 0;
  while (pos < size) {
    if (boxes.length >= MAX_BOXES) throw new J2kError("CONTAINER_INVALID", `the file holds more than ${MAX_BOXES} top-level boxes; refusing to read further`, { offset: pos });
    if (codestream && ++afterCount > MAX_BOXES_AFTER) break;
    if (size - pos < 8) break; // trailing bytes (the JP2 reader warns about those in whole files)
    const h = await header(pos);
    const lbox = ((h[0]! << 24) >>> 0) + ((h[1]! << 16) | (h[2]! << 8) | h[3]!);
    const code = ((h[4]! << 24) >>> 0) + ((h[5]! << 16) | (h[6]! << 8) | h[7]!);
    let length: number;
    let hlen = 8;
    if (lbox === 1) {
      if (h.length < 16) throw new J2kError("CONTAINER_TRUNCATED", `box '${fourCC(code)}' at byte ${pos} ends inside its extended length`, { offset: pos });
      const hi = ((h[8]! << 24) >>> 0) + ((h[9]! << 16) | (h[10]! << 8) | h[11]!);
      const lo = ((h[12]! << 24) >>> 0) + ((h[13]! << 16) | (h[14]! << 8) | h[15]!);
      length = hi * 2 ** 32 + lo;
      hlen = 16;
    } else if (lbox === 0) {
      length = size - pos;
    } else {
      length = lbox;
    }
    if (length < hlen) {
      if (codestream) break;
      throw new J2kError("CONTAINER_INVALID", `box '${fourCC(code)}' at byte ${pos} declares ${length} bytes (less than its header)`, { offset: pos });
    }
    if (pos + length > size) {
      if (code === BOX.codestream && !codestream) length = size - pos; // cut file: decode what is there
      else if (codestream) break;
      else throw new J2kError("CONTAINER_TRUNCATED", `box '${fourCC(code)}' at byte ${pos} declares ${length} bytes but only ${size - pos} remain`, { offset: pos });
    }
    boxes.push({ type: fourCC(code), offset: pos, length });
    if (code === BOX.codestream && !codestream) {
      codestream = { offset: pos + hlen, length: length - hlen };
    } else if (WANTED.has(code) ? length <= WANTED_LIMIT : length <= SMALL_BOX) {
      const bytes = pos + length <= prefix.length ? prefix.subarray(pos, pos + length) : await src.read(pos, length);
      // normalise to a plain 32-bit length header (a box read whole fits)
      (codestream ? after : before).push(hlen === 8 && lbox !== 0 ? bytes : rebox(code, bytes.subarray(hlen)));
    }
    pos += length;
  }
  if (!codestream) {
    if (boxes.some((b) => b.type === "ftbl")) throw new J2kError("UNSUPPORTED_PART2", "the codestream is stored as JPX fragments (ftbl box, 15444-2 M.11.3), which j2kit does not read");
    throw new J2kError("CONTAINER_NO_CODESTREAM", "the file has no Contiguous Codestream box (jp2c)", { offset: size });
  }
  return { format: fmt, codestream, boxes, before, after };
}

/** A box with an 8-byte header around `content`. */
function rebox(code: number, content: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + content.length);
  writeU32(out, 0, out.length);
  writeU32(out, 4, code);
  out.set(content, 8);
  return out;
}

/** A small JP2 file: the kept boxes with a codestream box holding `codestream` in place of the original one. */
export function wrapCodestream(layout: FileLayout, codestream: Uint8Array): Uint8Array {
  if (layout.format === "j2k") return codestream;
  const jp2c = rebox(BOX.codestream, codestream);
  const parts = [...layout.before, jp2c, ...layout.after];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
