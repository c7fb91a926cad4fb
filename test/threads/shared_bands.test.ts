/**
 * Threaded decoding with band buffers shared between the calling thread and the band jobs
 * (src/worker/shared_band.ts; src/worker/split_decode.ts writes a band into the buffer strip by strip
 * and publishes the rows in place, src/worker/threads.ts copies them into the image while the job
 * ends): the job's side with stand-in ports, the whole path through decodeAsync, and the fallbacks
 * (a buffer too small, a band not decoded in strips, the platform path without shared buffers).
 */
import { afterAll, describe, expect, it } from "vitest";
import { splitModules, sameSamples } from "../helpers/split_modules.js";
import { makeImage } from "../helpers/synthetic.js";

const mods = splitModules;
const same = sameSamples;

/** A stand-in port: records what the job posts; hands out `inbox` when the job looks. */
function port(inbox: unknown[]) {
  const p = {
    sent: [] as unknown[],
    onmessage: null as ((e: { data: unknown }) => void) | null,
    postMessage(m: unknown) {
      p.sent.push(m);
    },
    close() {},
  };
  const receiveNow = () => (inbox.length > 0 ? { message: inbox.shift() } : undefined);
  return { p, receiveNow };
}

afterAll(async () => {
  const { lib } = await mods();
  lib.terminateWorkers();
});

