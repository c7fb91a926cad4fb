// State shared by the packet decoder, the packet encoder and the progression iterator for one tile.

import { BitReader } from "./bit_reader";
import { BitWriter } from "./bit_writer";
import { Tile } from "../structure/tile";

export const T2_DECODE: i32 = 0;
export const T2_ENCODE: i32 = 1;

@unmanaged
export class T2Context {
  mode: i32;
  tile: Tile;
  tileIndex: i32;
  numLayers: i32;
  sop: i32;
  eph: i32;
  // ---- decoder ----
  /** Packet bodies (and headers when not packed): [pos, end). */
  bodyPos: usize;
  bodyEnd: usize;
  /** Codestream offset of the body buffer's first byte (for error offsets). */
  bodyOrigin: usize;
  bodyOffset: i32;
  /** 1 if packet headers come from PPM/PPT (`hdr`), not from the bodies. */
  packed: i32;
  hdr: BitReader;
  /** Layers to keep (pieces of later layers are parsed but dropped). */
  keepLayers: i32;
  /** Decode a truncated tile as far as its data goes. (The highest resolution kept is per component, TileComp.topRes.) */
  allowPartial: i32;
  /** Set once the data ran out: stop reading packets. */
  stopped: i32;
  /** 1 if the tile ended early (truncation). */
  truncated: i32;
  /** Packets read. */
  packets: i32;
  /** 1 if the tile's data is complete (not a truncated codestream): running out of data at a
   * packet boundary then means the encoder left out the remaining (empty) packets. */
  dataComplete: i32;
  /** Set when that happened. */
  ranShort: i32;
  /** Scratch for the packet being read: pending (cblk, seg, passes, len) entries. */
  pend: usize;
  pendCap: i32;
  // ---- encoder ----
  out: BitWriter;
  /** Packet sequence number (Nsop). */
  packetSeq: i32;
  /** u32 per packet: bytes written (for PLT and tile-parts), and i32 per packet: tile-part key. */
  packetLens: usize;
  packetKeys: usize;
  packetLensCap: i32;
  /** Tile-part division: 0 none, 1 resolution, 2 layer, 3 component (key = that index). */
  tilePartMode: i32;
  /** Size measurement only (rate control): bodies are not copied, the writer is rewound. */
  dry: i32;
  /** f64[numLayers]: bytes of the packets of each layer (dry runs), PLT entry bytes included if `plt`. */
  layerBytes: usize;
  plt: i32;
  /** Tile-parts the packet sequence splits into (key changes + 1). */
  tileParts: i32;
  lastKey: i32;
  /** Packet headers rate control coded (KeptHeaders; 0: code them): the final write copies them. */
  kept: usize;
  /** i32 per component of this tile: its first entry in KeptHeaders.res. */
  keptTc: usize;
}

/**
 * The packet headers rate control's trials coded for the final assignment (codec/rate/measure.ts,
 * measureTakeHeaders), for the final write (t2/packet_encoder.ts encodeKeptPacket). The packets of
 * a layer are numbered tile by tile, then resolution, component, precinct (the flat trials' order):
 * packet p of resolution r of component c of tile t is res[tcs[tiles[t] + c] + r] + p.
 */
@unmanaged
export class KeptHeaders {
  /** usize per layer: its HeaderStore. */
  stores: usize;
  /** i32 per tile: its first entry in `tcs`. */
  tiles: usize;
  /** i32 per tile-component: its first entry in `res`. */
  tcs: usize;
  /** i32 per resolution: the number of its precinct 0's packet. */
  res: usize;
}

/** One layer's packet headers: their bytes back to back, and per packet i32 offset, i32 length. */
@unmanaged
export class HeaderStore {
  buf: usize;
  end: usize;
  /** Where the next header goes (a run that codes every packet starts again at `buf`). */
  at: usize;
  pk: usize;
  /** Every packet of the last run has its header here. */
  ok: i32;
  /** The last run coded the layer's final headers (the run that moved the kept state on past it). */
  final: i32;
}
