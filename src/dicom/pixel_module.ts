/**
 * The Image Pixel Module (PS3.3 C.7.6.3) and the rules PS3.5 §8.2.4 and Annex A.4.4 set for JPEG
 * 2000 Pixel Data (Part 1 and HTJ2K: PS3.5 §8.2.14 applies the same rules), as tables and small
 * functions.
 *
 * - {@link readPixelModule} reads and checks the attributes that describe Pixel Data (any syntax).
 * - {@link JPEG2000_ENCODING_RULES} says, per Photometric Interpretation, which JPEG 2000 syntaxes,
 *   Pixel Representations, Bits Allocated and Bits Stored are allowed and how colour is handled;
 *   {@link planJpeg2000Encoding} applies it and says what the encoded data set will declare.
 * - {@link planJpeg2000Decoding} says what native Pixel Data decoded from JPEG 2000 declares
 *   (YBR_RCT / YBR_ICT become RGB: the decoder undoes the colour transform, PS3.5 §8.2.4).
 * Every violation is a `J2kError` (`DICOM_INVALID` for combinations DICOM forbids,
 * `DICOM_UNSUPPORTED` for ones DICOM allows but j2kit does not handle) naming the attribute by keyword
 * and tag and listing the allowed values.
 * @module
 */
import { J2kError } from "../errors.js";
import {
  ATTRIBUTES,
  attributeName,
  getNumber,
  getString,
  toNumber,
  type AttributeDef,
  type DenaturalizedDataset,
} from "./attributes.js";
import type { TransferSyntaxInfo } from "./transfer_syntax.js";

/** The attributes that describe Pixel Data (PS3.3 C.7.6.3), with DICOM's meaning. */
export interface PixelModule {
  /** Rows (0028,0010). */
  rows: number;
  /** Columns (0028,0011). */
  columns: number;
  /** Samples per Pixel (0028,0002): 1 or 3. */
  samplesPerPixel: number;
  /** Photometric Interpretation (0028,0004), e.g. `MONOCHROME2`, `RGB`, `YBR_RCT`. */
  photometricInterpretation: string;
  /** Bits Allocated (0028,0100): 1, 8, 16, 24, 32 or 40. */
  bitsAllocated: number;
  /** Bits Stored (0028,0101). */
  bitsStored: number;
  /** High Bit (0028,0102); Bits Stored − 1. */
  highBit: number;
  /** Pixel Representation (0028,0103): 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  /** Planar Configuration (0028,0006): 0 interleaved, 1 colour-by-plane (3 samples only). */
  planarConfiguration: 0 | 1;
  /** Number of Frames (0028,0008); 1 when absent. */
  numberOfFrames: number;
}

/** The same attributes named by DICOM keyword, as in a dcmjs naturalized data set. */
export interface PixelModuleAttributes {
  Rows?: unknown;
  Columns?: unknown;
  SamplesPerPixel?: unknown;
  PhotometricInterpretation?: unknown;
  BitsAllocated?: unknown;
  BitsStored?: unknown;
  HighBit?: unknown;
  PixelRepresentation?: unknown;
  PlanarConfiguration?: unknown;
  NumberOfFrames?: unknown;
}

/** Anything {@link readPixelModule} accepts. */
export type PixelModuleSource = PixelModule | PixelModuleAttributes | DenaturalizedDataset;

/** Options of {@link readPixelModule}. */
export interface ReadPixelModuleOptions {
  /**
   * The Pixel Data is encapsulated (compressed). Planar Configuration is then not required
   * (PS3.5 §8.2.4: irrelevant for JPEG 2000) and a High Bit other than Bits Stored − 1 is only reported.
   */
  encapsulated?: boolean;
  /** Collects non-fatal findings. */
  warnings?: string[];
}

/** Samples per pixel of each Photometric Interpretation j2kit handles (PS3.3 C.7.6.3.1.2). */
export const PHOTOMETRIC_SAMPLES: Readonly<Record<string, 1 | 3>> = {
  MONOCHROME1: 1,
  MONOCHROME2: 1,
  "PALETTE COLOR": 1,
  RGB: 3,
  YBR_FULL: 3,
  YBR_FULL_422: 3,
  YBR_RCT: 3,
  YBR_ICT: 3,
};

