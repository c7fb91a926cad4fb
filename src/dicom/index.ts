/**
 * j2kit/dicom — DICOM JPEG 2000 and HTJ2K transfer syntaxes (PS3.5 §8.2.4, §8.2.14, A.4.4) on top of dcmjs.
 *
 * ```ts
 * import { transcode } from "j2kit/dicom";
 * const lossless = transcode(part10Bytes, { transferSyntax: "j2k-lossless" });      // .90
 * const lossy = transcode(part10Bytes, { transferSyntax: "j2k", ratios: [10] });      // .91
 * const native = transcode(lossless, { transferSyntax: "explicit-le", onWarning: console.warn });
 * ```
 * Works in Node and in browsers (no Node built-ins). All DICOM policy lives here; the codec never
 * sees DICOM.
 * @module
 */
export {
  transcode,
  transcodeAsync,
  inspectDicom,
  newUid,
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION_NAME,
} from "./transcode.js";
export type { DicomDictLike, DicomInput, DicomPixelSummary, NaturalizedDataset, TranscodeOptions } from "./transcode.js";
export { encodeFrames, encodeFramesAsync, decodeFrames, decodeFramesAsync } from "./frames.js";
export type {
  BytesLike,
  DecodedFrames,
  DecodeFramesOptions,
  EncapsulatedFrames,
  EncodedFrames,
  EncodeFramesOptions,
} from "./frames.js";
export {
  readPixelModule,
  planJpeg2000Encoding,
  planJpeg2000Decoding,
  JPEG2000_ENCODING_RULES,
  JPEG2000_DECODED_PHOTOMETRIC,
  PHOTOMETRIC_SAMPLES,
  BITS_ALLOCATED,
} from "./pixel_module.js";
export type {
  ColourHandling,
  Jpeg2000EncodingPlan,
  Jpeg2000EncodingRule,
  PixelModule,
  PixelModuleAttributes,
  PixelModuleSource,
  ReadPixelModuleOptions,
} from "./pixel_module.js";
export {
  TRANSFER_SYNTAXES,
  transferSyntaxByUid,
  resolveTransferSyntax,
  decompressHint,
  supportedTransferSyntaxList,
} from "./transfer_syntax.js";
export type { Jpeg2000Coding, TransferSyntaxInfo, TransferSyntaxName } from "./transfer_syntax.js";
export {
  encapsulateFrames,
  parseEncapsulatedPixelData,
  framesFromFragments,
  needsExtendedOffsetTable,
  frameItemOffsets,
  trimAfterEoc,
  concatBytes,
  toOV,
  fromOV,
} from "./encapsulation.js";
export type {
  EncapsulatedPixelData,
  EncapsulateOptions,
  Fragment,
  FrameTables,
  FramesFromFragments,
  ParsedEncapsulation,
} from "./encapsulation.js";
export { readNativeFrame, writeNativePixelData, nativePixelDataLength } from "./native_pixels.js";
export { readPart10, writePart10, isPart10 } from "./part10.js";
export type { Part10Contents } from "./part10.js";
export { ATTRIBUTES, attributeName } from "./attributes.js";
export type { AttributeDef, DenaturalizedDataset, DicomElement } from "./attributes.js";
