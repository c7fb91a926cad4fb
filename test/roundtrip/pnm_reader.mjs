/**
 * The tests' own reader for binary PGM/PPM (Netpbm P5 grey, P6 RGB; maxval up to 65535, two bytes
 * big-endian per sample above 255), independent of the library's src/io. Plain JavaScript so that
 * scripts run with node alone (test/encoder/rd_table.mjs) can use it too.
 * @module
 */

/**
 * Parse a binary PGM/PPM.
 * @param {Uint8Array} bytes
 * @returns {{ width: number, height: number, components: number, bitDepth: number, signed: false, data: Uint8Array | Uint16Array }}
 */
export function readBinaryPnm(bytes) {
  let pos = 0;
  const isSpace = (b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
  const token = () => {
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos])) pos++;
      if (bytes[pos] !== 0x23) break; // '#' comment to the end of the line
      while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
    }
    const start = pos;
    while (pos < bytes.length && !isSpace(bytes[pos])) pos++;
    return String.fromCharCode(...bytes.subarray(start, pos));
  };
  const magic = token();
  if (magic !== "P5" && magic !== "P6") throw new Error(`not a binary PGM/PPM (${magic})`);
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  if (!(width > 0 && height > 0 && maxval > 0 && maxval < 65536)) throw new Error(`bad PNM header ${width}x${height} maxval ${maxval}`);
  pos++; // the single whitespace byte after maxval
  const components = magic === "P6" ? 3 : 1;
  const bitDepth = Math.ceil(Math.log2(maxval + 1));
  const n = width * height * components;
  const wide = maxval > 255;
  if (bytes.length < pos + n * (wide ? 2 : 1)) throw new Error("PNM data is truncated");
  const data = wide ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = wide ? (bytes[pos + 2 * i] << 8) | bytes[pos + 2 * i + 1] : bytes[pos + i];
  return { width, height, components, bitDepth, signed: false, data };
}
