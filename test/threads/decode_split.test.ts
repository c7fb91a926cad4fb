/**
 * Threaded decoding in one job per band (src/worker/split_decode.ts decodeSplit, the core's
 * decoderBandShare + decoderBandOwnStep + decoderBandSupplyAll): each band sends its share of the
 * blocks several bands need on its port, T1-decodes its own blocks until the other shares arrive,
 * and never waits for them. Run here on the calling thread with stand-in ports that deliver the
 * other shares at chosen moments (or never), against the one-piece decode of the built library.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/paths.js";
import { splitModules, sameSamples } from "../helpers/split_modules.js";
import { makeImage } from "../helpers/synthetic.js";

const mods = splitModules;
const same = sameSamples;

/**
 * A stand-in port: records what the job posts; `inbox` holds the messages it will receive, handed
 * out by `receiveNow` only from the `after`-th look on (Infinity: never).
 */
function port(inbox: unknown[], after: number) {
  let looks = 0;
  const p = {
    sent: [] as unknown[],
    closed: false,
    onmessage: null as ((e: { data: unknown }) => void) | null,
    postMessage(m: unknown) {
      p.sent.push(m);
    },
    close() {
      p.closed = true;
    },
  };
  const receiveNow = () => (looks++ >= after && inbox.length > 0 ? { message: inbox.shift() } : undefined);
  return { p, receiveNow };
}

/**
 * Decode `bytes` band after band with decodeSplit. `deliver(k)`: the look from which band k
 * receives the shares of the bands before it (Infinity: never); bands after it have not run yet,
 * so their shares never arrive. `alter` may change a share before it is delivered.
 */
async function splitBands(bytes: Uint8Array, threads: number, deliver: (k: number) => number, alter?: (b: ArrayBuffer) => ArrayBuffer, fraction?: number, here = false) {
  const { lib, th, split } = await mods();
  const h = lib.readHeader(bytes);
  const n = th.bandRows(h.height, threads)!.length;
  const shares: Array<ArrayBuffer | null> = [];
  const parts = [];
  for (let k = 0; k < n; k++) {
    const inbox = shares.map((s, j) => ({ from: j, share: s && alter ? alter(s.slice(0)) : s && s.slice(0) }));
    const { p, receiveNow } = port(inbox, deliver(k));
    // (band 0 on the calling thread where `here`: decodeSplitHere, synchronously, on the shared instance)
    parts.push(here && k === 0 ? split.decodeSplitHere(bytes, {}, k, n, h.height, h.width, p, receiveNow, fraction) : await split.decodeSplit(bytes, {}, k, n, h.height, h.width, p, receiveNow, undefined, fraction));
    expect(p.closed, "the job closes its port").toBe(true);
    const first = p.sent[0] as { share: ArrayBuffer | null };
    expect(p.sent.length, "one message: the share").toBe(1);
    shares.push(first.share);
  }
  const image = th.stitch(parts.map((q) => q.image), parts.map((q) => q.rows));
  return { image, rows: parts.map((q) => q.rows), shares };
}

/** Add 4 to every sample of every record of a shared-blocks table (codec/supplied_blocks.ts). */
function altered(buf: ArrayBuffer): ArrayBuffer {
  const v = new DataView(buf);
  for (let at = 0; at < buf.byteLength; ) {
    const w = v.getInt32(at + 24, true), h = v.getInt32(at + 28, true);
    for (let i = 0; i < w * h; i++) v.setInt32(at + 32 + 4 * i, v.getInt32(at + 32 + 4 * i, true) + 4, true);
    at += 32 + 4 * w * h;
  }
  return buf;
}

