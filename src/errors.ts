/**
 * Typed errors. Every failure of j2kit surfaces as a {@link J2kError} with a stable `code`,
 * the `stage` it belongs to, a message a person can act on and, where known, the byte `offset`.
 * @module
 */
import { CORE_ERROR_CODES, ENCODE_CHECK_MESSAGES, type CoreErrorNumber } from "./core_interface.js";

/** Stage of processing an error belongs to (ISO/IEC 15444-1 annex in brackets where one applies). */
export type J2kErrorStage =
  | "argument"
  | "container" // JP2/JPX boxes (Annex I)
  | "main-header" // Annex A, main header
  | "tile-header" // Annex A, SOT and tile-part headers
  | "packet" // Annex B.9-B.10
  | "code-block" // Annexes C-D
  | "limits"
  | "unsupported"
  | "encoder"
  | "dicom"
  | "io"
  | "internal";

/** Stable string codes. Never rename one: callers switch on them. */
export type J2kErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_INITIALIZED"
  | "NOT_A_CODESTREAM"
  | "MAIN_HEADER_TRUNCATED"
  | "MAIN_HEADER_BAD_MARKER"
  | "BAD_SIZ"
  | "BAD_COD"
  | "BAD_QCD"
  | "MISSING_MARKER"
  | "BAD_POC"
  | "BAD_RGN"
  | "BAD_PPM"
  | "BAD_SOT"
  | "TILE_HEADER_TRUNCATED"
  | "TILE_HEADER_BAD_MARKER"
  | "BAD_PPT"
  | "NO_TILE_DATA"
  | "PACKET_CORRUPT"
  | "PACKET_TRUNCATED"
  | "CODEBLOCK_CORRUPT"
  | "LIMIT_PIXELS"
  | "LIMIT_MEMORY"
  | "LIMIT_TILES"
  | "LIMIT_COMPONENTS"
  | "LIMIT_CODEBLOCKS"
  | "UNSUPPORTED"
  | "UNSUPPORTED_HTJ2K"
  | "UNSUPPORTED_PART2"
  | "ENCODE_INVALID_OPTIONS"
  | "ENCODE_OVERFLOW"
  | "CONTAINER_INVALID"
  | "CONTAINER_TRUNCATED"
  | "CONTAINER_NO_CODESTREAM"
  | "INPUT_FORMAT"
  | "DICOM_INVALID"
  | "DICOM_UNSUPPORTED"
  | "MISSING_DEPENDENCY"
  | "SOURCE_READ_FAILED"
  | "SOURCE_CHANGED"
  | "SOURCE_RANGE_NOT_SATISFIABLE"
  | "TARGET_WRITE_FAILED"
  | "JPIP_STREAM_INVALID"
  | "JPIP_REQUEST_FAILED"
  | "JPEG_INVALID"
  | "VERIFY_FAILED"
  | "INTERNAL";

