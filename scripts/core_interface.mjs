// The one description of the boundary between the TypeScript library (src/) and the
// AssemblyScript core (codec/): field numbers of the header/decoder/encoder getters and setters,
// constants both sides pass (code-block style bits, progression orders, tile-part splits), the
// core's numeric error codes and the encoder's parameter-check reasons.
//
// Nothing here is hand-mirrored: scripts/gen-core-interface.mjs turns this table (and the export
// signatures it parses from codec/index.ts) into
//   codec/api_fields.ts       AssemblyScript enums and constants (used by codec/api_*.ts and stages)
//   codec/util/error_codes.ts AssemblyScript ERR_* constants
//   src/core_interface.ts     the same numbers for TypeScript, the typed CoreExports interface,
//                             the numeric → string error-code table and the check messages
// Field numbers are positions in these lists, so inserting a field renumbers both sides together
// (and changes INTERFACE_HASH, which the core reports: a stale build is caught by
// test/unit/core_interface.test.ts). After an edit run `node scripts/gen-core-interface.mjs`.

/**
 * Getter/setter field groups. `fn` is the core function taking the field number; each entry is
 * [name, description]. The TypeScript side spells them `SizField.Xsiz`, the core `SizField.Xsiz`.
 */
export const FIELDS = {
  SizField: {
    fn: "headerSiz",
    doc: "SIZ fields of the parsed main header (A.5.1), returned as f64.",
    fields: [
      ["Rsiz", "capabilities (Table A.10)"],
      ["Xsiz", "width of the reference grid"],
      ["Ysiz", "height of the reference grid"],
      ["XOsiz", "horizontal image offset"],
      ["YOsiz", "vertical image offset"],
      ["XTsiz", "tile width"],
      ["YTsiz", "tile height"],
      ["XTOsiz", "horizontal tile offset"],
      ["YTOsiz", "vertical tile offset"],
      ["Csiz", "number of components"],
      ["tilesX", "tiles across (B-5)"],
      ["tilesY", "tiles down (B-6)"],
    ],
  },
  CompField: {
    fn: "headerComp",
    doc: "Per-component SIZ fields (Ssiz, XRsiz, YRsiz).",
    fields: [
      ["precision", "bits per sample (Ssiz & 0x7F) + 1"],
      ["signed", "1 if samples are signed"],
      ["dx", "XRsiz"],
      ["dy", "YRsiz"],
    ],
  },
  CodField: {
    fn: "headerCod",
    doc: "Default coding style: the main COD, or component c's main COC when c >= 0; QCD, RGN and stream facts.",
    fields: [
      ["levels", "decomposition levels NL"],
      ["xcb", "code-block width exponent"],
      ["ycb", "code-block height exponent"],
      ["cblkStyle", "code-block style byte (Table A.19; CBLK_* bits)"],
      ["reversible", "1 for the 5/3 reversible transform"],
      ["userPrecincts", "1 if precinct sizes are given (Scod bit 0)"],
      ["progression", "progression order (Table A.16; PROG_*)"],
      ["layers", "quality layers"],
      ["mct", "1 if the multiple component transform is used"],
      ["sop", "1 if SOP markers may be present"],
      ["eph", "1 if EPH markers are used"],
      ["guardBits", "guard bits of QCD"],
      ["quantStyle", "quantisation style of QCD (Table A.28)"],
      ["htj2k", "1 if the codestream uses HTJ2K (Part 15) code-blocks"],
      ["truncated", "1 if the codestream ends early"],
      ["numTileParts", "tile-parts indexed"],
      ["roiShift", "ROI max-shift of component c (main RGN; 0 if none)"],
    ],
  },
  CapField: {
    fn: "headerCap",
    doc: "CAP marker segment of the main header (ISO/IEC 15444-15 A.3), returned as f64.",
    fields: [
      ["Pcap", "Pcap (unsigned; 0 when there is no CAP)"],
      ["Ccap15", "Ccap15, the Part 15 capabilities (-1 when absent)"],
    ],
  },
  MarkerField: {
    fn: "headerMarker",
    doc: "Marker log entry i.",
    fields: [
      ["code", "marker code"],
      ["offset", "byte offset of the marker in the codestream"],
      ["length", "marker segment length (Lxxx), 0 if none"],
      ["tilePart", "index of the tile-part whose header holds it, -1 for the main header"],
    ],
  },
  TilePartField: {
    fn: "headerTilePart",
    doc: "Tile-part i of the index.",
    fields: [
      ["tile", "Isot"],
      ["TPsot", "tile-part index"],
      ["TNsot", "number of tile-parts of the tile (0 = unknown)"],
      ["sotOffset", "byte offset of the SOT marker"],
      ["dataStart", "first byte after SOD"],
      ["dataEnd", "end of the tile-part data"],
    ],
  },
  PlaneField: {
    fn: "decoderPlane",
    doc: "Decoded plane of component c (i32 samples, row stride = width).",
    fields: [
      ["data", "pointer to the samples"],
      ["x0", "left edge on the component grid"],
      ["y0", "top edge on the component grid"],
      ["width", "samples per row"],
      ["height", "rows"],
      ["wanted", "1 if the component was requested"],
    ],
  },
  DecodeWarning: {
    fn: "decoderWarnings",
    doc: "Counters of a decode run the host turns into warnings.",
    fields: [
      ["missingTiles", "tiles without data (left at 0)"],
      ["shortTiles", "tiles whose last packets were absent"],
    ],
  },
  StripField: {
    fn: "stripInfo",
    doc: "Facts of a strip session (codec/strip_decoder.ts) and of the strip decoded last.",
    fields: [
      ["gridY0", "first row of the strip on the reduced image grid"],
      ["gridY1", "one past its last row"],
      ["refY0", "first reference-grid row decoded for it (extended upwards for sub-sampled components)"],
      ["refY1", "one past the last reference-grid row"],
      ["strips", "strips in the session"],
      ["tiles", "tiles with data in the session"],
      ["partial", "1 if data was missing (truncated codestream with allowPartial)"],
      ["missingTiles", "tiles of the session without data (left at 0)"],
      ["shortTiles", "tiles whose last packets were absent"],
      ["cacheBytes", "bytes of the decoded code-block rows kept between strips"],
      ["sessionBytes", "bytes the session holds between strips (tiles, pieces, caches)"],
      ["blocksDecoded", "code-blocks decoded by the session's strips so far (each at most once)"],
      ["packed", "address of the strip decoded last packed as interleaved host samples (stripSetPacked), 0 when the session has planes"],
    ],
  },
  EncoderParam: {
    fn: "encoderSet",
    doc: "Scalar encoder parameters (value as f64).",
    fields: [
      ["originX", "image origin XOsiz"],
      ["originY", "image origin YOsiz"],
      ["tileWidth", "XTsiz"],
      ["tileHeight", "YTsiz"],
      ["tileX0", "XTOsiz"],
      ["tileY0", "YTOsiz"],
      ["levels", "decomposition levels asked (clamped to the image; see EncoderInfo.levels)"],
      ["xcb", "code-block width exponent"],
      ["ycb", "code-block height exponent"],
      ["cblkStyle", "code-block style bits (CBLK_*)"],
      ["reversible", "1: 5/3 reversible, 0: 9/7 irreversible"],
      ["mct", "1: colour transform on components 0..2"],
      ["progression", "progression order (PROG_*)"],
      ["layers", "quality layers (allocates the per-layer targets)"],
      ["sop", "1: SOP marker before every packet"],
      ["eph", "1: EPH marker after every packet header"],
      ["guardBits", "guard bits (0..7)"],
      ["tlm", "1: write TLM marker segments"],
      ["plt", "1: write PLT marker segments"],
      ["tileParts", "tile-part split (TILEPARTS_*)"],
      ["baseStep", "9/7 base quantisation step in sample units (Delta_b = baseStep / ||synthesis basis of b||)"],
      ["Rsiz", "capabilities written in SIZ"],
    ],
  },
  EncoderTileField: {
    fn: "encoderTileComp",
    doc: "Component c of the tile being filled in tile-by-tile encoding (encoderTileInput).",
    fields: [
      ["buffer", "pointer to the tile-component buffer the host fills (i32, or f32 for the 9/7 path)"],
      ["stride", "row stride of the buffer in samples"],
      ["x0", "left edge on the component grid"],
      ["y0", "top edge on the component grid"],
      ["width", "samples per row"],
      ["height", "rows"],
      ["reversible", "1: i32 samples (5/3), 0: f32 samples (9/7)"],
    ],
  },
  EncoderInfo: {
    fn: "encoderInfo",
    doc: "Facts of a finished encode run (what the encoder adjusted is reported, never silently applied).",
    fields: [
      ["levels", "decomposition levels used (after clamping to the image)"],
      ["allPasses", "1 if the last layer holds every useful coding pass (the quantiser limits quality)"],
      ["levelsAsked", "decomposition levels asked"],
      ["baseStep", "9/7 base step used (after rate control's refinements)"],
      ["refinements", "times rate control refined the 9/7 step and coded the blocks again"],
      ["samples", "samples of all components (the denominator of an MSE)"],
      ["guardBits", "guard bits written (the most of any component; 9/7 coding raises them when a band needs more)"],
    ],
  },
  LayerInfo: {
    fn: "encoderLayer",
    doc: "Per-layer results of a finished encode run.",
    fields: [
      ["bytes", "bytes of the codestream up to the end of the layer, all headers included"],
      ["estimatedError", "squared error rate control estimates for the image decoded up to the layer (sum over all samples)"],
      ["status", "LayerStatus: how the layer met its target"],
    ],
  },
  TranscodeInfo: {
    fn: "transcoderInfo",
    doc: "Facts of the last coefficient-level transcode (codec/transcode.ts).",
    fields: [
      ["blocks", "code-blocks re-coded (blocks with nothing significant are left empty)"],
      ["truncatedBlocks", "blocks re-coded up to a pass before their last bit-plane (truncated input)"],
      ["verifiedBlocks", "re-coded blocks decoded again and compared with the input's values"],
      ["extendedBlocks", "truncated Part 1 blocks sent with their whole codeword (its shortest prefix for the pass decoded differently)"],
      ["failTile", "tile where a refusal was found (-1: none)"],
      ["failComponent", "component where a refusal was found (-1: none)"],
    ],
  },
};

