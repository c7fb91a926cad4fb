/**
 * JP2 / JPX / JPH file format (ISO/IEC 15444-1 Annex I, 15444-2 Annex M): box reading, header
 * parsing, ICC checks, palette and channel handling, and JP2 writing. Pure TypeScript; runs in
 * browsers and Node alike.
 * @module
 */

export { BOX, SUPERBOXES, boxCode, findBox, findBoxes, fourCC, hasJp2Signature, readBoxes, sniffFormat } from "./boxes.js";
export type { BoxSequence } from "./boxes.js";
export { ENUMERATED_COLOR_SPACES, codestreamOf, enumeratedColorChannels, readJp2, toColorSpaceInfo, toJp2Info } from "./read.js";
export type { ReadJp2Options } from "./read.js";
export { iccColorChannels, planCurvRepairs, readIccHeader, repairCurvTags, validateIcc } from "./icc.js";
export type { CurvRepair, IccHeader, IccTag, IccValidation } from "./icc.js";
export { applyPalette, colorChannelsOf, orderChannels } from "./palette.js";
export type { ApplyPaletteOptions, ChannelInfo, ChannelRole, MappedChannels, OrderedChannels } from "./palette.js";
export { encodeResolution, writeJp2 } from "./write.js";
export type { Jp2WriteOptions } from "./write.js";
export type * from "./types.js";
export { checkJp2, repairJp2Icc } from "./repair.js";
export type { Jp2Check, Jp2IccRepair } from "./repair.js";
