// The whole export surface of the core (C-like ABI: numbers and pointers only).
// Names are objectVerb. Each stage exports its own entry points from its folder's exports.ts.
// Field numbers and constants the host passes are generated from scripts/core_interface.mjs
// (api_fields.ts); src/core_interface.ts is the typed TypeScript view of these exports.

export { jobBegin, alloc, setMemoryLimit, memoryUsed, memoryPeak } from "./job";
export * from "./t1/exports";
export * from "./transform/exports";
export * from "./api_decoder";
export * from "./api_strip";
export * from "./api_encoder";
export * from "./api_transcode";
export * from "./api_blocks";
export * from "./api_bands";
export * from "./jpeg/exports";
export { coreInterfaceHash } from "./api_fields";
export * from "./jpeg/decode_exports";
export * from "./rate/exports";
