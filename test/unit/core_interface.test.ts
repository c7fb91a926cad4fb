/**
 * The TypeScript ↔ WebAssembly interface is described once (scripts/core_interface.mjs) and generated
 * into both sides. These tests fail when the two sides disagree: a generated file edited by hand or
 * not regenerated, a core built from another table, an export whose name or parameter count differs
 * from the typed CoreExports, or a getter/setter whose field numbers mean different things on the
 * two sides.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { J2kError } from "../../src/index.js";
import {
  CORE_ERROR_CODES,
  CORE_FUNCTION_ARITY,
  CapField,
  CodField,
  CompField,
  DecodeWarning,
  StripField,
  EncoderTileField,
  EncoderInfo,
  EncoderParam,
  LayerInfo,
  ENCODE_CHECK_MESSAGES,
  INTERFACE_HASH,
  MarkerField,
  PlaneField,
  Progression,
  SizField,
  TilePartField,
  TranscodeInfo,
  type CoreExports,
} from "../../src/core_interface.js";
import { callCore, useFlavor } from "../../src/wasm/load.js";
import { generate } from "../../scripts/gen-core-interface.mjs";
import { FIELDS } from "../../scripts/core_interface.mjs";
import { REPO_ROOT } from "../helpers/paths.js";

afterEach(() => useFlavor(null));

const FLAVORS = ["scalar", "simd"] as const;

describe("generated interface files", () => {
  it("are up to date with scripts/core_interface.mjs and the exports of codec/index.ts", () => {
    const files = generate();
    expect(Object.keys(files).sort()).toEqual(["codec/api_fields.ts", "codec/util/error_codes.ts", "src/core_interface.ts"]);
    for (const [rel, text] of Object.entries(files)) {
      expect(readFileSync(join(REPO_ROOT, rel), "utf8"), `${rel}: run node scripts/gen-core-interface.mjs`).toBe(text);
    }
  });

  it("every field group of the table is exported on the TypeScript side with the same numbering", () => {
    const ts: Record<string, Record<string, number>> = {
      SizField, CompField, CodField, CapField, MarkerField, TilePartField, PlaneField, DecodeWarning, EncoderParam, EncoderInfo, LayerInfo, StripField, EncoderTileField, TranscodeInfo,
    };
    expect(Object.keys(ts).sort()).toEqual(Object.keys(FIELDS).sort());
    for (const [group, g] of Object.entries(FIELDS)) {
      expect(Object.entries(ts[group]!), group).toEqual(g.fields.map(([name], i) => [name, i]));
    }
  });
});

describe.each(FLAVORS)("the %s core agrees with the TypeScript side", (flavor) => {
  it("reports the hash of the table it was built from", () => {
    useFlavor(flavor);
    expect(callCore((c) => c.coreInterfaceHash())).toBe(INTERFACE_HASH);
  });

  it("exports exactly the functions of CoreExports, with the same parameter counts", () => {
    useFlavor(flavor);
    const got = callCore((c) => {
      const out: Record<string, number> = {};
      for (const [name, v] of Object.entries(c as unknown as Record<string, unknown>)) if (typeof v === "function") out[name] = v.length;
      return out;
    });
    expect(got).toEqual(CORE_FUNCTION_ARITY);
  });

  it("numbers every header/decoder getter field as the table does (one past the last is unknown: -1)", () => {
    useFlavor(flavor);
    const stream = encodeRaw((c) => {
      c.encoderSet(EncoderParam.layers, 2);
    });
    callCore((c) => {
      const ptr = c.alloc(stream.length);
      new Uint8Array(c.memory.buffer, ptr, stream.length).set(stream);
      c.decoderParse(ptr, stream.length);
      expect(c.headerSiz(Object.keys(SizField).length), "headerSiz").toBe(-1);
      expect(c.headerSiz(SizField.tilesY), "headerSiz last").not.toBe(-1);
      expect(c.headerComp(0, Object.keys(CompField).length), "headerComp").toBe(-1);
      expect(c.headerComp(0, CompField.dy)).toBe(1);
      expect(c.headerCod(-1, Object.keys(CodField).length), "headerCod").toBe(-1);
      expect(c.headerCod(-1, CodField.roiShift)).toBe(0);
      expect(c.headerCap(Object.keys(CapField).length), "headerCap").toBe(-1);
      expect(c.headerCap(CapField.Ccap15), "no CAP marker").toBe(-1);
      expect(c.headerMarker(0, Object.keys(MarkerField).length), "headerMarker").toBe(-1);
      expect(c.headerMarker(0, MarkerField.tilePart), "SOC is in the main header").toBe(-1);
      expect(c.headerMarker(0, MarkerField.code)).toBe(0xff4f);
      expect(c.headerTilePart(0, Object.keys(TilePartField).length), "headerTilePart").toBe(-1);
      expect(c.headerTilePart(0, TilePartField.dataEnd)).toBe(stream.length - 2);
      c.decoderRun(0, 0, 0, 0, 20, 12, 0, 0, 1e6);
      expect(c.decoderPlane(0, Object.keys(PlaneField).length), "decoderPlane").toBe(-1);
      expect([c.decoderPlane(0, PlaneField.width), c.decoderPlane(0, PlaneField.height), c.decoderPlane(0, PlaneField.wanted)]).toEqual([20, 12, 1]);
      expect(c.decoderWarnings(Object.keys(DecodeWarning).length), "decoderWarnings").toBe(-1);
      expect(c.decoderWarnings(DecodeWarning.missingTiles)).toBe(0);
    });
  });

  it("every EncoderParam means the same on both sides: each set value is read back from the header under its name", () => {
    useFlavor(flavor);
    // distinct values for every parameter, so a swapped or shifted field cannot go unnoticed
    let info: number[] = [];
    const stream = encodeRaw(
      (c) => {
        c.encoderSet(EncoderParam.originX, 3);
        c.encoderSet(EncoderParam.originY, 5);
        c.encoderSet(EncoderParam.tileX0, 1);
        c.encoderSet(EncoderParam.tileY0, 2);
        c.encoderSet(EncoderParam.tileWidth, 14);
        c.encoderSet(EncoderParam.tileHeight, 11);
        c.encoderSet(EncoderParam.levels, 2);
        c.encoderSet(EncoderParam.xcb, 3);
        c.encoderSet(EncoderParam.ycb, 2);
        c.encoderSet(EncoderParam.cblkStyle, 0x12);
        c.encoderSet(EncoderParam.reversible, 1);
        c.encoderSet(EncoderParam.mct, 1);
        c.encoderSet(EncoderParam.progression, Progression.RLCP);
        c.encoderSet(EncoderParam.layers, 3);
        c.encoderSet(EncoderParam.sop, 1);
        c.encoderSet(EncoderParam.eph, 1);
        c.encoderSet(EncoderParam.guardBits, 4);
        c.encoderSet(EncoderParam.tlm, 1);
        c.encoderSet(EncoderParam.plt, 1);
        c.encoderSet(EncoderParam.tileParts, 1);
        c.encoderSet(EncoderParam.baseStep, 0.5);
        c.encoderSet(EncoderParam.Rsiz, 0x4000);
      },
      3,
      (c) => (info = [c.encoderInfo(EncoderInfo.levels), c.encoderInfo(EncoderInfo.allPasses), c.encoderInfo(EncoderInfo.levelsAsked), c.encoderInfo(EncoderInfo.guardBits), c.encoderInfo(EncoderInfo.samples)]),
    );
    expect(info).toEqual([2, 1, 2, 4, 3 * 20 * 12]);
    const h = callCore((c) => {
      const ptr = c.alloc(stream.length);
      new Uint8Array(c.memory.buffer, ptr, stream.length).set(stream);
      c.decoderParse(ptr, stream.length);
      const siz = Object.fromEntries(Object.entries(SizField).map(([k, f]) => [k, c.headerSiz(f)]));
      const cod = Object.fromEntries(Object.entries(CodField).map(([k, f]) => [k, c.headerCod(-1, f)]));
      const markers: number[] = [];
      for (let i = 0; i < c.headerMarkerCount(); i++) markers.push(c.headerMarker(i, MarkerField.code));
      const parts: number[] = [];
      for (let i = 0; i < cod.numTileParts!; i++) parts.push(c.headerTilePart(i, TilePartField.TPsot));
      return { siz, cod, markers, parts };
    });
    expect(h.siz).toMatchObject({ Rsiz: 0x4000, XOsiz: 3, YOsiz: 5, XTOsiz: 1, YTOsiz: 2, XTsiz: 14, YTsiz: 11, Xsiz: 23, Ysiz: 17, Csiz: 3 });
    expect(h.cod).toMatchObject({
      levels: 2,
      xcb: 3,
      ycb: 2,
      cblkStyle: 0x12,
      reversible: 1,
      mct: 1,
      progression: Progression.RLCP,
      layers: 3,
      sop: 1,
      eph: 1,
      guardBits: 4,
      quantStyle: 0,
    });
    expect(h.markers, "TLM and PLT asked").toEqual(expect.arrayContaining([0xff55, 0xff58]));
    expect(Math.max(...h.parts), "tile-parts split by resolution: TPsot up to levels").toBe(2);
  });

  it("encoderSet refuses the field one past the table, with the generated message", () => {
    useFlavor(flavor);
    const n = Object.keys(EncoderParam).length;
    let err: unknown;
    try {
      callCore((c) => {
        c.encoderCreate(1, 4, 4);
        c.encoderSet(n - 1, 0); // the last field is accepted
        c.encoderSet(n, 1);
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(J2kError);
    expect((err as J2kError).message).toContain(ENCODE_CHECK_MESSAGES[24]!(n));
  });
});

describe("error codes", () => {
  it("the core's ERR_* numbers are exactly the generated table's, each with its J2kError code", () => {
    const src = readFileSync(join(REPO_ROOT, "codec/util/error_codes.ts"), "utf8");
    const core = [...src.matchAll(/export const ERR_(\w+) = (\d+);/g)].map((m) => Number(m[2]));
    expect(core.sort((a, b) => a - b)).toEqual(Object.keys(CORE_ERROR_CODES).map(Number).sort((a, b) => a - b));
  });

  it("every CHECK_ reason the core raises has a message", () => {
    const fields = readFileSync(join(REPO_ROOT, "codec/api_fields.ts"), "utf8");
    const checks = [...fields.matchAll(/export const CHECK_\w+: i32 = (0x[0-9a-f]+|\d+);/g)].map((m) => Number(m[1]));
    expect(checks.length).toBeGreaterThan(20);
    for (const n of checks) expect(ENCODE_CHECK_MESSAGES[n], `reason ${n}`).toBeTypeOf("function");
  });
});

/** Encode a 20x12 RGB ramp with the core directly; `setup` sets parameters before the run. */
function encodeRaw(setup: (c: CoreExports) => void, comps = 1, after?: (c: CoreExports) => void): Uint8Array {
  return callCore((c) => {
    c.encoderCreate(comps, 20, 12);
    for (let i = 0; i < comps; i++) c.encoderSetComp(i, 8, 0, 1, 1);
    setup(c);
    for (let i = 0; i < comps; i++) {
      const p = c.encoderPlane(i);
      const n = c.encoderPlaneWidth(i) * c.encoderPlaneHeight(i);
      const v = new Int32Array(c.memory.buffer, p, n);
      for (let k = 0; k < n; k++) v[k] = ((k * (7 + i)) % 256) - 128;
    }
    const out = c.encoderRun();
    const bytes = new Uint8Array(c.memory.buffer, out, c.encoderOutputLength()).slice();
    after?.(c);
    return bytes;
  });
}
