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

function decode(coded: number[], n: number, state = 0): number[] {
  const r = callCore((core) => {
    const c = mq(core);
    const ip = c.alloc(coded.length + 2);
    const mem = new Uint8Array(c.memory.buffer);
    mem.set(coded, ip);
    mem[ip + coded.length] = 0x12; // bytes after the segment: must be ignored and left intact
    mem[ip + coded.length + 1] = 0x34;
    const dp = c.alloc(n);
    c.mqDecodeDecisions(ip, coded.length, n, CX, state, dp);
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

// Table C.2: Qe, NMPS, NLPS, SWITCH for I = 0..46.
const TABLE_C2: ReadonlyArray<readonly [number, number, number, number]> = [
  [0x5601, 1, 1, 1], [0x3401, 2, 6, 0], [0x1801, 3, 9, 0], [0x0ac1, 4, 12, 0], [0x0521, 5, 29, 0], [0x0221, 38, 33, 0],
  [0x5601, 7, 6, 1], [0x5401, 8, 14, 0], [0x4801, 9, 14, 0], [0x3801, 10, 14, 0], [0x3001, 11, 17, 0], [0x2401, 12, 18, 0],
  [0x1c01, 13, 20, 0], [0x1601, 29, 21, 0], [0x5601, 15, 14, 1], [0x5401, 16, 14, 0], [0x5101, 17, 15, 0], [0x4801, 18, 16, 0],
  [0x3801, 19, 17, 0], [0x3401, 20, 18, 0], [0x3001, 21, 19, 0], [0x2801, 22, 19, 0], [0x2401, 23, 20, 0], [0x2201, 24, 21, 0],
  [0x1c01, 25, 22, 0], [0x1801, 26, 23, 0], [0x1601, 27, 24, 0], [0x1401, 28, 25, 0], [0x1201, 29, 26, 0], [0x1101, 30, 27, 0],
  [0x0ac1, 31, 28, 0], [0x09c1, 32, 29, 0], [0x08a1, 33, 30, 0], [0x0521, 34, 31, 0], [0x0441, 35, 32, 0], [0x02a1, 36, 33, 0],
  [0x0221, 37, 34, 0], [0x0141, 38, 35, 0], [0x0111, 39, 36, 0], [0x0085, 40, 37, 0], [0x0049, 41, 38, 0], [0x0025, 42, 39, 0],
  [0x0015, 43, 40, 0], [0x0009, 44, 41, 0], [0x0005, 45, 42, 0], [0x0001, 45, 43, 0], [0x5601, 46, 46, 0],
];

/**
 * The decoder of C.3 as its flow charts draw it (Figures C.15–C.20): a 32-bit C register, one
 * BYTEIN per 8 shifts, one RENORMD shift at a time; the segment is followed by 0xFF bytes (C.3.4).
 */
function referenceDecode(coded: number[], n: number, state: number): number[] {
  const byte = (i: number): number => (i < coded.length ? coded[i]! : 0xff);
  let bp = 0, c = 0, a = 0, ct = 0, i = state, mps = 0;
  const byteIn = () => {
    if (byte(bp) === 0xff) {
      if (byte(bp + 1) > 0x8f) {
        c = (c + 0xff00) >>> 0;
        ct = 8;
      } else {
        bp++;
        c = (c + byte(bp) * 512) >>> 0;
        ct = 7;
      }
    } else {
      bp++;
      c = (c + byte(bp) * 256) >>> 0;
      ct = 8;
    }
  };
  const renorm = () => {
    do {
      if (ct === 0) byteIn();
      a = (a << 1) & 0xffff;
      c = (c << 1) >>> 0;
      ct--;
    } while ((a & 0x8000) === 0);
  };
  c = byte(0) << 16;
  byteIn();
  c = (c << 7) >>> 0;
  ct -= 7;
  a = 0x8000;
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const [qe, nmps, nlps, sw] = TABLE_C2[i]!;
    let d: number;
    a -= qe;
    if (c >>> 16 < qe) {
      if (a < qe) {
        d = mps;
        i = nmps;
      } else {
        d = 1 - mps;
        if (sw) mps = 1 - mps;
        i = nlps;
      }
      a = qe;
      renorm();
    } else {
      c = (c - qe * 65536) >>> 0;
      if ((a & 0x8000) === 0) {
        if (a < qe) {
          d = 1 - mps;
          if (sw) mps = 1 - mps;
          i = nlps;
        } else {
          d = mps;
          i = nmps;
        }
        renorm();
      } else d = mps;
    }
    out.push(d);
  }
  return out;
}

describe("MQ decoder on arbitrary bytes", () => {
  it("decodes like the byte-at-a-time decoder of C.3, stuffing violations and markers included", () => {
    let seed = 11;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    // Mostly 0xFF followed by 0x80..0x8F: invalid (an encoder stuffs a 0 bit after 0xFF), and the
    // one case where BYTEIN carries into Chigh, so a decoder reading ahead must wait for it; some
    // markers (0xFF > 0x8F) and ordinary bytes in between.
    const pick = () => {
      const u = rnd();
      return u < 0.7 ? [0xff, 0x80 + Math.floor(rnd() * 16)] : u < 0.75 ? [0xff, 0x90 + Math.floor(rnd() * 0x70)] : [Math.floor(rnd() * 256)];
    };
    let diffs = 0;
    for (let iter = 0; iter < 3000; iter++) {
      const coded: number[] = [];
      const len = 2 + Math.floor(rnd() * 60);
      while (coded.length < len) coded.push(...pick());
      const state = Math.floor(rnd() * 47);
      const n = 8 * coded.length + 64;
      const got = decode(coded, n, state), want = referenceDecode(coded, n, state);
      if (got.join() !== want.join()) diffs++;
      if (diffs === 1 && got.join() !== want.join()) expect(got, `codeword ${coded.join(",")} state ${state}`).toEqual(want);
    }
    expect(diffs).toBe(0);
  });

  it("decodes valid codewords like the reference decoder", () => {
    let seed = 5;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    for (const p1 of [0.5, 0.2, 0.02]) {
      const seq = Array.from({ length: 3000 }, () => (rnd() < p1 ? 1 : 0));
      const coded = encode(seq);
      expect(decode(coded, seq.length + 100)).toEqual(referenceDecode(coded, seq.length + 100, 0));
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