/** Constants both sides use: [name in AssemblyScript, name in TypeScript, value, description]. */
export const CONSTANTS = {
  CblkStyle: {
    doc: "Code-block style bits (SPcod/SPcoc, Table A.19; bit 6: HTJ2K, ISO/IEC 15444-15).",
    values: [
      ["CBLK_BYPASS", "bypass", 0x01, "selective arithmetic coding bypass"],
      ["CBLK_RESET", "reset", 0x02, "reset context probabilities on coding pass boundaries"],
      ["CBLK_TERMALL", "termall", 0x04, "termination on each coding pass"],
      ["CBLK_VCAUSAL", "vcausal", 0x08, "vertically causal context"],
      ["CBLK_PTERM", "pterm", 0x10, "predictable termination"],
      ["CBLK_SEGSYM", "segsym", 0x20, "segmentation symbols"],
      ["CBLK_HT", "ht", 0x40, "high-throughput block coder (Part 15)"],
    ],
  },
  Progression: {
    doc: "Progression orders (Table A.16).",
    values: [
      ["PROG_LRCP", "LRCP", 0, "layer-resolution-component-position"],
      ["PROG_RLCP", "RLCP", 1, "resolution-layer-component-position"],
      ["PROG_RPCL", "RPCL", 2, "resolution-position-component-layer"],
      ["PROG_PCRL", "PCRL", 3, "position-component-resolution-layer"],
      ["PROG_CPRL", "CPRL", 4, "component-position-resolution-layer"],
    ],
  },
  LayerStatus: {
    doc: "How a layer met its target (LayerInfo.status).",
    values: [
      ["LAYER_NO_TARGET", "noTarget", 0, "no target: every coding pass"],
      ["LAYER_MET", "met", 1, "target met"],
      ["LAYER_HEADERS_OVER_BUDGET", "headersOverBudget", 2, "the headers and empty packets alone exceed the byte budget: the layer carries no coded data"],
      ["LAYER_ALL_PASSES", "allPasses", 3, "every coding pass fits the byte budget with room left: the quantiser limits the layer"],
      ["LAYER_ERROR_NOT_REACHED", "errorNotReached", 4, "even every coding pass stays above the squared-error target"],
    ],
  },
  DeferredBlock: {
    doc: "Threaded encoding: byte offsets in a deferred-block record (encoderDeferredList; DEFER_BYTES each).",
    values: [
      ["DEFER_BYTES", "bytes", 64, "size of one record"],
      ["DEFER_BLOCK", "block", 0, "u32: the code-block (core pointer; the host passes it back only by index)"],
      ["DEFER_SRC", "src", 4, "u32: pointer to the block's transformed samples (i32 for 5/3, f32 for 9/7)"],
      ["DEFER_STRIDE", "stride", 8, "i32: row stride of the samples, in samples"],
      ["DEFER_W", "w", 12, "i32: block width"],
      ["DEFER_H", "h", 16, "i32: block height"],
      ["DEFER_ORIENT", "orient", 20, "i32: sub-band orientation (0 LL, 1 HL, 2 LH, 3 HH)"],
      ["DEFER_STYLE", "style", 24, "i32: code-block style (CBLK_* bits)"],
      ["DEFER_REV", "rev", 28, "i32: 1 for the reversible (5/3, i32) path; 0 for 9/7, 2 for a 9/7 band at a doubled step (one more fraction bit)"],
      ["DEFER_INV_STEP", "invStep", 32, "f32: 1 / quantisation step (9/7 path)"],
      ["DEFER_WANT_D", "wantDistortion", 36, "i32: 1 if rate control needs distortions"],
      ["DEFER_STOP_SLOPE", "stopSlope", 40, "f64: early-stop slope (0: every pass)"],
      ["DEFER_HT_FLOOR", "htFloor", 48, "i32: HT sets to code: lowest cleanup bit-plane"],
      ["DEFER_HT_SETS", "htSets", 52, "i32: HT sets to code: how many"],
      ["DEFER_HT_REFINE", "htRefine", 56, "i32: HT sets to code: with refinement passes"],
      ["DEFER_RESUME", "resume", 60, "u32: nonzero when the block continues from where an earlier coding stopped (encoderDeferredResumePack gives its state)"],
      ["DEFER_STAGE_SAMPLES", "stageSamples", 266240, "samples encoderDeferredPack packs at most at once (2^18 + one largest block)"],
    ],
  },
  BlockInfo: {
    doc: "Byte offsets in the record blockCoderRun fills (blockCoderOutput(2)) and encoderDeferredInstall reads.",
    values: [
      ["BLOCK_INFO_BYTES", "bytes", 24, "size of the record"],
      ["BLOCK_INFO_NUMBPS", "numBps", 0, "i32: bit-planes the block coder counted (Mb + guard - zero bit-planes)"],
      ["BLOCK_INFO_PASSES", "passes", 4, "i32: coding passes coded (pass records)"],
      ["BLOCK_INFO_LENGTH", "length", 8, "i32: bytes of coded data"],
      ["BLOCK_INFO_EXACT", "exact", 12, "i32: passes a full encode gives identically (early stop)"],
      ["BLOCK_INFO_ENERGY", "energy", 16, "f64: the block's squared error with nothing coded"],
    ],
  },
  TilePartSplit: {
    doc: "Where the encoder starts new tile-parts (EncoderParam.tileParts).",
    values: [
      ["TILEPARTS_NONE", "none", 0, "one tile-part per tile"],
      ["TILEPARTS_R", "R", 1, "at every new resolution"],
      ["TILEPARTS_L", "L", 2, "at every new layer"],
      ["TILEPARTS_C", "C", 3, "at every new component"],
    ],
  },
  TranscodeStatus: {
    doc: "Result of transcoderRun: OK, or why the codestream cannot be transcoded at the coefficient level.",
    values: [
      ["TRANSCODE_OK", "ok", 0, "transcoded"],
      ["TRANSCODE_MISSING_TILE", "missingTile", 1, "a tile with samples has no tile-part"],
      ["TRANSCODE_SHORT_TILE", "shortTile", 2, "a tile's packets end before its last packet"],
      ["TRANSCODE_BITPLANES", "bitplanes", 3, "a code-block has more magnitude bit-planes than the 32-bit path codes"],
      ["TRANSCODE_STRUCTURE", "structure", 4, "the output's tile structure does not match the input's"],
      ["TRANSCODE_BLOCK_NOT_EXACT", "blockNotExact", 5, "a truncated code-block cannot be re-coded to decode to the same values"],
    ],
  },
};

