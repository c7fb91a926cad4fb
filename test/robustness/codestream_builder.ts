/**
 * A minimal JPEG 2000 codestream writer for robustness tests: SOC, SIZ (A.5.1), COD (A.6.1),
 * QCD (A.6.4, no quantisation), one tile-part per tile (SOT/SOD, A.4.2) whose body is `body`
 * (default: one 0x00 byte, i.e. an empty packet, B.10.3), EOC. Geometry fields are written as
 * given, so a test can declare sizes no encoder would produce while the file stays a few dozen
 * bytes long.
 * @module
 */

export interface BuildOptions {
  width: number;
  height: number;
  /** Tile size (default: the image size). */
  tileWidth?: number;
  tileHeight?: number;
  /** Components as [precision, signed, XRsiz, YRsiz] (default one unsigned 8-bit component). */
  components?: Array<[number, boolean, number, number]>;
  /** Decomposition levels (default 1). */
  levels?: number;
  layers?: number;
  /** Tile-part body (default one 0x00 byte: an empty packet). */
  body?: Uint8Array;
}

class Out {
  bytes: number[] = [];
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(Math.floor(v / 65536)).u16(v % 65536);
  }
}

/** Bytes of a codestream with the given (possibly absurd) geometry. */
export function buildCodestream(o: BuildOptions): Uint8Array {
  const comps = o.components ?? [[8, false, 1, 1]];
  const levels = o.levels ?? 1;
  const tw = o.tileWidth ?? o.width;
  const th = o.tileHeight ?? o.height;
  const tiles = Math.ceil(o.width / tw) * Math.ceil(o.height / th);
  const body = o.body ?? Uint8Array.of(0);
  const w = new Out();
  w.u16(0xff4f);
  w.u16(0xff51).u16(38 + 3 * comps.length).u16(0).u32(o.width).u32(o.height).u32(0).u32(0).u32(tw).u32(th).u32(0).u32(0).u16(comps.length);
  for (const [prec, signed, dx, dy] of comps) w.u8((prec - 1) | (signed ? 0x80 : 0)).u8(dx).u8(dy);
  // COD: Scod 0, LRCP, layers, no MCT; levels, 64x64 code-blocks, style 0, 5/3
  w.u16(0xff52).u16(12).u8(0).u8(0).u16(o.layers ?? 1).u8(0).u8(levels).u8(4).u8(4).u8(0).u8(1);
  // QCD: no quantisation, 2 guard bits, exponent = precision + gain (E.1) is plenty for zeros
  const bands = 3 * levels + 1;
  w.u16(0xff5c).u16(3 + bands).u8(2 << 5);
  for (let b = 0; b < bands; b++) w.u8(10 << 3);
  for (let t = 0; t < tiles; t++) {
    w.u16(0xff90).u16(10).u16(t).u32(14 + body.length).u8(0).u8(1);
    w.u16(0xff93);
    for (const b of body) w.u8(b);
  }
  w.u16(0xffd9);
  return Uint8Array.from(w.bytes);
}
