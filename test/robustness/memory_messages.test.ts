/**
 * LIMIT_MEMORY messages state sizes a person can act on. The core used to pass the failed request
 * and the limit in whole MiB (rounded down), so a small request read "needs 0 MiB more" and a
 * 256 KiB limit read "the memory limit of 0 MiB". The core now passes KiB (request rounded up).
 */
import { describe, expect, test } from "vitest";
import { decode, encode, J2kError } from "../../src/index.js";
import { mib } from "../../src/memory_messages.js";

const KiB = 1024;
const MiB = 2 ** 20;

function rgb(w: number, h: number): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let i = 0; i < px.length; i++) px[i] = ((i * 7) ^ (i >> 5)) & 255;
  return encode({ width: w, height: h, components: 3, bitDepth: 8, signed: false, data: px }, {});
}

function limitError(cs: Uint8Array, maxMemory: number): J2kError {
  try {
    decode(cs, { limits: { maxMemory } });
  } catch (e) {
    if (e instanceof J2kError) return e;
    throw e;
  }
  throw new Error(`decode under maxMemory ${maxMemory} did not fail`);
}

/** Bytes of a size written by mib(): "n KiB" or "n MiB". */
function sizeOf(text: string): number {
  const m = /^([\d.]+) (KiB|MiB)$/.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  return Number(m[1]) * (m[2] === "KiB" ? KiB : MiB);
}

describe("LIMIT_MEMORY sizes", () => {
  // large enough that every limit below fails (its tile buffers alone take 3 MiB)
  const cs = rgb(512, 512);

  for (const maxMemory of [256 * KiB, 512 * KiB, 1.5 * MiB]) {
    test(`maxMemory ${maxMemory / KiB} KiB: the message names a request above 0 and the limit as set`, () => {
      const e = limitError(cs, maxMemory);
      expect(e.code).toBe("LIMIT_MEMORY");
      const m = /needs ([\d.]+ [KM]iB) more with ([\d.]+ [KM]iB) already in use, which passes the memory limit of ([\d.]+ [KM]iB)/.exec(e.message);
      expect(m, e.message).not.toBeNull();
      const [, need, used, limit] = m!;
      expect(sizeOf(need!)).toBeGreaterThan(0);
      // the limit as the caller set it, to the precision shown
      expect(Math.abs(sizeOf(limit!) - maxMemory)).toBeLessThan(0.051 * MiB);
      // what is in use plus what was asked passes the limit (the claim the message makes)
      expect(sizeOf(used!) + sizeOf(need!)).toBeGreaterThan(maxMemory * 0.95);
    });
  }

  test("mib() never writes 0 for a positive size and keeps precision below 10 MiB", () => {
    expect(mib(1)).toBe("1 KiB");
    expect(mib(300 * KiB)).toBe("300 KiB");
    expect(mib(1.5 * MiB)).toBe("1.5 MiB");
    expect(mib(12.4 * MiB)).toBe("12 MiB");
    expect(mib(0)).toBe("0 MiB");
  });
});
