/**
 * `createIiifHandler(options)`: an IIIF Image API 3.0 (level 2) service over a folder of JPEG 2000
 * files, as a request listener for Node's `http` / `https` servers.
 *
 * Routes (the prefix is `/iiif/3` unless configured):
 * - `{prefix}/{identifier}/info.json` — image information (§5);
 * - `{prefix}/{identifier}/{region}/{size}/{rotation}/{quality}.{format}` — image requests (§4);
 * - `{prefix}/{identifier}` — 303 to its info.json (§2.2, `baseUriRedirect`);
 * - `/` and `/viewer/...` — the viewer page (OpenSeadragon) unless `viewer: false`.
 *
 * Identifiers are paths below the served folder, percent-encoded as one URL segment
 * (`maps%2F1850.jp2`). Every response carries CORS headers; image responses carry the profile and
 * canonical `Link` headers (§6, §4.7), an ETag and Cache-Control, and `If-None-Match` gets a 304.
 * Errors are plain-text one-line messages with 400 (invalid request), 403 (identifier escaping the
 * folder), 404, 405, 413, 501 (valid but not implemented) or 500.
 * @module
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { J2kError } from "../errors.js";
import { setWorkerCount, startWorkers } from "../worker/pool.js";
import { ByteLru } from "./cache.js";
import { DecodedBlocks } from "./decoded_blocks.js";
import { RenderGate, ServerBusyError, type RenderGateStats } from "./render_gate.js";
import { availableFormats, MEDIA_TYPES } from "./encoders.js";
import type { S3SourceOptions } from "../range/open_image.js";
import { FolderStore, type ImageSource, type ImageStore } from "./image_source.js";
import { S3Store } from "./s3_store.js";
import { IIIF_CONTEXT, IIIF_PROFILE_URI, imageInformation } from "./info.js";
import { IiifError, resolveRequest, type SizeLimits } from "./params.js";
import { renderImage, type RenderStats } from "./pipeline.js";
import { serveViewer } from "./viewer.js";
import { answerOtherMethods } from "../http_service.js";

/** Options of {@link createIiifHandler}. */
export interface IiifHandlerOptions {
  /**
   * Folder whose JPEG 2000 files are served (identifier = path below it), or `s3://bucket/prefix`
   * (identifier = key below the prefix; needs the optional package `@aws-sdk/client-s3`).
   */
  root?: string;
  /** S3 endpoint, region, credentials or client for an `s3://` root. */
  s3?: S3SourceOptions;
  /** A custom image store instead of `root` (tests, other storage). */
  store?: ImageStore;
  /**
   * Public URL of the server's root as clients see it (e.g. `https://images.example.org`, or with a
   * path when behind a proxy). Default: `http://` + the request's Host header.
   */
  baseUrl?: string;
  /** URL path of the service. Default `/iiif/3`. */
  prefix?: string;
  /** Memory for cached images and encoded tiles, in MiB. Default 256. */
  cacheMiB?: number;
  /** Largest output image in pixels (advertised as maxArea). Default 16,777,216 (4096²). */
  maxArea?: number;
  /** Largest output width / height (advertised as maxWidth / maxHeight). Default: none. */
  maxWidth?: number;
  maxHeight?: number;
  /** Largest image decoded for one request, before resampling. Default 4 × maxArea. */
  maxDecodePixels?: number;
  /**
   * Workers of j2kit's decoding pool (a process-wide setting: see `setWorkerCount`). Default: the
   * library's default (the number of cores, at most 8). They are started when the handler is
   * created, so the first image request does not wait for them.
   */
  workers?: number;
  /** Seconds of `Cache-Control: max-age` on images and info.json. Default 86400. */
  maxAge?: number;
  /**
   * Edge, in samples of the decoded resolution level, of the aligned blocks that small requests
   * (a viewer's tiles) are decoded as and cropped from; decoded blocks share the cache with encoded
   * tiles (src/iiif/decoded_blocks.ts). Default 512; 0 decodes every request's region alone.
   */
  decodeBlock?: number;
  /**
   * Image requests rendered at once (each holds decoded pixels while it decodes, resamples and
   * encodes); more wait in arrival order. Default 8. Cached tiles, and requests joining the render
   * of the same image in flight, do not count.
   */
  maxConcurrentRenders?: number;
  /**
   * Requests that may wait for a render turn; one more is answered 503 with `Retry-After` at once.
   * Default 256.
   */
  maxQueuedRenders?: number;
  /** Seconds in the `Retry-After` header of those 503 answers. Default 2. */
  retryAfterSeconds?: number;
  /** Serve the viewer page at `/`. Default true. */
  viewer?: boolean;
  /** Called after every image request (for logs and benchmarks). */
  onRender?: (identifier: string, canonical: string, stats: RenderStats | "cached") => void;
}

