// The codestream parsed by the last decoderParse (codec/api_decoder.ts), for other entry points of
// the same job (strip decoding, codec/api_strip.ts). Not exported from codec/index.ts.

let parsed: usize = 0;

export function setParsedCodestream(cs: usize): void {
  parsed = cs;
}

/** Pointer of the parsed Codestream, 0 if none. */
export function parsedCodestream(): usize {
  return parsed;
}
