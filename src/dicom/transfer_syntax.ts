/**
 * The DICOM transfer syntaxes j2kit knows (PS3.5 §10 and Annex A; UIDs from PS3.6 Annex A).
 *
 * One table row per syntax says how its Pixel Data is stored (native or encapsulated, PS3.5 A.4),
 * how the data set is encoded (implicit / explicit VR, deflated, PS3.5 A.1-A.5) and whether j2kit
 * reads and writes it. The JPEG 2000 rows (Part 1, PS3.5 §8.2.4 / A.4.4, and HTJ2K, PS3.5 §8.2.14 /
 * A.4.11 / §10.18) also carry the {@link Jpeg2000Coding} j2kit writes them with, so that the encoder
 * settings of every JPEG 2000 syntax are read from this table and nowhere else.
 * @module
 */
import { J2kError } from "../errors.js";
import type { ProgressionOrder } from "../types.js";

/** Short names accepted wherever a transfer syntax is asked for (the CLI's `--to`, `transcode`). */
export type TransferSyntaxName =
  | "implicit-le"
  | "explicit-le"
  | "deflated-le"
  | "explicit-be"
  | "j2k-lossless"
  | "j2k"
  | "htj2k-lossless"
  | "htj2k-rpcl"
  | "htj2k"
  | "jpeg-baseline"
  | "jpeg-extended"
  | "jpeg-lossless"
  | "jpeg-lossless-sv1"
  | "jpeg-ls-lossless"
  | "jpeg-ls"
  | "rle";

/**
 * How j2kit codes the frames of one JPEG 2000 transfer syntax (encoder settings and DICOM policy).
 * Every frame is one raw codestream (no JP2 header), one tile, 64×64 code-blocks.
 */
export interface Jpeg2000Coding {
  /** Block coder: EBCOT (ISO/IEC 15444-1) or HT (ISO/IEC 15444-15; every code-block HT). */
  blockCoder: "part1" | "ht";
  progression: ProgressionOrder;
  /**
   * Decomposition levels. `"dicom"`: the codec's `preset: "dicom"` (6, fewer for small frames).
   * `"lowest-64"`: at least that, and enough that the lowest resolution is at most 64 samples in
   * width and height (PS3.5 §10.18 for HTJ2K with RPCL Options: a thumbnail can be read first).
   */
  levels: "dicom" | "lowest-64";
  /** TLM marker segment in the main header (PS3.5 §10.18 for .202: finds the resolution breakpoints). */
  tlm: boolean;
  /** PLT marker segments (packet lengths) in the tile-part headers. */
  plt: boolean;
  /** Tile-parts: `"R"` = one tile-part per resolution (so that TLM lists the resolution breakpoints). */
  tileParts?: "R";
  /**
   * Quality targets (`ratios` / `psnr`): `"forbidden"` (lossless-only syntaxes), `"required"`
   * (.91: always lossy, as pydicom), `"optional"` (.203: lossy with targets, reversible without).
   */
  qualityTargets: "forbidden" | "required" | "optional";
  /** Lossy Image Compression Method (0028,2114) of irreversibly coded frames (PS3.3 C.7.6.1.1.5.1). */
  lossyMethod: "ISO_15444_1" | "ISO_15444_15";
}

const PART1_CODING = { blockCoder: "part1", progression: "LRCP", levels: "dicom", tlm: false, plt: false, lossyMethod: "ISO_15444_1" } as const;
const HT_CODING = { ...PART1_CODING, blockCoder: "ht", lossyMethod: "ISO_15444_15" } as const;