/** The request listener, with a way to inspect and drop its cache. */
export interface IiifHandler {
  /**
   * Answer `req` if it is for this service (returns true), else call `next` or answer 404 (returns
   * false when `next` was called).
   */
  (req: IncomingMessage, res: ServerResponse, next?: () => void): Promise<boolean>;
  /** Bytes and entries in the cache. */
  cacheStats(): { bytes: number; entries: number; evictions: number };
  /**
   * Renders running and waiting for a turn, requests refused with 503 so far, and queued renders
   * dropped unrun because every client waiting for them disconnected.
   */
  renderStats(): RenderGateStats;
  /** Empty the cache. */
  clearCache(): void;
  /** Empty the cache and close every opened image now (file handles, S3 clients). */
  close(): Promise<void>;
  readonly store: ImageStore;
}

/** A cached response. */
interface Rendered {
  body: Uint8Array;
  type: string;
  etag: string;
}

const DEFAULT_MAX_AREA = 4096 * 4096;
/** A render in flight and the clients waiting for it. */
interface InFlight {
  done: Promise<Rendered>;
  clients: number;
  /** Aborted when the last waiting client disconnects: a render still queued is dropped. */
  abort: AbortController;
}

/**
 * Wait for a render as one of its clients. When every client of a render that is still queued
 * has disconnected, the render leaves the queue unrun (a deep-zoom viewer that pans away drops
 * the tiles it asked for; under load the queue would otherwise render tiles nobody sees).
 */
async function waitFor(job: InFlight, res: ServerResponse): Promise<Rendered> {
  job.clients++;
  let counted = true;
  const leave = (): void => {
    if (!counted) return;
    counted = false;
    if (--job.clients === 0) job.abort.abort();
  };
  const onClose = (): void => {
    if (!res.writableEnded) leave();
  };
  res.once("close", onClose);
  try {
    return await job.done;
  } finally {
    res.off("close", onClose);
    if (counted) {
      counted = false;
      job.clients--;
    }
  }
}

/** Delay between an image leaving the cache and its file handle being closed. */
const CLOSE_DELAY_MS = 60_000;

