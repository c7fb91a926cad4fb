/**
 * Packet headers (ISO/IEC 15444-1 B.10) read only for their lengths: inclusion tag trees, zero
 * bit-planes, coding passes, Lblock and codeword segment lengths, with the state that carries over
 * from layer to layer. Mirrors codec/t2/packet_decoder.ts (bit stuffing, segment rules of Table
 * D.9 via the same `passesInSegment`, limits) and is aware of HT code-blocks (15444-15): their
 * passes come in HT sets (cleanup, then a refinement segment holding SigProp and MagRef), a first
 * contribution may start with placeholder passes (multiples of 3 that carry no bytes), and the
 * cleanup length is signalled with Lblock + floor(log2(placeholder sets + 1)) bits, the refinement
 * length with Lblock + floor(log2(refinement passes)) bits — the reading of 15444-15 used by
 * OpenJPH, the reference implementation. Later contributions to an unfinished HT set extend its
 * refinement segment; anything further starts a new set.
 * @module
 */
import { J2kError } from "../errors.js";
import type { ResolutionGeom } from "./geometry.js";
import { precinctBand } from "./geometry.js";

const CBLK_BYPASS = 0x01;
const CBLK_TERMALL = 0x04;
const CBLK_HT = 0x40;
const UNBOUNDED = 0x10000;

/** Table D.9 (codec/t1/segments.ts): most passes the segment starting at pass `first` holds. */
function passesInSegment(style: number, first: number): number {
  if (style & CBLK_TERMALL) return 1;
  if (style & CBLK_BYPASS) {
    if (first < 10) return 10 - first;
    const type = first === 0 ? 2 : (first - 1) % 3;
    return type === 0 ? 2 : 1;
  }
  return UNBOUNDED;
}

/** Raised when the bytes at hand end inside a header that continues in bytes not yet read. */
export class HeaderNeedsMore extends Error {
  constructor() {
    super("packet header continues past the bytes read");
  }
}

/** Bit reader with the stuffing rule of B.10.1 (after 0xFF only 7 bits of the next byte count). */
export class BitReader {
  pos: number;
  buf = 0;
  ct = 0;
  /** A read went past `end` and `end` is the true end of the data. */
  overrun = false;
  constructor(
    readonly bytes: Uint8Array,
    pos: number,
    /** End of the bytes at hand. */
    readonly end: number,
    /** True when `end` is the end of the data (an overrun is truncation, not a need for more bytes). */
    readonly final: boolean,
  ) {
    this.pos = pos;
  }
  private nextByte(): number {
    if (this.pos < this.end) return this.bytes[this.pos++]!;
    if (!this.final) throw new HeaderNeedsMore();
    this.overrun = true;
    return 0;
  }
  bit(): number {
    if (this.ct === 0) {
      const prevFF = this.buf === 0xff;
      this.buf = this.nextByte();
      this.ct = prevFF ? 7 : 8;
    }
    this.ct--;
    return (this.buf >> this.ct) & 1;
  }
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  /** End of a header: drop the rest of the byte; after 0xFF the next byte belongs to the header too. */
  align(): void {
    if (this.buf === 0xff && this.ct === 0) {
      if (this.pos < this.end) this.pos++;
      else if (!this.final) throw new HeaderNeedsMore();
      else this.overrun = true;
    }
    this.ct = 0;
    this.buf = 0;
  }
}

const UNKNOWN = 0x7fffffff;

/** Tag tree of B.10.2 (value and lower bound per node, leaves first). */
class TagTree {
  readonly lw: number[] = [];
  readonly loff: number[] = [];
  value: Int32Array;
  low: Int32Array;
  constructor(w: number, h: number) {
    let n = 0, lw = w, lh = h;
    for (;;) {
      this.lw.push(lw);
      this.loff.push(n);
      n += lw * lh;
      if (lw <= 1 && lh <= 1) break;
      lw = (lw + 1) >> 1;
      lh = (lh + 1) >> 1;
    }
    this.value = new Int32Array(n).fill(UNKNOWN);
    this.low = new Int32Array(n);
  }
  /** 1 if leaf (x, y) has a value below `threshold`. */
  decode(br: BitReader, x: number, y: number, threshold: number): number {
    let low = 0;
    for (let lev = this.lw.length - 1; lev >= 0; lev--) {
      const k = this.loff[lev]! + (y >> lev) * this.lw[lev]! + (x >> lev);
      let nl = this.low[k]!;
      if (low > nl) nl = low;
      else low = nl;
      let v = this.value[k]!;
      while (low < threshold && low < v) {
        if (br.bit()) {
          v = low;
          this.value[k] = v;
        } else {
          low++;
        }
      }
      this.low[k] = low;
    }
    return this.value[this.loff[0]! + y * this.lw[0]! + x]! < threshold ? 1 : 0;
  }
  decodeValue(br: BitReader, x: number, y: number, limit: number): number {
    let th = 1;
    while (this.decode(br, x, y, th) === 0) {
      th++;
      if (th > limit || br.overrun) return -1;
    }
    return th - 1;
  }
}