/**
 * Numeric error codes raised by the core through fail(code, offset, d0, d1): [number, core name
 * (ERR_ + name), J2kErrorCode (src/errors.ts), note]. Never renumber one; `group` starts a comment.
 */
export const ERRORS = [
  { group: "Caller / arguments" },
  [1, "INVALID_ARGUMENT", "INVALID_ARGUMENT", ""],
  { group: "Main header (ISO/IEC 15444-1 Annex A)" },
  [10, "NOT_CODESTREAM", "NOT_A_CODESTREAM", "no SOC marker"],
  [11, "MAIN_HEADER_TRUNCATED", "MAIN_HEADER_TRUNCATED", ""],
  [12, "MAIN_HEADER_BAD_MARKER", "MAIN_HEADER_BAD_MARKER", "unexpected marker or bad marker length"],
  [13, "BAD_SIZ", "BAD_SIZ", ""],
  [14, "BAD_COD", "BAD_COD", ""],
  [15, "BAD_QCD", "BAD_QCD", ""],
  [16, "MISSING_MARKER", "MISSING_MARKER", "SIZ/COD/QCD absent"],
  [17, "BAD_POC", "BAD_POC", ""],
  [18, "BAD_RGN", "BAD_RGN", ""],
  [19, "BAD_PPM", "BAD_PPM", ""],
  { group: "Tile headers and tile-parts" },
  [20, "BAD_SOT", "BAD_SOT", ""],
  [21, "TILE_HEADER_TRUNCATED", "TILE_HEADER_TRUNCATED", ""],
  [22, "TILE_HEADER_BAD_MARKER", "TILE_HEADER_BAD_MARKER", ""],
  [23, "BAD_PPT", "BAD_PPT", ""],
  [24, "NO_TILE_DATA", "NO_TILE_DATA", ""],
  { group: "Packets (Annex B.9-B.10)" },
  [30, "PACKET_CORRUPT", "PACKET_CORRUPT", ""],
  [31, "PACKET_TRUNCATED", "PACKET_TRUNCATED", ""],
  { group: "Code-blocks (Annex C, D)" },
  [40, "CODEBLOCK_CORRUPT", "CODEBLOCK_CORRUPT", ""],
  { group: "Limits" },
  [50, "LIMIT_PIXELS", "LIMIT_PIXELS", ""],
  [51, "LIMIT_MEMORY", "LIMIT_MEMORY", ""],
  [52, "LIMIT_TILES", "LIMIT_TILES", ""],
  [53, "LIMIT_COMPONENTS", "LIMIT_COMPONENTS", ""],
  [54, "LIMIT_CODEBLOCKS", "LIMIT_CODEBLOCKS", ""],
  { group: "Unsupported (valid but outside what this build implements)" },
  [60, "UNSUPPORTED", "UNSUPPORTED", ""],
  [61, "UNSUPPORTED_HTJ2K", "UNSUPPORTED_HTJ2K", ""],
  [62, "UNSUPPORTED_PART2", "UNSUPPORTED_PART2", ""],
  { group: "Encoder (d0 = an EncodeCheck reason for ERR_ENCODE_OPTIONS)" },
  [70, "ENCODE_OPTIONS", "ENCODE_INVALID_OPTIONS", ""],
  [71, "ENCODE_OVERFLOW", "ENCODE_OVERFLOW", ""],
  { group: "Internal invariant broken: always a bug in j2kit" },
  [99, "INTERNAL", "INTERNAL", ""],
];

