/**
 * `j2kit decode` of large images straight to a file, strip by strip: the codestream is read by
 * ranges into a private WebAssembly instance, decoded in strips ({@link StripDecoder}) and each
 * strip written as PGM/PPM rows or coded by the streaming JPEG writer — the image is never whole in
 * memory, so neither the 4 GiB of WebAssembly memory nor the largest JavaScript array caps its size
 * (issue 13). The output appears under its name only when complete (temporary name + rename).
 * @module
 */
import { J2kError } from "../errors.js";
import type { DecodeOptions } from "../types.js";
import { openImage, type RangeImage } from "../range/open_image.js";
import { readJp2 } from "../jp2/read.js";
import type { Jp2File } from "../jp2/types.js";
import { createJpegWriter, jpegMetadataFromJp2, jpegReady, type JpegSubsampling } from "../jpeg/index.js";
import { StripDecoder } from "../strip/strip_decoder.js";
import { DEFAULT_LIMITS } from "../decode.js";
import { codestreamReader } from "../migrate/convert.js";
import { fileSink } from "../migrate/sinks.js";
import type { DecodedImage, SampleArray } from "../types.js";

/** What {@link decodeToFile} did. */
export interface StreamedDecode {
  width: number;
  height: number;
  components: number;
  bitDepth: number;
  signed: boolean;
  warnings: string[];
  partial: boolean;
  strips: number;
  /** Largest WebAssembly memory used (bytes). */
  wasmBytes: number;
  bytesRead: number;
}

/** Output kinds written strip by strip. */
export type StreamKind = "pgm" | "ppm" | "jpg";

/**
 * Decode `input` (path or URL, or an image opened by the caller) into `output` strip by strip. `options` as for decode() (region,
 * reduce, layers, components, palette, allowPartial, limits: maxMemory is the working budget).
 */
export async function decodeToFile(
  input: string | RangeImage,
  output: string,
  kind: StreamKind,
  options: DecodeOptions,
  jpeg: { quality: number; subsampling?: JpegSubsampling },
  s3Endpoint?: string,
): Promise<StreamedDecode> {
  const endpoint = s3Endpoint ?? process.env.J2KIT_S3_ENDPOINT;
  // an image the caller already opened stays open (the caller closes it and reports its reads)
  const image: RangeImage = typeof input === "string" ? await openImage(input, { worker: false, cacheBytes: 4 * 2 ** 20, ...(endpoint ? { s3: { endpoint } } : {}) }) : input;
  try {
    let jp2: Jp2File | undefined;
    let container: Uint8Array | undefined;
    if (image.layout.format !== "j2k") {
      container = image.containerBytes();
      jp2 = readJp2(container);
    }
    const { layout: _layout, threads: _threads, limits, ...rest } = options;
    // the same pixel limit as decode() (the CLI raises it with --max-pixels)
    const dec = await StripDecoder.open(codestreamReader(image, 8 * 2 ** 20), {
      ...rest,
      ...(jp2 ? { jp2 } : {}),
      limits: { maxPixels: DEFAULT_LIMITS.maxPixels, ...(limits ?? {}) },
    });
    const info = dec.info;
    const C = info.components;
    const warnings: string[] = [];
    let write: (data: SampleArray, rows: number) => void;
    let finish = () => {};
    const sink = await fileSink(output);
    try {
      if (kind === "jpg") {
        if (C > 4) throw new J2kError("UNSUPPORTED", `the image has ${C} channels; JPEG holds grey, grey + alpha, RGB or RGBA`);
        const shaped = (data: SampleArray, rows: number): DecodedImage => ({
          width: info.width, height: rows, components: C, bitDepth: info.bitDepth, signed: info.signed, data,
          layout: "interleaved", componentInfo: info.componentInfo, partial: false, warnings: [], ...(info.colorSpace ? { colorSpace: info.colorSpace } : {}),
        });
        warnings.push(...jpegReady(shaped(new Uint8Array(0), 0)).warnings);
        const meta = container ? jpegMetadataFromJp2(container) : undefined;
        if (meta) warnings.push(...meta.warnings);
        const writer = createJpegWriter(
          {
            width: info.width, height: info.height, components: C, bitDepth: info.bitDepth, signed: info.signed,
            quality: jpeg.quality, ...(jpeg.subsampling ? { subsampling: jpeg.subsampling } : {}),
            ...(meta?.icc ? { icc: meta.icc } : {}), ...(meta?.xmp ? { xmp: meta.xmp } : {}),
            ...(meta?.comments.length ? { comments: meta.comments } : {}), ...(meta?.density ? { density: meta.density } : {}),
          },
          (chunk) => sink.write(chunk),
        );
        write = (data, rows) => writer.writeRows(jpegReady(shaped(data, rows)).image.data);
        finish = () => {
          writer.finish();
          warnings.push(...writer.warnings);
        };
      } else {
        if (C !== 1 && C !== 3) throw new J2kError("INVALID_ARGUMENT", `PGM/PPM hold 1 or 3 components; this image has ${C} (write PNG or PGX instead)`);
        if (info.bitDepth > 16) throw new J2kError("INVALID_ARGUMENT", `PGM/PPM hold 1- to 16-bit samples; this image has ${info.bitDepth} bits (write PGX instead)`);
        const maxval = 2 ** info.bitDepth - 1;
        const offset = info.signed ? 2 ** (info.bitDepth - 1) : 0;
        const bps = maxval < 256 ? 1 : 2;
        sink.write(new TextEncoder().encode(`P${C === 1 ? 5 : 6}\n${info.width} ${info.height}\n${maxval}\n`));
        write = (data) => {
          const out = new Uint8Array(data.length * bps);
          for (let i = 0, p = 0; i < data.length; i++) {
            const v = data[i]! + offset;
            if (bps === 2) out[p++] = v >>> 8;
            out[p++] = v & 0xff;
          }
          sink.write(out);
        };
      }
      for (const strip of dec.strips()) {
        write(strip.data, strip.rows);
        await sink.drain();
      }
      finish();
      await sink.commit();
    } catch (e) {
      dec.close();
      await sink.abort();
      throw e;
    }
    const st = dec.stats();
    return {
      width: info.width, height: info.height, components: C, bitDepth: info.bitDepth, signed: info.signed,
      warnings: [...info.warnings, ...warnings],
      partial: info.partial, strips: st.strips, wasmBytes: st.linearBytes, bytesRead: image.stats().bytes,
    };
  } finally {
    if (typeof input === "string") await image.close();
  }
}
