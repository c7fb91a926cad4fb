// Marker segments of a baseline JFIF file (ISO/IEC 10918-1 Annex B; JFIF 1.02; ICC.1 Annex B.4
// for APP2 ICC_PROFILE; XMP Specification Part 3 for the APP1 packet), in the order cjpeg writes
// them: SOI, APP0, [APP1 XMP], [APP2 ICC...], [COM...], DQT, SOF0, DHT, [DRI], SOS.

import { Writer, writerInit, wrU8, wrU16, wrBytes, writerLength } from "../io/writer";
import { fail } from "../util/fail";
import { CHECK_JPEG_DENSITY, CHECK_JPEG_ICC, CHECK_JPEG_XMP } from "../api_fields";
import { ERR_ENCODE_OPTIONS } from "../util/error_codes";
import { JpegCtx, CTX_QUANT, CF_H, CF_V, CF_TBL, compGet } from "./context";
import { ZIGZAG } from "./tables";
import { bitsPtr, valsPtr, huffCount } from "./huffman";

const SOI: u32 = 0xd8;
const APP0: u32 = 0xe0;
const APP1: u32 = 0xe1;
const APP2: u32 = 0xe2;
const COM: u32 = 0xfe;
const DQT: u32 = 0xdb;
const SOF0: u32 = 0xc0;
const DHT: u32 = 0xc4;
const DRI: u32 = 0xdd;
const SOS: u32 = 0xda;

/** Largest ICC data per APP2 segment: 65535 - 2 (length) - 12 ("ICC_PROFILE\0") - 2 (seq, count). */
export const ICC_CHUNK: i32 = 65519;
/** Largest XMP packet in one APP1: 65535 - 2 - 29 (namespace with its NUL). */
export const XMP_MAX: i32 = 65502;
/** Largest COM payload: 65535 - 2. */
export const COM_MAX: i32 = 65533;

const JFIF_ID: usize = memory.data<u8>([0x4a, 0x46, 0x49, 0x46, 0x00]);
const ICC_ID: usize = memory.data<u8>([0x49, 0x43, 0x43, 0x5f, 0x50, 0x52, 0x4f, 0x46, 0x49, 0x4c, 0x45, 0x00]);
// "http://ns.adobe.com/xap/1.0/\0"
const XMP_ID: usize = memory.data<u8>([
  0x68, 0x74, 0x74, 0x70, 0x3a, 0x2f, 0x2f, 0x6e, 0x73, 0x2e, 0x61, 0x64, 0x6f, 0x62, 0x65, 0x2e,
  0x63, 0x6f, 0x6d, 0x2f, 0x78, 0x61, 0x70, 0x2f, 0x31, 0x2e, 0x30, 0x2f, 0x00,
]);

function marker(w: Writer, m: u32): void {
  wrU8(w, 0xff);
  wrU8(w, m);
}

/** DHT for slot t as class tc / identifier th (B.2.4.2). */
function writeDht(w: Writer, ctx: usize, t: i32, tc: u32, th: u32): void {
  let n = huffCount(ctx, t);
  marker(w, DHT);
  wrU16(w, <u32>(2 + 1 + 16 + n));
  wrU8(w, (tc << 4) | th);
  wrBytes(w, bitsPtr(ctx, t) + 1, 16);
  wrBytes(w, valsPtr(ctx, t), <usize>n);
}

/**
 * Write every header segment up to and including SOS. `coms` is a list of `comCount` entries, each
 * a u32 length followed by that many bytes. Density units: 0 aspect ratio only, 1 dpi, 2 dpcm.
 * Returns the bytes written.
 */