/** Per code-block state fields (stride S in `blocks`). */
const F_INCLUDED = 0, F_LBLOCK = 1, F_PASSES = 2, F_SEG = 3, F_SEGPASSES = 4, F_SEGMAX = 5, F_HTSET = 6;
const S = 7;

interface BandState {
  cw: number;
  ch: number;
  incl: TagTree;
  imsb: TagTree;
  blocks: Int32Array;
}

/** Header-decoding state of one precinct (all its bands), carried from layer to layer. */
export class PrecinctState {
  readonly bands: BandState[];
  constructor(res: ResolutionGeom, p: number) {
    this.bands = res.bands.map((bd) => {
      const g = precinctBand(res, bd, p);
      const n = g.cw * g.ch;
      const blocks = new Int32Array(n * S);
      for (let i = 0; i < n; i++) {
        blocks[i * S + F_LBLOCK] = 3;
        blocks[i * S + F_SEG] = -1;
      }
      return { cw: g.cw, ch: g.ch, incl: new TagTree(g.cw, g.ch), imsb: new TagTree(g.cw, g.ch), blocks };
    });
  }
  /** A copy of the mutable state (to roll back a header that needed more bytes). */
  snapshot(): Int32Array[] {
    const out: Int32Array[] = [];
    for (const b of this.bands) out.push(b.blocks.slice(), b.incl.value.slice(), b.incl.low.slice(), b.imsb.value.slice(), b.imsb.low.slice());
    return out;
  }
  restore(s: Int32Array[]): void {
    let i = 0;
    for (const b of this.bands) {
      b.blocks = s[i++]!;
      b.incl.value = s[i++]!;
      b.incl.low = s[i++]!;
      b.imsb.value = s[i++]!;
      b.imsb.low = s[i++]!;
    }
  }
  /** Code-blocks of the precinct. */
  get blockCount(): number {
    return this.bands.reduce((n, b) => n + b.cw * b.ch, 0);
  }
}

/** Table B.4: number of coding passes. */
function readNumPasses(br: BitReader): number {
  if (!br.bit()) return 1;
  if (!br.bit()) return 2;
  const v = br.bits(2);
  if (v !== 3) return 3 + v;
  const w = br.bits(5);
  if (w !== 31) return 6 + w;
  return 37 + br.bits(7);
}

const floorLog2 = (v: number) => (v <= 1 ? 0 : 31 - Math.clz32(v));

/**
 * Codeword segment lengths of one HT code-block contribution (15444-15 B.3). Until the block's
 * first HT cleanup pass arrives ("placeholder" state) the passes up to the contribution's last
 * cleanup form one segment whose length takes Lblock + floor(log2(passes)) bits; a zero length
 * there means the contribution holds only placeholder passes, and the field is then as long as for
 * all of its passes. After a cleanup, segments alternate between refinement (SigProp + MagRef, up
 * to 2 passes) and cleanup (1 pass) with Lblock + floor(log2(passes in the segment)) bits each.
 * Cleanup passes fall on pass indices 0 mod 3 (placeholders come in whole HT sets).
 */
function readHtLengths(B: Int32Array, o: number, np: number, lblock: number, readLen: (bits: number) => number): void {
  let npasses = B[o + F_PASSES]!;
  let left = np;
  let seg: number;
  let next = 0;
  if (B[o + F_HTSET] === 0) {
    const href = (npasses + left - 1) % 3;
    seg = left - href;
    if (seg < 1) {
      seg = left;
      readLen(lblock + floorLog2(left));
    } else {
      const len = readLen(lblock + floorLog2(seg));
      if (len > 0) {
        B[o + F_HTSET] = 1;
        next = 2;
      } else {
        // placeholder passes only: the length field covers all of them (its value is 0)
        const extra = floorLog2(left) - floorLog2(seg);
        if (extra > 0) readLen(extra); // (len << extra) + these bits, with len = 0
        seg = left;
      }
    }
  } else {
    const m = npasses % 3;
    if (m === 0) {
      seg = 1;
      next = 2;
    } else {
      seg = left > 1 ? 3 - m : 1;
      next = 1;
    }
    readLen(lblock + floorLog2(seg));
  }
  npasses += seg;
  left -= seg;
  if (B[o + F_HTSET] === 1) {
    while (left > 0) {
      const sp = left > 1 ? next : 1;
      next = 3 - next;
      readLen(lblock + floorLog2(sp));
      left -= sp;
      npasses += sp;
    }
  }
  B[o + F_PASSES] = npasses;
}

