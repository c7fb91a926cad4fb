/**
 * Messages between the main thread and j2kit's workers.
 * @module
 */
import type { DecodeOptions, DecodedImage, EncodeOptions, J2kImage } from "../types.js";
import type { J2kErrorCode } from "../errors.js";
import type { EncodeResult } from "../encode.js";
import type { BlockBatchResult, PlaneGeometry, RawRows } from "../encode_threads.js";
import type { SplitGeometry, SplitResult } from "./encode_split.js";
import type { BandResult } from "./threads.js";

/** A job sent to a worker. */
export type WorkerRequest =
  | { id: number; op: "decode"; bytes: Uint8Array; options: DecodeOptions }
  /**
   * Threaded decoding (src/worker/split_decode.ts): band `band` of `bands` work-balanced row bands of
   * a width x height image, decoded in one job; its share of the blocks several bands need goes out
   * on `port` and the other bands' shares come in on it (SplitMessage). `spare`: a buffer an
   * earlier band came back in, for this band's samples (src/worker/threads.ts). `first`: band 0's
   * fraction of two bands' work (default 0.5; every band of a call gets the same). `sharedBand`: where
   * the platform has SharedArrayBuffer, a buffer the calling thread keeps and lends instead of
   * `spare`: the band's samples go into it strip by strip, the rows done published in its header
   * (src/worker/split_decode.ts SharedBand), and the answer carries no samples.
   */
  | { id: number; op: "split"; bytes: Uint8Array; options: DecodeOptions; band: number; bands: number; width: number; height: number; port: SplitPort; spare?: ArrayBuffer; first?: number; sharedBand?: SharedArrayBuffer }
  | { id: number; op: "encode"; image: J2kImage; options: EncodeOptions; detailed?: boolean }
  /**
   * Threaded encoding (src/encode_threads.ts): code-blocks to code; the answer is their results.
   * With `resident`: no samples; the blocks lie in the plane this worker keeps under that token
   * (their records' sample pointers minus `base` are offsets into it).
   */
  | { id: number; op: "blocks"; records: ArrayBuffer; samples: ArrayBuffer; bytes: number; resident?: number; base?: number }
  /**
   * Threaded encoding: the forward DWT of one tile-component (src/encode_threads.ts transformPlane);
   * the answer is `plane`, transformed in place. With `keep`: the worker keeps the transformed
   * plane under that token (its blocks are coded here from it) and answers with `plane` as it came.
   * With `raw` (and `keep`): `plane` holds the tile's raw interleaved rows; the worker unpacks
   * component 1 from them (the ICT's output) before the DWT (src/encode_threads.ts PlaneOffload.startRaw);
   * the raw rows may come in a SharedArrayBuffer (posted, not transferred; answered with it too).
   */
  | { id: number; op: "dwt"; plane: ArrayBufferLike; geometry: PlaneGeometry; keep?: number; raw?: RawRows }
  /** Threaded encoding: the plane kept under `token` is no longer needed. */
  | { id: number; op: "release"; token: number }
  /**
   * Threaded encoding of one component (src/worker/encode_split.ts): the rows of the plane below a
   * cut (with a margin) to transform as the bottom part of a row split; the worker keeps the plane
   * under `keep` (its part's blocks are coded here from it) and answers with its rows of the last
   * split level's LL band and `rows` back (SplitResult).
   */
  | { id: number; op: "dwtsplit"; rows: ArrayBuffer; geometry: SplitGeometry; keep: number };

/** The MessagePort a "split" job talks on (Node worker_threads and browsers alike). */
export interface SplitPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/**
 * On a "split" job's port: the job's share of the blocks several bands need (records of
 * codec/supplied_blocks.ts; null: none, the codestream could not be cut), and from the calling
 * thread another band's share (`from`: its band).
 */
export type SplitMessage = { share: ArrayBuffer | null } | { from: number; share: ArrayBuffer | null };

/**
 * On a "split" job's port, from a job whose band is complete in the buffer it shares with the
 * calling thread: its answer (src/worker/threads.ts BandResult, `shared` set, no samples), posted
 * before the buffer's state says complete, so that the calling thread, which reads the port
 * synchronously where it can, need not wait for the same answer to come back through the pool.
 */
export type SplitBandMessage = { band: BandResult };

/** A worker's answer. */
export type WorkerResponse =
  | { id: number; ok: true; result: DecodedImage | Uint8Array | EncodeResult | BlockBatchResult | BandResult | SplitResult | ArrayBufferLike | null }
  | { id: number; ok: false; error: { code: J2kErrorCode; message: string; offset?: number } };
