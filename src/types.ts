/**
 * Public types of j2kit.
 * @module
 */

/** Typed array holding samples; chosen from bit depth and signedness (see {@link sampleArrayFor}). */
export type SampleArray = Uint8Array | Uint16Array | Int16Array | Int32Array;

/**
 * An image in memory. Samples are pixel-interleaved (`c0 c1 c2 c0 c1 c2 ...`, row-major, top row
 * first) unless stated otherwise. `data` is:
 * - `Uint8Array` for unsigned images of 1-8 bits,
 * - `Uint16Array` for unsigned 9-16 bits,
 * - `Int16Array` for signed 1-16 bits,
 * - `Int32Array` above 16 bits.
 */
export interface J2kImage {
  width: number;
  height: number;
  /** Number of components (1-4 for encoding; up to 16384 when decoding). */
  components: number;
  /** Bits per sample (the largest over the components). */
  bitDepth: number;
  /** Two's complement samples. */
  signed: boolean;
  data: SampleArray;
}

/** Per-component description as found in SIZ (ISO/IEC 15444-1 A.5.1). */
export interface ComponentInfo {
  /** Width/height of this component's sample grid (after sub-sampling). */
  width: number;
  height: number;
  /** Precision (Ssiz + 1). */
  bitDepth: number;
  signed: boolean;
  /** Horizontal / vertical sub-sampling (XRsiz, YRsiz). */
  dx: number;
  dy: number;
}

/** Progression orders (Table A.16). */
export type ProgressionOrder = "LRCP" | "RLCP" | "RPCL" | "PCRL" | "CPRL";

/** Code-block style flags (Table A.19). */
export type CodeBlockStyleFlag = "bypass" | "reset" | "termall" | "vcausal" | "pterm" | "segsym";

/** A rectangle on the output grid (pixels of the full-resolution image, before `reduce`). */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Resource limits checked before any allocation. */
export interface Limits {
  /** Maximum pixels of the decoded image (width x height after region/reduce); default 2^28 (268 megapixels). */
  maxPixels?: number;
  /** Maximum bytes of WebAssembly memory a job may use; default 3 GiB. */
  maxMemory?: number;
  /** Maximum number of tiles; default 65535 (the standard's own limit). */
  maxTiles?: number;
  /** Maximum number of components; default 16384 (Csiz limit). */
  maxComponents?: number;
  /**
   * Maximum tile-components a decode sets up: the tiles it touches (those meeting the region) times
   * the number of components, default 2^20. Every tile-component of a touched tile gets its
   * resolution, sub-band and precinct records, even for components not decoded, because their packets
   * are read to reach the others; a few hundred kilobytes of header can declare millions of them.
   */
  maxTileComponents?: number;
}

/** Options for {@link decode}. */
export interface DecodeOptions {
  /** Discard this many highest resolution levels (0 = full size). */
  reduce?: number;
  /** Decode only the first N quality layers (default: all). */
  layers?: number;
  /** Decode only this rectangle (in full-resolution image coordinates, relative to the image origin). */
  region?: Region;
  /** Decode only these component indices (default: all). */
  components?: number[];
  /** On a truncated codestream, return the best image the bytes allow instead of failing. */
  allowPartial?: boolean;
  /**
   * Output layout: `"interleaved"` (default; sub-sampled components are upsampled by sample
   * replication to the image grid), `"planar"` (component planes one after another, same upsampling),
   * or `"components"` (each component at its own resolution in `componentData`).
   */
  layout?: "interleaved" | "planar" | "components";
  /** JP2 palettes: expand to colour (default) or return the raw indices. */
  palette?: "expand" | "indices";
  /** Resource limits. */
  limits?: Limits;
  /**
   * `decodeAsync` only: threads to split one image over (1-64), the calling thread included: it
   * decodes one band of rows itself while threads - 1 workers decode the others; the output is the
   * same as `decode`'s. On a browser window's main thread (a `document`; not in Node or a Web
   * Worker) the calling thread decodes no band, so that the page is not blocked for long: threads
   * workers decode them. Default: every core for images of at least 2 megapixels when no other
   * asynchronous job is pending, else 1. The synchronous `decode` always uses the calling thread.
   */
  threads?: number;
}

