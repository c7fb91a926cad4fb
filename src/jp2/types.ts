/**
 * Types of the JP2/JPX file-format layer (ISO/IEC 15444-1 Annex I; JPX reading per 15444-2 Annex M).
 * Field names follow the standard where it names them (`NC`, `BPC`, `UnkC`, `IPR`, `METH`, ...),
 * spelled in camelCase.
 * @module
 */

/**
 * One box as found in the file (I.4). A box whose type is not printable ASCII has `type`
 * `"0x6a70b2e6"` (hex of the four bytes).
 */
export interface Box {
  /** Box type (TBox) as text, or `0xXXXXXXXX` when the four bytes are not printable ASCII. */
  type: string;
  /** TBox as an unsigned 32-bit number. */
  code: number;
  /** Offset of the box (its LBox field) in the input. */
  offset: number;
  /** Length of the whole box in bytes, header included, as it lies in the input. */
  length: number;
  /** 8, or 16 when the XLBox field is used (LBox = 1). */
  headerLength: number;
  /** Offset of the box contents (DBox). */
  contentOffset: number;
  /** Length of the box contents. */
  contentLength: number;
  /** LBox was 0: the box extends to the end of its container (allowed for the last box, I.4). */
  toEnd: boolean;
  /**
   * The declared length ran past the end of the input and was cut to what is there (only done for
   * a top-level Contiguous Codestream box: a truncated file whose image may still partly decode).
   */
  truncated: boolean;
  /** Boxes inside a superbox (jp2h, res , uinf, asoc, jpch, jplh, cgrp, ftbl, comp). */
  children?: Box[];
  /** A box inside this superbox whose header was unusable; it and the boxes after it were skipped. */
  damage?: BoxDamage;
}

/** Where and why the box sequence of a container could not be followed any further. */
export interface BoxDamage {
  /** Offset of the box header that could not be used. */
  offset: number;
  /** `CONTAINER_TRUNCATED`: the box runs past its container; `CONTAINER_INVALID`: impossible length. */
  code: "CONTAINER_INVALID" | "CONTAINER_TRUNCATED";
  /** What is wrong, for a person. */
  message: string;
}

/** Image Header box `ihdr` (I.5.3.1), fields as stored. */
export interface ImageHeader {
  /** HEIGHT: image area height in samples. */
  height: number;
  /** WIDTH: image area width in samples. */
  width: number;
  /** NC: number of components. */
  nc: number;
  /** BPC byte as stored: bits 0-6 = depth - 1, bit 7 = signed; 255 = depths vary (see bpcc). */
  bpc: number;
  /** C: compression type, 7 for JPEG 2000. */
  c: number;
  /** UnkC: 1 when the colour space is not known (colr boxes may be absent or unreliable). */
  unkC: number;
  /** IPR: 1 when an Intellectual Property box is present. */
  ipr: number;
}

/** Depth and sign of one component, from `bpcc` (I.5.3.2) or from the ihdr BPC byte. */
export interface ComponentDepth {
  bitDepth: number;
  signed: boolean;
}

/** Colour Specification box `colr` (I.5.3.3; METH 3-5 per 15444-2 M.11.7). */
export interface ColorSpecification {
  /** Offset of the colr box in the input. */
  offset: number;
  /** METH: 1 enumerated, 2 restricted ICC, 3 any ICC (JPX), 4 vendor (JPX), 5 parameterized (JPX). */
  meth: number;
  /** PREC (signed byte); JP2 readers ignore it. */
  prec: number;
  /** APPROX; JP2 readers ignore it. */
  approx: number;
  /** EnumCS when METH = 1. */
  enumCS?: number;
  /** Name of the colour space: `"sRGB"`, `"greyscale"`, `"sYCC"`, other enumerated names, `"icc"` or `"unknown"`. */
  name: string;
  /** ICC profile bytes (a copy) when METH = 2 or 3. */
  icc?: Uint8Array;
  /** Bytes after EnumCS (EP, e.g. CIELab range/offset parameters) or the vendor colour method data (a copy). */
  parameters?: Uint8Array;
  /** True when this reader can use the specification (a known EnumCS or a usable ICC profile). */
  understood: boolean;
  /** Problems found in the ICC profile (see icc.ts `validateIcc`); empty when none or not ICC. */
  iccProblems: string[];
}

/** Palette box `pclr` (I.5.3.4). */
export interface Palette {
  /** NE: number of entries (1-1024). */
  entries: number;
  /** NPC: number of palette columns (generated components). */
  columns: number;
  /** Bit depth of each column (1-38). */
  bitDepths: number[];
  /** Signedness of each column. */
  signed: boolean[];
  /** `values[column][entry]`, sign-extended for signed columns. Depths above 32 bits are not representable and rejected. */
  values: Int32Array[];
}

