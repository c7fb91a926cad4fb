/**
 * The JPIP server (Node only): `createJpipHandler` for an existing `node:http` server, and the
 * data-bin builder it uses. See handler.ts.
 * @module
 */
export { createJpipHandler } from "./handler.js";
export type { JpipHandler, JpipHandlerOptions, JpipResponseInfo } from "./handler.js";
export { TargetBins } from "./databins.js";
export type { PrecinctBin, PacketPiece, TargetBinsOptions } from "./databins.js";
export { respond } from "./respond.js";
export type { ResponsePlan, ResponseStats } from "./respond.js";
