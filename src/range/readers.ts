/**
 * Random-access readers behind `openImage`: bytes in memory, a local file (file-handle reads: a
 * 10 GB file is never read whole), an `http(s)://` URL (Range requests through `fetch`, in Node and
 * browsers), `s3://bucket/key` (ranged GetObject through `@aws-sdk/client-s3`, loaded only when
 * used) and a user {@link RangeReader}.
 *
 * HTTP rules (RFC 9110 §14): a 206 must carry `Content-Range: bytes a-b/size` for the range asked;
 * the first response fixes the file's identity (ETag, else Last-Modified, and size) and every later
 * response must match it (else SOURCE_CHANGED: the file changed while being read); a 200 to a
 * range request means the server ignores Range: the body is the whole file, kept and served from
 * memory, with a warning (refused above `maxWholeRead`); 416 is SOURCE_RANGE_NOT_SATISFIABLE;
 * 5xx, 408, 429, dropped connections and short bodies are retried with exponential backoff.
 * @module
 */
import { J2kError } from "../errors.js";

/**
 * Random access supplied by the caller. `read(offset, length)` resolves to exactly `length` bytes,
 * or fewer only at the end of the file. `size` is required unless the file is smaller than the
 * first read (16 KiB by default), which then tells the size by returning fewer bytes.
 */
export interface RangeReader {
  read(offset: number, length: number): Promise<Uint8Array>;
  size?: number | (() => Promise<number>);
  close?(): Promise<void> | void;
}

/** S3 options (`s3://bucket/key` sources). */
export interface S3SourceOptions {
  /** Endpoint of an S3-compatible store (e.g. `http://127.0.0.1:9000`); path-style addressing is then used. */
  endpoint?: string;
  /** Region (default: `AWS_REGION`, else `us-east-1`). */
  region?: string;
  /** Path-style addressing (default: true when `endpoint` is given). */
  forcePathStyle?: boolean;
  /** Static credentials (default: the SDK's standard credential chain). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** An `S3Client` of `@aws-sdk/client-s3` to use instead of creating one. */
  client?: unknown;
}

/** Options of the readers (a subset of `OpenImageOptions`). */
export interface ReaderOptions {
  /** `fetch` to use for HTTP (default: the global one). */
  fetch?: typeof fetch;
  /** Extra HTTP request headers (e.g. authorization). */
  headers?: Record<string, string>;
  s3?: S3SourceOptions;
  /** Retries of a failed read (5xx, 408, 429, dropped connection, short body); default 4. */
  retries?: number;
  /** First backoff delay in ms, doubled each retry (default 100). */
  retryDelay?: number;
  /** Per-request timeout in ms (default 30 000). */
  timeout?: number;
  /** Largest file read whole when a server ignores Range (default 1 GiB). */
  maxWholeRead?: number;
  /** Aborts reads in progress. */
  signal?: AbortSignal;
}

/** A reader as the fetcher uses it: exact reads, the file's size and identity, I/O counters. */
export interface SourceReader {
  readonly size: number;
  /** Identity of the bytes (ETag, or size and modification time); changes when the file does. */
  readonly version: string;
  /** The URL, path or "bytes" (for messages). */
  readonly description: string;
  readonly warnings: string[];
  /** Physical reads (HTTP requests, GetObject calls, file reads) and bytes they returned. */
  requests: number;
  bytes: number;
  /** Bytes `[offset, offset + length)`, inside the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Check (cheaply) that the file is unchanged; throws SOURCE_CHANGED. */
  revalidate?(): Promise<void>;
  close(): Promise<void>;
}

/** A retryable failure (network, 5xx, short body). */
class Transient extends Error {}

/** What a reader returns on opening: itself and the first bytes of the file. */
export interface OpenedReader {
  reader: SourceReader;
  prefix: Uint8Array;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run `fn` with retries on {@link Transient} failures (exponential backoff with jitter). */
async function withRetries<T>(what: string, o: ReaderOptions, fn: () => Promise<T>): Promise<T> {
  const retries = o.retries ?? 4;
  const base = o.retryDelay ?? 100;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof Transient)) throw e;
      if (o.signal?.aborted) throw new J2kError("SOURCE_READ_FAILED", `${what}: aborted`, { cause: o.signal.reason });
      if (attempt >= retries) throw new J2kError("SOURCE_READ_FAILED", `${what} failed after ${attempt + 1} attempts: ${e.message}`, { cause: e });
      await sleep(base * 2 ** attempt * (0.75 + Math.random() * 0.5));
    }
  }
}