/** Result of {@link decode}. */
export interface DecodedImage extends J2kImage {
  /** Per-component geometry and precision as coded. */
  componentInfo: ComponentInfo[];
  /** With `layout: "components"`: one array per component at its own resolution. */
  componentData?: SampleArray[];
  /** Layout of `data`. */
  layout: "interleaved" | "planar" | "components";
  /** True if the codestream was truncated and `allowPartial` produced a partial image. */
  partial: boolean;
  /** JP2 colour information, when the input was a JP2/JPX file. */
  colorSpace?: ColorSpaceInfo;
  /** Non-fatal problems met while decoding (e.g. a broken ICC profile that was ignored). */
  warnings: string[];
}

/** Colour specification from a JP2 `colr` box (I.5.3.3). */
export interface ColorSpaceInfo {
  /** `"sRGB"`, `"greyscale"`, `"sYCC"`, other enumerated names, `"icc"` or `"unknown"`. */
  name: string;
  /** Enumerated colour space number (EnumCS) when METH = 1. */
  enumerated?: number;
  /** Restricted / any ICC profile bytes when METH = 2 or 3. */
  icc?: Uint8Array;
}

/** The Part 15 capabilities word Ccap15 of the CAP marker (ISO/IEC 15444-15 A.3), decoded. */
export interface HtCapabilities {
  /** Bits 15-14: every code-block HT, HT declared per tile-component, or HT and Part 1 mixed. */
  codeBlocks: "all-ht" | "declared" | "mixed" | "reserved";
  /** Bit 13: a code-block may have more than one HT set (quality layers re-coding it). */
  multipleHtSets: boolean;
  /** Bit 12: RGN (region of interest) marker segments may be present. */
  rgn: boolean;
  /** Bit 11: heterogeneous codestream (coding parameters vary between tile-components). */
  heterogeneous: boolean;
  /** Bit 5: irreversible wavelet / quantisation may be used. */
  irreversible: boolean;
  /** B_p from MAGB (bits 4-0): an upper bound on the magnitude bit-planes of any code-block. */
  magnitudeBound: number;
  /** The raw 16-bit Ccap15 value. */
  ccap15: number;
}

/** Everything {@link readHeader} reports. */
export interface HeaderInfo {
  /** `"j2k"` for a raw codestream, `"jp2"` / `"jpx"` for files with boxes. */
  format: "j2k" | "jp2" | "jpx";
  width: number;
  height: number;
  /** Image area origin (XOsiz, YOsiz). */
  x0: number;
  y0: number;
  components: number;
  bitDepth: number;
  signed: boolean;
  componentInfo: ComponentInfo[];
  /** Decomposition levels (of the default COD). */
  levels: number;
  layers: number;
  progression: ProgressionOrder;
  /** Code-block width/height in samples. */
  codeBlockWidth: number;
  codeBlockHeight: number;
  /** 5/3 reversible (`true`) or 9/7 irreversible. */
  reversible: boolean;
  /** Multiple component transform in use (RCT or ICT). */
  mct: boolean;
  tileWidth: number;
  tileHeight: number;
  tileX0: number;
  tileY0: number;
  tilesX: number;
  tilesY: number;
  /** Rsiz capabilities word. */
  profile: number;
  /** Code-block style flags of the default COD. */
  codeBlockStyle: CodeBlockStyleFlag[];
  /** Guard bits (QCD). */
  guardBits: number;
  /** Precinct sizes per resolution (lowest first), if not the maximal default. */
  precincts?: Array<[number, number]>;
  /** SOP / EPH markers signalled. */
  sop: boolean;
  eph: boolean;
  /** High-throughput (Part 15) code-blocks. */
  htj2k: boolean;
  /**
   * Block coder of the code-blocks (code-block style of the main COD/COC): `"part1"` (EBCOT),
   * `"ht"` (ISO/IEC 15444-15 HT block coder), or `"mixed"` (style 0xC0: HT or Part 1 per
   * code-block, or HT in some components only).
   */
  blockCoder: "part1" | "ht" | "mixed";
  /** Ccap15 of the CAP marker segment (ISO/IEC 15444-15), when present. */
  htCapabilities?: HtCapabilities;
  /** Comments (COM marker segments with Latin text). */
  comments: string[];
  /** JP2 details when the input is a JP2/JPX file. */
  jp2?: Jp2Info;
  /** Non-fatal problems found in the file (tolerated box damage, broken ICC profile, ...). */
  warnings: string[];
}