function etagOf(...parts: string[]): string {
  return `"${createHash("sha1").update(parts.join("\u0000")).digest("base64url").slice(0, 22)}"`;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

function checkPositive(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new J2kError("INVALID_ARGUMENT", `${name} must be a positive integer (got ${v})`);
}

/**
 * Create an IIIF Image API 3.0 request handler for an existing `node:http` server:
 *
 * ```ts
 * import { createServer } from "node:http";
 * import { createIiifHandler } from "j2kit/iiif";
 * const iiif = createIiifHandler({ root: "/data/images", baseUrl: "https://images.example.org" });
 * createServer((req, res) => void iiif(req, res)).listen(8182);
 * ```
 */
export function createIiifHandler(options: IiifHandlerOptions): IiifHandler {
  const store =
    options.store ??
    (options.root === undefined
      ? undefined
      : options.root.startsWith("s3://")
        ? new S3Store(options.root, options.s3 ? { s3: options.s3 } : {})
        : new FolderStore(options.root));
  if (!store) throw new J2kError("INVALID_ARGUMENT", "createIiifHandler needs `root` (a folder) or `store`");
  const prefix = (options.prefix ?? "/iiif/3").replace(/\/+$/, "");
  if (!prefix.startsWith("/")) throw new J2kError("INVALID_ARGUMENT", `prefix must start with "/" (got ${prefix})`);
  checkPositive("maxArea", options.maxArea);
  checkPositive("maxWidth", options.maxWidth);
  checkPositive("maxHeight", options.maxHeight);
  checkPositive("maxDecodePixels", options.maxDecodePixels);
  const cacheMiB = options.cacheMiB ?? 256;
  if (!(cacheMiB >= 0 && cacheMiB <= 1 << 20)) throw new J2kError("INVALID_ARGUMENT", `cacheMiB must be 0..1048576 (got ${cacheMiB})`);
  if (options.workers !== undefined) setWorkerCount(options.workers);
  // start the decoding workers (and compile the core) now, not on the first image request
  void startWorkers().catch(() => undefined);
  const limits: SizeLimits = {
    maxArea: options.maxArea ?? DEFAULT_MAX_AREA,
    ...(options.maxWidth !== undefined ? { maxWidth: options.maxWidth } : {}),
    ...(options.maxHeight !== undefined ? { maxHeight: options.maxHeight } : {}),
  };
  const maxDecodePixels = options.maxDecodePixels ?? 4 * limits.maxArea!;
  const maxAge = options.maxAge ?? 86400;
  const formats = availableFormats();
  // Opened images hold a file handle or client: closed once the cache lets them go, a while
  // later, so that requests still decoding from them finish first.
  let closing: ((s: ImageSource) => void) | null = null;
  /** Images out of the cache whose delayed close has not run yet: `close()` closes them at once. */
  const pendingClose = new Map<ImageSource, ReturnType<typeof setTimeout>>();
  const cache = new ByteLru<unknown>(Math.floor(cacheMiB * 2 ** 20), (key, value) => {
    if (!key.startsWith("src\u0000")) return;
    const source = value as ImageSource;
    if (closing) return closing(source);
    const t = setTimeout(() => {
      pendingClose.delete(source);
      void source.close().catch(() => undefined);
    }, CLOSE_DELAY_MS);
    t.unref();
    pendingClose.set(source, t);
  });
  const decodeBlock = options.decodeBlock ?? 512;
  if (!(Number.isSafeInteger(decodeBlock) && decodeBlock >= 0 && decodeBlock <= 8192)) throw new J2kError("INVALID_ARGUMENT", `decodeBlock must be an integer 0..8192 (got ${decodeBlock})`);
  const blocks = decodeBlock > 0 ? new DecodedBlocks(decodeBlock, cache) : undefined;
  checkPositive("maxConcurrentRenders", options.maxConcurrentRenders);
  const maxQueued = options.maxQueuedRenders ?? 256;
  if (!(Number.isSafeInteger(maxQueued) && maxQueued >= 0)) throw new J2kError("INVALID_ARGUMENT", `maxQueuedRenders must be an integer >= 0 (got ${maxQueued})`);
  const retryAfter = options.retryAfterSeconds ?? 2;
  if (!(Number.isSafeInteger(retryAfter) && retryAfter >= 0)) throw new J2kError("INVALID_ARGUMENT", `retryAfterSeconds must be an integer >= 0 (got ${retryAfter})`);
  const gate = new RenderGate(options.maxConcurrentRenders ?? 8, maxQueued, retryAfter);
  const opening = new Map<string, Promise<ImageSource>>();
  /** Renders in flight by cache key: requests for the same image join them. */
  const rendering = new Map<string, InFlight>();

  async function source(identifier: string): Promise<ImageSource> {
    const version = await store!.version(identifier);
    const key = `src\u0000${identifier}\u0000${version}`;
    const hit = cache.get(key) as ImageSource | undefined;
    if (hit) return hit;
    let p = opening.get(key);
    if (!p) {
      p = store!.open(identifier, version).then((s) => {
        cache.set(key, s, s.memoryBytes);
        return s;
      });
      opening.set(key, p);
      p.then(
        () => opening.delete(key),
        () => opening.delete(key),
      );
    }
    return p;
  }

  function baseOf(req: IncomingMessage): string {
    if (options.baseUrl) return options.baseUrl.replace(/\/+$/, "");
    const host = req.headers.host && /^[A-Za-z0-9.\-:[\]]+$/.test(req.headers.host) ? req.headers.host : "localhost";
    return `http://${host}`;
  }

  function common(res: ServerResponse): void {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Expose-Headers", "Link, ETag, Retry-After");
  }

  function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    common(res);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.statusCode = status;
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.setHeader("Cache-Control", "no-store");
    res.end(`${status} ${message}\n`);
  }

  function send(req: IncomingMessage, res: ServerResponse, type: string, body: Uint8Array | string, etag: string, extra: Record<string, string> = {}): void {
    common(res);
    res.setHeader("ETag", etag);
    res.setHeader("Cache-Control", `public, max-age=${maxAge}`);
    for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
    if (matchesEtag(req.headers["if-none-match"], etag)) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.statusCode = 200;
    res.setHeader("Content-Type", type);
    const buf = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    res.setHeader("Content-Length", String(buf.byteLength));
    res.end(req.method === "HEAD" ? undefined : buf);
  }

  async function info(req: IncomingMessage, res: ServerResponse, identifier: string): Promise<void> {
    const src = await source(identifier);
    const id = `${baseOf(req)}${prefix}/${encodeURIComponent(identifier)}`;
    const doc = imageInformation(id, src.header, limits, formats);
    if (src.header.jp2?.palette) doc.extraQualities = ["color", "gray", "bitonal"];
    const ld = (req.headers.accept ?? "").includes("application/ld+json");
    const type = ld ? `application/ld+json;profile="${IIIF_CONTEXT}"` : "application/json";
    send(req, res, type, JSON.stringify(doc, null, 2), etagOf("info", src.version, id, type), {
      Link: `<${IIIF_PROFILE_URI}>;rel="profile"`,
      Vary: "Accept",
    });
  }

  async function image(req: IncomingMessage, res: ServerResponse, identifier: string, segs: string[]): Promise<void> {
    const [region, size, rotation, qf] = segs as [string, string, string, string];
    const dot = qf.lastIndexOf(".");
    if (dot <= 0) throw new IiifError(400, `'${qf}' must be {quality}.{format}, e.g. default.jpg`);
    const src = await source(identifier);
    const rq = resolveRequest({ region, size, rotation, quality: qf.slice(0, dot), format: qf.slice(dot + 1) }, src.header.width, src.header.height, limits, formats);
    const key = `img\u0000${identifier}\u0000${src.version}\u0000${rq.canonical}`;
    const canonicalUrl = `${baseOf(req)}${prefix}/${encodeURIComponent(identifier)}/${rq.canonical}`;
    const links = { Link: `<${IIIF_PROFILE_URI}>;rel="profile", <${canonicalUrl}>;rel="canonical"` };
    let out = cache.get(key) as Rendered | undefined;
    if (out) {
      options.onRender?.(identifier, rq.canonical, "cached");
    } else {
      const etag = etagOf("img", src.version, rq.canonical);
      // a client revalidating its copy does not need the pixels again
      if (matchesEtag(req.headers["if-none-match"], etag)) return send(req, res, MEDIA_TYPES[rq.format], new Uint8Array(0), etag, links);
      let job = rendering.get(key);
      // a job whose clients all left may still be listed until its rejection is handled: start anew
      if (!job || job.abort.signal.aborted) {
        const blockOptions = blocks ? { blocks, keyPrefix: `blk\u0000${identifier}\u0000${src.version}` } : undefined;
        const abort = new AbortController();
        const p = gate.run(() => renderImage(src, rq, maxDecodePixels, blockOptions), abort.signal).then(({ body, stats }) => {
          options.onRender?.(identifier, rq.canonical, stats);
          const r: Rendered = { body, type: MEDIA_TYPES[rq.format], etag };
          cache.set(key, r, body.byteLength + 256);
          return r;
        });
        const started: InFlight = { done: p, clients: 0, abort };
        const forget = (): void => {
          if (rendering.get(key) === started) rendering.delete(key);
        };
        p.then(forget, forget);
        rendering.set(key, started);
        job = started;
      }
      out = await waitFor(job, res);
    }
    send(req, res, out.type, out.body, out.etag, links);
  }

  async function route(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const raw = rest.split("/");
    let segs: string[];
    try {
      segs = raw.map((s) => decodeURIComponent(s));
    } catch {
      throw new IiifError(400, "the URL has an invalid percent-encoding");
    }
    const identifier = segs[0]!;
    if (segs.length === 1) {
      if (identifier === "") throw new IiifError(404, `no identifier: use ${prefix}/{identifier}/info.json`);
      await source(identifier); // 404/403 before redirecting
      common(res);
      res.statusCode = 303;
      res.setHeader("Location", `${baseOf(req)}${prefix}/${encodeURIComponent(identifier)}/info.json`);
      res.end();
      return;
    }
    if (segs.length === 2) {
      if (segs[1] === "info.json") return info(req, res, identifier);
      throw new IiifError(404, `no such resource: use ${prefix}/{identifier}/info.json`);
    }
    if (segs.length === 5) return image(req, res, identifier, segs.slice(1));
    if (segs[segs.length - 1] === "info.json") throw new IiifError(404, "no such image (a '/' inside an identifier must be encoded as %2F)");
    if (segs.length < 5) throw new IiifError(400, "an image request is {identifier}/{region}/{size}/{rotation}/{quality}.{format}");
    throw new IiifError(404, "no such image (a '/' inside an identifier must be encoded as %2F)");
  }

  const handler = (async (req: IncomingMessage, res: ServerResponse, next?: () => void): Promise<boolean> => {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? "/", "http://x").pathname;
    } catch {
      sendError(res, 400, "invalid URL");
      return true;
    }
    const mine = pathname === prefix || pathname.startsWith(prefix + "/");
    const isViewer = options.viewer !== false && (pathname === "/" || pathname.startsWith("/viewer/"));
    if (!mine && !isViewer) {
      if (next) {
        next();
        return false;
      }
      sendError(res, 404, "not found");
      return true;
    }
    if (answerOtherMethods(req, res, common, sendError)) return true;
    try {
      if (isViewer) await serveViewer(req, res, pathname, { prefix, store: store!, send: (type, body, etag, extra) => send(req, res, type, body, etag, extra), sendError: (s, m) => sendError(res, s, m) });
      else await route(req, res, pathname.slice(prefix.length + 1));
    } catch (e) {
      if (e instanceof ServerBusyError) sendError(res, 503, e.message, { "Retry-After": String(e.retryAfterSeconds) });
      else if (e instanceof IiifError) sendError(res, e.status, e.message);
      else if (e instanceof J2kError) {
        const status =
          e.code === "LIMIT_PIXELS" || e.code === "LIMIT_MEMORY"
            ? 413
            : e.code.startsWith("UNSUPPORTED")
              ? 501
              : e.code === "SOURCE_CHANGED"
                ? 503
                : e.code.startsWith("SOURCE_")
                  ? 502
                  : 500;
        sendError(res, status, `cannot decode this image: [${e.code}] ${e.message}`);
      } else sendError(res, 500, `internal error: ${(e as Error)?.message ?? String(e)}`);
    }
    return true;
  }) as IiifHandler;
  Object.defineProperty(handler, "store", { value: store });
  handler.cacheStats = () => cache.stats();
  handler.renderStats = () => gate.stats();
  handler.clearCache = () => cache.clear();
  handler.close = async () => {
    const sources: ImageSource[] = [];
    closing = (s) => sources.push(s);
    cache.clear();
    closing = null;
    for (const [s, t] of pendingClose) {
      clearTimeout(t);
      sources.push(s);
    }
    pendingClose.clear();
    await Promise.all(sources.map((s) => s.close().catch(() => undefined)));
  };
  return handler;
}