/**
 * Reasons of the encoder's parameter checks (d0 of ERR_ENCODE_OPTIONS, d1 = the value):
 * [number, name (CHECK_ + name in the core), message with {value}].
 */
export const ENCODE_CHECKS = [
  [0, "COMPONENTS", "the number of components must be 1..16384 (got {value})"],
  [1, "IMAGE_SIZE", "image width and height must be at least 1 (got {value})"],
  [2, "COMPONENT_INDEX", "component index {value} is out of range"],
  [10, "TILE_SIZE", "tile width and height must be at least 1 (got {value})"],
  [11, "TILE_ORIGIN", "the tile grid origin must not be right of or below the image origin"],
  [12, "FIRST_TILE", "the first tile must contain the image origin (tile origin + tile size > image origin)"],
  [13, "TOO_MANY_TILES", "the tiling gives {value} tiles; at most 65535 are allowed (Isot is 16 bits): use larger tiles"],
  [14, "CODE_BLOCK_SIZE", "code-block width/height must be powers of two from 4 to 1024 with width*height <= 4096"],
  [15, "LEVELS", "decomposition levels must be 0..32 (got {value})"],
  [16, "LAYERS", "quality layers must be 1..65535 (got {value})"],
  [17, "PRECISION", "component precision must be 1..24 bits for encoding (got {value})"],
  [18, "SUBSAMPLING", "component sub-sampling must be 1..255 (got {value})"],
  [19, "MCT_COMPONENTS", "the colour transform needs at least 3 components (got {value}): set mct: false"],
  [20, "MCT_SAMPLING", "the colour transform needs the first three components sampled alike"],
  [21, "PRECINCT_SIZE", "precincts above the lowest resolution must be at least 2x2 (resolution {value})"],
  [22, "GUARD_BITS", "guard bits must be 0..7 (got {value})"],
  [23, "LAYER_INDEX", "layer index {value} is out of range"],
  [25, "LAYER_TARGET", "layer targets must be finite and >= 0 (layer {value})"],
  [24, "UNKNOWN_PARAM", "unknown encoder parameter {value}"],
  [30, "NO_SAMPLES", "no samples were given for component {value}"],
  [40, "EXPONENT_RANGE", "a sub-band would need exponent {value} (> 31); the sample range is too large for reversible coding"],
  [41, "GUARD_BITS_NEEDED", "the quantisation needs {value} guard bits (> 7): use a larger quality / coarser step"],
  [42, "BITPLANES", "a sub-band would need {value} magnitude bit-planes (> 30): reduce the precision or coarsen the quantisation"],
  [43, "COEFFICIENT_BITS", "a code-block's coefficients need {value} integer bits (> 29) at this quantisation step: use a coarser step (lower quality)"],
  [50, "TILE_PARTS", "the tile-part split gives {value} tile-parts in one tile; at most 255 are allowed: choose another tileParts split or progression"],
  [80, "JPEG_SIZE", "JPEG width and height must be 1..65535 (got {value})"],
  [81, "JPEG_COMPONENTS", "JPEG codes 1 or 3 components (got {value})"],
  [82, "JPEG_QUALITY", "JPEG quality must be 1..100 (got {value})"],
  [83, "JPEG_SAMPLING", "JPEG sampling factors must be 1 or 2 (got {value})"],
  [84, "JPEG_RESTART", "the JPEG restart interval must be 0..65535 MCUs (got {value})"],
  [85, "JPEG_ROWS", "JPEG rows must come in whole MCU rows (8 or 16 lines) except at the bottom of the image (got {value} rows)"],
  [86, "JPEG_ICC", "the ICC profile ({value} bytes) needs more than 255 APP2 segments"],
  [87, "JPEG_XMP", "the XMP packet ({value} bytes) does not fit one APP1 segment (65502 bytes)"],
  [89, "JPEG_CALL_ORDER", "JPEG encoder calls out of order (step {value})"],
  [90, "JPEG_PIXEL_LAYOUT", "JPEG pixel layout out of range ({value} bytes per pixel)"],
  [91, "JPEG_DENSITY", "JFIF density: unit must be 0-2 and x/y 1..65535"],
  [92, "JPEG_BUFFER", "JPEG output buffer too small ({value} bytes)"],
];
