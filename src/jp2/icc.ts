/**
 * ICC profile checks for JP2 colour specification boxes (METH 2 restricted ICC, I.5.3.3; METH 3
 * any ICC, 15444-2 M.11.7.2).
 *
 * Nothing in the profile is trusted: the header's size, the tag count, every tag offset and size
 * are checked against the bytes that are really there before anything is read. Layout facts used
 * here come from ICC.1 (v2 and v4 agree on them): a 128-byte header (size at 0, version at 8,
 * device class at 12, data colour space at 16, PCS at 20, 'acsp' at 36), then the tag count (u32)
 * at 128 and 12-byte tag entries (signature, offset, size) from 132. `curveType` ('curv') is
 * 'curv', 4 reserved bytes, count n (u32), then n u16 entries: 12 + 2n bytes. n = 1 means a gamma
 * stored as u8Fixed8. `parametricCurveType` ('para') is 'para', reserved, function type (u16),
 * reserved (u16), then 1/3/4/5/7 s15Fixed16 parameters for function types 0-4.
 * @module
 */

import { fourCC, u16, u32 } from "./boxes.js";

/** The fields of the 128-byte profile header that this module reads. */
export interface IccHeader {
  /** Profile size as declared at byte 0. */
  size: number;
  /** Version as "major.minor.bugfix". */
  version: string;
  /** Profile/device class, e.g. `"mntr"`, `"scnr"`. */
  deviceClass: string;
  /** Data colour space, e.g. `"RGB "`, `"GRAY"`, `"CMYK"`. */
  colorSpace: string;
  /** Profile connection space, `"XYZ "` or `"Lab "`. */
  pcs: string;
}

/** One entry of the tag table, with the tag type read from the data when it is in range. */
export interface IccTag {
  signature: string;
  offset: number;
  size: number;
  /** Tag type signature at `offset` (e.g. `"curv"`), when the tag lies inside the profile. */
  type?: string;
}

/** Result of {@link validateIcc}. */
export interface IccValidation {
  /** No problem found. */
  valid: boolean;
  /** Each problem, for a person (names the field: "tag count", "tag 'rTRC' (curv)", ...). */
  problems: string[];
  /** The header, when the profile has at least 128 bytes. */
  header?: IccHeader;
  /** The tag table, when the tag count fits in the profile. */
  tags: IccTag[];
  /**
   * The header and the tag table can be trusted (at least 128 header bytes, the declared size is
   * no larger than the bytes present, the tag table fits). Problems may remain inside tags.
   */
  intact: boolean;
  /**
   * Shape of the profile as far as JP2 cares (I.5.3.3 allows only these two under METH 2):
   * `"monochrome"` (GRAY with a kTRC), `"three-component-matrix"` (RGB with r/g/bXYZ and
   * r/g/bTRC), or `"other"`.
   */
  kind: "monochrome" | "three-component-matrix" | "other";
}

const HEADER_BYTES = 128;
const DEVICE_CLASSES = new Set(["scnr", "mntr", "prtr", "link", "spac", "abst", "nmcl"]);
const PCS = new Set(["XYZ ", "Lab "]);
/** Number of channels of each ICC data colour space signature. */
const COLOR_SPACE_CHANNELS: Record<string, number> = {
  "XYZ ": 3, "Lab ": 3, "Luv ": 3, YCbr: 3, "Yxy ": 3, "RGB ": 3, GRAY: 1, "HSV ": 3, "HLS ": 3,
  CMYK: 4, "CMY ": 3, "2CLR": 2, "3CLR": 3, "4CLR": 4, "5CLR": 5, "6CLR": 6, "7CLR": 7, "8CLR": 8,
  "9CLR": 9, ACLR: 10, BCLR: 11, CCLR: 12, DCLR: 13, ECLR: 14, FCLR: 15,
};
/** Parameters of each parametricCurveType function type 0..4. */
const PARA_PARAMS = [1, 3, 4, 5, 7];
const TRC_TAGS = new Set(["rTRC", "gTRC", "bTRC", "kTRC"]);

