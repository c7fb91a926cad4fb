// Raw (bypass) segment decoder for the selective arithmetic-coding bypass mode
// (ISO/IEC 15444-1 D.6, code-block style BYPASS): bits are read MSB first; after a 0xFF byte the
// next byte carries only 7 bits (its most significant bit is a stuffed 0).
//
// Like the MQ decoder, a raw segment is read as if followed by 0xFF bytes: the segment is
// terminated with 0xFF 0xFF by mqSegmentOpen(), and "0xFF followed by a byte > 0x8F" (a marker
// or the terminator) yields 1-bits without advancing, so nothing past segment end + 2 is read.

/** Last byte read. */
let rawC: u32 = 0;
/** Bits of rawC not consumed yet. */
let rawCt: i32 = 0;
/** Next byte to read. */
let rawBp: usize = 0;

/** Start reading a raw segment at `start`. */
export function rawDecodeInit(start: usize): void {
  rawC = 0;
  rawCt = 0;
  rawBp = start;
}

/** Next raw bit (D.6). */
export function rawDecodeBit(): u32 {
  let ct = rawCt;
  let c = rawC;
  if (ct == 0) {
    const b = <u32>load<u8>(rawBp);
    if (c == 0xff) {
      if (b > 0x8f) {
        // marker or end of segment: 1-bits from here on
        c = 0xff;
        ct = 8;
      } else {
        c = b;
        rawBp++;
        ct = 7;
      }
    } else {
      c = b;
      rawBp++;
      ct = 8;
    }
    rawC = c;
  }
  ct--;
  rawCt = ct;
  return (c >>> <u32>ct) & 1;
}