function checkRange(r: SourceReader, offset: number, length: number): void {
  if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= r.size)) {
    throw new J2kError("INVALID_ARGUMENT", `read of [${offset}, ${offset + length}) is outside the ${r.size}-byte file ${r.description}`);
  }
}

// ---------------------------------------------------------------------------------------------
// memory
// ---------------------------------------------------------------------------------------------

/** A reader over bytes in memory. */
export function memoryReader(bytes: Uint8Array, initial: number): OpenedReader {
  const reader: SourceReader = {
    size: bytes.length,
    version: "memory",
    description: "bytes in memory",
    warnings: [],
    requests: 0,
    bytes: 0,
    read(offset, length) {
      checkRange(reader, offset, length);
      reader.requests++;
      reader.bytes += length;
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
    close: () => Promise.resolve(),
  };
  return { reader, prefix: bytes.subarray(0, Math.min(initial, bytes.length)) };
}

// ---------------------------------------------------------------------------------------------
// local files (Node)
// ---------------------------------------------------------------------------------------------

interface NodeFileHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ size: number; mtimeMs: number; isFile(): boolean }>;
  close(): Promise<void>;
}

/** A reader over a local file through a file handle. */
export async function fileReader(path: string, initial: number): Promise<OpenedReader> {
  // named at run time so that browser bundlers never try to resolve node:fs
  const fsName = "node:fs/promises";
  let fs: { open(p: string, flags: string): Promise<NodeFileHandle> };
  try {
    fs = (await import(/* @vite-ignore */ fsName)) as typeof fs;
  } catch (e) {
    throw new J2kError("UNSUPPORTED", `local paths need Node's file system (reading '${path}'); pass bytes, a URL or a RangeReader instead`, { cause: e });
  }
  let fh: NodeFileHandle;
  try {
    fh = await fs.open(path, "r");
  } catch (e) {
    throw new J2kError("SOURCE_READ_FAILED", `cannot open '${path}': ${(e as Error).message}`, { cause: e });
  }
  try {
    return await fileReaderOver(fh, path, initial);
  } catch (e) {
    // the handle is ours until the reader is returned: never leave it to the garbage collector
    await fh.close().catch(() => undefined);
    throw e;
  }
}