/** Photometric Interpretations DICOM defines that j2kit does not handle (retired or sub-sampled). */
const OTHER_PHOTOMETRICS = ["YBR_PARTIAL_422", "YBR_PARTIAL_420", "HSV", "ARGB", "CMYK"];

/** Bits Allocated values j2kit reads and writes (1 = bit-packed MONOCHROME). */
export const BITS_ALLOCATED = [1, 8, 16, 24, 32, 40] as const;

function fail(code: "DICOM_INVALID" | "DICOM_UNSUPPORTED", message: string): never {
  throw new J2kError(code, message);
}

function isPixelModule(s: PixelModuleSource): s is PixelModule {
  return typeof (s as PixelModule).rows === "number" || typeof (s as PixelModule).bitsAllocated === "number";
}

function isDenaturalized(s: PixelModuleSource): s is DenaturalizedDataset {
  return Object.keys(s).some((k) => /^[0-9A-Fa-f]{8}$/.test(k));
}

/**
 * Read and check the Image Pixel Module.
 *
 * @param source - A {@link PixelModule}, attributes by keyword (dcmjs naturalized) or a dcmjs
 *   denaturalized data set.
 * @throws J2kError `DICOM_INVALID` for a missing Type 1 attribute or a value DICOM does not allow;
 *   `DICOM_UNSUPPORTED` for a value DICOM allows but j2kit does not handle.
 */