/** Options for constructing a {@link J2kError}. */
export interface J2kErrorOptions {
  /** Byte offset in the input where the problem was found. */
  offset?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

const STAGE_OF: Record<J2kErrorCode, J2kErrorStage> = {
  INVALID_ARGUMENT: "argument",
  NOT_INITIALIZED: "argument",
  NOT_A_CODESTREAM: "main-header",
  MAIN_HEADER_TRUNCATED: "main-header",
  MAIN_HEADER_BAD_MARKER: "main-header",
  BAD_SIZ: "main-header",
  BAD_COD: "main-header",
  BAD_QCD: "main-header",
  MISSING_MARKER: "main-header",
  BAD_POC: "main-header",
  BAD_RGN: "main-header",
  BAD_PPM: "main-header",
  BAD_SOT: "tile-header",
  TILE_HEADER_TRUNCATED: "tile-header",
  TILE_HEADER_BAD_MARKER: "tile-header",
  BAD_PPT: "tile-header",
  NO_TILE_DATA: "tile-header",
  PACKET_CORRUPT: "packet",
  PACKET_TRUNCATED: "packet",
  CODEBLOCK_CORRUPT: "code-block",
  LIMIT_PIXELS: "limits",
  LIMIT_MEMORY: "limits",
  LIMIT_TILES: "limits",
  LIMIT_COMPONENTS: "limits",
  LIMIT_CODEBLOCKS: "limits",
  UNSUPPORTED: "unsupported",
  UNSUPPORTED_HTJ2K: "unsupported",
  UNSUPPORTED_PART2: "unsupported",
  ENCODE_INVALID_OPTIONS: "encoder",
  ENCODE_OVERFLOW: "encoder",
  CONTAINER_INVALID: "container",
  CONTAINER_TRUNCATED: "container",
  CONTAINER_NO_CODESTREAM: "container",
  INPUT_FORMAT: "io",
  DICOM_INVALID: "dicom",
  DICOM_UNSUPPORTED: "dicom",
  MISSING_DEPENDENCY: "unsupported",
  SOURCE_READ_FAILED: "io",
  SOURCE_CHANGED: "io",
  SOURCE_RANGE_NOT_SATISFIABLE: "io",
  TARGET_WRITE_FAILED: "io",
  JPIP_STREAM_INVALID: "io",
  JPIP_REQUEST_FAILED: "io",
  JPEG_INVALID: "container",
  VERIFY_FAILED: "io",
  INTERNAL: "internal",
};

/** The one error class of j2kit. */
export class J2kError extends Error {
  /** Stable machine-readable code. */
  readonly code: J2kErrorCode;
  /** Processing stage the error belongs to. */
  readonly stage: J2kErrorStage;
  /** Byte offset in the input where the problem was found, if known. */
  readonly offset?: number;