async function fileReaderOver(fh: NodeFileHandle, path: string, initial: number): Promise<OpenedReader> {
  const st = await fh.stat();
  if (!st.isFile()) throw new J2kError("SOURCE_READ_FAILED", `'${path}' is not a regular file`);
  const version = `${st.size}-${Math.round(st.mtimeMs)}`;
  const reader: SourceReader = {
    size: st.size,
    version,
    description: path,
    warnings: [],
    requests: 0,
    bytes: 0,
    async read(offset, length) {
      checkRange(reader, offset, length);
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        reader.requests++;
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      reader.bytes += got;
      if (got < length) throw new J2kError("SOURCE_CHANGED", `'${path}' became shorter while being read (${offset + got} bytes, ${reader.size} expected)`);
      return buf;
    },
    async revalidate() {
      const now = await fh.stat();
      if (`${now.size}-${Math.round(now.mtimeMs)}` !== version) {
        throw new J2kError("SOURCE_CHANGED", `'${path}' changed since it was opened (size ${reader.size} → ${now.size}); open it again`);
      }
    },
    close: () => fh.close(),
  };
  const prefix = await reader.read(0, Math.min(initial, reader.size));
  return { reader, prefix };
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

function parseContentRange(v: string | null): { start: number; end: number; size?: number } | undefined {
  const m = v ? /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(v) : null;
  if (!m) return undefined;
  const out: { start: number; end: number; size?: number } = { start: Number(m[1]), end: Number(m[2]) };
  if (m[3] !== "*") out.size = Number(m[3]);
  return out;
}

/** Transient HTTP statuses (retried). */
function retryableStatus(s: number): boolean {
  return s >= 500 || s === 408 || s === 429;
}

const isNode = typeof process !== "undefined" && !!process.versions?.node;

/** A reader over an http(s) URL with Range requests. */
export async function httpReader(url: string, initial: number, o: ReaderOptions): Promise<OpenedReader> {
  const doFetch = o.fetch ?? globalThis.fetch;
  if (typeof doFetch !== "function") throw new J2kError("UNSUPPORTED", "no fetch() in this runtime; pass options.fetch");
  const timeout = o.timeout ?? 30_000;
  const maxWhole = o.maxWholeRead ?? 2 ** 30;
  let identity: { etag: string | null; modified: string | null; size: number } | undefined;
  let whole: Uint8Array | undefined;

  const changed = (why: string) => new J2kError("SOURCE_CHANGED", `${url} changed while it was being read (${why}); open it again`);

  /** One GET of [offset, offset + length); on the first call the size is not yet known. */
  const get = async (offset: number, length: number): Promise<{ bytes: Uint8Array; size: number; full: boolean }> => {
    const headers: Record<string, string> = { ...(o.headers ?? {}), Range: `bytes=${offset}-${offset + length - 1}` };
    if (isNode) headers["Accept-Encoding"] = "identity";
    const signals = [AbortSignal.timeout(timeout)];
    if (o.signal) signals.push(o.signal);
    const signal = signals.length > 1 && "any" in AbortSignal ? (AbortSignal as unknown as { any(s: AbortSignal[]): AbortSignal }).any(signals) : signals[0]!;
    let res: Response;
    reader.requests++;
    try {
      res = await doFetch(url, { headers, signal });
    } catch (e) {
      if (o.signal?.aborted) throw new J2kError("SOURCE_READ_FAILED", `reading ${url}: aborted`, { cause: e });
      throw new Transient(`request failed: ${(e as Error).message}`);
    }
    const st = res.status;
    if (st === 416) {
      const cr = res.headers.get("content-range");
      await res.body?.cancel().catch(() => undefined);
      throw new J2kError(
        "SOURCE_RANGE_NOT_SATISFIABLE",
        `${url} answered 416 Range Not Satisfiable to bytes=${offset}-${offset + length - 1}${cr ? ` (${cr})` : ""}: the file is ${identity ? "shorter than it was when opened" : "empty or smaller than expected"}`,
      );
    }
    if (retryableStatus(st)) {
      await res.body?.cancel().catch(() => undefined);
      throw new Transient(`HTTP ${st} ${res.statusText}`);
    }
    if (st !== 200 && st !== 206) {
      await res.body?.cancel().catch(() => undefined);
      throw new J2kError("SOURCE_READ_FAILED", `${url} answered HTTP ${st} ${res.statusText}`);
    }
    const etag = res.headers.get("etag");
    const modified = res.headers.get("last-modified");
    let size: number;
    let start = offset;
    if (st === 206) {
      const cr = parseContentRange(res.headers.get("content-range"));
      if (!cr) {
        await res.body?.cancel().catch(() => undefined);
        throw new J2kError("SOURCE_READ_FAILED", `${url} answered 206 without a usable Content-Range header (${res.headers.get("content-range") ?? "none"})`);
      }
      if (cr.size === undefined) throw new J2kError("SOURCE_READ_FAILED", `${url} does not tell the file size in Content-Range (${res.headers.get("content-range")})`);
      size = cr.size;
      start = cr.start;
      if (cr.start !== offset || cr.end < cr.start) throw new J2kError("SOURCE_READ_FAILED", `${url} answered bytes ${cr.start}-${cr.end} to a request for ${offset}-${offset + length - 1}`);
    } else {
      const cl = res.headers.get("content-length");
      size = cl !== null ? Number(cl) : NaN;
      if (Number.isFinite(size) && size > maxWhole) {
        await res.body?.cancel().catch(() => undefined);
        throw new J2kError("SOURCE_READ_FAILED", `${url}: the server ignores Range requests and the file is ${size} bytes, above maxWholeRead (${maxWhole})`);
      }
    }
    if (identity) {
      if (identity.etag !== null && etag !== null && etag !== identity.etag) throw changed(`ETag ${identity.etag} → ${etag}`);
      if (identity.etag === null && identity.modified !== null && modified !== null && modified !== identity.modified) throw changed(`Last-Modified ${identity.modified} → ${modified}`);
    }
    let body: Uint8Array;
    try {
      body = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new Transient(`connection dropped while reading the body: ${(e as Error).message}`);
    }
    reader.bytes += body.length;
    if (st === 200) {
      if (!Number.isFinite(size)) size = body.length;
      if (body.length !== size) throw new Transient(`body of ${body.length} bytes, Content-Length ${size}`);
      if (body.length > maxWhole) throw new J2kError("SOURCE_READ_FAILED", `${url}: the server ignores Range requests and the file is ${body.length} bytes, above maxWholeRead (${maxWhole})`);
    } else {
      const want = Math.min(length, size - start);
      if (body.length !== want) throw new Transient(`body of ${body.length} bytes for a ${want}-byte range`);
    }
    if (identity && size !== identity.size) throw changed(`size ${identity.size} → ${size}`);
    if (!identity) identity = { etag, modified, size };
    return { bytes: body, size, full: st === 200 };
  };

  const reader: SourceReader = {
    size: 0,
    version: "",
    description: url,
    warnings: [],
    requests: 0,
    bytes: 0,
    async read(offset, length) {
      checkRange(reader, offset, length);
      if (length === 0) return new Uint8Array(0);
      if (whole) return whole.subarray(offset, offset + length);
      const r = await withRetries(`reading bytes ${offset}-${offset + length - 1} of ${url}`, o, () => get(offset, length));
      if (r.full) {
        whole = r.bytes;
        reader.warnings.push(`${url}: the server stopped honouring Range requests; the whole file (${whole.length} bytes) was read`);
        return whole.subarray(offset, offset + length);
      }
      return r.bytes;
    },
    close: () => Promise.resolve(),
  };
  const first = await withRetries(`reading the start of ${url}`, o, () => get(0, initial));
  (reader as { size: number }).size = first.size;
  (reader as { version: string }).version = identity!.etag ?? identity!.modified ?? `size ${first.size}`;
  let prefix = first.bytes;
  if (first.full) {
    whole = first.bytes;
    prefix = whole.subarray(0, Math.min(initial, whole.length));
    reader.warnings.push(`${url}: the server ignores Range requests; the whole file (${whole.length} bytes) was read once and is served from memory`);
  }
  if (first.size === 0) throw new J2kError("NOT_A_CODESTREAM", `${url} is empty`);
  return { reader, prefix };
}

// ---------------------------------------------------------------------------------------------
// S3
// ---------------------------------------------------------------------------------------------

interface S3Module {
  S3Client: new (config: Record<string, unknown>) => { send(cmd: unknown): Promise<S3GetOutput>; destroy?(): void };
  GetObjectCommand: new (input: Record<string, unknown>) => unknown;
}
interface S3GetOutput {
  ContentRange?: string;
  ContentLength?: number;
  ETag?: string;
  Body?: { transformToByteArray(): Promise<Uint8Array> };
}

/** Bucket and key of an `s3://bucket/key` URL. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new J2kError("INVALID_ARGUMENT", `not an s3://bucket/key URL: ${url}`);
  return { bucket: m[1]!, key: decodeURIComponent(m[2]!) };
}

/** A reader over an S3 object with ranged GetObject. */
export async function s3Reader(url: string, initial: number, o: ReaderOptions): Promise<OpenedReader> {
  const { bucket, key } = parseS3Url(url);
  const s = o.s3 ?? {};
  const modName = "@aws-sdk/client-s3";
  let mod: S3Module;
  try {
    mod = (await import(/* @vite-ignore */ modName)) as S3Module;
  } catch (e) {
    throw new J2kError("UNSUPPORTED", `s3:// sources need the optional package @aws-sdk/client-s3: npm install @aws-sdk/client-s3`, { cause: e });
  }
  const env = typeof process !== "undefined" ? process.env : {};
  const own = !s.client;
  const client = (s.client as InstanceType<S3Module["S3Client"]> | undefined) ??
    new mod.S3Client({
      region: s.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
      ...(s.endpoint ? { endpoint: s.endpoint } : {}),
      forcePathStyle: s.forcePathStyle ?? !!s.endpoint,
      ...(s.credentials ? { credentials: s.credentials } : {}),
      maxAttempts: 1,
    });
  let identity: { etag?: string; size: number } | undefined;
  const get = async (offset: number, length: number): Promise<{ bytes: Uint8Array; size: number }> => {
    reader.requests++;
    let out: S3GetOutput;
    try {
      out = await client.send(new mod.GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${offset}-${offset + length - 1}` }));
    } catch (e) {
      const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = err.$metadata?.httpStatusCode ?? 0;
      if (status === 416 || err.name === "InvalidRange") throw new J2kError("SOURCE_RANGE_NOT_SATISFIABLE", `${url}: range ${offset}-${offset + length - 1} not satisfiable (the object is empty or shorter than expected)`, { cause: e });
      if (status === 412) throw new J2kError("SOURCE_CHANGED", `${url} changed while it was being read; open it again`, { cause: e });
      if (status === 0 || retryableStatus(status)) throw new Transient(`${err.name ?? "error"}: ${err.message ?? status}`);
      throw new J2kError("SOURCE_READ_FAILED", `${url}: ${err.name ?? "error"} (HTTP ${status}): ${err.message ?? ""}`, { cause: e });
    }
    const cr = parseContentRange(out.ContentRange ?? null);
    const size = cr?.size ?? (out.ContentLength !== undefined && offset === 0 ? out.ContentLength : NaN);
    if (!Number.isFinite(size)) throw new J2kError("SOURCE_READ_FAILED", `${url}: the store did not tell the object size (Content-Range ${out.ContentRange ?? "none"})`);
    if (cr && cr.start !== offset) throw new J2kError("SOURCE_READ_FAILED", `${url}: the store answered bytes ${cr.start}-${cr.end} to a request for ${offset}-${offset + length - 1}`);
    if (identity) {
      if (identity.etag && out.ETag && out.ETag !== identity.etag) throw new J2kError("SOURCE_CHANGED", `${url} changed while it was being read (ETag ${identity.etag} → ${out.ETag}); open it again`);
      if (size !== identity.size) throw new J2kError("SOURCE_CHANGED", `${url} changed while it was being read (size ${identity.size} → ${size}); open it again`);
    }
    let bytes: Uint8Array;
    try {
      bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
    } catch (e) {
      throw new Transient(`connection dropped while reading the body: ${(e as Error).message}`);
    }
    reader.bytes += bytes.length;
    const want = Math.min(length, size - offset);
    if (bytes.length !== want) throw new Transient(`body of ${bytes.length} bytes for a ${want}-byte range`);
    identity ??= { ...(out.ETag ? { etag: out.ETag } : {}), size };
    return { bytes, size };
  };
  const reader: SourceReader = {
    size: 0,
    version: "",
    description: url,
    warnings: [],
    requests: 0,
    bytes: 0,
    async read(offset, length) {
      checkRange(reader, offset, length);
      if (length === 0) return new Uint8Array(0);
      return (await withRetries(`reading bytes ${offset}-${offset + length - 1} of ${url}`, o, () => get(offset, length))).bytes;
    },
    close: async () => {
      if (own) client.destroy?.();
    },
  };
  const first = await withRetries(`reading the start of ${url}`, o, () => get(0, initial));
  (reader as { size: number }).size = first.size;
  (reader as { version: string }).version = identity!.etag ?? `size ${first.size}`;
  return { reader, prefix: first.bytes };
}

// ---------------------------------------------------------------------------------------------
// user RangeReader
// ---------------------------------------------------------------------------------------------

/** Wrap a user {@link RangeReader}: checks what it returns, counts reads. */
export async function userReader(r: RangeReader, initial: number): Promise<OpenedReader> {
  if (typeof r.read !== "function") throw new J2kError("INVALID_ARGUMENT", "a RangeReader needs a read(offset, length) method");
  const call = async (offset: number, length: number): Promise<Uint8Array> => {
    let b: unknown;
    try {
      b = await r.read(offset, length);
    } catch (e) {
      if (e instanceof J2kError) throw e;
      throw new J2kError("SOURCE_READ_FAILED", `the RangeReader failed to read bytes ${offset}-${offset + length - 1}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    }
    if (!(b instanceof Uint8Array)) throw new J2kError("SOURCE_READ_FAILED", "the RangeReader's read() must resolve to a Uint8Array");
    if (b.length > length) b = b.subarray(0, length);
    return b as Uint8Array;
  };
  let size = typeof r.size === "function" ? await r.size() : r.size;
  const prefix0 = await call(0, size !== undefined ? Math.min(initial, size) : initial);
  if (size === undefined) {
    if (prefix0.length < initial) size = prefix0.length;
    else throw new J2kError("INVALID_ARGUMENT", "the RangeReader has no size and the file is larger than the first read: give RangeReader.size");
  }
  if (!Number.isInteger(size) || size < 0) throw new J2kError("INVALID_ARGUMENT", `RangeReader.size must be a non-negative integer (got ${String(size)})`);
  const total = size;
  const reader: SourceReader = {
    size: total,
    version: `size ${total}`,
    description: "RangeReader",
    warnings: [],
    requests: 1,
    bytes: prefix0.length,
    async read(offset, length) {
      checkRange(reader, offset, length);
      reader.requests++;
      const b = await call(offset, length);
      reader.bytes += b.length;
      if (b.length !== length) throw new J2kError("SOURCE_READ_FAILED", `the RangeReader returned ${b.length} bytes for a ${length}-byte read at ${offset} inside the ${total}-byte file`);
      return b;
    },
    close: async () => {
      await r.close?.();
    },
  };
  const want = Math.min(initial, total);
  if (prefix0.length < want) throw new J2kError("SOURCE_READ_FAILED", `the RangeReader returned ${prefix0.length} bytes for the first ${want}`);
  return { reader, prefix: prefix0.subarray(0, want) };
}