export function readPixelModule(source: PixelModuleSource, options: ReadPixelModuleOptions = {}): PixelModule {
  const get = accessor(source);
  const A = ATTRIBUTES;
  const required = (a: AttributeDef, allowed: string): number => {
    const v = get(a);
    if (v === undefined) fail("DICOM_INVALID", `${attributeName(a)} is missing; it is required (Type 1), allowed: ${allowed}`);
    if (typeof v !== "number" || !Number.isInteger(v)) {
      fail("DICOM_INVALID", `${attributeName(a)} is ${JSON.stringify(v)}, not an integer; allowed: ${allowed}`);
    }
    return v;
  };

  const rows = required(A.Rows, "1-65535");
  const columns = required(A.Columns, "1-65535");
  for (const [a, v] of [
    [A.Rows, rows],
    [A.Columns, columns],
  ] as const) {
    if (v < 1 || v > 65535) fail("DICOM_INVALID", `${attributeName(a)} is ${v}; allowed: 1-65535`);
  }

  const samplesAllowed = "1 (MONOCHROME1, MONOCHROME2, PALETTE COLOR) or 3 (RGB, YBR_FULL, YBR_FULL_422, YBR_RCT, YBR_ICT)";
  const samplesPerPixel = required(A.SamplesPerPixel, samplesAllowed);
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    fail(
      samplesPerPixel === 4 ? "DICOM_UNSUPPORTED" : "DICOM_INVALID",
      `${attributeName(A.SamplesPerPixel)} is ${samplesPerPixel}; allowed: ${samplesAllowed}`,
    );
  }

  const piRaw = get(A.PhotometricInterpretation);
  const photometricAllowed = Object.keys(PHOTOMETRIC_SAMPLES).join(", ");
  if (piRaw === undefined || piRaw === "") {
    fail("DICOM_INVALID", `${attributeName(A.PhotometricInterpretation)} is missing; it is required (Type 1), allowed: ${photometricAllowed}`);
  }
  const photometricInterpretation = String(piRaw).trim().toUpperCase();
  const piSamples = PHOTOMETRIC_SAMPLES[photometricInterpretation];
  if (piSamples === undefined) {
    fail(
      OTHER_PHOTOMETRICS.includes(photometricInterpretation) ? "DICOM_UNSUPPORTED" : "DICOM_INVALID",
      `${attributeName(A.PhotometricInterpretation)} is ${photometricInterpretation}; allowed: ${photometricAllowed}`,
    );
  }
  if (piSamples !== samplesPerPixel) {
    fail(
      "DICOM_INVALID",
      `${attributeName(A.PhotometricInterpretation)} ${photometricInterpretation} needs ${attributeName(A.SamplesPerPixel)} ${piSamples}, but it is ${samplesPerPixel}; allowed with ${samplesPerPixel} sample(s): ${Object.entries(
        PHOTOMETRIC_SAMPLES,
      )
        .filter(([, n]) => n === samplesPerPixel)
        .map(([k]) => k)
        .join(", ")}`,
    );
  }

  const bitsAllocated = required(A.BitsAllocated, BITS_ALLOCATED.join(", "));
  if (!(BITS_ALLOCATED as readonly number[]).includes(bitsAllocated)) {
    fail(
      bitsAllocated === 64 ? "DICOM_UNSUPPORTED" : bitsAllocated % 8 === 0 ? "DICOM_UNSUPPORTED" : "DICOM_INVALID",
      `${attributeName(A.BitsAllocated)} is ${bitsAllocated}; allowed: ${BITS_ALLOCATED.join(", ")}`,
    );
  }
  if (bitsAllocated === 1 && !photometricInterpretation.startsWith("MONOCHROME")) {
    fail(
      "DICOM_INVALID",
      `${attributeName(A.BitsAllocated)} 1 (bit-packed) is only allowed with ${attributeName(A.PhotometricInterpretation)} MONOCHROME1 or MONOCHROME2, not ${photometricInterpretation}`,
    );
  }

  const bitsStored = required(A.BitsStored, `1-${bitsAllocated}`);
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    fail("DICOM_INVALID", `${attributeName(A.BitsStored)} is ${bitsStored}; allowed with ${attributeName(A.BitsAllocated)} ${bitsAllocated}: 1-${bitsAllocated}`);
  }

  const highBit = required(A.HighBit, `${bitsStored - 1} (BitsStored - 1)`);
  if (highBit !== bitsStored - 1) {
    const msg = `${attributeName(A.HighBit)} is ${highBit}; allowed: ${bitsStored - 1} (${attributeName(A.BitsStored)} - 1, PS3.5 §8.1.1)`;
    if (options.encapsulated) options.warnings?.push(`${msg}; ignored`);
    else fail("DICOM_UNSUPPORTED", msg);
  }

  const pixelRepresentation = required(A.PixelRepresentation, "0 (unsigned) or 1 (two's complement)");
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) {
    fail("DICOM_INVALID", `${attributeName(A.PixelRepresentation)} is ${pixelRepresentation}; allowed: 0 (unsigned) or 1 (two's complement)`);
  }

  let planarConfiguration: 0 | 1 = 0;
  const pc = get(A.PlanarConfiguration);
  if (samplesPerPixel > 1) {
    if (pc === undefined) {
      if (!options.encapsulated) {
        fail("DICOM_INVALID", `${attributeName(A.PlanarConfiguration)} is missing; it is required (Type 1C) when ${attributeName(A.SamplesPerPixel)} is ${samplesPerPixel}, allowed: 0 or 1`);
      }
    } else if (pc !== 0 && pc !== 1) {
      fail("DICOM_INVALID", `${attributeName(A.PlanarConfiguration)} is ${JSON.stringify(pc)}; allowed: 0 (colour-by-pixel) or 1 (colour-by-plane)`);
    } else {
      planarConfiguration = pc;
    }
  }

  const nf = get(A.NumberOfFrames);
  let numberOfFrames = 1;
  if (nf !== undefined) {
    if (typeof nf !== "number" || !Number.isInteger(nf) || nf < 1) {
      fail("DICOM_INVALID", `${attributeName(A.NumberOfFrames)} is ${JSON.stringify(nf)}; allowed: an integer >= 1`);
    }
    numberOfFrames = nf;
  }

  return {
    rows,
    columns,
    samplesPerPixel,
    photometricInterpretation,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation: pixelRepresentation,
    planarConfiguration,
    numberOfFrames,
  };
}

/** Uniform attribute access over the three source forms; numbers parsed, strings kept. */
function accessor(source: PixelModuleSource): (a: AttributeDef) => number | string | undefined {
  if (isPixelModule(source)) {
    const byKeyword: Record<string, unknown> = {
      Rows: source.rows,
      Columns: source.columns,
      SamplesPerPixel: source.samplesPerPixel,
      PhotometricInterpretation: source.photometricInterpretation,
      BitsAllocated: source.bitsAllocated,
      BitsStored: source.bitsStored,
      HighBit: source.highBit,
      PixelRepresentation: source.pixelRepresentation,
      PlanarConfiguration: source.planarConfiguration,
      NumberOfFrames: source.numberOfFrames,
    };
    return (a) => fromRaw(a, byKeyword[a.keyword]);
  }
  if (isDenaturalized(source)) {
    return (a) => (a.vr === "CS" ? getString(source, a) : getNumber(source, a) ?? rawOf(source, a));
  }
  const rec = source as Record<string, unknown>;
  return (a) => fromRaw(a, rec[a.keyword]);
}

