// Packet-header bit reader with the bit-stuffing rule of ISO/IEC 15444-1 B.10.1:
// after a 0xFF byte only 7 bits of the next byte are used (its MSB is a stuffed 0).

@unmanaged
export class BitReader {
  pos: usize;
  end: usize;
  /** Current byte and bits left in it. */
  buf: u32;
  ct: i32;
  /** 1 once a read went past `end` (the packet header is truncated). */
  overrun: i32;
}

export function bitReaderInit(br: BitReader, pos: usize, end: usize): void {
  br.pos = pos;
  br.end = end;
  br.buf = 0;
  br.ct = 0;
  br.overrun = 0;
}

export function bitRead(br: BitReader): u32 {
  if (br.ct == 0) {
    let prevFF = br.buf == 0xff;
    if (br.pos < br.end) {
      br.buf = <u32>load<u8>(br.pos);
      br.pos++;
    } else {
      br.buf = 0;
      br.overrun = 1;
    }
    br.ct = prevFF ? 7 : 8;
  }
  br.ct--;
  return (br.buf >> <u32>br.ct) & 1;
}

export function bitReadN(br: BitReader, n: i32): u32 {
  let v: u32 = 0;
  for (let i = 0; i < n; i++) v = (v << 1) | bitRead(br);
  return v;
}

/**
 * End of a packet header: discard the rest of the byte; if that byte was 0xFF the next byte
 * carries a stuffed bit and belongs to the header too (B.10.1).
 */
export function bitReaderAlign(br: BitReader): void {
  if (br.buf == 0xff && br.ct == 0) {
    if (br.pos < br.end) br.pos++;
    else br.overrun = 1;
  }
  br.ct = 0;
  br.buf = 0;
}