/** One entry of the Component Mapping box `cmap` (I.5.3.5). */
export interface ComponentMapping {
  /** CMP: codestream component index. */
  component: number;
  /** MTYP: 0 = the component is used directly, 1 = it indexes the palette. */
  type: number;
  /** PCOL: palette column used when `type` is 1. */
  paletteColumn: number;
}

/** One entry of the Channel Definition box `cdef` (I.5.3.6). */
export interface ChannelDefinition {
  /** Cn: channel index (after palette expansion / component mapping). */
  channel: number;
  /** Typ: 0 colour, 1 opacity, 2 premultiplied opacity, 65535 unspecified. */
  type: number;
  /** Asoc: 0 whole image, 1..n colour index, 65535 none. */
  association: number;
}

/** A resolution from `resc` / `resd` (I.5.3.7), in pixels per metre. */
export interface Resolution {
  /** Horizontal resolution: HR = HRcN / HRcD * 10^HRcE. */
  horizontal: number;
  /** Vertical resolution: VR = VRcN / VRcD * 10^VRcE. */
  vertical: number;
}

/** An XML, UUID, UUID list, URL or label box, wherever it was found (top level or inside uinf/asoc). */
export interface MetadataBox {
  /** `"xml "`, `"uuid"`, `"ulst"`, `"url "` or `"lbl "`. */
  type: string;
  offset: number;
  length: number;
  /** Enclosing superbox types, outermost first (empty at top level). */
  path: string[];
  /** xml / lbl: the text (UTF-8; trailing NUL characters removed). url: the location. */
  text?: string;
  /** uuid: the 16-byte identifier as 8-4-4-4-12 hex. ulst: the listed identifiers. */
  uuid?: string;
  uuids?: string[];
  /** uuid: the data after the identifier (a view into the input, not a copy). */
  data?: Uint8Array;
  /** url: VERS and FLAG fields. */
  version?: number;
  flags?: number;
}

/** Where the codestream lies in the input. */
export interface CodestreamLocation {
  /** Offset of the first byte of the codestream (the contents of the first jp2c box). */
  offset: number;
  /** Number of codestream bytes. */
  length: number;
  /** Offset of the jp2c box itself. */
  boxOffset: number;
  /** The jp2c box claimed more bytes than the input holds (truncated file). */
  truncated: boolean;
}

/** Everything {@link readJp2} found in a JP2 / JPX / JPH file. */
export interface Jp2File {
  /** `"jpx"` when the brand is 'jpx ' (or the file is JPX-only); otherwise `"jp2"` (JPH files too). */
  format: "jp2" | "jpx";
  /** BR of the File Type box, e.g. `"jp2 "`, `"jpx "`, `"jph "`. */
  brand: string;
  /** MinV of the File Type box. */
  minorVersion: number;
  /** CL entries (junk entries such as `0x00000001` are kept, in hex form). */
  compatibility: string[];
  /** CL contains 'jp2 ': a JP2 reader may read the file (I.5.2). */
  jp2Compatible: boolean;
  /** All boxes, top level, with superbox contents in `children`. */
  boxes: Box[];
  /** The ihdr box. */
  header: ImageHeader;
  /** Per-component depth and sign (bpcc when present, else from BPC); absent when BPC = 255 and bpcc is missing. */
  components?: ComponentDepth[];
  /** Every colr box of the header, in file order. */
  colorSpecifications: ColorSpecification[];
  /** The colour specification to use: the first one this reader understands (I.5.3.3). */
  colorSpace?: ColorSpecification;
  palette?: Palette;
  componentMapping?: ComponentMapping[];
  channels?: ChannelDefinition[];
  resolution?: { capture?: Resolution; display?: Resolution };
  /** XML, UUID, UUID-info and label boxes anywhere in the file. */
  metadata: MetadataBox[];
  /** The first Contiguous Codestream box. */
  codestream: CodestreamLocation;
  /** Non-fatal problems (tolerated damage, ignored boxes, broken ICC profiles). */
  warnings: string[];
}

/** Limits for reading boxes. */
export interface BoxReadOptions {
  /** Deepest superbox nesting followed (default 16; deeper superboxes are kept as plain boxes). */
  maxDepth?: number;
  /** Most boxes read in all (default 65536); more gives `CONTAINER_INVALID`. */
  maxBoxes?: number;
}
