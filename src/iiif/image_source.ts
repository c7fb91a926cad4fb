/**
 * Where the IIIF server's images come from: the one seam between the server and the codec.
 *
 * `ImageStore.open(identifier)` checks the identifier against the served folder (no traversal, no
 * hidden files, no symbolic links leading out of the folder) and returns an {@link ImageSource}
 * with the header and an asynchronous `decode({ region, reduce })` that runs in j2kit's worker pool.
 *
 * Today a local source reads the whole file once (into a SharedArrayBuffer, so that the worker
 * pool's jobs share it instead of copying it) and decodes with `decodeAsync`; the byte-range
 * `openImage` of the range-reading work replaces that behind this same interface.
 * @module
 */
import { open as openFile, readdir, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { decodeAsync } from "../decode.js";
import { readHeader } from "../header.js";
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

/** Largest file the whole-file reader accepts (until byte-range reading replaces it). */
const MAX_WHOLE_FILE = 2 ** 31 - 1;

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

  async open(identifier: string): Promise<ImageSource> {
    const { path, size, version } = await this.locate(identifier);
    if (size > MAX_WHOLE_FILE) throw new IiifError(413, `'${identifier}' is larger than 2 GiB, which this server cannot read yet`);
    const bytes = await readShared(path, size);
    let header: HeaderInfo;
    try {
      header = readHeader(bytes);
    } catch (e) {
      throw new IiifError(404, `'${identifier}' is not a readable JPEG 2000 image: ${(e as Error).message}`);
    }
    return {
      header,
      version,
      memoryBytes: size + 4096,
      readStats: () => ({ bytes: size, requests: 1 }),
      decode: (o) =>
        decodeAsync(bytes, {
          region: o.region,
          reduce: o.reduce,
          ...(o.components ? { components: o.components } : {}),
          limits: { maxPixels: o.maxPixels },
          // one worker per request: concurrent requests already use every worker (and a split
          // decode would parse the header on this thread first)
          threads: 1,
        }),
    };
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

/** The whole file in a SharedArrayBuffer (worker jobs share it rather than copy it). */
async function readShared(path: string, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  const fh = await openFile(path, "r");
  try {
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(bytes, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done < size) throw new IiifError(500, "the file shrank while it was being read");
  } finally {
    await fh.close();
  }
  return bytes;
}
