/**
 * The codestream index (issue 10): where every tile-part and packet of a JPEG 2000 codestream is,
 * what a decode request needs, and a sparse codestream holding only that. Shared by byte-range
 * decoding (`openImage`), JPIP and strip decoding. See docs/ARCHITECTURE.md, "Codestream index".
 *
 * ```ts
 * const index = await CodestreamIndex.open(source, { offset, length });  // main header (+ TLM)
 * const plan = await planDecode(index, { region, reduce, layers, components });
 * await source.prefetch?.(plan.ranges);
 * const sparse = assembleCodestream(index, plan, (offset, length) => bytesAt(offset, length));
 * const image = decode(sparse, { region, reduce, layers, components });  // = decode of the whole file
 * ```
 * @module
 */
export { CodestreamIndex } from "./codestream_index.js";
export type { TilePartInfo, TilePackets, IndexOpenOptions } from "./codestream_index.js";
export { planDecode, decodeArea, tilesOf, neededPrecincts, neededPackets } from "./plan.js";
export type { DecodePlan, PlannedTile, DecodeRequest, DecodeArea } from "./plan.js";
export { assembleCodestream } from "./assemble.js";
export { checkMarkerLengths } from "./verify.js";
export { repackCodestream } from "./repack.js";
export type { RepackOptions } from "./repack.js";
export type { PlannedBytes } from "./assemble.js";
export { memorySource, mergeRanges, TlmMismatch } from "./source.js";
export type { ByteRange, ByteSource } from "./source.js";
export { precinctSequence, packetOrder } from "./progression.js";
export type { PacketOrder } from "./progression.js";
export { tileGeometry, tileBounds, precinctBand } from "./geometry.js";
export type { TileGeom, TileCompGeom, ResolutionGeom, BandGeom, PrecinctBandGeom } from "./geometry.js";
export type { MainHeader, MarkerSegment, Siz, CodingStyle, GlobalStyle, PocEntry, TilePartHeader } from "./markers.js";
