/**
 * Rate control that does not code what it discards (issue 14 item 1, codec/rate/caps.ts): with a
 * target on every layer, most code-blocks are coded only until the passes rate control can want are
 * settled, and blocks that turn out to have stopped too early are coded again in full. The output
 * must be byte-identical to coding every pass: each case encodes with early stops on and off in the
 * same core and compares the codestreams, and checks that blocks really were stopped (else the
 * comparison proves nothing).
 */
import { afterAll, describe, expect, test } from "vitest";
import { encode, type EncodeOptions } from "../../src/index.js";
import { EncoderParam, type CoreExports } from "../../src/core_interface.js";
import { callCore, useFlavor } from "../../src/wasm/load.js";
import type { J2kImage } from "../../src/types.js";
import { corpusImage, cropImage as crop } from "../roundtrip/benchcorpus_images.js";

interface Stops {
  stopped: number;
  recoded: number;
  /** Recoded blocks that continued where they stopped (codec/t1/ebcot_encoder.ts ebcotSetResume). */
  resumed: number;
}

function stops(): Stops {
  return callCore((c) => ({ stopped: c.encoderEarlyStops(0), recoded: c.encoderEarlyStops(1), resumed: c.encoderEarlyStops(3) }));
}

function setEarlyStop(mode: number): void {
  callCore((c) => c.encoderSetEarlyStop(mode));
}

/**
 * Encode with early stops off, then with `mode` (1: as shipped; n > 1: stops n times too early, so
 * that rate control's check must send blocks back); returns both outputs and the second's counts.
 */
function both(img: J2kImage, opts: EncodeOptions, mode = 1, coarse = 1): { full: Uint8Array; early: Uint8Array; stops: Stops } {
  callCore((c) => c.encoderSetCoarseSteps(coarse));
  setEarlyStop(0);
  let full: Uint8Array;
  let early: Uint8Array;
  let s: Stops;
  try {
    full = encode(img, opts);
    setEarlyStop(mode);
    early = encode(img, opts);
    s = stops();
  } finally {
    setEarlyStop(1);
    callCore((c) => c.encoderSetCoarseSteps(1));
  }
  return { full, early, stops: s };
}

const kodim = crop(corpusImage("kodim03.ppm"), 512, 384);
const ct = corpusImage("ct_693_512x512_14bit.pgm");
const dx = crop(corpusImage("dx_chest_966_2000x2128_12bit.pgm"), 640, 640);

/** `coarse: 0`: every band at the base step (rate/coarse.ts doubles every band of the CT at 12:1, and then no block stops). */
const CASES: Array<{ name: string; img: J2kImage; opts: EncodeOptions; coarse?: number }> = [
  { name: "kodim03 ratio 20", img: kodim, opts: { ratios: [20] } },
  { name: "kodim03 ratio 100", img: kodim, opts: { ratios: [100] } },
  { name: "dx crop ratios 40/20/10", img: dx, opts: { ratios: [40, 20, 10] } },
  { name: "dx crop five layers", img: dx, opts: { ratios: [160, 80, 40, 16, 6] } },
  { name: "dx crop PSNR 40/46 (decode check and reallocation)", img: dx, opts: { psnr: [40, 46] } },
  { name: "kodim03 reset+segsym+vcausal+pterm 32x16", img: kodim, opts: { ratios: [15], codeBlock: [32, 16], codeBlockStyle: ["reset", "segsym", "vcausal", "pterm"] } },
  { name: "ct 14-bit ratio 12, base steps", img: ct, opts: { ratios: [12] }, coarse: 0 },
  { name: "ct 14-bit PSNR 50", img: ct, opts: { psnr: [50] } },
];

describe.each(["scalar", "simd"] as const)("early-stopped block coding, %s build: output identical to coding every pass", (flavor) => {
  afterAll(() => useFlavor(null));
  test.each(CASES)("$name", ({ img, opts, coarse }) => {
    useFlavor(flavor);
    const r = both(img, opts, 1, coarse);
    expect(r.stops.stopped).toBeGreaterThan(0);
    expect(r.early.length).toBe(r.full.length);
    expect(Buffer.compare(Buffer.from(r.early), Buffer.from(r.full))).toBe(0);
  });
});