  constructor(code: J2kErrorCode, message: string, options: J2kErrorOptions = {}) {
    const where = options.offset !== undefined && options.offset >= 0 ? ` (at byte ${options.offset})` : "";
    super(message + where, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "J2kError";
    this.code = code;
    this.stage = STAGE_OF[code];
    if (options.offset !== undefined && options.offset >= 0) this.offset = options.offset;
  }
}

/** True when `e` is a {@link J2kError} (optionally with the given code). */
export function isJ2kError(e: unknown, code?: J2kErrorCode): e is J2kError {
  return e instanceof J2kError && (code === undefined || e.code === code);
}

/**
 * What each numeric code raised by the WebAssembly core says. The numbers and their stable string
 * codes come from one table (scripts/core_interface.mjs → CORE_ERROR_CODES); the compiler checks
 * that every number has a message. `d0`/`d1` are numbers the core passes along (a marker, a size, a limit).
 */
const CORE_MESSAGES: { [K in CoreErrorNumber]: (d0: number, d1: number) => string } = {
  1: (a, b) => `invalid argument (${a}, ${b})`,
  10: () => "not a JPEG 2000 codestream or JP2 file: no SOC marker (FF4F) at the start",
  11: () => "the codestream ends inside its main header; the file is truncated",
  12: (m) => `invalid marker segment 0x${hex(m)} in the main header (wrong length or not allowed there)`,
  13: (a, b) => `invalid SIZ marker segment (image/tile geometry or component parameters out of range: ${a}, ${b})`,
  14: (a) => `invalid COD/COC marker segment (coding style parameter ${a} out of range)`,
  15: (a) => `invalid QCD/QCC marker segment (quantization parameters do not match the decomposition levels: ${a})`,
  16: (m) => `required marker segment 0x${hex(m)} is missing`,
  17: () => "invalid POC marker segment (progression order change out of range)",
  18: () => "invalid RGN marker segment",
  19: () => "invalid PPM marker segment (packed packet headers inconsistent with the tile-parts)",
  20: (a, b) => `invalid SOT marker segment (tile index ${a}, tile-part length ${b})`,
  21: () => "the codestream ends inside a tile-part header; the file is truncated",
  22: (m) => `invalid marker segment 0x${hex(m)} in a tile-part header`,
  23: () => "invalid PPT marker segment (packed packet headers inconsistent)",
  24: () => "the codestream contains no tile data (no SOT marker after the main header)",
  30: (t) => `corrupt packet header in tile ${t}`,
  31: (t) => `tile ${t} ends before all its packets were read: the codestream is truncated (pass allowPartial: true to decode what is there)`,
  // details from codec/t1/ht_decoder.ts (HT_ERR_*): reason, value
  40: (a, b) =>
    a === 1
      ? `corrupt HT code-block: cleanup segment length Lcup ${b} is below 2 (ISO/IEC 15444-15 7.1)`
      : a === 2
        ? `corrupt HT code-block: MEL+VLC length Scup ${b} outside 2..min(Lcup, 4079) (ISO/IEC 15444-15 7.1)`
        : a === 3
          ? `corrupt HT code-block: magnitude exponent bound U_q ${b} exceeds the 32-bit sample path`
          : a === 4
            ? "corrupt HT code-block: more HT sets / placeholder passes than the sub-band has bit-planes"
            : "corrupt code-block data",
  50: (a, b) =>
    a < 0
      ? "image or tile coordinates in SIZ exceed 2^31 - 1 (the largest geometry j2kit handles); the file is most likely corrupt"
      : `image has ${a} megapixels, above limits.maxPixels (${b} megapixels); raise the limit if the file is trusted`,
  // d0 = the request in KiB (rounded up); d1 = -1: linear memory could not grow (address space or
  // system), else the limit in KiB; callCore() (src/wasm/load.ts) rewrites this with the memory in
  // use and advice for the operation
  51: (a, b) =>
    b < 0
      ? `WebAssembly memory could not grow by another ${kibText(a)} (the 4 GiB WebAssembly address space or the system's memory is exhausted)`
      : `an allocation of ${kibText(a)} would pass the memory limit (limits.maxMemory = ${kibText(b)})`,
  52: (a, b) => `codestream declares ${a} tiles, above limits.maxTiles (${b})`,
  53: (a, b) => `codestream declares ${a} components, above limits.maxComponents (${b})`,
  54: (a, b) => `tile needs ${a} code-blocks, above the limit (${b})`,
  60: (a, b) =>
    b === 30
      ? `a sub-band needs ${a} magnitude bit-planes (guard bits + exponent + ROI shift); j2kit's 32-bit sample path decodes at most 30 (about 25-bit lossless data)`
      : b === 31
        ? `component precision of ${a} bits; j2kit decodes at most 31 bits per sample`
        : `feature not supported by this version of j2kit (${a})`,
  61: () => "HTJ2K (ISO/IEC 15444-15) code-block encoding is not supported yet",
  62: (a) => `ISO/IEC 15444-2 (Part 2) extension is not supported (Rsiz/marker 0x${hex(a)})`,
  70: (a, b) => encoderProblem(a, b),
  71: () => "encoder output exceeded its buffer",
  99: (a, b) => `internal error in j2kit (${a}, ${b}); please report it with the input file`,
};

/** Numeric core errors → J2kError code and message. */
export const CORE_ERRORS: Record<number, { code: J2kErrorCode; message: (d0: number, d1: number) => string }> = Object.fromEntries(
  (Object.keys(CORE_MESSAGES).map(Number) as CoreErrorNumber[]).map((n) => [n, { code: CORE_ERROR_CODES[n], message: CORE_MESSAGES[n] }]),
);

/** Messages for the encoder's numbered parameter checks (reasons generated from scripts/core_interface.mjs). */
function encoderProblem(reason: number, value: number): string {
  const text = ENCODE_CHECK_MESSAGES[reason];
  return `invalid encoder parameters: ${text ? text(value) : `check ${reason} failed (${value})`}`;
}

/** A size the core gives in KiB, as KiB below 1 MiB and whole MiB above. */
function kibText(k: number): string {
  return k < 1024 ? `${k} KiB` : `${Math.round(k / 1024)} MiB`;
}

function hex(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(4, "0");
}

/** Build the J2kError for a numeric core error. */
export function coreError(code: number, offset: number, d0: number, d1: number): J2kError {
  const entry = CORE_ERRORS[code] ?? CORE_ERRORS[99]!;
  const err = new J2kError(entry.code, entry.message(d0, d1), { offset: offset >= 0 ? offset : undefined });
  coreDetails.set(err, { code, d0, d1 });
  return err;
}

const coreDetails = new WeakMap<J2kError, { code: number; d0: number; d1: number }>();

/** The numbers the core passed with an error it raised (undefined for errors raised in TypeScript). */
export function coreErrorDetails(e: unknown): { code: number; d0: number; d1: number } | undefined {
  return e instanceof J2kError ? coreDetails.get(e) : undefined;
}
