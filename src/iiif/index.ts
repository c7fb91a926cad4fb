/**
 * `j2kit/iiif` — an IIIF Image API 3.0 (level 2) server for JPEG 2000 files, for Node.
 *
 * ```ts
 * import { createServer } from "node:http";
 * import { createIiifHandler } from "j2kit/iiif";
 * createServer(createIiifHandler({ root: "/data/images" })).listen(8182);
 * ```
 * @module
 */
export { createIiifHandler } from "./handler.js";
export type { IiifHandler, IiifHandlerOptions } from "./handler.js";
export { IiifError, resolveRegion, resolveSize, resolveRotation, resolveRequest } from "./params.js";
export type { IiifFormat, IiifQuality, PixelRect, ResolvedRequest, SizeLimits } from "./params.js";
export { imageInformation, tileSizeFor } from "./info.js";
export type { ImageInformation } from "./info.js";
export { FolderStore, pathForIdentifier } from "./image_source.js";
export type { ImageSource, ImageStore, SourceDecodeOptions } from "./image_source.js";
export type { RenderStats } from "./pipeline.js";
export { RenderGate, ServerBusyError } from "./render_gate.js";
export type { RenderGateStats } from "./render_gate.js";
