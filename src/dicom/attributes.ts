/**
 * The DICOM attributes the DICOM layer reads or writes (tags, keywords and VRs from PS3.6), and
 * small accessors over a data set in dcmjs's denaturalized form (`{ "00280010": { vr, Value } }`),
 * which is how the layer holds every input internally.
 * @module
 */

/** One attribute: tag as 8 upper-case hex digits (dcmjs's key), keyword and VR (PS3.6 Table 6-1). */
export interface AttributeDef {
  tag: string;
  keyword: string;
  vr: string;
}

function def(tag: string, keyword: string, vr: string): AttributeDef {
  return { tag, keyword, vr };
}

/** Attributes j2kit touches, by keyword. */
export const ATTRIBUTES = {
  FileMetaInformationVersion: def("00020001", "FileMetaInformationVersion", "OB"),
  MediaStorageSOPClassUID: def("00020002", "MediaStorageSOPClassUID", "UI"),
  MediaStorageSOPInstanceUID: def("00020003", "MediaStorageSOPInstanceUID", "UI"),
  TransferSyntaxUID: def("00020010", "TransferSyntaxUID", "UI"),
  ImplementationClassUID: def("00020012", "ImplementationClassUID", "UI"),
  ImplementationVersionName: def("00020013", "ImplementationVersionName", "SH"),
  ImageType: def("00080008", "ImageType", "CS"),
  SOPClassUID: def("00080016", "SOPClassUID", "UI"),
  SOPInstanceUID: def("00080018", "SOPInstanceUID", "UI"),
  SamplesPerPixel: def("00280002", "SamplesPerPixel", "US"),
  PhotometricInterpretation: def("00280004", "PhotometricInterpretation", "CS"),
  PlanarConfiguration: def("00280006", "PlanarConfiguration", "US"),
  NumberOfFrames: def("00280008", "NumberOfFrames", "IS"),
  Rows: def("00280010", "Rows", "US"),
  Columns: def("00280011", "Columns", "US"),
  BitsAllocated: def("00280100", "BitsAllocated", "US"),
  BitsStored: def("00280101", "BitsStored", "US"),
  HighBit: def("00280102", "HighBit", "US"),
  PixelRepresentation: def("00280103", "PixelRepresentation", "US"),
  LossyImageCompression: def("00282110", "LossyImageCompression", "CS"),
  LossyImageCompressionRatio: def("00282112", "LossyImageCompressionRatio", "DS"),
  LossyImageCompressionMethod: def("00282114", "LossyImageCompressionMethod", "CS"),
  ExtendedOffsetTable: def("7FE00001", "ExtendedOffsetTable", "OV"),
  ExtendedOffsetTableLengths: def("7FE00002", "ExtendedOffsetTableLengths", "OV"),
  PixelData: def("7FE00010", "PixelData", "OB"),
} as const satisfies Record<string, AttributeDef>;

/** `Keyword (GGGG,EEEE)` — how errors and warnings name an attribute. */
export function attributeName(a: AttributeDef): string {
  return `${a.keyword} (${a.tag.slice(0, 4)},${a.tag.slice(4)})`;
}

/** One element of a denaturalized dcmjs data set. */
export interface DicomElement {
  vr: string;
  Value?: unknown[];
  [extra: string]: unknown;
}

/** A data set in dcmjs's denaturalized form: tag (8 hex digits) → element. */
export type DenaturalizedDataset = Record<string, DicomElement>;

/** Values of an attribute, or undefined when absent or empty. */
export function getValues(ds: DenaturalizedDataset, a: AttributeDef): unknown[] | undefined {
  const el = ds[a.tag];
  if (el === undefined || !Array.isArray(el.Value) || el.Value.length === 0) return undefined;
  return el.Value;
}

/** First value as a number (numbers or numeric strings, as dcmjs gives IS/DS), or undefined. */
export function getNumber(ds: DenaturalizedDataset, a: AttributeDef): number | undefined {
  const v = getValues(ds, a)?.[0];
  return toNumber(v);
}

/** A number from a DICOM value (number, numeric string, or one-element array of those). */
export function toNumber(v: unknown): number | undefined {
  if (Array.isArray(v)) return v.length > 0 ? toNumber(v[0]) : undefined;
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** First value as a trimmed string, or undefined. */
export function getString(ds: DenaturalizedDataset, a: AttributeDef): string | undefined {
  const v = getValues(ds, a)?.[0];
  return typeof v === "string" ? v.replace(/[\0 ]+$/, "").trim() : undefined;
}

/** Every value as a trimmed string. */
export function getStrings(ds: DenaturalizedDataset, a: AttributeDef): string[] {
  return (getValues(ds, a) ?? []).map((v) => String(v).replace(/[\0 ]+$/, "").trim());
}

/** Replace an attribute (a fresh element, so dcmjs writes the new values rather than a raw copy). */
export function setValues(ds: DenaturalizedDataset, a: AttributeDef, values: unknown[], vr: string = a.vr): void {
  ds[a.tag] = { vr, Value: values };
}

/** Remove an attribute if present. */
export function removeAttribute(ds: DenaturalizedDataset, a: AttributeDef): void {
  delete ds[a.tag];
}

/** A binary value (ArrayBuffer, typed array or DataView) as bytes, without copying. */
export function asBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

/** A copy of `bytes` as a stand-alone ArrayBuffer (what dcmjs stores binary values as). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}
