/** Types of pnm_reader.mjs. */
export function readBinaryPnm(bytes: Uint8Array): {
  width: number;
  height: number;
  components: number;
  bitDepth: number;
  signed: false;
  data: Uint8Array | Uint16Array;
};
