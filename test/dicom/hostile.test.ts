/**
 * Hostile DICOM input (issue 15, bugs 2-4): the Part 10 structure is checked before dcmjs reads it, so
 * a malformed file is a `DICOM_INVALID` J2kError naming the element (tag, offset, declared and
 * available length) — never a RangeError, never gigabytes allocated for a declared length — and
 * `limits` apply to the whole DICOM path. Files are built byte by byte here (explicit VR little
 * endian, PS3.5 §7.1) or taken from the corpus and damaged; the fuzz reproducers of
 * ../shared/testdata/malformed/fuzz/min are checked too. Real-archive quirks keep working (see
 * corpus_decode.test.ts for the corpus itself).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import dcmjs from "dcmjs";
import { deflateRaw } from "pako";
import { describe, expect, it, vi } from "vitest";
import { encode } from "../../src/index.js";
import { isJ2kError } from "../../src/errors.js";
import { inspectDicom, readPart10, transcode } from "../../src/dicom/index.js";
import { VR_TABLE } from "../../src/dicom/part10_structure.js";
import { corpusFile, nativePixelBytes } from "./helpers.js";

const MIN = resolve(process.cwd(), "../shared/testdata/malformed/fuzz/min");
const LIMITS = { maxPixels: 2 ** 26, maxMemory: 512 * 2 ** 20 };

function failure(f: () => unknown): { code: string; message: string; offset?: number } {
  try {
    f();
  } catch (e) {
    if (isJ2kError(e)) return { code: e.code, message: e.message, ...(e.offset !== undefined ? { offset: e.offset } : {}) };
    return { code: `not a J2kError: ${String(e)}`, message: String(e) };
  }
  return { code: "no error", message: "" };
}

// --- a tiny Part 10 writer (explicit VR little endian), independent of src/dicom ------------------

const LONG = new Set(["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]);
const UNDEFINED = 0xffffffff;

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}
function ascii(s: string, pad = " "): Uint8Array {
  const t = s.length % 2 ? s + pad : s;
  return Uint8Array.from(t, (c) => c.charCodeAt(0));
}
function us(...v: number[]): Uint8Array {
  const b = new Uint8Array(2 * v.length);
  v.forEach((x, i) => new DataView(b.buffer).setUint16(2 * i, x, true));
  return b;
}
/** An explicit VR LE element; `length` overrides the length field (e.g. UNDEFINED). */
function el(group: number, element: number, vr: string, value: Uint8Array = new Uint8Array(0), length = value.length): Uint8Array {
  const long = LONG.has(vr);
  const h = new Uint8Array(long ? 12 : 8);
  const v = new DataView(h.buffer);
  v.setUint16(0, group, true);
  v.setUint16(2, element, true);
  h[4] = vr.charCodeAt(0);
  h[5] = vr.charCodeAt(1);
  if (long) v.setUint32(8, length >>> 0, true);
  else v.setUint16(6, length, true);
  return cat(h, value);
}
function item(content: Uint8Array, length = content.length, element = 0xe000): Uint8Array {
  const h = new Uint8Array(8);
  const v = new DataView(h.buffer);
  v.setUint16(0, 0xfffe, true);
  v.setUint16(2, element, true);
  v.setUint32(4, length >>> 0, true);
  return cat(h, content);
}
const ITEM_DELIMITER = item(new Uint8Array(0), 0, 0xe00d);
const SEQUENCE_DELIMITER = item(new Uint8Array(0), 0, 0xe0dd);

function part10(dataset: Uint8Array, ts = "1.2.840.10008.1.2.1"): Uint8Array {
  const meta = cat(
    el(0x0002, 0x0001, "OB", Uint8Array.of(0, 1)),
    el(0x0002, 0x0002, "UI", ascii("1.2.840.10008.5.1.4.1.1.7", "\0")),
    el(0x0002, 0x0003, "UI", ascii("1.2.3.4", "\0")),
    el(0x0002, 0x0010, "UI", ascii(ts, "\0")),
  );
  const head = new Uint8Array(132);
  head.set([0x44, 0x49, 0x43, 0x4d], 128);
  const gl = new Uint8Array(4);
  new DataView(gl.buffer).setUint32(0, meta.length, true);
  return cat(head, el(0x0002, 0x0000, "UL", gl), meta, dataset);
}

