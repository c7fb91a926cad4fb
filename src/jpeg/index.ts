/**
 * JPEG (ISO/IEC 10918-1 baseline, JFIF) encoding: whole images and strip-by-strip streaming.
 * @module
 */
export { encodeJpeg, encodeJpegDetailed } from "./encode.js";
export type { JpegEncodeResult } from "./encode.js";
export { createJpegWriter, JpegWriter } from "./writer.js";
export type { JpegWriterInfo, JpegSink, JpegMeasurement } from "./writer.js";
export { createJpegDecoder, decodeJpeg, JpegDecoder } from "./decode.js";
export type { JpegFrame, JpegDecodeSummary, JpegDecoderOptions, DecodedJpeg } from "./decode.js";
export type { JpegOptions, JpegEncodeOptions, JpegSubsampling, JpegDensity } from "./options.js";
export { jpegMetadataFromJp2, jpegReady, XMP_UUID } from "./from_jp2.js";
export type { Jp2JpegMetadata } from "./from_jp2.js";
