// The whole export surface of the core (C-like ABI: numbers and pointers only).
// Names are objectVerb. Each stage exports its own entry points from its folder's exports.ts.

export { jobBegin, alloc, setMemoryLimit, memoryUsed, memoryPeak } from "./job";
export * from "./t1/exports";
export * from "./transform/exports";
export * from "./api_decoder";
export * from "./api_encoder";
export * from "./jpeg/exports";
