/**
 * Typed errors. Every failure of j2kit surfaces as a {@link J2kError} with a stable `code`,
 * the `stage` it belongs to, a message a person can act on and, where known, the byte `offset`.
 * @module
 */

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
 * Numeric codes raised by the WebAssembly core (codec/util/error_codes.ts) and how to explain them.
 * `d0`/`d1` are numbers the core passes along (a marker, a size, a limit).
 */
export const CORE_ERRORS: Record<number, { code: J2kErrorCode; message: (d0: number, d1: number) => string }> = {
  1: { code: "INVALID_ARGUMENT", message: (a, b) => `invalid argument (${a}, ${b})` },
  10: { code: "NOT_A_CODESTREAM", message: () => "not a JPEG 2000 codestream or JP2 file: no SOC marker (FF4F) at the start" },
  11: { code: "MAIN_HEADER_TRUNCATED", message: () => "the codestream ends inside its main header; the file is truncated" },
  12: { code: "MAIN_HEADER_BAD_MARKER", message: (m) => `invalid marker segment 0x${hex(m)} in the main header (wrong length or not allowed there)` },
  13: { code: "BAD_SIZ", message: (a, b) => `invalid SIZ marker segment (image/tile geometry or component parameters out of range: ${a}, ${b})` },
  14: { code: "BAD_COD", message: (a) => `invalid COD/COC marker segment (coding style parameter ${a} out of range)` },
  15: { code: "BAD_QCD", message: (a) => `invalid QCD/QCC marker segment (quantization parameters do not match the decomposition levels: ${a})` },
  16: { code: "MISSING_MARKER", message: (m) => `required marker segment 0x${hex(m)} is missing` },
  17: { code: "BAD_POC", message: () => "invalid POC marker segment (progression order change out of range)" },
  18: { code: "BAD_RGN", message: () => "invalid RGN marker segment" },
  19: { code: "BAD_PPM", message: () => "invalid PPM marker segment (packed packet headers inconsistent with the tile-parts)" },
  20: { code: "BAD_SOT", message: (a, b) => `invalid SOT marker segment (tile index ${a}, tile-part length ${b})` },
  21: { code: "TILE_HEADER_TRUNCATED", message: () => "the codestream ends inside a tile-part header; the file is truncated" },
  22: { code: "TILE_HEADER_BAD_MARKER", message: (m) => `invalid marker segment 0x${hex(m)} in a tile-part header` },
  23: { code: "BAD_PPT", message: () => "invalid PPT marker segment (packed packet headers inconsistent)" },
  24: { code: "NO_TILE_DATA", message: () => "the codestream contains no tile data (no SOT marker after the main header)" },
  30: { code: "PACKET_CORRUPT", message: (t) => `corrupt packet header in tile ${t}` },
  31: {
    code: "PACKET_TRUNCATED",
    message: (t) => `tile ${t} ends before all its packets were read: the codestream is truncated (pass allowPartial: true to decode what is there)`,
  },
  40: { code: "CODEBLOCK_CORRUPT", message: () => "corrupt code-block data" },
  50: {
    code: "LIMIT_PIXELS",
    message: (a, b) =>
      a < 0
        ? "image or tile coordinates in SIZ exceed 2^31 - 1 (the largest geometry j2kit handles); the file is most likely corrupt"
        : `image has ${a} megapixels, above limits.maxPixels (${b} megapixels); raise the limit if the file is trusted`,
  },
  51: { code: "LIMIT_MEMORY", message: (a, b) => `decoding needs more memory than limits.maxMemory allows (request ${a} MiB, limit ${b} MiB); raise the limit or decode a region/reduced resolution` },
  52: { code: "LIMIT_TILES", message: (a, b) => `codestream declares ${a} tiles, above limits.maxTiles (${b})` },
  53: { code: "LIMIT_COMPONENTS", message: (a, b) => `codestream declares ${a} components, above limits.maxComponents (${b})` },
  54: { code: "LIMIT_CODEBLOCKS", message: (a, b) => `tile needs ${a} code-blocks, above the limit (${b})` },
  60: {
    code: "UNSUPPORTED",
    message: (a, b) =>
      b === 30
        ? `a sub-band needs ${a} magnitude bit-planes (guard bits + exponent + ROI shift); j2kit's 32-bit sample path decodes at most 30 (about 25-bit lossless data)`
        : b === 31
          ? `component precision of ${a} bits; j2kit decodes at most 31 bits per sample`
          : `feature not supported by this version of j2kit (${a})`,
  },
  61: { code: "UNSUPPORTED_HTJ2K", message: () => "HTJ2K (ISO/IEC 15444-15) code-blocks are not supported yet" },
  62: { code: "UNSUPPORTED_PART2", message: (a) => `ISO/IEC 15444-2 (Part 2) extension is not supported (Rsiz/marker 0x${hex(a)})` },
  70: { code: "ENCODE_INVALID_OPTIONS", message: (a, b) => encoderProblem(a, b) },
  71: { code: "ENCODE_OVERFLOW", message: () => "encoder output exceeded its buffer" },
  99: { code: "INTERNAL", message: (a, b) => `internal error in j2kit (${a}, ${b}); please report it with the input file` },
};