/** JP2/JPX file-format details (Annex I). */
export interface Jp2Info {
  brand: string;
  compatibility: string[];
  colorSpace?: ColorSpaceInfo;
  /** Boxes found at the top level, in order, with their offsets and lengths. */
  boxes: Array<{ type: string; offset: number; length: number }>;
  /** Palette (pclr): number of entries and per-column bit depth. */
  palette?: { entries: number; columns: number; bitDepths: number[]; signed: boolean[] };
  /** Component mapping (cmap). */
  componentMapping?: Array<{ component: number; type: number; paletteColumn: number }>;
  /** Channel definitions (cdef): type 0 colour, 1 opacity, 2 premultiplied opacity; association 0 = whole image. */
  channels?: Array<{ channel: number; type: number; association: number }>;
  /** Capture / display resolution as [horizontal, vertical] pixels per metre, if present. */
  resolution?: { capture?: [number, number]; display?: [number, number] };
}

/** Options for {@link encode}. */
export interface EncodeOptions {
  /** Input `data` holds component planes one after another instead of interleaved samples. */
  planar?: boolean;
  /**
   * Output format; `"jp2"` wraps the codestream in a JP2 file, `"jph"` in a JPH file (ISO/IEC
   * 15444-15 Annex D, brand 'jph '; implies `ht: true`). Default `"j2k"`.
   */
  format?: "j2k" | "jp2" | "jph";
  /**
   * High-throughput block coder (HTJ2K, ISO/IEC 15444-15): every code-block is HT coded; the CAP
   * marker and Rsiz bit 14 are written. Works with every other option; `codeBlockStyle` may only
   * hold `"vcausal"`. Rate control (`ratios`, `psnr`) chooses per code-block the bit-plane of its HT
   * cleanup pass and whether its SigProp / MagRef passes follow.
   */
  ht?: boolean;
  /**
   * Cheap lossy mode (as OpenJPH's `-qstep`): a fixed quantisation step relative to the sample range
   * (base step = qstep · 2^bitDepth), no rate control. 0 < qstep <= 1.
   */
  qstep?: number;
  /**
   * Named preset: `"dicom"` = 6 levels (fewer for small images), 64x64, 1 tile, LRCP, no JP2 box;
   * `"iiif"` = RPCL, at least 6 levels (lowest resolution at most 256 across), 256x256 precincts,
   * tile-parts by resolution interleaved across tiles, TLM and PLT (the layout byte-range readers and IIIF servers read
   * fastest). Options given explicitly override the preset's.
   */
  preset?: "dicom" | "iiif";
  /** Reversible 5/3 lossless coding (default true unless `ratios`/`psnr`/`quality` ask for loss). */
  lossless?: boolean;
  /** Decomposition levels, 0-32 (default 5, clamped so the lowest resolution stays >= 1 sample). */
  levels?: number;
  /** Code-block size: powers of two, 4 <= w,h <= 1024, w*h <= 4096. Default [64, 64]. */
  codeBlock?: [number, number];
  /** Multiple component transform (RCT/ICT) for 3+ components. Default true. */
  mct?: boolean;
  /**
   * Compression ratio per quality layer, decreasing; ratio r gives the codestream up to that layer
   * at most raw size / r bytes (raw size = samples × bitDepth / 8). A final ratio of 1 makes the
   * last layer lossless (reversible 5/3); `lossless: true` needs that final 1.
   */
  ratios?: number[];
  /**
   * PSNR target in dB per quality layer, increasing; each layer, decoded with the layers before it,
   * reaches its target. PSNR = 10·log10(peak² / MSE), MSE over all samples, peak per `psnrPeak`
   * (default 2^bitDepth − 1). A final `Infinity` makes the last layer lossless; a target above
   * what lossy coding can promise (10·log10(12·peak²), where the rounding of the output alone
   * costs more) is coded losslessly instead, with a warning.
   */
  psnr?: number[];
  /**
   * Peak of the `psnr` targets: `"bits"` (default) = 2^bitDepth − 1, the largest value the sample
   * precision can hold; `"range"` = the image's actual max − min over all samples, as medical
   * viewers report PSNR (a 12-bit MR whose values span 0..595 has peak 595, not 4095).
   */
  psnrPeak?: "bits" | "range";
  /** Quality shortcut 1-100 (maps to a base quantization step). */
  quality?: number;
  progression?: ProgressionOrder;
  /**
   * Progression order changes (POC, A.6.6): each runs its progression over layers [0, layerEnd),
   * resolutions [resolutionStart, resolutionEnd) and components [componentStart, componentEnd);
   * packets already written are skipped. A final entry with `progression` over everything is added
   * so that every packet is written.
   */
  poc?: Array<{
    progression: ProgressionOrder;
    layerEnd: number;
    resolutionStart?: number;
    resolutionEnd: number;
    componentStart?: number;
    componentEnd: number;
  }>;
  /** Tile size and optional tile-grid origin. */
  tile?: { width: number; height: number; x0?: number; y0?: number };
  /** Image origin on the reference grid. */
  origin?: { x: number; y: number };
  /**
   * Precinct sizes per resolution, highest resolution first (as opj_compress -c); powers of two,
   * at least 2x2 above the lowest resolution. Resolutions below the last one given halve it.
   */
  precincts?: Array<[number, number]>;
  codeBlockStyle?: CodeBlockStyleFlag[];
  sop?: boolean;
  eph?: boolean;
  tlm?: boolean;
  plt?: boolean;
  /** Split tile-parts by resolution, layer or component. */
  tileParts?: "R" | "L" | "C";
  /**
   * `"interleaved"`: the tile-parts of all tiles interleaved — every tile's first tile-part, then
   * every tile's second, ... (ISO/IEC 15444-1 A.4.2 allows any order that keeps each tile's own in
   * order). With `tileParts: "R"` and RPCL the file is resolution-major across tiles: a reader by
   * byte ranges gets a coarse view of a tiled image in one run of bytes. Default `"tile"`.
   */
  tilePartOrder?: "tile" | "interleaved";
  /** Guard bits, 0-7 (default 2). */
  guardBits?: number;
  /** ICC profile to embed (JP2 output). */
  icc?: Uint8Array;
  /** Enumerated colour space for JP2 output (default: sRGB for 3+ components, greyscale otherwise). */
  colorSpace?: "sRGB" | "greyscale" | "sYCC";
  /**
   * JP2 output: the last component is an alpha channel for the whole image, declared in a cdef box
   * (I.5.3.6): `true` or `"straight"` writes Typ 1 (opacity; colour not premultiplied, as in PNG),
   * `"premultiplied"` Typ 2 (premultiplied opacity). Default: no cdef box.
   */
  alpha?: boolean | "straight" | "premultiplied";
  /** Per-component sub-sampling for input that is already sub-sampled. */
  subsampling?: Array<[number, number]>;
  /**
   * `encodeAsync` / `encodeDetailedAsync` only: threads to code one image on (1-64), the calling
   * thread included: threads - 1 workers and the calling thread code the code-blocks, the calling
   * thread the rest; the output is the same bytes as `encode`. On a browser window's main thread
   * (a `document`; not in Node or a Web Worker) the calling thread codes no blocks, so that the
   * page is not blocked for long: threads workers code them.
   * Default: every core for images of at least 1 megapixel when no other asynchronous job is
   * pending, else 1. The synchronous `encode` always uses the calling thread.
   */
  threads?: number;
}