/** Result of reading one packet header. */
export interface HeaderLengths {
  /** Bytes of the header (from its first byte through the EPH marker, if any). */
  headerLength: number;
  /** Bytes of the packet body (the sum of the code-block contributions). */
  bodyLength: number;
  /** True if the packet is not empty. */
  nonEmpty: boolean;
}

/**
 * Read the header of the packet of precinct `state` for `layer` starting at `br.pos`, updating the
 * state. `eph`: EPH markers are signalled (A.8.2; skipped when present). Throws
 * {@link HeaderNeedsMore} when the bytes at hand end first (the caller rolls the state back),
 * J2kError PACKET_TRUNCATED / PACKET_CORRUPT for bad data (offsets from `base`).
 */
export function readPacketHeader(br: BitReader, state: PrecinctState, layer: number, cblkStyle: number, eph: boolean, base: number, tile: number): HeaderLengths {
  const start = br.pos;
  const truncated = () => new J2kError("PACKET_TRUNCATED", `tile ${tile} ends inside a packet header: the codestream is truncated`, { offset: base + start });
  const corrupt = (what: string) => new J2kError("PACKET_CORRUPT", `corrupt packet header in tile ${tile} (${what})`, { offset: base + start });
  let body = 0;
  const nonEmpty = br.bit() !== 0;
  if (nonEmpty) {
    const ht = (cblkStyle & CBLK_HT) !== 0;
    for (const bs of state.bands) {
      const n = bs.cw * bs.ch;
      const B = bs.blocks;
      for (let i = 0; i < n; i++) {
        const o = i * S;
        const ix = i % bs.cw, iy = Math.floor(i / bs.cw);
        const inc = B[o + F_INCLUDED] === 0 ? bs.incl.decode(br, ix, iy, layer + 1) : br.bit();
        if (br.overrun) throw truncated();
        if (!inc) continue;
        if (B[o + F_INCLUDED] === 0) {
          const zbp = bs.imsb.decodeValue(br, ix, iy, 74);
          if (zbp < 0) throw br.overrun ? truncated() : corrupt("zero bit-planes");
          B[o + F_INCLUDED] = 1;
        }
        let np = readNumPasses(br);
        while (br.bit()) {
          B[o + F_LBLOCK] = B[o + F_LBLOCK]! + 1;
          if (B[o + F_LBLOCK]! > 32 || br.overrun) break;
        }
        if (br.overrun) throw truncated();
        const lblock = B[o + F_LBLOCK]!;
        if (lblock > 32) throw corrupt("Lblock above 32");
        if (B[o + F_PASSES]! + np > 3 * 74) throw corrupt("too many coding passes");
        const readLen = (bits: number): number => {
          if (bits > 32) throw corrupt("codeword length field above 32 bits");
          const len = br.bits(bits);
          if (br.overrun) throw truncated();
          if (len > 0x7fffffff) throw corrupt("codeword length");
          body += len;
          return len;
        };
        if (ht) {
          readHtLengths(B, o, np, lblock, readLen);
          continue;
        }
        let left = np;
        while (left > 0) {
          if (B[o + F_SEG]! < 0 || B[o + F_SEGPASSES]! >= B[o + F_SEGMAX]!) {
            B[o + F_SEG] = B[o + F_SEG]! + 1;
            B[o + F_SEGPASSES] = 0;
            B[o + F_SEGMAX] = passesInSegment(cblkStyle, B[o + F_PASSES]!);
          }
          const take = Math.min(left, B[o + F_SEGMAX]! - B[o + F_SEGPASSES]!);
          readLen(lblock + floorLog2(take));
          B[o + F_SEGPASSES] = B[o + F_SEGPASSES]! + take;
          B[o + F_PASSES] = B[o + F_PASSES]! + take;
          left -= take;
        }
      }
    }
  }
  br.align();
  if (br.overrun) throw truncated();
  if (eph) {
    if (br.pos + 2 > br.end && !br.final) throw new HeaderNeedsMore();
    if (br.pos + 2 <= br.end && br.bytes[br.pos] === 0xff && br.bytes[br.pos + 1] === 0x92) br.pos += 2;
  }
  return { headerLength: br.pos - start, bodyLength: body, nonEmpty };
}