/** Number of colour channels an ICC data colour space signature stands for, if known. */
export function iccColorChannels(colorSpace: string): number | undefined {
  return COLOR_SPACE_CHANNELS[colorSpace];
}

/** Read the header fields (no validation). `undefined` when fewer than 128 bytes. */
export function readIccHeader(icc: Uint8Array): IccHeader | undefined {
  if (icc.length < HEADER_BYTES) return undefined;
  return {
    size: u32(icc, 0),
    version: `${icc[8]}.${icc[9]! >> 4}.${icc[9]! & 15}`,
    deviceClass: fourCC(u32(icc, 12)),
    colorSpace: fourCC(u32(icc, 16)),
    pcs: fourCC(u32(icc, 20)),
  };
}

/** The curv entries of a tag, or undefined when the tag is not a readable curv. */
interface CurvView {
  count: number;
  need: number;
}

function curvAt(icc: Uint8Array, tag: IccTag): CurvView | undefined {
  if (tag.type !== "curv" || tag.size < 12) return undefined;
  const count = u32(icc, tag.offset + 8);
  return { count, need: 12 + 2 * count };
}

/**
 * Validate an ICC profile's structure without trusting any field. Checks: profile size vs the
 * bytes present, 'acsp', version, device class, PCS, tag count vs the room for the tag table,
 * each tag's offset/size inside the profile and past the tag table, and the sizes of 'curv',
 * 'para' and 'XYZ ' tags against what their contents need; TRC curves that fall from start to end.
 */
export function validateIcc(icc: Uint8Array): IccValidation {
  const problems: string[] = [];
  const header = readIccHeader(icc);
  if (!header) {
    problems.push(`profile is ${icc.length} bytes, shorter than the ${HEADER_BYTES}-byte ICC header`);
    return { valid: false, problems, tags: [], intact: false, kind: "other" };
  }
  if (header.size > icc.length) {
    problems.push(`profile size field declares ${header.size} bytes but only ${icc.length} are present`);
  } else if (header.size < icc.length) {
    problems.push(`profile size field declares ${header.size} bytes but ${icc.length} are present (${icc.length - header.size} extra)`);
  }
  // Everything below is bounded by the smaller of the declared size and the bytes present.
  const end = Math.min(header.size, icc.length);
  if (fourCC(u32(icc, 36)) !== "acsp") problems.push("profile file signature at byte 36 is not 'acsp'");
  const major = icc[8]!;
  if (major !== 2 && major !== 4 && major !== 5) problems.push(`unknown profile version ${header.version}`);
  if (!DEVICE_CLASSES.has(header.deviceClass)) problems.push(`unknown profile/device class '${header.deviceClass}'`);
  if (iccColorChannels(header.colorSpace) === undefined) problems.push(`unknown data colour space '${header.colorSpace}'`);
  if (!PCS.has(header.pcs) && header.deviceClass !== "link") problems.push(`profile connection space '${header.pcs}' is neither 'XYZ ' nor 'Lab '`);

  const tags: IccTag[] = [];
  if (end < HEADER_BYTES + 4) {
    problems.push(`profile ends at byte ${end}, before the tag count at byte ${HEADER_BYTES}`);
    return { valid: false, problems, header, tags, intact: false, kind: "other" };
  }
  const count = u32(icc, HEADER_BYTES);
  const tableEnd = HEADER_BYTES + 4 + 12 * count;
  if (tableEnd > end) {
    problems.push(
      `tag count ${count} needs a tag table ending at byte ${tableEnd}, past the end of the ${end}-byte profile (corrupt tag count)`,
    );
    return { valid: false, problems, header, tags, intact: false, kind: "other" };
  }
  for (let i = 0; i < count; i++) {
    const e = HEADER_BYTES + 4 + 12 * i;
    const tag: IccTag = { signature: fourCC(u32(icc, e)), offset: u32(icc, e + 4), size: u32(icc, e + 8) };
    tags.push(tag);
    const name = `tag '${tag.signature}'`;
    if (tag.offset + tag.size > end) {
      problems.push(`${name} (offset ${tag.offset}, size ${tag.size}) runs past the end of the ${end}-byte profile`);
      continue;
    }
    if (tag.offset < tableEnd) {
      problems.push(`${name} data at offset ${tag.offset} overlaps the header or tag table (which ends at byte ${tableEnd})`);
      continue;
    }
    if (tag.size < 8) {
      problems.push(`${name} is ${tag.size} bytes, too small for a tag type signature and reserved field`);
      continue;
    }
    tag.type = fourCC(u32(icc, tag.offset));
    checkTagContents(icc, tag, problems);
  }
  const intact = header.size <= icc.length;
  return { valid: problems.length === 0, problems, header, tags, intact, kind: profileKind(header, tags) };
}

