// Exports of the transform stage (Annex F wavelets, Annex G colour transforms, sample packing) and,
// re-exported from ../quant, of the quantisation kernels (Annex E). All kernels are pure pointer
// functions; see each file's header for its ABI.

export { dwtScratchBytes } from "./dwt_layout";
export { dwt53InverseLevel, dwt53InverseLevelTo, dwt53InverseLevelRing, dwt53ForwardLevel, dwt53ForwardLevelWhole, sweep53Bytes } from "./dwt53";
export { dwt97InverseLevel, dwt97InverseLevelRows, dwt97ForwardLevel, dwt97ForwardLevelWhole, sweep97Bytes } from "./dwt97";
export { dwtFeedBytes, dwtFeedBegin, dwtFeedRow, dwtFeedFinish, dwtFeedPixels } from "./dwt_feed";
export { dwtSplitTop, dwtSplitMove, dwtSplitBottom, dwtSplitPlace } from "./dwt_split";
export { dwtSynthesisNorm } from "./dwt_norms";
export {
  rctForward, rctInverse, rctInverseToOutput, rctInverseRowPacked,
  ictForward, ictInverse, ictInverseToOutput, ictInverseRowPacked, unpackIctForward,
  shiftClampI32, roundShiftClampF32, shiftClampRowPacked,
} from "./mct";
export {
  packComponent, packInterleaved, packComponentUpsampled,
  unpackComponent, unpackComponentF32,
} from "./pixel_pack";
export { orWords } from "./sample_bits";
export * from "../quant/exports";

/** Version of the transform/quant kernels' ABI (bumped when a signature changes). */
export function transformVersion(): i32 {
  return 2;
}
