/**
 * Where the IIIF server's images come from: the one seam between the server and the codec.
 *
 * `ImageStore.open(identifier)` checks the identifier against the served folder (no traversal, no
 * hidden files, no symbolic links leading out of the folder) and returns an {@link ImageSource}
 * with the header and an asynchronous `decode({ region, reduce })` that runs in j2kit's worker pool.
 *
 * Sources are `openImage` images (src/range/): the codestream index is read once, and every
 * request reads only the byte ranges of the tile-parts and packets its region and resolution need,
 * then decodes that sparse codestream in the worker pool. A local folder reads through a file handle
 * (a 10 GB file is never read whole); `s3://bucket/prefix` reads with ranged GetObject
 * (`@aws-sdk/client-s3`, an optional package).
 * @module
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { J2kError } from "../errors.js";
import { openImage, type OpenImageOptions, type RangeImage } from "../range/open_image.js";
import type { DecodedImage, HeaderInfo, Region } from "../types.js";
import { IiifError } from "./params.js";

/** What the pipeline asks a source to decode. */
export interface SourceDecodeOptions {
  region: Region;
  reduce: number;
  components?: number[];
  /** Largest number of pixels the decoded image may have. */
  maxPixels: number;
}

/** An opened image. */
export interface ImageSource {
  readonly header: HeaderInfo;
  /** Identity of the bytes behind the image: changes whenever the file changes. */
  readonly version: string;
  /** Bytes this object keeps in memory (its weight in the server's cache). */
  readonly memoryBytes: number;
  decode(options: SourceDecodeOptions): Promise<DecodedImage>;
  /** Bytes and read requests this source has taken from storage so far. */
  readStats(): { bytes: number; requests: number };
  /** Release the file handle or client (when the cache drops the source). */
  close(): Promise<void>;
}

/** A collection of images addressed by identifier (a path below the served folder). */
export interface ImageStore {
  /** A short description for logs ("folder /data/images"). */
  readonly description: string;
  /** The current version of `identifier` (cheap: a stat); throws IiifError 403/404. */
  version(identifier: string): Promise<string>;
  /** Open `identifier`; throws IiifError 403/404/413. */
  open(identifier: string, version: string): Promise<ImageSource>;
  /** Identifiers of the images (for the viewer page), at most `limit`. */
  list(limit: number): Promise<string[]>;
}

/** File extensions served as JPEG 2000 images. */
export const IMAGE_EXTENSIONS = [".jp2", ".j2k", ".j2c", ".jpx", ".jpf", ".jph", ".jhc"];

/** Bytes of fetched ranges each open image may cache (its weight in the server's cache). */
const SOURCE_CACHE_BYTES = 8 * 2 ** 20;
/**
 * Bytes of an interleaved file's lowest resolutions read when it is opened and kept while it is
 * open (`openImage`'s `pinLowResolutions`): coarse zoom levels then read nothing more.
 */
const PINNED_LOW_RESOLUTIONS = 3 * 2 ** 20;

/** An {@link ImageSource} over an `openImage` image. */
export async function rangeSource(location: string, identifier: string, version: string, options: OpenImageOptions = {}): Promise<ImageSource> {
  let img: RangeImage;
  try {
    img = await openImage(location, { cacheBytes: SOURCE_CACHE_BYTES, pinLowResolutions: PINNED_LOW_RESOLUTIONS, ...options });
  } catch (e) {
    if (e instanceof J2kError && /^SOURCE_/.test(e.code)) throw new IiifError(e.code === "SOURCE_CHANGED" ? 503 : 502, `cannot read '${identifier}': ${e.message}`);
    if (e instanceof J2kError) throw new IiifError(404, `'${identifier}' is not a readable JPEG 2000 image: [${e.code}] ${e.message}`);
    throw e;
  }
  return {
    header: img.header,
    version,
    memoryBytes: SOURCE_CACHE_BYTES + img.stats().pinnedBytes + 64 * 1024,
    decode: (o) =>
      img.decode({
        region: o.region,
        reduce: o.reduce,
        ...(o.components ? { components: o.components } : {}),
        limits: { maxPixels: o.maxPixels },
        // one worker per request: concurrent requests already use every worker
        threads: 1,
      }),
    readStats: () => {
      const s = img.stats();
      return { bytes: s.bytes, requests: s.requests };
    },
    close: () => img.close(),
  };
}

function hasImageExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(".." + sep) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Check an identifier (percent-decoded) and map it to a path below `root`. Rejections:
 * 403 for absolute paths, `..` segments, NUL or backslashes (traversal attempts); 404 for hidden
 * names (a segment starting with "."), other extensions and empty identifiers.
 */
export function pathForIdentifier(root: string, identifier: string): string {
  if (identifier === "") throw new IiifError(404, "empty identifier");
  if (identifier.includes("\0") || identifier.includes("\\")) throw new IiifError(403, "identifier contains a forbidden character");
  if (identifier.startsWith("/") || isAbsolute(identifier)) throw new IiifError(403, "identifier must be a path relative to the served folder");
  const segments = identifier.split("/");
  if (segments.some((s) => s === "..")) throw new IiifError(403, "identifier must not leave the served folder ('..')");
  if (segments.some((s) => s === "" || s === ".")) throw new IiifError(404, `no image '${identifier}'`);
  if (segments.some((s) => s.startsWith("."))) throw new IiifError(404, `no image '${identifier}'`);
  if (!hasImageExtension(identifier)) throw new IiifError(404, `no image '${identifier}' (served extensions: ${IMAGE_EXTENSIONS.join(" ")})`);
  const path = resolve(root, identifier);
  if (!isInside(root, path)) throw new IiifError(403, "identifier must not leave the served folder");
  return path;
}

/** Images in a local folder. */
export class FolderStore implements ImageStore {
  readonly description: string;
  private realRoot: Promise<string>;

  constructor(readonly root: string) {
    this.root = resolve(root);
    this.description = `folder ${this.root}`;
    this.realRoot = realpath(this.root);
    this.realRoot.catch(() => undefined);
  }

  /** The real path of an identifier's file, checked to stay inside the real root after symlinks. */
  private async locate(identifier: string): Promise<{ path: string; size: number; version: string }> {
    const path = pathForIdentifier(this.root, identifier);
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw new IiifError(404, `no image '${identifier}'`);
    }
    const root = await this.realRoot;
    if (!isInside(root, real)) throw new IiifError(403, `'${identifier}' leads outside the served folder`);
    const st = await stat(real);
    if (!st.isFile()) throw new IiifError(404, `no image '${identifier}'`);
    return { path: real, size: st.size, version: `${st.size.toString(36)}-${Math.round(st.mtimeMs).toString(36)}-${st.ino.toString(36)}` };
  }

  async version(identifier: string): Promise<string> {
    return (await this.locate(identifier)).version;
  }

  async open(identifier: string, version: string): Promise<ImageSource> {
    const { path } = await this.locate(identifier);
    return rangeSource(path, identifier, version);
  }

  async list(limit: number): Promise<string[]> {
    const root = await this.realRoot;
    const out: string[] = [];
    const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
      if (depth > 16 || out.length >= limit) return;
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (out.length >= limit) return;
        if (e.name.startsWith(".")) continue;
        const full = join(dir, e.name);
        let isDir = e.isDirectory(), isFile = e.isFile();
        if (e.isSymbolicLink()) {
          try {
            const real = await realpath(full);
            if (!isInside(root, real)) continue;
            const st = await stat(real);
            isDir = st.isDirectory();
            isFile = st.isFile();
          } catch {
            continue;
          }
        }
        if (isDir) await walk(full, `${prefix}${e.name}/`, depth + 1);
        else if (isFile && hasImageExtension(e.name)) out.push(prefix + e.name);
      }
    };
    await walk(root, "", 0);
    return out;
  }
}