function rawOf(ds: DenaturalizedDataset, a: AttributeDef): string | undefined {
  const v = ds[a.tag]?.Value?.[0];
  return v === undefined || v === null ? undefined : String(v);
}

function fromRaw(a: AttributeDef, v: unknown): number | string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : fromRaw(a, v[0]);
  if (a.vr === "CS") return String(v).replace(/[\0 ]+$/, "").trim();
  return toNumber(v) ?? String(v);
}

/** How colour components are handled when encoding one Photometric Interpretation. */
export type ColourHandling =
  /** Components coded as stored, no colour transform. */
  | "as-is"
  /** RGB data: the colour transform is optional (on by default; the PI then names it). */
  | "rgb"
  /** RGB data whose PI already names the transform (pydicom's convention): transform on. */
  | "rgb-mct"
  /** YBR_FULL_422 native data: chroma replicated to full resolution, coded as YBR_FULL. */
  | "ybr422";

/** One row of the JPEG 2000 encoding table (PS3.5 §8.2.4, A.4.4; pydicom's JPEG 2000 guide). */
export interface Jpeg2000EncodingRule {
  photometricInterpretation: string;
  samplesPerPixel: 1 | 3;
  /** Allowed with JPEG 2000 Lossless Only (.90). */
  lossless: boolean;
  /** Allowed with JPEG 2000 (.91). */
  lossy: boolean;
  pixelRepresentation: readonly (0 | 1)[];
  bitsAllocated: readonly number[];
  /** Largest Bits Stored j2kit encodes for this row (smallest is 1). */
  maxBitsStored: number;
  colour: ColourHandling;
}

const MONO_BITS = [1, 8, 16, 24, 32, 40] as const;
const COLOUR_BITS = [8, 16, 24, 32, 40] as const;

/** What may be encoded as JPEG 2000, per Photometric Interpretation. */
export const JPEG2000_ENCODING_RULES: readonly Jpeg2000EncodingRule[] = [
  { photometricInterpretation: "MONOCHROME1", samplesPerPixel: 1, lossless: true, lossy: true, pixelRepresentation: [0, 1], bitsAllocated: MONO_BITS, maxBitsStored: 24, colour: "as-is" },
  { photometricInterpretation: "MONOCHROME2", samplesPerPixel: 1, lossless: true, lossy: true, pixelRepresentation: [0, 1], bitsAllocated: MONO_BITS, maxBitsStored: 24, colour: "as-is" },
  { photometricInterpretation: "PALETTE COLOR", samplesPerPixel: 1, lossless: true, lossy: false, pixelRepresentation: [0], bitsAllocated: [8, 16], maxBitsStored: 16, colour: "as-is" },
  { photometricInterpretation: "RGB", samplesPerPixel: 3, lossless: true, lossy: true, pixelRepresentation: [0], bitsAllocated: COLOUR_BITS, maxBitsStored: 24, colour: "rgb" },
  { photometricInterpretation: "YBR_RCT", samplesPerPixel: 3, lossless: true, lossy: false, pixelRepresentation: [0], bitsAllocated: COLOUR_BITS, maxBitsStored: 24, colour: "rgb-mct" },
  { photometricInterpretation: "YBR_ICT", samplesPerPixel: 3, lossless: false, lossy: true, pixelRepresentation: [0], bitsAllocated: COLOUR_BITS, maxBitsStored: 24, colour: "rgb-mct" },
  { photometricInterpretation: "YBR_FULL", samplesPerPixel: 3, lossless: true, lossy: true, pixelRepresentation: [0], bitsAllocated: COLOUR_BITS, maxBitsStored: 24, colour: "as-is" },
  { photometricInterpretation: "YBR_FULL_422", samplesPerPixel: 3, lossless: true, lossy: true, pixelRepresentation: [0], bitsAllocated: COLOUR_BITS, maxBitsStored: 24, colour: "ybr422" },
];

