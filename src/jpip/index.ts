/**
 * JPIP (ISO/IEC 15444-9): the protocol core and the client — no Node built-ins, so this module
 * runs in browsers and workers as well as Node. The server is `j2kit/jpip/server`
 * (`createJpipHandler`, Node only) and the CLI `j2kit jpip serve|get`.
 * @module
 */
export { openJpip, JpipClient, parseCnew } from "./client.js";
export type { JpipClientOptions, JpipView, JpipClientStats } from "./client.js";
export { encodeVbas, readVbas, writeVbas, vbasLength, VBAS_MAX } from "./vbas.js";
export { BinClass, EorReason, EOR_REASON_NAMES, MessageWriter, MessageParser, parseMessages, writeMessageHeader } from "./messages.js";
export type { DataMessage, EorMessage, JpipMessage } from "./messages.js";
export { DataBinCache, DataBin } from "./cache.js";
export { CodestreamBuilder } from "./rebuild.js";
export type { Rebuilt } from "./rebuild.js";
export { parseRequest, parseModel, parseTpModel, formatRequest, JpipRequestError } from "./request.js";
export type { JpipRequest, ModelItem, ModelClass, TilePartItem } from "./request.js";
export { resolveWindow, selectReduce, frameSize, maxReduce, precinctId, precinctSeq, splitPrecinctId, windowTiles, windowArea } from "./window.js";
export type { ViewWindow, ResolvedWindow, FsizRound, WindowPrecinct } from "./window.js";
export { CacheModel } from "./model.js";