/** One transfer syntax and what j2kit does with it. */
export interface TransferSyntaxInfo {
  /** Transfer Syntax UID (PS3.6 Annex A). */
  uid: string;
  /** Short name (see {@link TransferSyntaxName}). */
  name: TransferSyntaxName;
  /** Name as in PS3.6. */
  title: string;
  /** Pixel Data is encapsulated in fragments (PS3.5 A.4) rather than native. */
  encapsulated: boolean;
  /** Data set uses explicit VRs (false = Implicit VR, PS3.5 A.1). */
  explicitVR: boolean;
  /** Data set after the file meta information is deflated (PS3.5 A.5). */
  deflated: boolean;
  /** Big-endian data set (retired, PS3.5 A.3). */
  bigEndian: boolean;
  /** JPEG 2000 family member: which kind of coding the syntax allows. */
  jpeg2000?: "lossless" | "lossy";
  /** JPEG 2000 syntaxes: how j2kit codes their frames. */
  coding?: Jpeg2000Coding;
  /** High-throughput JPEG 2000 (ISO/IEC 15444-15). */
  htj2k: boolean;
  /** j2kit reads and writes Pixel Data in this syntax. */
  supported: boolean;
  /**
   * For encapsulated syntaxes that are not JPEG 2000: the coding of the Pixel Data (e.g. "JPEG
   * (ISO/IEC 10918-1)"), which j2kit recognises in order to say so but does not decode.
   */
  otherCoding?: string;
}

/** Codings of the rows for syntaxes that are not JPEG 2000. */
const JPEG = "JPEG (ISO/IEC 10918-1)";
const JPEG_LS = "JPEG-LS (ISO/IEC 14495-1)";

/** Every transfer syntax j2kit recognises. */
export const TRANSFER_SYNTAXES: readonly TransferSyntaxInfo[] = [
  row("1.2.840.10008.1.2", "implicit-le", "Implicit VR Little Endian", { explicitVR: false }),
  row("1.2.840.10008.1.2.1", "explicit-le", "Explicit VR Little Endian", {}),
  row("1.2.840.10008.1.2.1.99", "deflated-le", "Deflated Explicit VR Little Endian", { deflated: true }),
  row("1.2.840.10008.1.2.2", "explicit-be", "Explicit VR Big Endian (retired)", { bigEndian: true, supported: false }),
  row("1.2.840.10008.1.2.4.90", "j2k-lossless", "JPEG 2000 Image Compression (Lossless Only)", {
    encapsulated: true,
    jpeg2000: "lossless",
    coding: { ...PART1_CODING, qualityTargets: "forbidden" },
  }),
  row("1.2.840.10008.1.2.4.91", "j2k", "JPEG 2000 Image Compression", {
    encapsulated: true,
    jpeg2000: "lossy",
    coding: { ...PART1_CODING, qualityTargets: "required" },
  }),
  // HTJ2K (PS3.5 §8.2.14, A.4.11): the same rules as .90 / .91, HT code-blocks.
  row("1.2.840.10008.1.2.4.201", "htj2k-lossless", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", {
    encapsulated: true,
    jpeg2000: "lossless",
    htj2k: true,
    coding: { ...HT_CODING, qualityTargets: "forbidden" },
  }),
  // PS3.5 §10.18: RPCL progression, lowest resolution at most 64 wide and high, TLM present. PLT and
  // one tile-part per resolution are j2kit's choice, for viewers that stream resolution by resolution.
  row("1.2.840.10008.1.2.4.202", "htj2k-rpcl", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", {
    encapsulated: true,
    jpeg2000: "lossless",
    htj2k: true,
    coding: { ...HT_CODING, progression: "RPCL", levels: "lowest-64", tlm: true, plt: true, tileParts: "R", qualityTargets: "forbidden" },
  }),
  row("1.2.840.10008.1.2.4.203", "htj2k", "High-Throughput JPEG 2000 Image Compression", {
    encapsulated: true,
    jpeg2000: "lossy",
    htj2k: true,
    coding: { ...HT_CODING, qualityTargets: "optional" },
  }),
  // Other encapsulated codings (PS3.5 §8.2.1 JPEG, §8.2.3 JPEG-LS, Annex G RLE): recognised so
  // that `dicom info` and errors name them, never decoded by j2kit.
  other("1.2.840.10008.1.2.4.50", "jpeg-baseline", "JPEG Baseline (Process 1)", JPEG),
  other("1.2.840.10008.1.2.4.51", "jpeg-extended", "JPEG Extended (Process 2 & 4)", JPEG),
  other("1.2.840.10008.1.2.4.57", "jpeg-lossless", "JPEG Lossless, Non-Hierarchical (Process 14)", JPEG),
  other("1.2.840.10008.1.2.4.70", "jpeg-lossless-sv1", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", JPEG),
  other("1.2.840.10008.1.2.4.80", "jpeg-ls-lossless", "JPEG-LS Lossless Image Compression", JPEG_LS),
  other("1.2.840.10008.1.2.4.81", "jpeg-ls", "JPEG-LS Lossy (Near-Lossless) Image Compression", JPEG_LS),
  other("1.2.840.10008.1.2.5", "rle", "RLE Lossless", "RLE (PS3.5 Annex G)"),
];