/** What encoding native Pixel Data as JPEG 2000 will do, and what the result declares. */
export interface Jpeg2000EncodingPlan {
  /** Reversible 5/3 (.90) or irreversible 9/7 (.91). */
  lossless: boolean;
  /** Apply the component transform (RCT for lossless, ICT for lossy). */
  mct: boolean;
  /** Photometric Interpretation of the encoded data set. */
  photometricInterpretation: string;
  /** Codestream precision (SIZ Ssiz + 1) = Bits Stored. */
  precision: number;
  /** Codestream components signed = Pixel Representation 1. */
  signed: boolean;
  /** Native data is YBR_FULL_422 and is expanded to YBR_FULL first. */
  expand422: boolean;
}

function allowedPhotometrics(lossless: boolean): string {
  const ok = JPEG2000_ENCODING_RULES.filter((r) => (lossless ? r.lossless : r.lossy));
  const by = (n: number) =>
    ok
      .filter((r) => r.samplesPerPixel === n)
      .map((r) => r.photometricInterpretation)
      .join(", ");
  return `with 1 sample: ${by(1)}; with 3 samples: ${by(3)}`;
}

/**
 * Check native Pixel Data described by `pm` against the JPEG 2000 rules for `syntax` and say how it
 * will be encoded.
 *
 * @param options.mct - For RGB data: apply the colour transform (default true; the result is then
 *   YBR_RCT for reversible and YBR_ICT for irreversible coding, PS3.5 §8.2.4 and §8.2.14). `false`
 *   keeps RGB.
 * @param options.lossless - Reversible coding in a syntax that allows lossy coding (HTJ2K .203
 *   without quality targets); the lossless rules then apply. Default: lossless only for the
 *   lossless-only syntaxes.
 * @throws J2kError naming the offending attribute and the allowed values.
 */
export function planJpeg2000Encoding(
  pm: PixelModule,
  syntax: TransferSyntaxInfo,
  options: { mct?: boolean; lossless?: boolean } = {},
): Jpeg2000EncodingPlan {
  if (syntax.jpeg2000 === undefined) {
    throw new J2kError("INVALID_ARGUMENT", `${syntax.title} (${syntax.uid}) is not a JPEG 2000 transfer syntax`);
  }
  if (syntax.jpeg2000 === "lossless" && options.lossless === false) {
    throw new J2kError("INVALID_ARGUMENT", `${syntax.title} (${syntax.uid}) is lossless only: irreversible coding is not allowed`);
  }
  const lossless = options.lossless ?? syntax.jpeg2000 === "lossless";
  const A = ATTRIBUTES;
  const pi = pm.photometricInterpretation;
  const rule = JPEG2000_ENCODING_RULES.find((r) => r.photometricInterpretation === pi);
  if (rule === undefined || !(lossless ? rule.lossless : rule.lossy)) {
    fail(
      "DICOM_INVALID",
      `${attributeName(A.PhotometricInterpretation)} ${pi} is not allowed with ${syntax.title} (${syntax.uid}); allowed ${allowedPhotometrics(lossless)} (PS3.5 §8.2.4)`,
    );
  }
  if (!rule.pixelRepresentation.includes(pm.pixelRepresentation)) {
    fail(
      "DICOM_INVALID",
      `${attributeName(A.PixelRepresentation)} is ${pm.pixelRepresentation}; allowed with ${pi}: ${rule.pixelRepresentation.join(" or ")}`,
    );
  }
  if (!rule.bitsAllocated.includes(pm.bitsAllocated)) {
    fail(
      "DICOM_UNSUPPORTED",
      `${attributeName(A.BitsAllocated)} is ${pm.bitsAllocated}; allowed with ${pi} and JPEG 2000: ${rule.bitsAllocated.join(", ")}`,
    );
  }
  const maxBits = Math.min(rule.maxBitsStored, pm.bitsAllocated);
  if (pm.bitsStored < 1 || pm.bitsStored > maxBits) {
    fail(
      "DICOM_UNSUPPORTED",
      `${attributeName(A.BitsStored)} is ${pm.bitsStored}; j2kit encodes ${pi} with ${attributeName(A.BitsAllocated)} ${pm.bitsAllocated} as JPEG 2000 for Bits Stored 1-${maxBits}`,
    );
  }
  if (pm.highBit !== pm.bitsStored - 1) {
    fail("DICOM_UNSUPPORTED", `${attributeName(A.HighBit)} is ${pm.highBit}; allowed: ${pm.bitsStored - 1} (${attributeName(A.BitsStored)} - 1)`);
  }

  let mct = false;
  let photometricInterpretation = pi;
  let expand422 = false;
  switch (rule.colour) {
    case "rgb":
    case "rgb-mct":
      mct = options.mct ?? true;
      photometricInterpretation = mct ? (lossless ? "YBR_RCT" : "YBR_ICT") : "RGB";
      break;
    case "ybr422":
      expand422 = true;
      photometricInterpretation = "YBR_FULL";
      break;
    case "as-is":
      break;
  }
  return {
    lossless,
    mct,
    photometricInterpretation,
    precision: pm.bitsStored,
    signed: pm.pixelRepresentation === 1,
    expand422,
  };
}