function checkTagContents(icc: Uint8Array, tag: IccTag, problems: string[]): void {
  const name = `tag '${tag.signature}' (${tag.type})`;
  if (tag.type === "curv") {
    if (tag.size < 12) {
      problems.push(`${name} is ${tag.size} bytes, too small for its entry count`);
      return;
    }
    const c = curvAt(icc, tag)!;
    if (c.need > tag.size) {
      problems.push(`${name} declares ${c.count} entries (${c.need} bytes) but the tag size is ${tag.size} bytes`);
      return;
    }
    if (c.need < tag.size) {
      problems.push(`${name} size is ${tag.size} bytes but its ${c.count} ${c.count === 1 ? "entry needs" : "entries need"} ${c.need}`);
    }
    if (TRC_TAGS.has(tag.signature) && c.count >= 2) {
      const first = u16(icc, tag.offset + 12);
      const last = u16(icc, tag.offset + 12 + 2 * (c.count - 1));
      if (last < first) {
        const hint =
          c.count === 2 && last === 0
            ? `; it reads like a gamma curve (1 entry, gamma ${(first / 256).toFixed(2)}) followed by 2 padding bytes, whose entry count was changed to 2`
            : "";
        problems.push(`${name} is a ${c.count}-entry tone curve that falls from ${first} to ${last}; a TRC must not decrease${hint}`);
      }
    }
  } else if (tag.type === "para") {
    if (tag.size < 12) {
      problems.push(`${name} is ${tag.size} bytes, too small for its function type`);
      return;
    }
    const fn = u16(icc, tag.offset + 8);
    const params = PARA_PARAMS[fn];
    if (params === undefined) {
      problems.push(`${name} has unknown function type ${fn}`);
    } else if (12 + 4 * params > tag.size) {
      problems.push(`${name} function type ${fn} needs ${12 + 4 * params} bytes but the tag size is ${tag.size}`);
    }
  } else if (tag.type === "XYZ ") {
    if (tag.size < 20) problems.push(`${name} is ${tag.size} bytes, too small for one XYZ number (20 bytes)`);
  }
}

function profileKind(header: IccHeader, tags: IccTag[]): IccValidation["kind"] {
  const has = (s: string): boolean => tags.some((t) => t.signature === s);
  if (header.colorSpace === "GRAY" && has("kTRC")) return "monochrome";
  if (header.colorSpace === "RGB " && ["rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC"].every(has)) return "three-component-matrix";
  return "other";
}

/** One change {@link repairCurvTags} makes. */
export interface CurvRepair {
  /** Tag signatures whose table entries point at this curv data (e.g. rTRC, gTRC, bTRC sharing it). */
  tags: string[];
  /** Offset of the curv data in the profile. */
  offset: number;
  /** Entry count and tag size before and after. */
  before: { count: number; size: number };
  after: { count: number; size: number };
  /** Which rule applied, for a person. */
  reason: string;
}

