// Numeric error codes raised by the core through `fail()`.
// The TypeScript side (src/errors.ts) maps each number to a stable string code and a stage;
// test/unit/error_codes.test.ts checks that both tables agree. Never renumber a code.

// Caller / arguments
export const ERR_INVALID_ARGUMENT = 1;

// Main header (ISO/IEC 15444-1 Annex A)
export const ERR_NOT_CODESTREAM = 10; // no SOC marker
export const ERR_MAIN_HEADER_TRUNCATED = 11;
export const ERR_MAIN_HEADER_BAD_MARKER = 12; // unexpected marker or bad marker length
export const ERR_BAD_SIZ = 13;
export const ERR_BAD_COD = 14;
export const ERR_BAD_QCD = 15;
export const ERR_MISSING_MARKER = 16; // SIZ/COD/QCD absent
export const ERR_BAD_POC = 17;
export const ERR_BAD_RGN = 18;
export const ERR_BAD_PPM = 19;

// Tile headers and tile-parts
export const ERR_BAD_SOT = 20;
export const ERR_TILE_HEADER_TRUNCATED = 21;
export const ERR_TILE_HEADER_BAD_MARKER = 22;
export const ERR_BAD_PPT = 23;
export const ERR_NO_TILE_DATA = 24;

// Packets (Annex B.9-B.10)
export const ERR_PACKET_CORRUPT = 30;
export const ERR_PACKET_TRUNCATED = 31;

// Code-blocks (Annex C, D)
export const ERR_CODEBLOCK_CORRUPT = 40;

// Limits
export const ERR_LIMIT_PIXELS = 50;
export const ERR_LIMIT_MEMORY = 51;
export const ERR_LIMIT_TILES = 52;
export const ERR_LIMIT_COMPONENTS = 53;
export const ERR_LIMIT_CODEBLOCKS = 54;

// Unsupported (valid but outside what this build implements)
export const ERR_UNSUPPORTED = 60;
export const ERR_UNSUPPORTED_HTJ2K = 61;
export const ERR_UNSUPPORTED_PART2 = 62;

// Encoder
export const ERR_ENCODE_OPTIONS = 70;
export const ERR_ENCODE_OVERFLOW = 71;

// Internal invariant broken: always a bug in j2kit
export const ERR_INTERNAL = 99;