/** Photometric Interpretations accepted on JPEG 2000 Pixel Data, and what the decoded data is. */
export const JPEG2000_DECODED_PHOTOMETRIC: Readonly<Record<string, string>> = {
  MONOCHROME1: "MONOCHROME1",
  MONOCHROME2: "MONOCHROME2",
  "PALETTE COLOR": "PALETTE COLOR",
  RGB: "RGB",
  YBR_FULL: "YBR_FULL",
  // The decoder replicates sub-sampled chroma to full resolution (DecodeOptions.layout "interleaved").
  YBR_FULL_422: "YBR_FULL",
  // The inverse RCT / ICT runs inside the decoder (ISO/IEC 15444-1 Annex G), giving RGB.
  YBR_RCT: "RGB",
  YBR_ICT: "RGB",
};

/**
 * Photometric Interpretation of native data decoded from JPEG 2000 Pixel Data labelled `pi`.
 *
 * The codestream is followed where the label disagrees with it: a codestream with a component
 * transform decodes to RGB whatever the label (the decoder undoes the RCT / ICT, ISO/IEC 15444-1
 * Annex G), and real files often label such streams "RGB" where PS3.5 §8.2.4 / §8.2.14 ask for
 * YBR_RCT / YBR_ICT (pydicom-data's HTJ2KLossless_08_RGB.dcm): a warning says so.
 *
 * @param codestreamMct - whether the codestream uses a component transform (COD SGcod).
 * @param reversible - whether the codestream is reversibly coded (names YBR_RCT or YBR_ICT in warnings).
 * @throws J2kError `DICOM_UNSUPPORTED` for a Photometric Interpretation not in the table.
 */
export function planJpeg2000Decoding(pi: string, codestreamMct: boolean, warnings: string[], reversible?: boolean): string {
  const out = JPEG2000_DECODED_PHOTOMETRIC[pi];
  if (out === undefined) {
    fail(
      "DICOM_UNSUPPORTED",
      `${attributeName(ATTRIBUTES.PhotometricInterpretation)} ${pi} is not supported with JPEG 2000 Pixel Data; allowed: ${Object.keys(JPEG2000_DECODED_PHOTOMETRIC).join(", ")}`,
    );
  }
  if ((pi === "YBR_RCT" || pi === "YBR_ICT") && !codestreamMct) {
    warnings.push(`${attributeName(ATTRIBUTES.PhotometricInterpretation)} is ${pi} but the codestream has no component transform; the components are taken as RGB`);
  }
  if (codestreamMct && (pi === "RGB" || pi === "YBR_FULL" || pi === "YBR_FULL_422")) {
    const should = reversible === undefined ? "YBR_RCT or YBR_ICT" : reversible ? "YBR_RCT" : "YBR_ICT";
    warnings.push(
      `${attributeName(ATTRIBUTES.PhotometricInterpretation)} is ${pi} but the codestream uses a colour transform, so it should be ${should} (PS3.5 §8.2.4, §8.2.14); the codestream is followed: the decoder undoes the transform and the result is RGB`,
    );
    return "RGB";
  }
  if (pi === "YBR_FULL_422") {
    warnings.push(`${attributeName(ATTRIBUTES.PhotometricInterpretation)} YBR_FULL_422 decoded to full-resolution YBR_FULL`);
  }
  return out;
}
