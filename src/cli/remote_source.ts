/**
 * Sources read by byte ranges on the command line: `http(s)://` and `s3://` wherever a command
 * takes an input file (and local files above {@link RANGE_READ_THRESHOLD} bytes), through
 * `openImage`. `--s3-endpoint URL` (or `J2KIT_S3_ENDPOINT`) points s3:// at an S3-compatible store.
 * @module
 */
import { stat } from "node:fs/promises";
import { openImage, type OpenImageOptions, type RangeImage, type RangeStats } from "../range/open_image.js";
import type { OptionSpec } from "./args.js";

/** Local files at least this large are read by ranges instead of whole. */
export const RANGE_READ_THRESHOLD = 256 * 2 ** 20;

/** The option remote-capable commands add. */
export const S3_ENDPOINT_OPTION: OptionSpec = { name: "s3-endpoint", value: "URL", help: "S3-compatible endpoint for s3:// inputs (path-style; default: AWS, or J2KIT_S3_ENDPOINT)" };

/** An http(s):// or s3:// URL. */
export function isRemote(path: string): boolean {
  return /^(https?|s3):\/\//i.test(path);
}

/** Should `path` be read by ranges (a URL, or a large local file)? */
export async function readByRanges(path: string): Promise<boolean> {
  if (isRemote(path)) return true;
  try {
    return (await stat(path)).size >= RANGE_READ_THRESHOLD;
  } catch {
    return false; // the whole-file reader reports the problem
  }
}

/** Open `path` for range reading with the command line's S3 endpoint. */
export function openForCli(path: string, s3Endpoint: string | undefined): Promise<RangeImage> {
  const endpoint = s3Endpoint ?? process.env.J2KIT_S3_ENDPOINT;
  const o: OpenImageOptions = { worker: false };
  if (endpoint) o.s3 = { endpoint };
  return openImage(path, o);
}

/** One line: bytes and requests used. */
export function formatStats(s: RangeStats): string {
  const pct = s.fileSize > 0 ? ` (${((100 * s.bytes) / s.fileSize).toFixed(2)}% of ${s.fileSize})` : "";
  return `read    ${s.bytes} bytes in ${s.requests} request(s)${pct}\n`;
}
