export function decoderVersion(): i32 { return 1; }
