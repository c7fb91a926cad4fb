import { describe, expect, it } from "vitest";
import { planCurvRepairs, readIccHeader, repairCurvTags, validateIcc } from "../../src/jp2/icc.js";
import { readJp2 } from "../../src/jp2/read.js";
import { ascii, be, cat, testFile } from "./helpers.js";

/** The ICC profile of a colr box (METH 2/3) at a known offset: box header 8 bytes + METH, PREC, APPROX. */
function iccAt(rel: string, colrOffset: number): Uint8Array {
  const bytes = testFile(rel);
  const lbox = (bytes[colrOffset]! << 24) | (bytes[colrOffset + 1]! << 16) | (bytes[colrOffset + 2]! << 8) | bytes[colrOffset + 3]!;
  expect(String.fromCharCode(...bytes.subarray(colrOffset + 4, colrOffset + 8))).toBe("colr");
  return bytes.slice(colrOffset + 11, colrOffset + lbox);
}

/** Positions where two equally long arrays differ. */
function diff(a: Uint8Array, b: Uint8Array): number[] {
  expect(a.length).toBe(b.length);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

/**
 * A small profile built from the ICC layout (for the tests only): 128-byte header, tag table,
 * then the tag data blocks, each padded to 4 bytes. `tags` lists [signature, data, sizeOverride?].
 */
function mkIcc(colorSpace: string, tags: Array<[string, Uint8Array, number?]>, opts: { sizeDelta?: number; count?: number } = {}): Uint8Array {
  const tableEnd = 132 + 12 * tags.length;
  let offset = tableEnd;
  const table: Uint8Array[] = [];
  const data: Uint8Array[] = [];
  for (const [sig, d, size] of tags) {
    table.push(cat(ascii(sig), be(offset, 4), be(size ?? d.length, 4)));
    const padded = new Uint8Array((d.length + 3) & ~3);
    padded.set(d);
    data.push(padded);
    offset += padded.length;
  }
  const total = offset;
  const header = new Uint8Array(128);
  header.set(be(total + (opts.sizeDelta ?? 0), 4), 0);
  header.set([2, 0x20], 8); // version 2.2
  header.set(ascii("mntr"), 12);
  header.set(ascii(colorSpace), 16);
  header.set(ascii("XYZ "), 20);
  header.set(ascii("acsp"), 36);
  return cat(header, be(opts.count ?? tags.length, 4), ...table, ...data);
}

const xyz = (): Uint8Array => cat(ascii("XYZ "), be(0, 4), be(0xf6d6, 4), be(0x10000, 4), be(0xd32d, 4));
const curv = (entries: number[], count = entries.length): Uint8Array => cat(ascii("curv"), be(0, 4), be(count, 4), ...entries.map((e) => be(e, 2)));
const rgbTags = (trc: Uint8Array, trcSize?: number): Array<[string, Uint8Array, number?]> => [
  ["rXYZ", xyz()],
  ["gXYZ", xyz()],
  ["bXYZ", xyz()],
  ["rTRC", trc, trcSize],
  ["gTRC", trc, trcSize],
  ["bTRC", trc, trcSize],
];

describe("validateIcc on real profiles", () => {
  it("accepts the valid profiles of file5, file8, relax.jp2, tika, issue171 and text_GBR", () => {
    const cases: Array<[string, number, string]> = [
      ["conformance/part4_jp2/file5.jp2", 98, "three-component-matrix"],
      ["conformance/part4_jp2/file8.jp2", 66, "monochrome"],
      ["edge_cases/openjpeg/relax.jp2", 62, "three-component-matrix"],
      ["icc/tika-tlm-main-header.jp2", 62, "three-component-matrix"],
      ["edge_cases/openjpeg/issue171.jp2", 62, "three-component-matrix"],
      ["edge_cases/openjpeg/text_GBR.jp2", 179, "three-component-matrix"],
    ];
    for (const [rel, at, kind] of cases) {
      const v = validateIcc(iccAt(rel, at));
      expect(v.problems, rel).toEqual([]);
      expect(v).toMatchObject({ valid: true, intact: true, kind });
    }
  });

  it("reports the corrupted tag counts of the bitwiser files (README: tag count 268435467 ... 4194315)", () => {
    const counts: Record<string, number> = {
      1911: 268435467, 1920: 134217739, 1937: 67108875, 1951: 33554443, 1961: 16777227, 1971: 8388619, 1984: 4194315,
    };
    for (const [n, count] of Object.entries(counts)) {
      const v = validateIcc(iccAt(`icc/bitwiser-icc-corrupted-tagcount-${n}.jp2`, 62));
      expect(v.valid).toBe(false);
      expect(v.intact).toBe(false);
      expect(v.problems.join()).toContain(`tag count ${count}`);
      expect(v.tags).toEqual([]);
      // Nothing to repair: the tag table itself is not trusted.
      expect(planCurvRepairs(iccAt(`icc/bitwiser-icc-corrupted-tagcount-${n}.jp2`, 62))).toEqual([]);
    }
  });

  it("reports a METH 2 box without a profile", () => {
    const v = validateIcc(iccAt("icc/meth_is_2_no_icc.jp2", 62));
    expect(v).toMatchObject({ valid: false, intact: false });
    expect(v.problems[0]).toMatch(/4 bytes, shorter than the 128-byte ICC header/);
    expect(readIccHeader(new Uint8Array(4))).toBeUndefined();
  });
});

describe("the Harvard curv problems and repairCurvTags", () => {
  // Both profiles: colr at 62 (639 bytes), profile 628 bytes, 10 tags; rTRC/gTRC/bTRC are tag
  // entries 7, 8, 9 (size fields at bytes 224, 236, 248 of the profile) with data at 428, 444, 460
  // (count fields at 436, 452, 468). sample.jp2: count 2, size 16, entries 01cd 0000.
  // 481021247.jp2: count 1, size 16, entry 01cd then 2 padding bytes.

  it("sample.jp2: the 2-entry 'gamma' TRCs are reported, and repaired to 1-entry gammas", () => {
    const icc = iccAt("icc/sample.jp2", 62);
    const before = icc.slice();
    const v = validateIcc(icc);
    expect(v.valid).toBe(false);
    expect(v.intact).toBe(true);
    expect(v.problems).toHaveLength(3);
    for (const [i, tag] of ["rTRC", "gTRC", "bTRC"].entries()) {
      expect(v.problems[i]).toContain(`tag '${tag}' (curv)`);
      expect(v.problems[i]).toMatch(/2-entry tone curve that falls from 461 to 0/);
      expect(v.problems[i]).toMatch(/gamma 1\.80/);
    }
    const fixed = repairCurvTags(icc);
    expect(fixed).not.toBe(icc);
    expect(icc).toEqual(before); // the input is never modified
    expect(validateIcc(fixed)).toMatchObject({ valid: true, problems: [] });
    // Only the low bytes of the three sizes (16 -> 14) and the three counts (2 -> 1) change.
    expect(diff(icc, fixed)).toEqual([227, 239, 251, 439, 455, 471]);
    expect([fixed[227], fixed[439]]).toEqual([14, 1]);
    const plan = planCurvRepairs(icc);
    expect(plan.map((r) => [r.tags, r.before, r.after])).toEqual([
      [["rTRC"], { count: 2, size: 16 }, { count: 1, size: 14 }],
      [["gTRC"], { count: 2, size: 16 }, { count: 1, size: 14 }],
      [["bTRC"], { count: 2, size: 16 }, { count: 1, size: 14 }],
    ]);
  });

  it("481021247.jp2: tag size 16 for a 1-entry curv is reported and set to 14", () => {
    const icc = iccAt("icc/481021247.jp2", 62);
    const v = validateIcc(icc);
    expect(v.valid).toBe(false);
    expect(v.problems).toEqual([
      "tag 'rTRC' (curv) size is 16 bytes but its 1 entry needs 14",
      "tag 'gTRC' (curv) size is 16 bytes but its 1 entry needs 14",
      "tag 'bTRC' (curv) size is 16 bytes but its 1 entry needs 14",
    ]);
    const fixed = repairCurvTags(icc);
    expect(validateIcc(fixed).valid).toBe(true);
    expect(diff(icc, fixed)).toEqual([227, 239, 251]);
  });

  it("a valid profile comes back as an unchanged copy", () => {
    const icc = iccAt("edge_cases/openjpeg/relax.jp2", 62);
    const out = repairCurvTags(icc);
    expect(out).not.toBe(icc);
    expect(out).toEqual(icc);
    expect(planCurvRepairs(icc)).toEqual([]);
  });

  it("readJp2 carries the ICC problems as warnings and keeps the profile usable", () => {
    const f = readJp2(testFile("icc/sample.jp2"));
    expect(f.colorSpace).toMatchObject({ meth: 2, name: "icc", understood: true });
    expect(f.colorSpace!.iccProblems).toHaveLength(3);
    expect(f.warnings.filter((w) => w.includes("ICC profile"))).toHaveLength(3);
  });
});

describe("validateIcc on built profiles", () => {
  it("accepts a well-formed matrix/TRC profile", () => {
    const v = validateIcc(mkIcc("RGB ", rgbTags(curv([0x0233]))));
    expect(v).toMatchObject({ valid: true, kind: "three-component-matrix" });
    expect(v.tags.map((t) => [t.signature, t.type])).toContainEqual(["rTRC", "curv"]);
    expect(validateIcc(mkIcc("GRAY", [["kTRC", curv([0x0100])]])).kind).toBe("monochrome");
  });

  it("a curv count that overruns its tag is reported and cut to what the tag holds", () => {
    // 14-byte tag (one entry) whose count says 5.
    const icc = mkIcc("RGB ", rgbTags(curv([0x0233], 5), 14));
    const v = validateIcc(icc);
    expect(v.problems.filter((p) => p.includes("declares 5 entries (22 bytes) but the tag size is 14 bytes"))).toHaveLength(3);
    const fixed = repairCurvTags(icc);
    expect(validateIcc(fixed).valid).toBe(true);
    expect(planCurvRepairs(icc)[0]).toMatchObject({ before: { count: 5, size: 14 }, after: { count: 1, size: 14 } });
  });

  it("tags sharing one curv block are repaired together", () => {
    // rTRC holds the data; the gTRC and bTRC entries are then pointed at the same block (as relax.jp2 does).
    const icc = mkIcc("RGB ", [
      ["rXYZ", xyz()],
      ["gXYZ", xyz()],
      ["bXYZ", xyz()],
      ["rTRC", curv([0x01cd, 0])],
      ["gTRC", new Uint8Array(0)],
      ["bTRC", new Uint8Array(0)],
    ]);
    const dv = new DataView(icc.buffer);
    const dataOffset = dv.getUint32(132 + 12 * 3 + 4);
    for (const k of [4, 5]) {
      dv.setUint32(132 + 12 * k + 4, dataOffset);
      dv.setUint32(132 + 12 * k + 8, 16);
    }
    const plan = planCurvRepairs(icc);
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ tags: ["rTRC", "gTRC", "bTRC"], offset: dataOffset, after: { count: 1, size: 14 } });
    const fixed = repairCurvTags(icc);
    expect(validateIcc(fixed)).toMatchObject({ valid: true });
    expect([12 * 3, 12 * 4, 12 * 5].map((e) => new DataView(fixed.buffer).getUint32(132 + e + 8))).toEqual([14, 14, 14]);
  });

  it("reports sizes, offsets and fields that cannot be trusted", () => {
    expect(validateIcc(mkIcc("RGB ", rgbTags(curv([1])), { sizeDelta: 8 })).problems[0]).toMatch(/declares \d+ bytes but only \d+ are present/);
    expect(validateIcc(mkIcc("RGB ", rgbTags(curv([1])), { sizeDelta: -4 })).problems[0]).toMatch(/\(4 extra\)/);
    expect(validateIcc(mkIcc("RGB ", rgbTags(curv([1])), { count: 1000 })).problems.join()).toMatch(/tag count 1000 needs a tag table/);

    const off = mkIcc("RGB ", rgbTags(curv([1])));
    new DataView(off.buffer).setUint32(132 + 4, 0xfffffff0); // rXYZ offset far outside
    expect(validateIcc(off).problems.join()).toMatch(/tag 'rXYZ' \(offset 4294967280, size 20\) runs past the end/);

    const overlap = mkIcc("RGB ", rgbTags(curv([1])));
    new DataView(overlap.buffer).setUint32(132 + 4, 100); // inside the header
    expect(validateIcc(overlap).problems.join()).toMatch(/tag 'rXYZ' data at offset 100 overlaps the header or tag table/);

    const badHeader = mkIcc("QQQQ", rgbTags(curv([1])));
    badHeader.set(ascii("nope"), 36);
    badHeader.set([9], 8);
    const p = validateIcc(badHeader).problems.join("\n");
    expect(p).toMatch(/not 'acsp'/);
    expect(p).toMatch(/unknown profile version 9/);
    expect(p).toMatch(/unknown data colour space 'QQQQ'/);

    const para = mkIcc("GRAY", [["kTRC", cat(ascii("para"), be(0, 4), be(3, 2), be(0, 2), be(0x10000, 4))]]);
    expect(validateIcc(para).problems.join()).toMatch(/function type 3 needs 32 bytes but the tag size is 16/);
  });

  it("never reads outside the bytes it is given", () => {
    const icc = mkIcc("RGB ", rgbTags(curv([0x01cd, 0])));
    for (let n = 0; n <= icc.length; n += 7) {
      const v = validateIcc(icc.subarray(0, n));
      expect(typeof v.valid).toBe("boolean");
      expect(repairCurvTags(icc.subarray(0, n))).toHaveLength(n);
    }
  });
});
