/**
 * Encapsulated Pixel Data (PS3.5 A.4): writing (one fragment per frame, even lengths, BOT or
 * Extended Offset Table) and reading what archives contain (empty BOT, frames split over
 * fragments, padding after EOC, missing delimiter). Byte layouts are checked against hand-written
 * expectations, not against j2kit's own reader.
 */
import { describe, expect, it } from "vitest";
import { J2kError } from "../../src/errors.js";
import {
  concatBytes,
  encapsulateFrames,
  framesFromFragments,
  fromOV,
  needsExtendedOffsetTable,
  parseEncapsulatedPixelData,
  toOV,
  trimAfterEoc,
} from "../../src/dicom/index.js";

/** A fake codestream: SOC SIZ ... EOC, `n` bytes long in total. */
function fakeCodestream(n: number, fill = 0x11): Uint8Array {
  const b = new Uint8Array(n).fill(fill);
  b.set([0xff, 0x4f, 0xff, 0x51], 0);
  b.set([0xff, 0xd9], n - 2);
  return b;
}

const item = (len: number) => [0xfe, 0xff, 0x00, 0xe0, len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >>> 24];
const DELIMITER = [0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];

describe("encapsulateFrames", () => {
  it("writes BOT, one even-length fragment per frame and the delimiter", () => {
    const a = fakeCodestream(7);
    const b = fakeCodestream(10);
    const enc = encapsulateFrames([a, b]);
    const bytes = concatBytes(enc.chunks);
    expect(enc.byteLength).toBe(bytes.length);
    const expected = [
      ...item(8), 0, 0, 0, 0, 16, 0, 0, 0, // BOT: offsets 0 and 8 + 8 (7 padded to 8)
      ...item(8), ...a, 0, // padded with one 0x00
      ...item(10), ...b,
      ...DELIMITER,
    ];
    expect(Array.from(bytes)).toEqual(expected);
    expect(enc.basicOffsetTable).toEqual([0, 16]);
    expect(enc.extendedOffsetTable).toBeUndefined();
  });

  it("uses an empty BOT and the Extended Offset Table (+ lengths) when asked or needed", () => {
    const frames = [fakeCodestream(5), fakeCodestream(6)];
    const enc = encapsulateFrames(frames, { extendedOffsetTable: "always" });
    const bytes = concatBytes(enc.chunks);
    expect(Array.from(bytes.subarray(0, 8))).toEqual(item(0));
    expect(enc.basicOffsetTable).toEqual([]);
    expect(enc.extendedOffsetTable).toEqual([0, 14]);
    expect(enc.extendedOffsetTableLengths).toEqual([6, 6]);
    // Beyond 2^32 - 1 bytes the BOT cannot address the frames (decided from lengths alone).
    expect(needsExtendedOffsetTable([2 ** 31, 2 ** 31 - 100])).toBe(false);
    expect(needsExtendedOffsetTable([2 ** 31, 2 ** 31])).toBe(true);
    expect(needsExtendedOffsetTable([2 ** 32 - 9])).toBe(true);
  });

  it("OV values are 64-bit little-endian", () => {
    const ov = toOV([1, 2 ** 40 + 3]);
    expect(Array.from(ov)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1, 0, 0]);
    expect(fromOV(ov)).toEqual([1, 2 ** 40 + 3]);
  });

  it("refuses no frames", () => {
    expect(() => encapsulateFrames([])).toThrow(J2kError);
  });
});

