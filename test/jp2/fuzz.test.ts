/**
 * Mutation fuzzing of the container layer: bit flips, truncations, box length changes and byte
 * insertions/deletions applied to real JP2 files. readJp2 must only ever return a consistent
 * result or throw a J2kError; the ICC checks must never throw at all.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { J2kError } from "../../src/errors.js";
import { planCurvRepairs, repairCurvTags, validateIcc } from "../../src/jp2/icc.js";
import { applyPalette, orderChannels } from "../../src/jp2/palette.js";
import { readJp2, toJp2Info } from "../../src/jp2/read.js";
import { testFile } from "./helpers.js";

const SEEDS = [
  "edge_cases/openjpeg/basn6a08.jp2", // cdef
  "edge_cases/openjpeg/issue412.jp2", // pclr, cmap, cdef, res/resc
  "edge_cases/openjpeg/issue188_beach_64bitsbox.jp2", // XLBox
  "edge_cases/openjpeg/issue653-zero-unknownbox.jp2", // LBox 0 last box
  "edge_cases/openjpeg/issue458.jp2", // bpcc
  "edge_cases/openjpeg/relax.jp2", // ICC
  "conformance/part4_jp2/file5.jp2", // jpx brand, rreq, two colr
  "realworld/erdas-sandiego3i_5.5.jp2", // nested asoc, uuid
  "icc/bitwiser-icc-corrupted-tagcount-1911.jp2", // broken ICC, res
];

/** Offsets of box headers found by walking LBox fields naively (top level and jp2h/res/asoc contents). */
function boxHeaderOffsets(b: Uint8Array): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number, depth: number): void => {
    let o = start;
    while (o + 8 <= end && out.length < 200) {
      out.push(o);
      const len = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
      const type = String.fromCharCode(...b.subarray(o + 4, o + 8));
      if (len < 8 || o + len > end) return;
      if (depth < 3 && ["jp2h", "res ", "asoc", "uinf"].includes(type)) walk(o + 8, o + len, depth + 1);
      o += len;
    }
  };
  walk(0, b.length, 0);
  return out;
}

type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "length"; box: number; value: number }
  | { kind: "xl"; box: number; hi: number; lo: number }
  | { kind: "insert"; at: number; bytes: number[] }
  | { kind: "delete"; at: number; count: number };

const INTERESTING = [0, 1, 2, 7, 8, 9, 12, 15, 16, 17, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("length" as const),
      box: fc.nat(),
      value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat({ max: 0xffffffff }), fc.integer({ min: -64, max: 64 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("xl" as const), box: fc.nat(), hi: fc.nat({ max: 0xffffffff }), lo: fc.nat({ max: 0xffffffff }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 12 }) }) },
);

/** Apply mutations; positions are taken modulo the header region (the first 4 KiB), where the boxes are. */
function mutate(seed: Uint8Array, boxes: number[], ms: Mutation[]): Uint8Array {
  let b = seed.slice();
  for (const m of ms) {
    const region = Math.max(1, Math.min(b.length, 4096));
    switch (m.kind) {
      case "flip":
        if (b.length) b[m.at % region]! ^= 1 << m.bit;
        break;
      case "truncate":
        b = b.slice(0, m.at % (b.length + 1));
        break;
      case "length":
      case "xl": {
        const o = boxes[m.box % boxes.length]!;
        if (o + 16 > b.length) break;
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (m.kind === "length") {
          const old = dv.getUint32(o);
          dv.setUint32(o, (m.value < 0 ? old + m.value : m.value) >>> 0);
        } else {
          // Turn the box into an XLBox one (its first 8 content bytes become XLBox).
          dv.setUint32(o, 1);
          dv.setUint32(o + 8, m.hi);
          dv.setUint32(o + 12, m.lo);
        }
        break;
      }
      case "insert": {
        const at = m.at % (Math.min(b.length, 4096) + 1);
        const out = new Uint8Array(b.length + m.bytes.length);
        out.set(b.subarray(0, at));
        out.set(m.bytes, at);
        out.set(b.subarray(at), at + m.bytes.length);
        b = out;
        break;
      }
      case "delete": {
        const at = m.at % region;
        const out = new Uint8Array(Math.max(at, b.length - m.count));
        out.set(b.subarray(0, at));
        out.set(b.subarray(at + m.count), at);
        b = out;
        break;
      }
    }
  }
  return b;
}

/** readJp2 either returns a consistent file or throws a J2kError; anything else fails the test. */
function checkRead(bytes: Uint8Array): void {
  let f;
  try {
    f = readJp2(bytes);
  } catch (e) {
    if (!(e instanceof J2kError)) throw e;
    expect(["container", "unsupported"]).toContain(e.stage);
    return;
  }
  const { offset, length } = f.codestream;
  expect(offset + length).toBeLessThanOrEqual(bytes.length);
  expect([bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]]).toEqual([0xff, 0x4f, 0xff, 0x51]);
  for (const w of f.warnings) expect(typeof w).toBe("string");
  toJp2Info(f);
  // The later stages must also fail only with J2kError on whatever the boxes now say.
  try {
    const planes = Array.from({ length: f.header.nc }, () => Int32Array.of(0, 1, 255, -1));
    const mapped = applyPalette(planes, f.palette, f.componentMapping);
    orderChannels(mapped.planes, f.channels, 3);
  } catch (e) {
    if (!(e instanceof J2kError)) throw e;
  }
}

describe("fuzz: mutated real JP2 files", () => {
  for (const rel of SEEDS) {
    it(`readJp2 on mutations of ${rel}`, () => {
      const seed = testFile(rel);
      const boxes = boxHeaderOffsets(seed);
      checkRead(seed);
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => checkRead(mutate(seed, boxes, ms))),
        { numRuns: 600 },
      );
    });
  }

  it("every truncation of a small file", () => {
    const seed = testFile("edge_cases/openjpeg/issue412.jp2");
    for (let n = 0; n <= 1200; n++) checkRead(seed.subarray(0, n));
  });

  it("random bytes after a valid signature", () => {
    const sig = testFile("edge_cases/openjpeg/basn6a08.jp2").subarray(0, 12);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (tail) => checkRead(Uint8Array.from([...sig, ...tail]))),
      { numRuns: 1000 },
    );
  });
});

describe("fuzz: mutated ICC profiles", () => {
  const profiles = [
    testFile("icc/sample.jp2").slice(73, 62 + 639),
    testFile("edge_cases/openjpeg/relax.jp2").slice(73, 62 + 289),
    testFile("conformance/part4_jp2/file8.jp2").slice(77, 66 + 425),
  ];
  it("validateIcc / planCurvRepairs / repairCurvTags never throw and never change the input", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...profiles),
        fc.array(fc.record({ at: fc.nat(), value: fc.nat(255) }), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (icc, edits, cut) => {
          const b = icc.slice(0, Math.max(0, icc.length - (cut % 40)));
          for (const e of edits) b[e.at % Math.max(1, b.length)] = e.value;
          const copy = b.slice();
          const v = validateIcc(b);
          expect(v.valid).toBe(v.problems.length === 0);
          planCurvRepairs(b);
          const fixed = repairCurvTags(b);
          expect(fixed.length).toBe(b.length);
          expect(b).toEqual(copy);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