/** Messages for the encoder's numbered parameter checks (codec/encoder.ts, codec/api_encoder.ts). */
function encoderProblem(reason: number, value: number): string {
  const text: Record<number, string> = {
    0: `the number of components must be 1..16384 (got ${value})`,
    1: `image width and height must be at least 1 (got ${value})`,
    2: `component index ${value} is out of range`,
    10: `tile width and height must be at least 1 (got ${value})`,
    11: "the tile grid origin must not be right of or below the image origin",
    12: "the first tile must contain the image origin (tile origin + tile size > image origin)",
    13: `the tiling gives ${value} tiles; at most 65535 are allowed (Isot is 16 bits): use larger tiles`,
    14: "code-block width/height must be powers of two from 4 to 1024 with width*height <= 4096",
    15: `decomposition levels must be 0..32 (got ${value})`,
    16: `quality layers must be 1..65535 (got ${value})`,
    17: `component precision must be 1..24 bits for encoding (got ${value})`,
    18: `component sub-sampling must be 1..255 (got ${value})`,
    19: `the colour transform needs at least 3 components (got ${value}): set mct: false`,
    20: "the colour transform needs the first three components sampled alike",
    21: `precincts above the lowest resolution must be at least 2x2 (resolution ${value})`,
    22: `guard bits must be 0..7 (got ${value})`,
    23: `layer index ${value} is out of range`,
    30: `no samples were given for component ${value}`,
    40: `a sub-band would need exponent ${value} (> 31); the sample range is too large for reversible coding`,
    41: `the quantisation needs ${value} guard bits (> 7): use a larger quality / coarser step`,
    43: `a code-block's coefficients need ${value} integer bits (> 29) at this quantisation step: use a coarser step (lower quality)`,
    42: `a sub-band would need ${value} magnitude bit-planes (> 30): reduce the precision or coarsen the quantisation`,
    80: `JPEG width and height must be 1..65535 (got ${value})`,
    81: `JPEG codes 1 or 3 components (got ${value})`,
    82: `JPEG quality must be 1..100 (got ${value})`,
    83: `JPEG sampling factors must be 1 or 2 (got ${value})`,
    84: `the JPEG restart interval must be 0..65535 MCUs (got ${value})`,
    85: `JPEG rows must come in whole MCU rows (8 or 16 lines) except at the bottom of the image (got ${value} rows)`,
    86: `the ICC profile (${value} bytes) needs more than 255 APP2 segments`,
    87: `the XMP packet (${value} bytes) does not fit one APP1 segment (65502 bytes)`,
    89: `JPEG encoder calls out of order (step ${value})`,
    90: `JPEG pixel layout out of range (${value} bytes per pixel)`,
    91: "JFIF density: unit must be 0-2 and x/y 1..65535",
    92: `JPEG output buffer too small (${value} bytes)`,
    50: `the tile-part split gives ${value} tile-parts in one tile; at most 255 are allowed: choose another tileParts split or progression`,
  };
  return `invalid encoder parameters: ${text[reason] ?? `check ${reason} failed (${value})`}`;
}

function hex(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(4, "0");
}

/** Build the J2kError for a numeric core error. */
export function coreError(code: number, offset: number, d0: number, d1: number): J2kError {
  const entry = CORE_ERRORS[code] ?? CORE_ERRORS[99]!;
  return new J2kError(entry.code, entry.message(d0, d1), { offset: offset >= 0 ? offset : undefined });
}
