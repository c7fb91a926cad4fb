/**
 * The DICOM transfer syntaxes j2kit knows (PS3.5 §10 and Annex A; UIDs from PS3.6 Annex A).
 *
 * One table row per syntax says how its Pixel Data is stored (native or encapsulated, PS3.5 A.4),
 * how the data set is encoded (implicit / explicit VR, deflated, PS3.5 A.1-A.5) and whether j2kit
 * reads and writes it. The HTJ2K syntaxes (PS3.5 §8.2.14) are recognised so that errors can name
 * them, but not supported yet.
 * @module
 */
import { J2kError } from "../errors.js";

/** Short names accepted wherever a transfer syntax is asked for (the CLI's `--to`, `transcode`). */
export type TransferSyntaxName =
  | "implicit-le"
  | "explicit-le"
  | "deflated-le"
  | "explicit-be"
  | "j2k-lossless"
  | "j2k"
  | "htj2k-lossless"
  | "htj2k-lossless-rpcl"
  | "htj2k";

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
  /** High-throughput JPEG 2000 (ISO/IEC 15444-15). */
  htj2k: boolean;
  /** j2kit reads and writes Pixel Data in this syntax. */
  supported: boolean;
}

/** Every transfer syntax j2kit recognises. */
export const TRANSFER_SYNTAXES: readonly TransferSyntaxInfo[] = [
  row("1.2.840.10008.1.2", "implicit-le", "Implicit VR Little Endian", { explicitVR: false }),
  row("1.2.840.10008.1.2.1", "explicit-le", "Explicit VR Little Endian", {}),
  row("1.2.840.10008.1.2.1.99", "deflated-le", "Deflated Explicit VR Little Endian", { deflated: true }),
  row("1.2.840.10008.1.2.2", "explicit-be", "Explicit VR Big Endian (retired)", { bigEndian: true, supported: false }),
  row("1.2.840.10008.1.2.4.90", "j2k-lossless", "JPEG 2000 Image Compression (Lossless Only)", {
    encapsulated: true,
    jpeg2000: "lossless",
  }),
  row("1.2.840.10008.1.2.4.91", "j2k", "JPEG 2000 Image Compression", { encapsulated: true, jpeg2000: "lossy" }),
  row("1.2.840.10008.1.2.4.201", "htj2k-lossless", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", {
    encapsulated: true,
    jpeg2000: "lossless",
    htj2k: true,
    supported: false,
  }),
  row(
    "1.2.840.10008.1.2.4.202",
    "htj2k-lossless-rpcl",
    "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
    { encapsulated: true, jpeg2000: "lossless", htj2k: true, supported: false },
  ),
  row("1.2.840.10008.1.2.4.203", "htj2k", "High-Throughput JPEG 2000 Image Compression", {
    encapsulated: true,
    jpeg2000: "lossy",
    htj2k: true,
    supported: false,
  }),
];

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
    htj2k: p.htj2k ?? false,
    supported: p.supported ?? true,
  };
}

/** The row for `uid`, or undefined when j2kit does not know the syntax. */
export function transferSyntaxByUid(uid: string): TransferSyntaxInfo | undefined {
  const clean = uid.replace(/[\0 ]+$/, "");
  return TRANSFER_SYNTAXES.find((t) => t.uid === clean);
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
 * @throws J2kError `DICOM_UNSUPPORTED` for a syntax j2kit recognises but cannot handle (HTJ2K, big
 *   endian, JPEG, RLE, ...) or does not know at all; the message lists the supported ones.
 */
export function resolveTransferSyntax(uidOrName: string, what = "transfer syntax"): TransferSyntaxInfo {
  const key = uidOrName.trim().replace(/\0+$/, "");
  const info = TRANSFER_SYNTAXES.find((t) => t.uid === key || t.name === key.toLowerCase());
  if (info === undefined) {
    throw new J2kError(
      "DICOM_UNSUPPORTED",
      `${what} ${JSON.stringify(key)} is not supported by j2kit; supported: ${supportedTransferSyntaxList()}`,
    );
  }
  if (!info.supported) {
    const why = info.htj2k ? "HTJ2K (ISO/IEC 15444-15) is not supported yet" : "this syntax is not supported";
    throw new J2kError(
      "DICOM_UNSUPPORTED",
      `${what} ${info.title} (${info.uid}): ${why}; supported: ${supportedTransferSyntaxList()}`,
    );
  }
  return info;
}