export function writeHeaders(
  ctx: usize, out: usize, cap: i32,
  icc: usize, iccLen: i32, xmp: usize, xmpLen: i32, coms: usize, comCount: i32,
  densityUnits: i32, xDensity: i32, yDensity: i32,
): i32 {
  let c = changetype<JpegCtx>(ctx);
  if (densityUnits < 0 || densityUnits > 2 || xDensity < 1 || xDensity > 65535 || yDensity < 1 || yDensity > 65535) {
    fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_DENSITY, densityUnits);
  }
  let chunks = iccLen > 0 ? (iccLen + ICC_CHUNK - 1) / ICC_CHUNK : 0;
  if (iccLen < 0 || chunks > 255) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_ICC, iccLen);
  if (xmpLen < 0 || xmpLen > XMP_MAX) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_XMP, xmpLen);

  let w = changetype<Writer>(memory.data(offsetof<Writer>(), 16));
  writerInit(w, out, <usize>cap);
  marker(w, SOI);

  // APP0 JFIF (JFIF 1.02 figure): version 1.01 as cjpeg writes it, no thumbnail.
  marker(w, APP0);
  wrU16(w, 16);
  wrBytes(w, JFIF_ID, 5);
  wrU8(w, 1);
  wrU8(w, 1);
  wrU8(w, <u32>densityUnits);
  wrU16(w, <u32>xDensity);
  wrU16(w, <u32>yDensity);
  wrU8(w, 0);
  wrU8(w, 0);

  if (xmp != 0 && xmpLen > 0) {
    marker(w, APP1);
    wrU16(w, <u32>(2 + 29 + xmpLen));
    wrBytes(w, XMP_ID, 29);
    wrBytes(w, xmp, <usize>xmpLen);
  }

  // ICC.1 B.4: the profile in chunks, each with its 1-based sequence number and the chunk count.
  for (let k = 0; k < chunks; k++) {
    let n = min(ICC_CHUNK, iccLen - k * ICC_CHUNK);
    marker(w, APP2);
    wrU16(w, <u32>(2 + 12 + 2 + n));
    wrBytes(w, ICC_ID, 12);
    wrU8(w, <u32>(k + 1));
    wrU8(w, <u32>chunks);
    wrBytes(w, icc + <usize>k * <usize>ICC_CHUNK, <usize>n);
  }

  let p = coms;
  for (let k = 0; k < comCount; k++) {
    let n = load<u32>(p);
    p += 4;
    // A comment longer than one segment continues in the next COM segment.
    let done: u32 = 0;
    do {
      let part = min(<u32>COM_MAX, n - done);
      marker(w, COM);
      wrU16(w, 2 + part);
      wrBytes(w, p + done, part);
      done += part;
    } while (done < n);
    p += n;
  }

  // DQT (B.2.4.1): one segment per table, 8-bit precision, values in zig-zag order.
  let tables = c.comps == 1 ? 1 : 2;
  for (let t = 0; t < tables; t++) {
    marker(w, DQT);
    wrU16(w, 67);
    wrU8(w, <u32>t);
    let q = ctx + CTX_QUANT + (<usize>t << 7);
    for (let k: usize = 0; k < 64; k++) wrU8(w, <u32>load<u16>(q + (<usize>load<u8>(ZIGZAG + k) << 1)));
  }

  // SOF0 (B.2.2): baseline, P = 8, component identifiers 1..Nf.
  marker(w, SOF0);
  wrU16(w, <u32>(8 + 3 * c.comps));
  wrU8(w, 8);
  wrU16(w, <u32>c.height);
  wrU16(w, <u32>c.width);
  wrU8(w, <u32>c.comps);
  for (let i = 0; i < c.comps; i++) {
    wrU8(w, <u32>(i + 1));
    wrU8(w, <u32>((compGet(ctx, i, CF_H) << 4) | compGet(ctx, i, CF_V)));
    wrU8(w, <u32>compGet(ctx, i, CF_TBL));
  }

  // DHT in scan order: DC 0, AC 0, then DC 1, AC 1 for chrominance.
  writeDht(w, ctx, 0, 0, 0);
  writeDht(w, ctx, 1, 1, 0);
  if (c.comps > 1) {
    writeDht(w, ctx, 2, 0, 1);
    writeDht(w, ctx, 3, 1, 1);
  }

  if (c.restartInterval > 0) {
    marker(w, DRI);
    wrU16(w, 4);
    wrU16(w, <u32>c.restartInterval);
  }

  // SOS (B.2.3): one interleaved scan, Ss = 0, Se = 63, Ah = Al = 0.
  marker(w, SOS);
  wrU16(w, <u32>(6 + 2 * c.comps));
  wrU8(w, <u32>c.comps);
  for (let i = 0; i < c.comps; i++) {
    let t = <u32>compGet(ctx, i, CF_TBL);
    wrU8(w, <u32>(i + 1));
    wrU8(w, (t << 4) | t);
  }
  wrU8(w, 0);
  wrU8(w, 63);
  wrU8(w, 0);
  c.headersDone = 1;
  return writerLength(w);
}