/** Image Pixel Module of an 8-bit MONOCHROME2 image. */
function pixelModule(rows: number, cols: number, frames = 1): Uint8Array {
  return cat(
    el(0x0008, 0x0016, "UI", ascii("1.2.840.10008.5.1.4.1.1.7", "\0")),
    el(0x0008, 0x0018, "UI", ascii("1.2.3.4", "\0")),
    el(0x0028, 0x0002, "US", us(1)),
    el(0x0028, 0x0004, "CS", ascii("MONOCHROME2")),
    ...(frames > 1 ? [el(0x0028, 0x0008, "IS", ascii(String(frames)))] : []),
    el(0x0028, 0x0010, "US", us(rows)),
    el(0x0028, 0x0011, "US", us(cols)),
    el(0x0028, 0x0100, "US", us(8)),
    el(0x0028, 0x0101, "US", us(8)),
    el(0x0028, 0x0102, "US", us(7)),
    el(0x0028, 0x0103, "US", us(0)),
  );
}

/** Encapsulated Pixel Data with a filled Basic Offset Table (PS3.5 A.4). */
function encapsulated(frames: Uint8Array[]): Uint8Array {
  const bot = new Uint8Array(4 * frames.length);
  let at = 0;
  frames.forEach((f, i) => {
    new DataView(bot.buffer).setUint32(4 * i, at, true);
    at += 8 + f.length;
  });
  return cat(el(0x7fe0, 0x0010, "OB", new Uint8Array(0), UNDEFINED), item(bot), ...frames.map((f) => item(f)), SEQUENCE_DELIMITER);
}

function tinyCodestream(): Uint8Array {
  const cs = encode({ width: 8, height: 8, components: 1, bitDepth: 8, signed: false, data: Uint8Array.from({ length: 64 }, (_, i) => i * 3) });
  return cs.length % 2 ? cat(cs, Uint8Array.of(0)) : cs;
}

// ---------------------------------------------------------------------------------------------

describe("the fuzz reproducers of malformed/fuzz/min", () => {
  const cases: Array<[string, RegExp]> = [
    ["dicom_elem_vr00_len40000000_MR_small.bin", /element \(0009,0010\) at byte 9830 declares a value of 1073741824 bytes but only 16 remain/],
    ["dicom_elem_vr00_len8000000_MR_small.bin", /element \(0009,0010\) at byte 9830 declares a value of 134217728 bytes but only 16 remain/],
    ["dicom_elem_vrUN_len8000000_MR_small.bin", /element \(0009,0010\) at byte 9830 declares a value of 134217728 bytes but only 16 remain/],
    ["dicom_fraglen_fffffffe_MR_small_jp2klossless.bin", /Pixel Data \(7FE0,0010\).*fragment item at byte 1540 declares 4294967294 bytes but only 4460 remain/],
    ["dicom_rangeerror_fraglen_RG3_J2KI.bin", /Pixel Data \(7FE0,0010\).*fragment item at byte 67206 declares 4294967294 bytes but only 139938 remain/],
  ];
  for (const [name, message] of cases) {
    it(`${name}: DICOM_INVALID naming the element, the offset, declared and available length`, () => {
      const bytes = new Uint8Array(readFileSync(resolve(MIN, name)));
      for (const run of [
        () => transcode(bytes, { transferSyntax: "explicit-le", limits: LIMITS }),
        () => transcode(bytes, { transferSyntax: "j2k-lossless", limits: LIMITS }),
        () => inspectDicom(bytes),
      ]) {
        const f = failure(run);
        expect(f.code, f.message).toBe("DICOM_INVALID");
        expect(f.message).toMatch(message);
        expect(f.offset).toBeGreaterThan(128);
      }
    });
  }

  it("tolerant: the appended element is cut off with a warning and the image is MR_small's", () => {
    const bytes = new Uint8Array(readFileSync(resolve(MIN, "dicom_elem_vr00_len40000000_MR_small.bin")));
    const warnings: string[] = [];
    const out = transcode(bytes, { transferSyntax: "explicit-le", tolerant: true, limits: LIMITS, onWarning: (w) => warnings.push(w) });
    expect(warnings.some((w) => /\(0009,0010\).*cut at byte 9830 \(tolerant\)/.test(w))).toBe(true);
    expect(out.length).toBeLessThan(bytes.length + 1024);
    expect(Array.from(nativePixelBytes(out))).toEqual(Array.from(nativePixelBytes(corpusFile("MR_small.dcm"))));
  });
});