/**
 * Work out what {@link repairCurvTags} would change, without changing anything. Only profiles
 * whose header and tag table are intact are considered (a corrupt tag count is not repaired).
 * For each distinct curv tag data block (tags may share one) with tag size S and entry count n:
 *
 * 1. **Count too large** (12 + 2n > S, S >= 12): the count cannot be right, since the entries would
 *    run into the next tag. n becomes the number of whole entries the tag holds,
 *    floor((S - 12) / 2), and S becomes 12 + 2n.
 * 2. **Gamma turned into a 2-entry table** (a TRC tag, n = 2, second entry 0, first entry not 0,
 *    S >= 16): the shape left by changing a gamma curv's count from 1 to 2 (the two zero padding
 *    bytes after the gamma become a second entry, so the curve falls to black). n becomes 1 (the
 *    first entry is the u8Fixed8 gamma) and S becomes 14. This is the harvard-lts sample.jp2 case.
 * 3. **Size includes padding** (12 + 2n < S, after rules 1-2): the tag-table size becomes 12 + 2n
 *    (the padding bytes stay in place, outside the tag). This is the jp2_remediator rewrite
 *    (481021247.jp2: size 16 with n = 1).
 *
 * Nothing else is touched: no entry value, no other tag, no header field.
 */
export function planCurvRepairs(icc: Uint8Array): CurvRepair[] {
  const v = validateIcc(icc);
  if (!v.header || !v.intact) return [];
  const end = Math.min(v.header.size, icc.length);
  const repairs: CurvRepair[] = [];
  const byOffset = new Map<number, IccTag[]>();
  for (const t of v.tags) {
    if (t.type !== "curv" || t.size < 12 || t.offset + t.size > end) continue;
    const list = byOffset.get(t.offset) ?? [];
    list.push(t);
    byOffset.set(t.offset, list);
  }
  for (const [offset, list] of byOffset) {
    const first = list[0]!;
    // Tags sharing data may disagree on the size; the smallest is the one the data must fit.
    const size = Math.min(...list.map((t) => t.size));
    const count = u32(icc, offset + 8);
    let newCount = count;
    let reason = "";
    if (12 + 2 * count > size) {
      newCount = Math.floor((size - 12) / 2);
      reason = `entry count ${count} needs ${12 + 2 * count} bytes but the tag holds ${size}: count set to ${newCount}`;
    } else if (
      count === 2 &&
      size >= 16 &&
      list.some((t) => TRC_TAGS.has(t.signature)) &&
      u16(icc, offset + 14) === 0 &&
      u16(icc, offset + 12) !== 0
    ) {
      newCount = 1;
      reason = `2-entry TRC falling from ${u16(icc, offset + 12)} to 0 is a gamma (${(u16(icc, offset + 12) / 256).toFixed(2)}) whose count was changed from 1 to 2: count set to 1`;
    }
    const newSize = 12 + 2 * newCount;
    if (newCount === count && list.every((t) => t.size === newSize)) continue;
    if (!reason) reason = `tag size ${first.size} includes ${first.size - newSize} padding bytes: size set to ${newSize}`;
    repairs.push({
      tags: list.map((t) => t.signature),
      offset,
      before: { count, size: first.size },
      after: { count: newCount, size: newSize },
      reason,
    });
  }
  return repairs;
}

/**
 * Return a corrected copy of `icc` in which every curv tag's entry count fits its tag size (see
 * {@link planCurvRepairs} for the exact rules). Changes only the curv count fields and the size
 * fields of the tag-table entries pointing at them; the profile length and every other byte stay
 * the same. The input array is never modified; the result is always a new array (an unchanged
 * copy when nothing needed repair).
 */
export function repairCurvTags(icc: Uint8Array): Uint8Array {
  const out = icc.slice();
  const repairs = planCurvRepairs(icc);
  if (repairs.length === 0) return out;
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const count = u32(icc, HEADER_BYTES);
  for (const r of repairs) {
    dv.setUint32(r.offset + 8, r.after.count);
    for (let i = 0; i < count; i++) {
      const e = HEADER_BYTES + 4 + 12 * i;
      if (u32(icc, e + 4) === r.offset && r.tags.includes(fourCC(u32(icc, e)))) dv.setUint32(e + 8, r.after.size);
    }
  }
  return out;
}