describe("reading encapsulated Pixel Data", () => {
  it("parses BOT, fragments with offsets and the delimiter", () => {
    const a = fakeCodestream(8);
    const bytes = new Uint8Array([...item(4), 0, 0, 0, 0, ...item(8), ...a, ...DELIMITER, 0x99]);
    const p = parseEncapsulatedPixelData(bytes);
    expect(p.basicOffsetTable).toEqual([0]);
    expect(p.fragments).toHaveLength(1);
    expect(p.fragments[0]!.offset).toBe(0);
    expect(Array.from(p.fragments[0]!.data)).toEqual(Array.from(a));
    expect(p.terminated).toBe(true);
    expect(p.byteLength).toBe(bytes.length - 1);
  });

  it("reports a missing Sequence Delimitation Item and a fragment cut short", () => {
    const a = fakeCodestream(8);
    const p = parseEncapsulatedPixelData(new Uint8Array([...item(0), ...item(8), ...a]));
    expect(p.terminated).toBe(false);
    expect(p.fragments).toHaveLength(1);
    const cut = parseEncapsulatedPixelData(new Uint8Array([...item(0), ...item(100), ...a]));
    expect(cut.terminated).toBe(false);
    expect(cut.fragments[0]!.data.length).toBe(8);
  });

  it("rejects a wrong item tag with DICOM_INVALID", () => {
    const bad = new Uint8Array([...item(0), 0xe0, 0x7f, 0x10, 0x00, 4, 0, 0, 0, 1, 2, 3, 4]);
    let err: unknown;
    try {
      parseEncapsulatedPixelData(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(J2kError);
    expect((err as J2kError).code).toBe("DICOM_INVALID");
    expect((err as J2kError).message).toContain("(7FE0,0010)");
  });

  it("groups fragments into frames: by BOT, one per frame, all for one frame, or by codestream boundaries", () => {
    const f1 = fakeCodestream(10, 1);
    const f2 = fakeCodestream(12, 2);
    const f3 = fakeCodestream(14, 3);
    // Frame 1 split in two fragments, frame 2 whole; BOT says where frame 2 starts.
    const head = f1.subarray(0, 4);
    const tail = f1.subarray(4);
    const withBot = parseEncapsulatedPixelData(
      new Uint8Array([...item(8), 0, 0, 0, 0, 26, 0, 0, 0, ...item(4), ...head, ...item(6), ...tail, ...item(12), ...f2, ...DELIMITER]),
    );
    const byBot = framesFromFragments(withBot.fragments, 2, { basicOffsetTable: withBot.basicOffsetTable });
    expect(byBot.frames.map((f) => Array.from(f))).toEqual([Array.from(f1), Array.from(f2)]);
    expect(byBot.warnings).toEqual([]);

    // Same without BOT: split where a fragment ending in EOC is followed by one starting with SOC.
    const byMarkers = framesFromFragments([head, tail, f2], 2);
    expect(byMarkers.frames.map((f) => Array.from(f))).toEqual([Array.from(f1), Array.from(f2)]);
    expect(byMarkers.warnings[0]).toContain("codestream boundaries");

    expect(framesFromFragments([f1, f2, f3], 3).frames).toEqual([f1, f2, f3]);
    expect(Array.from(framesFromFragments([head, tail], 1).frames[0]!)).toEqual(Array.from(f1));
  });

  it("groups by the Extended Offset Table when there is one", () => {
    const f1 = fakeCodestream(10, 1);
    const f2 = fakeCodestream(12, 2);
    const a = f1.subarray(0, 6);
    const b = f1.subarray(6);
    // Offsets: a at 0, b at 14, f2 at 26.
    const r = framesFromFragments([a, b, f2], 2, { extendedOffsetTable: [0, 26] });
    expect(r.frames.map((f) => Array.from(f))).toEqual([Array.from(f1), Array.from(f2)]);
  });

  it("ignores a BOT that does not match (with a warning) and fails when frames cannot be found", () => {
    const f1 = fakeCodestream(10, 1);
    const f2 = fakeCodestream(12, 2);
    const r = framesFromFragments([f1, f2], 2, { basicOffsetTable: [0, 5] });
    expect(r.frames).toEqual([f1, f2]);
    expect(r.warnings[0]).toContain("Basic Offset Table");
    expect(() => framesFromFragments([f1], 2)).toThrow(/Number of Frames \(0028,0008\) is 2/);
    const junk = new Uint8Array([1, 2, 3, 4]);
    expect(() => framesFromFragments([f1, junk, junk], 2)).toThrow(/form 1 codestream/);
  });

  it("trims padding after EOC but leaves other data alone", () => {
    const cs = fakeCodestream(10);
    expect(trimAfterEoc(new Uint8Array([...cs, 0])).trimmed).toBe(1);
    expect(trimAfterEoc(new Uint8Array([...cs, 0, 0, 0])).bytes).toEqual(cs);
    expect(trimAfterEoc(cs).trimmed).toBe(0);
    expect(trimAfterEoc(new Uint8Array([1, 2, 0])).trimmed).toBe(0);
  });
});
