/**
 * j2kit — JPEG 2000 (ISO/IEC 15444-1) encoder and decoder for JavaScript runtimes.
 *
 * ```ts
 * import { encode, decode, readHeader } from "j2kit";
 * const j2k = encode({ width, height, components: 1, bitDepth: 12, signed: false, data });
 * const image = decode(j2k); // bit-exact for lossless
 * ```
 * @module
 */
export type * from "./types.js";
export { J2kError, isJ2kError } from "./errors.js";
export type { J2kErrorCode, J2kErrorStage } from "./errors.js";
export { init, initSync, releaseMemory, memoryInUse } from "./wasm/load.js";
export { decode } from "./decode.js";
export { decodeAsync } from "./decode_async.js";
export { encode, encodeAsync, encodeDetailed, encodeDetailedAsync } from "./encode.js";
export type { EncodeResult } from "./encode.js";
export { readHeader } from "./header.js";
export { sampleArrayFor } from "./samples.js";
export { psnr, psnrFromMse, mse, ssim } from "./metrics.js";
export { setWorkerCount, startWorkers, terminateWorkers, workerPoolInfo } from "./worker/pool.js";
export { CodestreamIndex, planDecode, assembleCodestream, memorySource, precinctSequence } from "./codestream/index.js";
export type { ByteRange, ByteSource, TilePartInfo, TilePackets, DecodePlan, PlannedTile, DecodeRequest, IndexOpenOptions } from "./codestream/index.js";
export { openImage } from "./range/open_image.js";
export type { ImageInput, OpenImageOptions, RangeImage, RangeStats, RangeReader, S3SourceOptions } from "./range/open_image.js";
export { optimize, RANGE_FRIENDLY } from "./range/optimize.js";
export { transcodeBlockCoder } from "./transcode_block_coder.js";
export type { TranscodeBlockCoderOptions, TranscodeBlockCoderResult } from "./transcode_block_coder.js";
export type { OptimizeOptions } from "./range/optimize.js";
export { encodeJpeg, encodeJpegDetailed, createJpegWriter, JpegWriter, jpegMetadataFromJp2 } from "./jpeg/index.js";
export { createJpegDecoder, decodeJpeg, JpegDecoder } from "./jpeg/index.js";
export type { JpegMeasurement, JpegFrame, JpegDecodeSummary, JpegDecoderOptions, DecodedJpeg } from "./jpeg/index.js";
export type { Jp2JpegMetadata, JpegEncodeResult, JpegWriterInfo, JpegSink, JpegOptions, JpegEncodeOptions, JpegSubsampling, JpegDensity } from "./jpeg/index.js";
