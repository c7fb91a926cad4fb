// Raw (bypass) segment encoder for the selective arithmetic-coding bypass mode
// (ISO/IEC 15444-1 D.6): bits are written MSB first; after a 0xFF byte a 0 bit is stuffed into
// the most significant bit of the next byte.

import { fail } from "../util/fail";
import { ERR_ENCODE_OVERFLOW } from "../util/error_codes";

/** Byte being assembled. */
let raweC: u32 = 0;
/** Free bit positions left in raweC. */
let raweCt: i32 = 8;
/** Capacity of the byte being assembled: 8, or 7 after a 0xFF. */
let raweCap: i32 = 8;
/** Where the byte being assembled goes. */
let raweBp: usize = 0;
let raweLimit: usize = 0;

/** Start a raw segment whose first byte goes to `start`; `limit` = end of the buffer. */
export function rawEncodeInit(start: usize, limit: usize): void {
  raweC = 0;
  raweCt = 8;
  raweCap = 8;
  raweBp = start;
  raweLimit = limit;
}

/** Append one raw bit. */
export function rawEncodeBit(bit: u32): void {
  let ct = raweCt - 1;
  let c = raweC | (bit << <u32>ct);
  if (ct == 0) {
    const bp = raweBp;
    if (bp >= raweLimit) fail(ERR_ENCODE_OVERFLOW, -1, 0, 0);
    store<u8>(bp, <u8>c);
    raweBp = bp + 1;
    ct = c == 0xff ? 7 : 8;
    raweCap = ct;
    c = 0;
  }
  raweCt = ct;
  raweC = c;
}

/**
 * Terminate the raw segment. A partial last byte is padded with alternating 0, 1, ... bits
 * (which never makes it 0xFF). A trailing 0xFF with nothing after it is dropped (the decoder
 * reads 0xFF past the end anyway) except with predictable termination (`pterm`), where a padding
 * byte of 7 alternating bits follows it so the segment ends in a checkable pattern.
 * Returns the address one past the last byte of the segment.
 */
export function rawFlush(pterm: bool): usize {
  let bp = raweBp;
  if (raweCt != raweCap || (pterm && raweCap == 7)) {
    let c = raweC;
    let ct = raweCt;
    let bit: u32 = 0;
    while (ct > 0) {
      ct--;
      c |= bit << <u32>ct;
      bit ^= 1;
    }
    if (bp >= raweLimit) fail(ERR_ENCODE_OVERFLOW, -1, 0, 0);
    store<u8>(bp, <u8>c);
    bp++;
  } else if (raweCap == 7) {
    bp--; // drop the trailing 0xFF
  }
  raweBp = bp;
  raweCt = 8;
  raweCap = 8;
  raweC = 0;
  return bp;
}

/** Bytes from `base` up to and including the partial byte: enough to read every bit written so far. */
export function rawRateEstimate(base: usize): u32 {
  return <u32>(raweBp - base) + (raweCt != raweCap ? 1 : 0);
}
