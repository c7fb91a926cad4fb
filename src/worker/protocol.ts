/**
 * Messages between the main thread and j2kit's workers.
 * @module
 */
import type { DecodeOptions, DecodedImage, EncodeOptions, J2kImage } from "../types.js";
import type { J2kErrorCode } from "../errors.js";
import type { EncodeResult } from "../encode.js";
import type { BandResult, ShareResult } from "./threads.js";

/** A job sent to a worker. */
export type WorkerRequest =
  | { id: number; op: "decode"; bytes: Uint8Array; options: DecodeOptions }
  /** Threaded decoding (src/worker/threads.ts): band `band` of `bands` work-balanced row bands of a width x height image. */
  | {
    id: number;
    op: "band";
    bytes: Uint8Array;
    options: DecodeOptions;
    band: number;
    bands: number;
    width: number;
    height: number;
    /** The bands' boundaries from the "share" jobs (else the worker computes them) and every band's shared code-blocks. */
    cuts?: number[];
    blocks?: ArrayBuffer[];
  }
  /** Threaded decoding, first step: T2, the cuts, and band `band`'s share of the code-blocks several bands need. */
  | { id: number; op: "share"; bytes: Uint8Array; options: DecodeOptions; band: number; bands: number; width: number; height: number }
  | { id: number; op: "encode"; image: J2kImage; options: EncodeOptions; detailed?: boolean }
  /** Threaded encoding (src/encode_threads.ts): code-blocks to code; the answer is their results. */
  | { id: number; op: "blocks"; records: ArrayBuffer; samples: ArrayBuffer };

/** A worker's answer. */
export type WorkerResponse =
  | { id: number; ok: true; result: DecodedImage | Uint8Array | EncodeResult | ArrayBuffer | BandResult | ShareResult }
  | { id: number; ok: false; error: { code: J2kErrorCode; message: string; offset?: number } };