describe("threaded decode: one job per band, shares exchanged on ports", () => {
  it("bands whose shares arrive at once, after their own blocks, or never all equal the one-piece decode; every job cuts alike", async () => {
    const { lib } = await mods();
    const img = makeImage({ width: 150, height: 900, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 7 });
    for (const opts of [{ levels: 5, lossless: true }, { levels: 4, ratios: [10] }]) {
      const bytes = lib.encode(img, { ...opts, codeBlock: [32, 32] });
      const ref = lib.decode(bytes).data;
      for (const n of [2, 3]) {
        for (const [look, deliver] of [[0, () => 0], [3, () => 3], [Infinity, () => Infinity]] as const) {
          const { image, rows, shares } = await splitBands(bytes, n, deliver);
          expect(rows.length).toBe(n);
          expect(rows[0]![0]).toBe(0);
          for (let k = 1; k < n; k++) expect(rows[k]![0], "the bands tile the image (the same cuts in every job)").toBe(rows[k - 1]![1]);
          expect(rows[n - 1]![1]).toBe(900);
          expect(shares.every((s) => s instanceof ArrayBuffer && s.byteLength > 0), "every band shares blocks").toBe(true);
          expect(same(image.data, ref), `${JSON.stringify(opts)} n=${n} deliver from look ${look}`).toBe(true);
        }
      }
    }
  });

  it("band 0's fraction of the work (`first`) moves a two-band cut; the calling thread's band cuts alike; every cut decodes as one piece", async () => {
    const { lib } = await mods();
    const img = makeImage({ width: 120, height: 1000, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 17 });
    for (const opts of [{ levels: 5, lossless: true }, { levels: 4, ratios: [8] }]) {
      const bytes = lib.encode(img, { ...opts, codeBlock: [32, 32] });
      const ref = lib.decode(bytes).data;
      const cutAt = new Map<number | undefined, number>();
      for (const first of [undefined, 0.5, 0.35, 0.65, 0.1, 0.9, Number.NaN]) {
        for (const here of [false, true]) {
          const { image, rows } = await splitBands(bytes, 2, () => 0, undefined, first, here);
          expect(rows[1]![0], "the bands tile the image").toBe(rows[0]![1]);
          expect(same(image.data, ref), `${JSON.stringify(opts)} first ${first} here ${here}`).toBe(true);
          if (cutAt.has(first)) expect(rows[0]![1], "the calling thread's band cuts as a worker's").toBe(cutAt.get(first));
          cutAt.set(first, rows[0]![1]);
        }
      }
      expect(cutAt.get(0.5), "0.5 is the default").toBe(cutAt.get(undefined));
      expect(cutAt.get(0.35)!, "less work for band 0: an earlier cut").toBeLessThan(cutAt.get(0.5)!);
      expect(cutAt.get(0.65)!, "more work for band 0: a later cut").toBeGreaterThan(cutAt.get(0.5)!);
      expect(cutAt.get(0.1), "clamped to 0.25").toBe((await splitBands(bytes, 2, () => 0, undefined, 0.25)).rows[0]![1]);
      expect(cutAt.get(0.9), "clamped to 0.75").toBe((await splitBands(bytes, 2, () => 0, undefined, 0.75)).rows[0]![1]);
      expect(cutAt.get(Number.NaN), "NaN: 0.5").toBe(cutAt.get(0.5));
    }
  });

  it("a delivered share is used (altered blocks change the output); a share not delivered is decoded by the band", async () => {
    const { lib } = await mods();
    const img = makeImage({ width: 100, height: 700, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 3 });
    const bytes = lib.encode(img, { levels: 4, lossless: true });
    const ref = lib.decode(bytes).data;
    expect(same((await splitBands(bytes, 2, () => 0, altered)).image.data, ref), "band 1 took band 0's altered share").toBe(false);
    expect(same(lib.decode(bytes).data, ref), "the next decode does not see the altered share").toBe(true);
    expect(same((await splitBands(bytes, 2, () => Infinity, altered)).image.data, ref), "not delivered: not used").toBe(true);
  });

  it("step 3 in strips or on the whole-image path (strips off): the same bands, and both take a delivered share", async () => {
    const { lib, split } = await mods();
    const img = makeImage({ width: 110, height: 800, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 23 });
    const was = split.bandStrips.on;
    const wasRev = split.bandStrips.reversible;
    try {
      // (5/3 bands take the whole-image path unless asked: checked first, then asked for below)
      const lossless = lib.encode(img, { levels: 5, lossless: true, codeBlock: [32, 32] });
      const before = split.bandStrips.runs;
      expect(same((await splitBands(lossless, 2, () => 0)).image.data, lib.decode(lossless).data)).toBe(true);
      expect(split.bandStrips.runs - before, "5/3: no strips by default").toBe(0);
      split.bandStrips.reversible = true;
      for (const opts of [{ levels: 5, lossless: true }, { levels: 4, ratios: [10] }]) {
        const bytes = lib.encode(img, { ...opts, codeBlock: [32, 32] });
        const ref = lib.decode(bytes).data;
        for (const on of [true, false]) {
          split.bandStrips.on = on;
          for (const here of [false, true]) {
            const runs = split.bandStrips.runs;
            const { image } = await splitBands(bytes, 2, () => 0, undefined, undefined, here);
            expect(split.bandStrips.runs - runs, `strips ${on}: bands decoded in strips`).toBe(on ? 2 : 0);
            expect(same(image.data, ref), `${JSON.stringify(opts)} strips ${on} here ${here}`).toBe(true);
            expect(same((await splitBands(bytes, 2, () => 0, altered, undefined, here)).image.data, ref), `strips ${on}: band 1 took band 0's altered share`).toBe(false);
          }
        }
        // a memory limit below the strips' usual 512 MiB: they get what the band's array leaves
        split.bandStrips.on = true;
        const runs = split.bandStrips.runs;
        const limited = await lib.decodeAsync(bytes, { threads: 2, limits: { maxMemory: 64 * 2 ** 20 } });
        expect(same(limited.data, ref)).toBe(true);
        expect(split.bandStrips.runs - runs, "maxMemory 64 MiB: band 0 (this thread's; band 1 is a worker's) in strips").toBe(1);
      }
    } finally {
      split.bandStrips.on = was;
      split.bandStrips.reversible = wasRev;
    }
  });

  it("decodeAsync makes band 0's whole-image array of the next call ahead when idle, never while a threaded decode runs; the next call takes it", async () => {
    const { lib, split } = await mods();
    lib.setWorkerCount(2);
    const img = makeImage({ width: 130, height: 900, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 29 });
    const bytes = lib.encode(img, { levels: 4, ratios: [10], codeBlock: [32, 32] });
    const ref = lib.decode(bytes).data;
    const idle = () => new Promise((resolve) => setTimeout(resolve, 20));
    await idle();
    expect(split.wholeArrayReady()?.length, "none of this size before (an earlier test's decodeAsync may have made one of its own)").not.toBe(130 * 900 * 3);
    const a = await lib.decodeAsync(bytes, { threads: 2 });
    expect(same(a.data, ref)).toBe(true);
    await idle();
    expect(split.wholeArrayReady(), "made while idle").toEqual({ type: "Uint8Array", length: 130 * 900 * 3 });
    // back to back: the first call takes it, and no idle time comes between the calls
    const b = await lib.decodeAsync(bytes, { threads: 2 });
    expect(split.wholeArrayReady(), "taken").toBeUndefined();
    const c = await lib.decodeAsync(bytes, { threads: 2 });
    expect(split.wholeArrayReady(), "not made between calls back to back").toBeUndefined();
    for (const d of [b, c]) expect(same(d.data, ref)).toBe(true);
    expect(b.data.buffer === a.data.buffer || c.data.buffer === b.data.buffer, "every image owns its array").toBe(false);
    // while a threaded decode runs (its band jobs awaited), the timer set when the one before it ended makes nothing
    let running = true;
    const p1 = lib.decodeAsync(bytes, { threads: 2 }).finally(() => (running = false));
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (running) expect(split.wholeArrayReady(), "not while a threaded decode runs").toBeUndefined();
    const d = await p1;
    expect(same(d.data, ref)).toBe(true);
    await idle();
    expect(split.wholeArrayReady(), "made after it").toBeDefined();
    const e = await lib.decodeAsync(bytes, { threads: 2, layout: "planar" });
    expect(same(e.data, lib.decode(bytes, { layout: "planar" }).data), "planar takes it too").toBe(true);
    expect(split.wholeArrayReady()).toBeUndefined();
    // nor while a job of the pool runs (a one-thread decodeAsync: a worker's job, this thread idle)
    let busy = true;
    const q = lib.decodeAsync(bytes, { threads: 1 }).finally(() => (busy = false));
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (busy) expect(split.wholeArrayReady(), "not while a pool job runs").toBeUndefined();
    await q;
  });

  it("without a synchronous read of the port (browsers): shares delivered as events while the job yields are used", async () => {
    const { lib, th, split } = await mods();
    const img = makeImage({ width: 100, height: 700, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 3 });
    const bytes = lib.encode(img, { levels: 4, lossless: true });
    const ref = lib.decode(bytes).data;
    const n = th.bandRows(700, 2)!.length;
    const { p: p0, receiveNow } = port([], 0);
    const band0 = await split.decodeSplit(bytes, {}, 0, n, 700, 100, p0, receiveNow);
    const share = (p0.sent[0] as { share: ArrayBuffer }).share;
    // a port that delivers band 0's share as a message event once its handler is set and the job yields
    const eventPort = (msg: unknown) => {
      const q = {
        closed: false,
        sent: [] as unknown[],
        handler: null as ((e: { data: unknown }) => void) | null,
        get onmessage() {
          return q.handler;
        },
        set onmessage(f: ((e: { data: unknown }) => void) | null) {
          q.handler = f;
          if (f) queueMicrotask(() => q.handler?.({ data: msg })); // (delivered once the job first yields)
        },
        postMessage(m: unknown) {
          q.sent.push(m);
        },
        close() {
          q.closed = true;
        },
      };
      return q;
    };
    const plainPort = eventPort({ from: 0, share: share.slice(0) });
    const band1 = await split.decodeSplit(bytes, {}, 1, n, 700, 100, plainPort);
    expect(plainPort.closed).toBe(true);
    expect(same(th.stitch([band0.image, band1.image], [band0.rows, band1.rows]).data, ref)).toBe(true);
    const alteredPort = eventPort({ from: 0, share: altered(share.slice(0)) });
    const band1b = await split.decodeSplit(bytes, {}, 1, n, 700, 100, alteredPort);
    expect(same(th.stitch([band0.image, band1b.image], [band0.rows, band1b.rows]).data, ref), "the delivered (altered) share was used").toBe(false);
  });

  it("a malformed share from another band is INVALID_ARGUMENT; the next decode is unaffected", async () => {
    const { lib, th, split } = await mods();
    const img = makeImage({ width: 64, height: 600, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 2 });
    const bytes = lib.encode(img, { levels: 3, lossless: true });
    const n = th.bandRows(600, 2)!.length;
    const long = new ArrayBuffer(32 + 16);
    new DataView(long).setInt32(24, 64, true);
    new DataView(long).setInt32(28, 64, true); // 64 × 64 samples announced, 4 present
    const huge = new ArrayBuffer(32);
    new DataView(huge).setInt32(24, 1 << 16, true);
    new DataView(huge).setInt32(28, 1 << 16, true); // larger than any code-block
    // (20 bytes: a short record; 64 zero bytes: a 0 × 0 block)
    for (const bad of [new ArrayBuffer(20), new ArrayBuffer(64), long, huge]) {
      const { p, receiveNow } = port([{ from: 0, share: bad }], 0);
      await expect(split.decodeSplit(bytes, {}, 1, n, 600, 64, p, receiveNow)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      expect(p.closed).toBe(true);
    }
    const { image } = await splitBands(bytes, 2, () => 0);
    expect(same(image.data, lib.decode(bytes).data)).toBe(true);
  });

  it("a codestream that cannot be cut (damaged) is decoded the plain way: the same error or partial image as one thread", async () => {
    const { lib, th, split } = await mods();
    const img = makeImage({ width: 80, height: 640, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 8 });
    const full = lib.encode(img, { levels: 3, lossless: true });
    const bytes = full.subarray(0, Math.floor(full.length * 0.6)); // truncated
    const n = th.bandRows(640, 2)!.length;
    let code: string | undefined;
    try {
      lib.decode(bytes);
    } catch (e) {
      code = (e as { code?: string }).code;
    }
    expect(code, "one thread fails").toBeDefined();
    for (let k = 0; k < n; k++) {
      const { p, receiveNow } = port([], 0);
      await expect(split.decodeSplit(bytes, {}, k, n, 640, 80, p, receiveNow)).rejects.toMatchObject({ code });
      expect(p.sent, "no share: the others do not count on one").toEqual([{ share: null }]);
    }
    const ref = lib.decode(bytes, { allowPartial: true });
    const parts = [];
    for (let k = 0; k < n; k++) {
      const { p, receiveNow } = port([], 0);
      parts.push(await split.decodeSplit(bytes, { allowPartial: true }, k, n, 640, 80, p, receiveNow));
    }
    const image = th.stitch(parts.map((q) => q.image), parts.map((q) => q.rows));
    expect(image.partial).toBe(true);
    expect(same(image.data, ref.data)).toBe(true);
  });

  it("bands large enough for strip decoding share nothing and decode the plain way", async () => {
    const { lib, th, split } = await mods();
    const strips = (await import(join(REPO_ROOT, "dist/strip/assemble.js"))) as typeof import("../../src/strip/assemble.js");
    const img = makeImage({ width: 120, height: 700, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 6 });
    const bytes = lib.encode(img, { levels: 4, ratios: [8] });
    const ref = lib.decode(bytes).data;
    const old = strips.setStripDecodeThreshold(0); // every decode goes through strips
    try {
      const n = th.bandRows(700, 2)!.length;
      const parts = [];
      for (let k = 0; k < n; k++) {
        const { p, receiveNow } = port([], 0);
        parts.push(await split.decodeSplit(bytes, {}, k, n, 700, 120, p, receiveNow));
        expect(p.sent, "no share").toEqual([{ share: null }]);
      }
      expect(same(th.stitch(parts.map((q) => q.image), parts.map((q) => q.rows)).data, ref)).toBe(true);
    } finally {
      strips.setStripDecodeThreshold(old);
    }
  });

  it("band 0 comes back in an array of the whole image (interleaved and planar, its memory not cleared: stitch writes every other sample); a lent buffer large enough holds another band", async () => {
    const { lib, th, split } = await mods();
    // (the array band 0 comes in is not cleared in Node: filled with a poison value here, which must not survive the stitch)
    const POISON = 0xa5a;
    split.uninitialized.poison = POISON;
    try {
      const img = makeImage({ width: 90, height: 700, components: 3, bitDepth: 12, signed: false, content: "noise", seed: 11 });
      const bytes = lib.encode(img, { levels: 4, ratios: [12], codeBlock: [32, 32] });
      for (const layout of ["interleaved", "planar"] as const) {
        const ref = lib.decode(bytes, { layout }).data;
        const n = th.bandRows(700, 2)!.length;
        const { p: p0, receiveNow: r0 } = port([], 0);
        const band0 = await split.decodeSplit(bytes, { layout }, 0, n, 700, 90, p0, r0);
        const [, y1] = band0.rows;
        expect(y1).toBeLessThan(700);
        expect(band0.image.height).toBe(y1);
        expect(band0.image.data.length, `${layout}: band 0's array holds the whole image`).toBe(90 * 700 * 3);
        expect(band0.image.data.buffer.byteLength).toBe(90 * 700 * 3 * 2);
        // band 0's rows are in place (every plane's first rows, planar), the rest is still zero
        const rows = (d: ArrayLike<number>, from: number, to: number) => Array.from({ length: to - from }, (_, i) => d[from + i]!);
        const spans = layout === "interleaved" ? [[0, 90 * y1 * 3, 90 * 700 * 3]] : [0, 1, 2].map((c) => [c * 90 * 700, c * 90 * 700 + 90 * y1, (c + 1) * 90 * 700]);
        for (const [a, m, e] of spans) {
          expect(rows(band0.image.data, a!, m!), `${layout}: band 0's rows`).toEqual(rows(ref, a!, m!));
          expect(rows(band0.image.data, m!, e!).every((v) => v === POISON || v === 0), `${layout}: the other bands' rows are left for stitch (poison, a 0 in every page touched)`).toBe(true);
        }
        // band 1 in a lent buffer (larger than needed), in a new array when the lent one is too small
        // (stitched twice into the same band 0 array: the second time overwrites band 1's rows)
        const inbox = [{ from: 0, share: (p0.sent[0] as { share: ArrayBuffer }).share }];
        for (const [lent, used] of [[new ArrayBuffer(90 * 700 * 3 * 2), true], [new ArrayBuffer(100), false]] as const) {
          const { p, receiveNow } = port(inbox.map((m) => ({ ...m, share: m.share.slice(0) })), 0);
          const band1 = await split.decodeSplit(bytes, { layout }, 1, n, 700, 90, p, receiveNow, lent);
          expect(band1.image.data.buffer === lent, `${layout}: lent buffer of ${lent.byteLength} bytes used`).toBe(used);
          expect(band1.image.data.length).toBe(90 * (700 - y1) * 3);
          const image = th.stitch([band0.image, band1.image], [band0.rows, band1.rows]);
          expect(image.data, "stitched into band 0's array").toBe(band0.image.data);
          expect(same(image.data, ref), `${layout}: stitched = one piece`).toBe(true);
        }
      }
    } finally {
      split.uninitialized.poison = undefined;
    }
  });

  it("decodeAsync reads the geometry of a raw codestream straight from SIZ (as readHeader has it); JP2 or a SIZ that does not hold together: none; a damaged main header after a good SIZ is the J2kError decode() raises", async () => {
    const { lib } = await mods();
    const asyncMod = (await import(join(REPO_ROOT, "dist/decode_async.js"))) as typeof import("../../src/decode_async.js");
    const grey = makeImage({ width: 77, height: 600, components: 1, bitDepth: 16, signed: true, content: "noise", seed: 5 });
    const rgb = makeImage({ width: 64, height: 530, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 6 });
    const streams = [
      lib.encode(grey, { levels: 3 }),
      lib.encode(rgb, { levels: 3, ratios: [8] }),
      lib.encode(rgb, { levels: 3, origin: { x: 5, y: 3 } }),
      // planes of 64x530, 32x265, 32x530 (components sub-sampled 2x2 and 2x1)
      lib.encode({ width: 64, height: 530, components: 3, bitDepth: 8, signed: false, data: new Uint8Array(64 * 530 + 32 * 265 + 32 * 530).map((_, i) => (i * 7) & 255) }, { levels: 3, planar: true, mct: false, subsampling: [[1, 1], [2, 2], [2, 1]] }),
    ];
    for (const [i, bytes] of streams.entries()) {
      const h = lib.readHeader(bytes);
      const g = asyncMod.sizGeometry(bytes)!;
      expect(g, `stream ${i}`).toEqual({ width: h.width, height: h.height, components: h.components, componentInfo: h.componentInfo.map((c) => ({ dx: c.dx, dy: c.dy })) });
    }
    expect(asyncMod.sizGeometry(lib.encode(rgb, { levels: 3, format: "jp2" })), "JP2: readHeader's").toBeUndefined();
    const bytes = streams[1]!;
    expect(asyncMod.sizGeometry(bytes.slice(0, 40)), "truncated").toBeUndefined();
    const lsiz = bytes.slice();
    lsiz[5] = lsiz[5]! + 1;
    expect(asyncMod.sizGeometry(lsiz), "Lsiz not 38 + 3 Csiz").toBeUndefined();
    const xr = bytes.slice();
    xr[42 + 3 + 1] = 0;
    expect(asyncMod.sizGeometry(xr), "XRsiz 0").toBeUndefined();
    // COD right after SIZ: its number of decomposition levels (SPcod's first byte) out of range
    const cod = bytes.slice();
    const at = 4 + ((cod[4]! << 8) | cod[5]!);
    expect([cod[at], cod[at + 1]], "COD follows SIZ").toEqual([0xff, 0x52]);
    cod[at + 9] = 0xff;
    const want = (() => {
      try {
        lib.decode(cod);
      } catch (e) {
        return e as { code: string };
      }
      throw new Error("the damaged COD decodes");
    })();
    lib.setWorkerCount(2);
    await expect(lib.decodeAsync(cod, { threads: 2 })).rejects.toMatchObject({ name: "J2kError", code: want.code });
    expect(same((await lib.decodeAsync(bytes, { threads: 2 })).data, lib.decode(bytes).data)).toBe(true);
  });

  it("decodeAsync again and again: band buffers lent from call to call, images of other sizes and sample types; no sample of band 0's uncleared array left unwritten", async () => {
    const { lib, split } = await mods();
    lib.setWorkerCount(2);
    split.uninitialized.poison = 0x5a;
    const images = [
      makeImage({ width: 300, height: 600, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 1 }),
      makeImage({ width: 200, height: 900, components: 1, bitDepth: 12, signed: false, content: "noise", seed: 2 }),
      makeImage({ width: 64, height: 520, components: 2, bitDepth: 16, signed: true, content: "noise", seed: 3 }),
    ];
    const streams = images.map((img, i) => lib.encode(img, i === 1 ? { levels: 4 } : { levels: 4, ratios: [10] }));
    for (let round = 0; round < 2; round++) {
      for (const [i, bytes] of streams.entries()) {
        for (const layout of ["interleaved", "planar"] as const) {
          const ref = lib.decode(bytes, { layout });
          const got = await lib.decodeAsync(bytes, { layout, threads: 2 });
          expect(got.data.constructor).toBe(ref.data.constructor);
          expect(got.data.buffer.byteLength, "the image's array is exactly its samples").toBe(ref.data.byteLength);
          expect(same(got.data, ref.data), `image ${i} ${layout} round ${round}`).toBe(true);
        }
      }
    }
    split.uninitialized.poison = undefined;
    lib.terminateWorkers();
  });

  it.runIf(process.platform === "linux")("a band reports the time it took on its thread, waits for a core left out (Linux), which the two-band cut is balanced by", async () => {
    const { lib, split } = await mods();
    await new Promise((resolve) => setTimeout(resolve, 20)); // (node:fs is looked up when the module loads)
    const a = split.threadCpu()!;
    expect(typeof a).toBe("number");
    let x = 0;
    for (let i = 0; i < 3e6; i++) x += Math.sqrt(i);
    expect(split.threadCpu()!, `this thread's time grows with work (${x > 0})`).toBeGreaterThan(a);
    const img = makeImage({ width: 200, height: 700, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 8 });
    const bytes = lib.encode(img, { levels: 4, ratios: [6] });
    const { p, receiveNow } = port([], 0);
    const band = await split.decodeSplit(bytes, {}, 1, 2, 700, 200, p, receiveNow);
    expect(band.cpu, "a split job's band").toBeGreaterThan(0);
    const q = port([], 0);
    expect(split.decodeSplitHere(bytes, {}, 0, 2, 700, 200, q.p, q.receiveNow).cpu, "the calling thread's band").toBeGreaterThan(0);
  });

  it("two bands, one on the calling thread: band 0's fraction is kept per kind of image, within 0.3-0.7, and moves from call to call; the output never changes", async () => {
    const { lib, th } = await mods();
    lib.setWorkerCount(2);
    const img = makeImage({ width: 256, height: 1100, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 31 });
    const bytes = lib.encode(img, { levels: 5, ratios: [12] });
    const ref = lib.decode(bytes).data;
    const kind = (m: ReadonlyMap<string, number>) => [...m.keys()].find((k) => k.startsWith("256x1100x3:"));
    const fractions = new Set<number>();
    for (let i = 0; i < 6; i++) {
      expect(same((await lib.decodeAsync(bytes, { threads: 2 })).data, ref), `call ${i}`).toBe(true);
      const key = kind(th.firstShares());
      expect(key, "the kind of image is kept after a two-band decode").toBeDefined();
      const p = th.firstShares().get(key!)!;
      expect(p).toBeGreaterThanOrEqual(0.3);
      expect(p).toBeLessThanOrEqual(0.7);
      fractions.add(p);
    }
    expect(fractions.size, "measured end times never balance exactly: the fraction moves").toBeGreaterThan(1);
    lib.terminateWorkers();
  });

  it("stitch: bands go into the prepared array; a wrong array is not used", async () => {
    const { th } = await mods();
    const W = 3, H = 5, nc = 2;
    const whole = Uint16Array.from({ length: W * H * nc }, (_, i) => i + 1);
    const info = [{ width: W, height: 2, bitDepth: 12, signed: false, dx: 1, dy: 1 }];
    const band = (data: Uint16Array, rows: number) =>
      ({ width: W, height: rows, components: nc, bitDepth: 12, signed: false, layout: "interleaved", data, componentInfo: [...info, ...info], partial: false, warnings: [] }) as never;
    const top = band(whole.slice(0, W * 2 * nc), 2), bottom = band(whole.slice(W * 2 * nc), 3);
    const bands: Array<[number, number]> = [[0, 2], [2, 5]];
    const target = new Uint16Array(W * H * nc).fill(7);
    const got = th.stitch([top, bottom], bands, target);
    expect(got.data).toBe(target);
    expect(Array.from(got.data)).toEqual(Array.from(whole));
    expect(Array.from(th.stitch([top, bottom], bands).data), "no array: a new one").toEqual(Array.from(whole));
    // an array of another type or size is not used
    for (const wrong of [new Uint8Array(W * H * nc), new Uint16Array(W * H * nc + 1)]) {
      const got3 = th.stitch([top, bottom], bands, wrong);
      expect(got3.data).not.toBe(wrong);
      expect(Array.from(got3.data)).toEqual(Array.from(whole));
    }
  });

  it("decoderBandOwnStep / decoderBandSupplyAll without a decoderBandShare of the parsed codestream are INVALID_ARGUMENT", async () => {
    const { lib, load } = await mods();
    const img = makeImage({ width: 64, height: 600, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 5 });
    const bytes = lib.encode(img, { levels: 3, lossless: true });
    const parse = (c: ReturnType<typeof load.core>) => c.decoderParse(load.copyIn(c, bytes), bytes.length);
    expect(() => load.callCore((c) => (parse(c), c.decoderBandOwnStep(8)))).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => load.callCore((c) => (parse(c), c.decoderBandSupplyAll(0, 0)))).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    // state of a share is forgotten by the next parse
    expect(() =>
      load.callCore((c) => {
        parse(c);
        const out = c.alloc(4 * 6);
        expect(c.decoderBandShare(0, 0, 1 << 20, 2, 256, 25, 0.18, 0.64, 0, 0.5, out)).toBe(2);
        expect(c.decoderBandOwnStep(1 << 20), "every own block in one step").toBe(0);
        parse(c);
        return c.decoderBandOwnStep(8);
      }),
    ).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(same(lib.decode(bytes).data, img.data as Uint8Array)).toBe(true);
  });

  it("random images and coding options, shares delivered at random looks: the bands equal the one-piece decode", async () => {
    const { lib } = await mods();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          width: fc.integer({ min: 9, max: 70 }),
          height: fc.integer({ min: 512, max: 1100 }),
          components: fc.constantFrom(1, 3),
          busy: fc.double({ min: 0, max: 1, noNaN: true }),
          levels: fc.integer({ min: 0, max: 7 }),
          block: fc.constantFrom(16, 32, 64),
          lossless: fc.boolean(),
          tiled: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
          n: fc.constantFrom(2, 3),
          looks: fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(Infinity)), { minLength: 3, maxLength: 3 }),
        }),
        async (p) => {
          const img = makeImage({ width: p.width, height: p.height, components: p.components, bitDepth: 8, signed: false, content: "noise", seed: p.seed });
          (img.data as Uint8Array).fill(128, 0, Math.floor(p.busy * p.height) * p.width * p.components); // flat rows on top: cuts off the middle
          const bytes = lib.encode(img, {
            levels: p.levels,
            codeBlock: [p.block, p.block],
            ...(p.lossless ? { lossless: true } : { ratios: [8] }),
            ...(p.tiled ? { tile: { width: 64, height: 300 } } : {}),
          });
          const { image } = await splitBands(bytes, p.n, (k) => p.looks[k]!);
          expect(same(image.data, lib.decode(bytes).data)).toBe(true);
        },
      ),
      { numRuns: 25, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {}) },
    );
  });
});
