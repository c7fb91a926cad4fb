// MQ coder (ISO/IEC 15444-1 Annex C) against the standard coder test sequence, and the
// codeword-segment rules shared by T1 and T2 (Table D.9).
import { describe, it, expect } from "vitest";
import { callCore, type CoreExports } from "../../src/wasm/load.js";

interface MqExports {
  mqEncodeDecisions(decisions: number, n: number, cx: number, state: number, out: number, outCap: number): number;
  mqDecodeDecisions(data: number, len: number, n: number, cx: number, state: number, dst: number): void;
  passesInSegment(style: number, firstPass: number): number;
  isRawPass(style: number, pass: number): number;
  maxPasses(numBps: number): number;
}
const mq = (c: CoreExports) => c as unknown as CoreExports & MqExports;

// ITU-T T.88 Annex H.2 "Test sequence for arithmetic coder" (the same MQ coder as JPEG 2000):
// 256 decisions (32 bytes, MSB first) coded with one context starting at I = 0, MPS = 0.
const H2_DECISIONS = [
  0x00, 0x02, 0x00, 0x51, 0x00, 0x00, 0x00, 0xc0, 0x03, 0x52, 0x87, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa,
  0x82, 0xc0, 0x20, 0x00, 0xfc, 0xd7, 0x9e, 0xf6, 0xbf, 0x7f, 0xed, 0x90, 0x4f, 0x46, 0xa3, 0xbf,
];
// The coded sequence printed in H.2. Its last two bytes, 0xFF 0xAC, are the JBIG2 terminating
// marker; the FLUSH of C.2.9 produces the 28 bytes before it.
const H2_CODED = [
  0x84, 0xc7, 0x3b, 0xfc, 0xe1, 0xa1, 0x43, 0x04, 0x02, 0x20, 0x00, 0x00, 0x41, 0x0d, 0xbb, 0x86,
  0xf4, 0x31, 0x7f, 0xff, 0x88, 0xff, 0x37, 0x47, 0x1a, 0xdb, 0x6a, 0xdf, 0xff, 0xac,
];
const bits = H2_DECISIONS.flatMap((b) => [7, 6, 5, 4, 3, 2, 1, 0].map((i) => (b >> i) & 1));
// Context 1 (a significance context) starts in state 0 like the test sequence's context.
const CX = 1;

function encode(decisions: number[]): number[] {
  return callCore((core) => {
    const c = mq(core);
    const dp = c.alloc(decisions.length);
    new Uint8Array(c.memory.buffer, dp, decisions.length).set(decisions);
    const op = c.alloc(64 + decisions.length);
    const len = c.mqEncodeDecisions(dp, decisions.length, CX, 0, op, 64 + decisions.length);
    return Array.from(new Uint8Array(c.memory.buffer, op, len));
  });
}

function decode(coded: number[], n: number): number[] {
  const r = callCore((core) => {
    const c = mq(core);
    const ip = c.alloc(coded.length + 2);
    const mem = new Uint8Array(c.memory.buffer);
    mem.set(coded, ip);
    mem[ip + coded.length] = 0x12; // bytes after the segment: must be ignored and left intact
    mem[ip + coded.length + 1] = 0x34;
    const dp = c.alloc(n);
    c.mqDecodeDecisions(ip, coded.length, n, CX, 0, dp);
    const after = new Uint8Array(c.memory.buffer);
    return { trailer: [after[ip + coded.length], after[ip + coded.length + 1]], out: Array.from(after.subarray(dp, dp + n)) };
  });
  expect(r.trailer).toEqual([0x12, 0x34]);
  return r.out;
}

describe("MQ coder, T.88 H.2 test sequence", () => {
  it("encodes the 256 decisions to the standard's codeword", () => {
    expect(encode(bits)).toEqual(H2_CODED.slice(0, 28));
    expect(H2_CODED.slice(28)).toEqual([0xff, 0xac]);
  });

  it("decodes the standard's codeword (with and without its terminating marker)", () => {
    expect(decode(H2_CODED, 256)).toEqual(bits);
    expect(decode(H2_CODED.slice(0, 28), 256)).toEqual(bits);
  });

  it("round-trips skewed and random decision sequences", () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
    for (const p1 of [0.5, 0.1, 0.01, 0.9]) {
      const seq = Array.from({ length: 5000 }, () => (rnd() < p1 ? 1 : 0));
      const coded = encode(seq);
      expect(coded[coded.length - 1]).not.toBe(0xff);
      for (let i = 0; i + 1 < coded.length; i++) if (coded[i] === 0xff) expect(coded[i + 1]).toBeLessThan(0x90);
      expect(decode(coded, seq.length)).toEqual(seq);
    }
  });
});

describe("codeword segments (Table D.9)", () => {
  const BYPASS = 0x01, TERMALL = 0x04;
  it("counts coding passes per bit-plane", () => {
    callCore((core) => {
      const c = mq(core);
      expect(c.maxPasses(0)).toBe(0);
      expect(c.maxPasses(1)).toBe(1);
      expect(c.maxPasses(8)).toBe(22);
    });
  });

  it("puts every pass in one segment without BYPASS/TERMALL", () => {
    callCore((core) => {
      const c = mq(core);
      for (const style of [0, 0x02, 0x08, 0x10, 0x20, 0x3a]) {
        expect(c.passesInSegment(style, 0)).toBeGreaterThanOrEqual(3 * 38 - 2);
        for (let p = 0; p < 40; p++) expect(c.isRawPass(style, p)).toBe(0);
      }
    });
  });

  it("terminates every pass with TERMALL", () => {
    callCore((core) => {
      const c = mq(core);
      for (let p = 0; p < 30; p++) {
        expect(c.passesInSegment(TERMALL, p)).toBe(1);
        expect(c.passesInSegment(TERMALL | BYPASS, p)).toBe(1);
      }
    });
  });

  it("splits raw and MQ segments with BYPASS", () => {
    callCore((core) => {
      const c = mq(core);
      // passes 0..9 (cleanup of the first plane and the next three planes) form one MQ segment
      expect(c.passesInSegment(BYPASS, 0)).toBe(10);
      expect(c.passesInSegment(BYPASS, 4)).toBe(6);
      for (let p = 0; p < 10; p++) expect(c.isRawPass(BYPASS, p)).toBe(0);
      // then per bit-plane: SPP + MRP raw, CUP MQ
      for (let plane = 0; plane < 8; plane++) {
        const spp = 10 + 3 * plane;
        expect(c.isRawPass(BYPASS, spp)).toBe(1);
        expect(c.isRawPass(BYPASS, spp + 1)).toBe(1);
        expect(c.isRawPass(BYPASS, spp + 2)).toBe(0);
        expect(c.passesInSegment(BYPASS, spp)).toBe(2);
        expect(c.passesInSegment(BYPASS, spp + 2)).toBe(1);
        expect(c.isRawPass(BYPASS | TERMALL, spp)).toBe(1);
      }
    });
  });
});