/** An encapsulated syntax whose Pixel Data is not JPEG 2000 (recognised, not supported). */
function other(uid: string, name: TransferSyntaxName, title: string, otherCoding: string): TransferSyntaxInfo {
  return { ...row(uid, name, title, { encapsulated: true, supported: false }), otherCoding };
}

function row(
  uid: string,
  name: TransferSyntaxName,
  title: string,
  p: Partial<Omit<TransferSyntaxInfo, "uid" | "name" | "title">>,
): TransferSyntaxInfo {
  return {
    uid,
    name,
    title,
    encapsulated: p.encapsulated ?? false,
    explicitVR: p.explicitVR ?? true,
    deflated: p.deflated ?? false,
    bigEndian: p.bigEndian ?? false,
    ...(p.jpeg2000 ? { jpeg2000: p.jpeg2000 } : {}),
    ...(p.coding ? { coding: p.coding } : {}),
    htj2k: p.htj2k ?? false,
    supported: p.supported ?? true,
  };
}

/** Other names accepted for a syntax (earlier spellings). */
const ALIASES: Readonly<Record<string, TransferSyntaxName>> = { "htj2k-lossless-rpcl": "htj2k-rpcl" };

/** The row for `uid`, or undefined when j2kit does not know the syntax. */
export function transferSyntaxByUid(uid: string): TransferSyntaxInfo | undefined {
  const clean = uid.replace(/[\0 ]+$/, "");
  return TRANSFER_SYNTAXES.find((t) => t.uid === clean);
}

/**
 * How to get native Pixel Data from a file in one of the `otherCoding` syntaxes (with dcmtk or
 * GDCM, which decode them), for messages.
 */
export function decompressHint(info: TransferSyntaxInfo): string {
  const tool = info.otherCoding === JPEG ? "dcmdjpeg" : info.otherCoding === JPEG_LS ? "dcmdjpls" : "dcmdrle";
  return `decompress it first: ${tool} in.dcm native.dcm (dcmtk) or gdcmconv --raw in.dcm native.dcm`;
}

/** The supported syntaxes as `name (uid)` for error messages. */
export function supportedTransferSyntaxList(): string {
  return TRANSFER_SYNTAXES.filter((t) => t.supported)
    .map((t) => `${t.name} (${t.uid})`)
    .join(", ");
}

/**
 * Resolve a UID or a short name to a supported transfer syntax.
 *
 * @param what - How the caller names the syntax in errors ("target transfer syntax", ...).
 * @throws J2kError `DICOM_UNSUPPORTED` for a syntax j2kit recognises but cannot handle (big endian)
 *   or does not know at all (JPEG, RLE, ...); the message lists the supported ones.
 */
export function resolveTransferSyntax(uidOrName: string, what = "transfer syntax"): TransferSyntaxInfo {
  const key = uidOrName.trim().replace(/\0+$/, "");
  const name = ALIASES[key.toLowerCase()] ?? key.toLowerCase();
  const info = TRANSFER_SYNTAXES.find((t) => t.uid === key || t.name === name);
  if (info === undefined) {
    throw new J2kError(
      "DICOM_UNSUPPORTED",
      `${what} ${JSON.stringify(key)} is not supported by j2kit; supported: ${supportedTransferSyntaxList()}`,
    );
  }
  if (!info.supported) {
    const why =
      info.otherCoding !== undefined
        ? what.startsWith("target")
          ? `j2kit writes JPEG 2000, not ${info.otherCoding}`
          : `its Pixel Data is ${info.otherCoding}, not JPEG 2000, and j2kit does not decode it (${decompressHint(info)})`
        : "this syntax is not supported";
    throw new J2kError(
      "DICOM_UNSUPPORTED",
      `${what} ${info.title} (${info.uid}): ${why}; supported: ${supportedTransferSyntaxList()}`,
    );
  }
  return info;
}