describe("threaded decode: bands in buffers shared with the calling thread", () => {
  it("a job writes its band into the shared buffer (header: complete, its rows); the answer carries no samples; too small a buffer: state unused, the samples in the answer", async () => {
    const { lib, th, split, sb } = await mods();
    // (9/7, interleaved: the bands are decoded in strips, the path that writes into the shared buffer)
    const img = makeImage({ width: 120, height: 700, components: 3, bitDepth: 12, signed: false, content: "noise", seed: 21 });
    const bytes = lib.encode(img, { levels: 4, ratios: [12], codeBlock: [32, 32] });
    const ref = lib.decode(bytes).data;
    const n = th.bandRows(700, 2)!.length;
    const { p: p0, receiveNow: r0 } = port([]);
    const band0 = await split.decodeSplit(bytes, {}, 0, n, 700, 120, p0, r0);
    const share = (p0.sent[0] as { share: ArrayBuffer }).share;
    const [, y1] = band0.rows;
    const bandBytes = (700 - y1) * 120 * 3 * 2;
    for (const size of [sb.SHARED_BAND_HEADER + bandBytes, sb.SHARED_BAND_HEADER + bandBytes - 2]) {
      const shared = new SharedArrayBuffer(size);
      const words = sb.sharedBandWords(shared);
      words[sb.SHARED_STATE] = sb.SharedBandState.lent;
      const { p, receiveNow } = port([{ from: 0, share: share.slice(0) }]);
      const band1 = await split.decodeSplit(bytes, {}, 1, n, 700, 120, p, receiveNow, undefined, 0.5, shared);
      expect(band1.rows).toEqual([y1, 700]);
      const fits = size >= sb.SHARED_BAND_HEADER + bandBytes;
      if (fits) {
        expect(band1.shared, "answered as shared").toBe(true);
        expect(band1.image.data.length, "no samples in the answer").toBe(0);
        expect(band1.image.data.constructor).toBe(Uint16Array);
        expect(Array.from(words.subarray(0, 4)), "state complete, every row in place, the band's rows").toEqual([sb.SharedBandState.complete, 700 - y1, y1, 700]);
        const rows = new Uint16Array(shared, sb.SHARED_BAND_HEADER, (700 - y1) * 120 * 3);
        expect(same(rows, ref.subarray(y1 * 120 * 3)), "the band's samples in the shared buffer").toBe(true);
      } else {
        expect(band1.shared ?? false, "a buffer 2 bytes too small is not used").toBe(false);
        expect(words[sb.SHARED_STATE], "state unused: the answer decides").toBe(sb.SharedBandState.unused);
        expect(same(band1.image.data, ref.subarray(y1 * 120 * 3)), "the samples in the answer").toBe(true);
      }
    }
    // a band not decoded in strips (5/3: the whole-image path) leaves the buffer unused
    const lossless = lib.encode(img, { levels: 4, codeBlock: [32, 32] });
    const { p: q0, receiveNow: s0 } = port([]);
    await split.decodeSplit(lossless, {}, 0, n, 700, 120, q0, s0);
    const shared = new SharedArrayBuffer(sb.SHARED_BAND_HEADER + 120 * 700 * 3 * 2);
    const { p: q1, receiveNow: s1 } = port([{ from: 0, share: (q0.sent[0] as { share: ArrayBuffer }).share }]);
    const b1 = await split.decodeSplit(lossless, {}, 1, n, 700, 120, q1, s1, undefined, 0.5, shared);
    expect(b1.shared ?? false).toBe(false);
    expect(sb.sharedBandWords(shared)[sb.SHARED_STATE]).toBe(sb.SharedBandState.unused);
    expect(same(b1.image.data, lib.decode(lossless).data.subarray(b1.rows[0] * 120 * 3))).toBe(true);
  });

  it("stitch leaves the rows a shared band has in place already (inPlace) and copies the rest", async () => {
    const { lib, th, split } = await mods();
    const img = makeImage({ width: 64, height: 600, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 5 });
    const bytes = lib.encode(img, { levels: 3, ratios: [8], codeBlock: [32, 32] });
    const ref = lib.decode(bytes).data;
    const n = th.bandRows(600, 2)!.length;
    const { p: p0, receiveNow: r0 } = port([]);
    const band0 = await split.decodeSplit(bytes, {}, 0, n, 600, 64, p0, r0);
    const { p: p1, receiveNow: r1 } = port([{ from: 0, share: (p0.sent[0] as { share: ArrayBuffer }).share }]);
    const band1 = await split.decodeSplit(bytes, {}, 1, n, 600, 64, p1, r1);
    const [y0] = band1.rows;
    // the first 10 rows of band 1 "in place" already: the right samples there, garbage in the band's copy of them
    band0.image.data.set(band1.image.data.subarray(0, 10 * 64), y0 * 64);
    const altered = band1.image.data.slice();
    altered.fill(7, 0, 10 * 64);
    const image = th.stitch([band0.image, { ...band1.image, data: altered }], [band0.rows, band1.rows], undefined, [0, 10]);
    expect(same(image.data, ref), "rows in place kept, the rest copied").toBe(true);
    // without inPlace the garbage is copied: the test can tell
    const wrong = th.stitch([band0.image, { ...band1.image, data: altered }], [band0.rows, band1.rows]);
    expect(same(wrong.data, ref)).toBe(false);
  });

  it("decodeAsync with two threads: bands through shared buffers from the second call on, output equal to decode() and in a plain ArrayBuffer of exactly its samples; with shared buffers off the same output", async () => {
    const { lib, th } = await mods();
    lib.setWorkerCount(2);
    const images = [
      makeImage({ width: 300, height: 700, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 1 }),
      makeImage({ width: 200, height: 900, components: 1, bitDepth: 12, signed: false, content: "noise", seed: 2 }),
      makeImage({ width: 96, height: 560, components: 2, bitDepth: 16, signed: true, content: "noise", seed: 3 }),
    ];
    for (const [i, img] of images.entries()) {
      for (const opts of [{ levels: 4, ratios: [10] }, { levels: 4 }]) {
        const bytes = lib.encode(img, opts);
        const ref = lib.decode(bytes);
        const lossy = "ratios" in opts;
        for (const on of [true, false]) {
          th.sharedBandsPolicy.on = on;
          try {
            const before = th.sharedBandStats.bands;
            for (let call = 0; call < 3; call++) {
              const got = await lib.decodeAsync(bytes, { threads: 2 });
              expect(got.data.constructor).toBe(ref.data.constructor);
              expect(got.data.buffer instanceof ArrayBuffer, "never a view of a shared buffer").toBe(true);
              expect(got.data.buffer.byteLength, "the image's array is exactly its samples").toBe(ref.data.byteLength);
              expect(same(got.data, ref.data), `image ${i} ${lossy ? "9/7" : "5/3"} shared ${on} call ${call}`).toBe(true);
            }
            // (9/7 bands are decoded in strips, which write into the shared buffer; 5/3 bands are not)
            const bands = th.sharedBandStats.bands - before;
            if (on && lossy) expect(bands, `image ${i}: bands answered as shared`).toBeGreaterThanOrEqual(2);
            else expect(bands, `image ${i}: no shared band (${on ? "5/3" : "off"})`).toBe(0);
          } finally {
            th.sharedBandsPolicy.on = true;
          }
        }
      }
    }
  });

  it("a thread where Atomics.wait throws (a page's main thread that looks like Node): the calling thread stops waiting for rows, the answers decide; the output is the same", async () => {
    const { lib, th } = await mods();
    lib.setWorkerCount(2);
    const img = makeImage({ width: 256, height: 800, components: 1, bitDepth: 12, signed: false, content: "noise", seed: 31 });
    const bytes = lib.encode(img, { levels: 5, ratios: [15] });
    const ref = lib.decode(bytes).data;
    const wait = Atomics.wait;
    let calls = 0;
    Atomics.wait = ((..._args: unknown[]) => {
      calls++;
      throw new TypeError("Atomics.wait cannot be called in this context");
    }) as typeof Atomics.wait;
    try {
      for (let call = 0; call < 4; call++) expect(same((await lib.decodeAsync(bytes, { threads: 2 })).data, ref), `call ${call}`).toBe(true);
      expect(calls, "tried once at most").toBeLessThanOrEqual(1);
      if (calls === 1) expect(th.atomicsWait.ok).toBe(false);
    } finally {
      Atomics.wait = wait;
      th.atomicsWait.ok = true;
    }
  });

  it("threaded decodes at once, and an image of another size between them: each call its own shared buffers, every output equal to decode()", async () => {
    const { lib } = await mods();
    lib.setWorkerCount(2);
    const a = makeImage({ width: 256, height: 800, components: 1, bitDepth: 12, signed: false, content: "noise", seed: 9 });
    const b = makeImage({ width: 180, height: 1100, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 10 });
    const sa = lib.encode(a, { levels: 5, ratios: [15] });
    const sbytes = lib.encode(b, { levels: 5, ratios: [15] });
    const ra = lib.decode(sa).data;
    const rb = lib.decode(sbytes).data;
    for (let round = 0; round < 3; round++) {
      const got = await Promise.all([lib.decodeAsync(sa, { threads: 2 }), lib.decodeAsync(sbytes, { threads: 2 }), lib.decodeAsync(sa, { threads: 2 })]);
      expect(same(got[0]!.data, ra), `round ${round}: a`).toBe(true);
      expect(same(got[1]!.data, rb), `round ${round}: b`).toBe(true);
      expect(same(got[2]!.data, ra), `round ${round}: a again`).toBe(true);
    }
  });

  it("a truncated codestream (allowPartial) through shared buffers: the same partial image and warnings as decode()", async () => {
    const { lib } = await mods();
    lib.setWorkerCount(2);
    const img = makeImage({ width: 240, height: 760, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 12 });
    const full = lib.encode(img, { levels: 4, ratios: [24, 12, 6] });
    for (const keep of [0.9, 0.6]) {
      const bytes = full.subarray(0, Math.floor(full.length * keep));
      const ref = lib.decode(bytes, { allowPartial: true });
      for (let call = 0; call < 2; call++) {
        const got = await lib.decodeAsync(bytes, { allowPartial: true, threads: 2 });
        expect(got.partial).toBe(ref.partial);
        expect(same(got.data, ref.data), `kept ${keep}, call ${call}`).toBe(true);
      }
    }
  });
});