describe("blocks stopped too early are coded again (the check in codec/rate/caps.ts)", () => {
  test.each(CASES.filter((c) => !c.name.includes("PSNR")))("$name, stops 64 times too early", ({ img, opts, coarse }) => {
    useFlavor("scalar");
    const r = both(img, opts, 64, coarse);
    expect(r.stops.recoded).toBeGreaterThan(0);
    expect(r.stops.resumed).toBe(r.stops.recoded); // one thread: every block stopped here can resume
    expect(Buffer.compare(Buffer.from(r.early), Buffer.from(r.full))).toBe(0);
  });
});

describe("early stops only where the pilots predict they skip enough work (codec/encoder.ts STOP_WORTH)", () => {
  /** The share of codeword bytes the pilots' replay of the stop test predicts stops would skip, and the stop slope used. */
  function prediction(): { share: number; slope: number } {
    return callCore((c) => ({ share: c.encoderEarlyStops(6), slope: c.encoderEarlyStops(2) }));
  }

  test("ct 14-bit ratios 40/20/10: little to skip, so no block stops (and no block is sent back)", () => {
    useFlavor("scalar");
    const r = both(ct, { ratios: [40, 20, 10] });
    const p = prediction();
    expect(p.share).toBeGreaterThan(0); // the replay ran
    expect(p.share).toBeLessThan(0.05);
    expect(p.slope).toBe(0);
    expect(r.stops.stopped).toBe(0);
    expect(r.stops.recoded).toBe(0);
    expect(Buffer.compare(Buffer.from(r.early), Buffer.from(r.full))).toBe(0);
    useFlavor(null);
  });

  test("ct 14-bit ratio 20: much to skip, so blocks stop", () => {
    useFlavor("scalar");
    const r = both(ct, { ratios: [20] });
    const p = prediction();
    expect(p.share).toBeGreaterThan(0.05);
    expect(p.slope).toBeGreaterThan(0);
    expect(r.stops.stopped).toBeGreaterThan(0);
    expect(Buffer.compare(Buffer.from(r.early), Buffer.from(r.full))).toBe(0);
    useFlavor(null);
  });
});

describe("early stops where they cannot apply", () => {
  test("a layer without a target (lossless last layer) codes every pass", () => {
    useFlavor("scalar");
    const r = both(ct, { lossless: true, ratios: [20, 1] });
    expect(r.stops.stopped).toBe(0);
    expect(Buffer.compare(Buffer.from(r.early), Buffer.from(r.full))).toBe(0);
  });
});

/** encoderRun (planes in WebAssembly memory) with several tiles: stops work across tiles. */
function coreEncode(img: J2kImage, ratio: number, earlyStop: boolean): { data: Uint8Array; stops: Stops } {
  return callCore((c: CoreExports) => {
    c.encoderSetEarlyStop(earlyStop ? 1 : 0);
    try {
      const C = img.components;
      c.encoderCreate(C, img.width, img.height);
      for (let i = 0; i < C; i++) c.encoderSetComp(i, img.bitDepth, 0, 1, 1);
      c.encoderSet(EncoderParam.reversible, 0);
      c.encoderSet(EncoderParam.mct, 1);
      c.encoderSet(EncoderParam.tileWidth, 200);
      c.encoderSet(EncoderParam.tileHeight, 160);
      c.encoderSet(EncoderParam.layers, 1);
      c.encoderSet(EncoderParam.baseStep, 1 / 256);
      c.encoderSetLayer(0, (img.width * img.height * C) / ratio, 0);
      const src = c.alloc(img.data.byteLength);
      new Uint8Array(c.memory.buffer, src, img.data.byteLength).set(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength));
      for (let i = 0; i < C; i++) c.unpackComponent(src + i, C, img.width * C, 1, 0, img.width, img.height, c.encoderPlane(i), img.width, 128);
      const out = c.encoderRun();
      const data = new Uint8Array(c.memory.buffer, out, c.encoderOutputLength()).slice();
      return { data, stops: { stopped: c.encoderEarlyStops(0), recoded: c.encoderEarlyStops(1), resumed: c.encoderEarlyStops(3) } };
    } finally {
      c.encoderSetEarlyStop(1);
    }
  }, undefined, "encode");
}

test("encoderRun with several tiles: identical with and without early stops", () => {
  useFlavor("scalar");
  const full = coreEncode(kodim, 25, false);
  const early = coreEncode(kodim, 25, true);
  expect(early.stops.stopped).toBeGreaterThan(0);
  expect(Buffer.compare(Buffer.from(early.data), Buffer.from(full.data))).toBe(0);
  useFlavor(null);
});