describe("structure checks", () => {
  const base = () => cat(pixelModule(8, 8), el(0x7fe0, 0x0010, "OB", new Uint8Array(64).fill(7)));

  it("control: the hand-built file reads and transcodes", () => {
    const out = transcode(part10(base()), { transferSyntax: "j2k-lossless" });
    expect(inspectDicom(out).frames).toHaveLength(1);
  });

  it("an element whose length runs past the end of the file", () => {
    const bytes = part10(cat(base(), el(0x0009, 0x1001, "OB", new Uint8Array(10), 0x7ffffff0)));
    const f = failure(() => readPart10(bytes));
    expect(f.code).toBe("DICOM_INVALID");
    expect(f.message).toMatch(/element \(0009,1001\) at byte \d+ declares a value of 2147483632 bytes but only 10 remain/);
  });

  it("a value length that is not a multiple of its VR's size (dcmjs would lose its place)", () => {
    const bytes = part10(cat(el(0x0028, 0x0002, "US", Uint8Array.of(1, 0, 0)), base()));
    expect(failure(() => readPart10(bytes)).message).toMatch(/\(0028,0002\).*value length 3 is not a multiple of 2/);
  });

  it("an item of a defined-length sequence that runs past the sequence", () => {
    const sq = el(0x0008, 0x1140, "SQ", item(el(0x0008, 0x1150, "UI", ascii("1.2")), 200));
    const f = failure(() => readPart10(part10(cat(sq, base()))));
    expect(f.code).toBe("DICOM_INVALID");
    expect(f.message).toMatch(/sequence \(0008,1140\).*item at byte \d+ declares 200 bytes/);
  });

  it("sequences nested deeper than 32 levels", () => {
    let inner = el(0x0008, 0x0100, "SH", ascii("X"));
    for (let d = 0; d < 40; d++) inner = el(0x0040, 0xa730, "SQ", cat(item(inner, UNDEFINED), ITEM_DELIMITER, SEQUENCE_DELIMITER), UNDEFINED);
    expect(failure(() => readPart10(part10(cat(inner, base())))).message).toMatch(/nested more than 32 deep/);
  });

  it("an undefined-length item whose delimiter pattern also appears inside a value is refused (dcmjs would cut it there)", () => {
    const trap = cat(new Uint8Array(6), item(new Uint8Array(0), 0, 0xe00d), new Uint8Array(2)); // FFFE,E00D + length 0 inside OB
    const sq = el(0x0008, 0x1140, "SQ", cat(item(el(0x0009, 0x1010, "OB", trap), UNDEFINED), ITEM_DELIMITER, SEQUENCE_DELIMITER), UNDEFINED);
    expect(failure(() => readPart10(part10(cat(sq, base())))).message).toMatch(/ambiguous/);
  });

  it("an element encoded as UN whose tag is a sequence is read the way dcmjs reads it (as items)", () => {
    const garbage = el(0x0008, 0x1140, "UN", cat(Uint8Array.of(0x08, 0x00, 0x50, 0x11), new Uint8Array(12)));
    const f = failure(() => readPart10(part10(cat(garbage, base()))));
    expect(f.code).toBe("DICOM_INVALID");
    expect(f.message).toMatch(/sequence \(0008,1140\): expected an Item/);
  });

  it("a few trailing bytes after the last element are a warning, as real archives have them", () => {
    const r = readPart10(part10(cat(base(), Uint8Array.of(0, 0, 0))));
    expect(r.warnings.some((w) => /3 byte\(s\) after the last data element/.test(w))).toBe(true);
  });

  it("File Meta Information without a Transfer Syntax UID", () => {
    const bytes = part10(base());
    const noTs = bytes.slice();
    const at = Buffer.from(noTs).indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00]), 132);
    noTs[at + 2] = 0x11; // (0002,0011)
    expect(failure(() => readPart10(noTs)).message).toMatch(/no Transfer Syntax UID \(0002,0010\)/);
  });

  it("File Meta Information Group Length past the end of the file", () => {
    const bytes = part10(base()).slice();
    new DataView(bytes.buffer).setUint32(140, 0x7fffffff, true);
    expect(failure(() => readPart10(bytes)).message).toMatch(/Group Length \(0002,0000\) declares 2147483647 bytes/);
  });
});

