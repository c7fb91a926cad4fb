/** Types of rd_table.mjs. */
export interface RdImage {
  file: string;
  levels: number;
}
export interface RdRow {
  file: string;
  levels: number;
  ratio: number;
  /** size / ratio in bytes (size at the image's own precision). */
  budget: number;
  ours: { bytes: number; psnr: number };
  openjpeg: { bytes: number; psnr: number; route: "native" | "wasm" };
}
/** What measureRow needs of the library. */
export interface RdCodec {
  encode(image: { width: number; height: number; components: number; bitDepth: number; signed: boolean; data: Uint8Array | Uint16Array }, options: object): Uint8Array;
  decode(bytes: Uint8Array): { data: ArrayLike<number> };
}
export const BENCHCORPUS: string;
export const RD_IMAGES: RdImage[];
export const RD_RATIOS: number[];
export function openJpegRoute(): "native" | "wasm";
export function psnr(want: ArrayLike<number>, got: ArrayLike<number>, bitDepth: number): number;
export function measureRow(codec: RdCodec, file: string, levels: number, ratio: number): Promise<RdRow>;
export function formatTable(rows: RdRow[]): string;