describe("limits apply to the whole DICOM path", () => {
  it("a deflated data set that inflates past a quarter of maxMemory stops early (LIMIT_MEMORY)", () => {
    const big = el(0x0009, 0x1010, "OB", new Uint8Array(40 * 2 ** 20));
    const bytes = part10(deflateRaw(cat(pixelModule(8, 8), big)), "1.2.840.10008.1.2.1.99");
    expect(bytes.length).toBeLessThan(100 * 1024);
    const f = failure(() => readPart10(bytes, { limits: { maxMemory: 64 * 2 ** 20 } }));
    expect(f.code).toBe("LIMIT_MEMORY");
    expect(f.message).toMatch(/inflates to more than 16 MiB/);
  });

  it("half a million empty elements: what dcmjs would build for them is refused (LIMIT_MEMORY)", () => {
    const one = el(0x0009, 0x1010, "LO");
    const many = new Uint8Array(one.length * 500_000);
    for (let i = 0; i < 500_000; i++) many.set(one, i * one.length);
    const f = failure(() => readPart10(part10(cat(pixelModule(8, 8), many)), { limits: { maxMemory: 256 * 2 ** 20 } }));
    expect(f.code).toBe("LIMIT_MEMORY");
    expect(f.message).toMatch(/500\d{3} data elements/);
  });

  it("Rows x Columns x Samples x Bits Allocated x Number of Frames beyond maxMemory: refused before any frame is joined or decoded", () => {
    const cs = tinyCodestream();
    const bytes = part10(cat(pixelModule(4096, 4096, 1000), encapsulated([cs])), "1.2.840.10008.1.2.4.90");
    const f = failure(() => transcode(bytes, { transferSyntax: "explicit-le", limits: { maxMemory: 256 * 2 ** 20 } }));
    expect(f.code).toBe("LIMIT_MEMORY");
    expect(f.message).toMatch(/1000 frame\(s\) of 4096 x 4096/);
  });

  it("reading a file larger than maxMemory allows is refused (LIMIT_MEMORY)", () => {
    const f = failure(() => transcode(corpusFile("MR2_UNCR.dcm"), { transferSyntax: "j2k-lossless", limits: { maxMemory: 2 ** 20 } }));
    expect(f.code).toBe("LIMIT_MEMORY");
  });

  it("16000 frames with a Basic Offset Table read in bounded time (dcmjs alone copies the file once per frame: ~35 s)", () => {
    const cs = tinyCodestream();
    const n = 16000;
    const bytes = part10(cat(pixelModule(8, 8, n), encapsulated(Array.from({ length: n }, () => cs))), "1.2.840.10008.1.2.4.90");
    const t0 = performance.now();
    const info = inspectDicom(bytes);
    const ms = performance.now() - t0;
    expect(info.frames).toHaveLength(n);
    expect(Array.from(info.frames![n - 1]!)).toEqual(Array.from(cs));
    expect(ms, "a bound, not a benchmark").toBeLessThan(10_000);
  });
});

describe("the structure walk reads VRs as dcmjs does", () => {
  it("32-bit length fields and fixed value sizes agree with dcmjs's ValueRepresentation", () => {
    const V = (dcmjs.data as unknown as { ValueRepresentation: { createByTypeString(t: string): { isLength32(): boolean; fixed?: boolean; maxLength?: number | null; isBinary(): boolean } } }).ValueRepresentation;
    const vrs = ["AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV", "ox", "xs"];
    const log = console.error;
    console.error = () => {}; // dcmjs logs "Invalid vr type" for the ones it reads as UN
    try {
      for (const vr of vrs) {
        const d = V.createByTypeString(vr);
        expect(VR_TABLE[vr]?.long === true, `${vr} 32-bit length`).toBe(d.isLength32());
        const unit = d.fixed && d.isBinary() ? d.maxLength : undefined;
        expect(VR_TABLE[vr]?.unit, `${vr} value size`).toBe(unit ?? undefined);
      }
    } finally {
      console.error = log;
    }
  });
});

describe("dcmjs's console output", () => {
  it("is not printed: what dcmjs would print (character sets, invalid VRs) comes back as warnings", () => {
    const spies = (["log", "info", "warn", "error"] as const).map((m) => vi.spyOn(console, m).mockImplementation(() => {}));
    try {
      const warnings: string[] = [];
      transcode(corpusFile("J2K_pixelrep_mismatch.dcm"), { transferSyntax: "explicit-le", onWarning: (w) => warnings.push(w) });
      const bad = new Uint8Array(readFileSync(resolve(MIN, "dicom_elem_vr00_len8000000_MR_small.bin")));
      transcode(bad, { transferSyntax: "explicit-le", tolerant: true, onWarning: (w) => warnings.push(w) });
      for (const s of spies) expect(s.mock.calls).toEqual([]);
      expect(warnings.some((w) => w.includes("Specific Character Set (0008,0005)"))).toBe(true);
      expect(warnings.some((w) => w.includes("invalid VR"))).toBe(true);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});
