/**
 * `createJpipHandler(options)`: a JPIP server (ISO/IEC 15444-9, JPIP over HTTP, Annex F) over a
 * folder of JPEG 2000 files, as a request listener for Node's `http` server.
 *
 * - `GET /jpip?target=NAME&fsiz=...` — NAME is a file's path below the folder (checked as the IIIF
 *   server checks identifiers: no `..`, no absolute paths, no hidden names, no symbolic link out of
 *   the folder). The answer is a JPP-stream (`image/jpp-stream`) or, with `type=jpt-stream`, a
 *   JPT-stream, ended by an EOR message.
 * - `cnew=http` opens a channel: `JPIP-cnew: cid=...,path=jpip,transport=http`. Requests with
 *   `cid` use the session's cache model, so nothing is sent twice; a new request on a channel ends
 *   the one still streaming with EOR "window change" (unless `wait=yes`, which queues it).
 *   `cclose` closes channels; a closed channel id gets 400. Requests without a channel are
 *   stateless: `model` (and `tpmodel`, `need`) say what the client has.
 * - `JPIP-tid` on every answer (identifies the file's version); `JPIP-fsiz`, `JPIP-roff`,
 *   `JPIP-rsiz`, `JPIP-layers`, `JPIP-comps` when the server changed the window. CORS headers
 *   expose them to pages on other origins.
 * - Errors: 400 (malformed or conflicting fields, unknown channel), 403 (a target leaving the
 *   folder), 404 (no such target), 405, 415 (no supported return type), 500.
 * - `/` serves the demo viewer (demo/jpip.html) and `/dist/`, `/wasm/` the library for it, unless
 *   `viewer: false`.
 *
 * Every target is opened with `openImage` (file handle, byte ranges) and its codestream index is
 * kept per target in an LRU (`maxTargets`): no index boxes are needed.
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { readFile, realpath } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { J2kError } from "../errors.js";
import { openImage, type RangeImage } from "../range/open_image.js";
import { FolderStore, pathForIdentifier } from "../iiif/image_source.js";
import { IiifError } from "../iiif/params.js";
import { TargetBins } from "./databins.js";
import { EorReason } from "./messages.js";
import { CacheModel } from "./model.js";
import { JpipRequestError, parseRequest, type JpipRequest } from "./request.js";
import { respond, type ResponseStats } from "./respond.js";
import { resolveWindow, windowArea, windowTiles } from "./window.js";
import { answerOtherMethods } from "../http_service.js";

/** Options of {@link createJpipHandler}. */
export interface JpipHandlerOptions {
  /** Folder whose JPEG 2000 files are the targets. */
  root: string;
  /** URL path of the service (default `/jpip`). */
  path?: string;
  /** Targets kept open with their codestream index (default 16). */
  maxTargets?: number;
  /** Sessions kept at once (default 256; the least recently used is closed beyond). */
  maxSessions?: number;
  /** Milliseconds after which an unused session is closed (default 10 minutes). */
  sessionIdleMs?: number;
  /** Tile header data-bins in OpenJPEG's form (for OpenJPEG's opj_jpip_* readers; see databins.ts). */
  openjpegTileHeaders?: boolean;
  /** Serve the demo viewer at `/` (default true). */
  viewer?: boolean;
  /** Most bytes per second one response sends (pacing; default unlimited). */
  maxRate?: number;
  /** Called after every response (logs, benchmarks). */
  onResponse?: (info: JpipResponseInfo) => void;
}

/** What {@link JpipHandlerOptions.onResponse} receives. */
export interface JpipResponseInfo extends ResponseStats {
  target: string;
  query: string;
  /** Wall time of the response (ms). */
  ms: number;
  /** Process CPU time (user + system) spent while the response ran (ms; includes other work running meanwhile). */
  cpuMs: number;
  /** The connection closed before the response ended. */
  aborted: boolean;
}

/** The request listener. */
export interface JpipHandler {
  (req: IncomingMessage, res: ServerResponse, next?: () => void): Promise<boolean>;
  /** Open sessions and targets. */
  stats(): { sessions: number; targets: number };
  /** End streaming responses (EOR "response limit"), close sessions and files. */
  close(): Promise<void>;
}

interface Target {
  key: string;
  name: string;
  tid: string;
  image: RangeImage;
  bins: TargetBins;
  refs: number;
  evicted: boolean;
}

interface Session {
  cids: Set<string>;
  target: Target;
  model: CacheModel;
  queue: Promise<void>;
  /** The response streaming now: set `stop` to end it. */
  active?: { stop?: number };
  lastUsed: number;
}

const EXPOSED = ["JPIP-tid", "JPIP-cnew", "JPIP-fsiz", "JPIP-roff", "JPIP-rsiz", "JPIP-layers", "JPIP-comps", "JPIP-qid"];
const CLOSED_REMEMBERED = 4096;

/**
 * Create a JPIP request handler:
 *
 * ```ts
 * import { createServer } from "node:http";
 * import { createJpipHandler } from "j2kit/jpip";
 * const jpip = createJpipHandler({ root: "/data/images" });
 * createServer((req, res) => void jpip(req, res)).listen(8090);
 * ```
 */
export function createJpipHandler(options: JpipHandlerOptions): JpipHandler {
  if (!options || typeof options.root !== "string") throw new J2kError("INVALID_ARGUMENT", "createJpipHandler needs `root` (a folder)");
  const root = resolve(options.root);
  const store = new FolderStore(root);
  const prefix = (options.path ?? "/jpip").replace(/\/+$/, "");
  if (!prefix.startsWith("/") || prefix.length < 2) throw new J2kError("INVALID_ARGUMENT", `path must start with "/" and name a path (got ${options.path})`);
  const maxTargets = options.maxTargets ?? 16;
  const maxSessions = options.maxSessions ?? 256;
  const idleMs = options.sessionIdleMs ?? 10 * 60_000;
  const targets = new Map<string, Target>();
  const opening = new Map<string, Promise<Target>>();
  const sessions = new Map<string, Session>();
  const closed = new Set<string>();
  const streaming = new Set<{ stop?: number }>();
  let stopping = false;

  function release(t: Target): void {
    t.refs--;
    if (t.refs <= 0 && t.evicted) void t.image.close().catch(() => undefined);
  }

  async function target(name: string): Promise<Target> {
    const version = await store.version(name);
    const key = `${name}\u0000${version}`;
    const hit = targets.get(key);
    if (hit) {
      targets.delete(key);
      targets.set(key, hit);
      return hit;
    }
    let p = opening.get(key);
    if (!p) {
      p = (async () => {
        const path = await realpath(pathForIdentifier(root, name));
        let image: RangeImage;
        try {
          image = await openImage(path, { cacheBytes: 16 * 2 ** 20, worker: false });
        } catch (e) {
          if (e instanceof J2kError) throw new IiifError(404, `'${name}' is not a readable JPEG 2000 file: [${e.code}] ${e.message}`);
          throw e;
        }
        const tid = createHash("sha1").update(key).digest("base64url").slice(0, 16);
        const t: Target = { key, name, tid, image, bins: new TargetBins(image.index, image.layout, { openjpegTileHeaders: options.openjpegTileHeaders === true }), refs: 0, evicted: false };
        targets.set(key, t);
        for (const [k, old] of targets) {
          if (targets.size <= maxTargets) break;
          targets.delete(k);
          old.evicted = true;
          if (old.refs <= 0) void old.image.close().catch(() => undefined);
        }
        return t;
      })();
      opening.set(key, p);
      p.then(
        () => opening.delete(key),
        () => opening.delete(key),
      );
    }
    return p;
  }

  function closeSession(s: Session): void {
    for (const c of s.cids) {
      sessions.delete(c);
      closed.add(c);
    }
    s.cids.clear();
    if (s.active) s.active.stop ??= EorReason.SESSION_LIMIT;
    release(s.target);
    while (closed.size > CLOSED_REMEMBERED) closed.delete(closed.values().next().value!);
  }

  function sweep(now: number): void {
    const seen = new Set<Session>();
    for (const s of sessions.values()) {
      if (seen.has(s)) continue;
      seen.add(s);
      if (now - s.lastUsed > idleMs && !s.active) closeSession(s);
    }
    if (seen.size > maxSessions) {
      const lru = [...seen].filter((s) => s.cids.size > 0).sort((a, b) => a.lastUsed - b.lastUsed);
      for (const s of lru.slice(0, seen.size - maxSessions)) closeSession(s);
    }
  }

  function cors(res: ServerResponse): void {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Expose-Headers", EXPOSED.join(", "));
  }

  function sendError(res: ServerResponse, status: number, message: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    cors(res);
    res.statusCode = status;
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.setHeader("Cache-Control", "no-store");
    res.end(`${status} ${message.replace(/[\r\n]+/g, " ")}\n`);
  }

  async function jpip(req: IncomingMessage, res: ServerResponse, query: string): Promise<void> {
    const now = Date.now();
    sweep(now);
    const rq: JpipRequest = parseRequest(query);
    let session: Session | undefined;
    if (rq.cid !== undefined) {
      session = sessions.get(rq.cid);
      if (!session) {
        throw new JpipRequestError(400, closed.has(rq.cid) ? `channel '${rq.cid}' was closed; open a new one with cnew=http` : `unknown channel '${rq.cid}' (expired or never opened); open a new one with cnew=http`);
      }
      if (rq.target !== undefined && rq.target !== session.target.name) throw new JpipRequestError(400, `channel '${rq.cid}' belongs to target '${session.target.name}', not '${rq.target}'`);
    } else if (rq.target === undefined) {
      throw new JpipRequestError(400, "a request needs 'target' (or 'cid' of an open channel)");
    }
    let tgt: Target;
    if (session) {
      tgt = session.target;
      // the file changed since the session opened: new target, empty model
      const version = await store.version(tgt.name);
      if (!tgt.key.endsWith(`\u0000${version}`)) {
        const fresh = await target(tgt.name);
        fresh.refs++;
        release(tgt);
        session.target = tgt = fresh;
        session.model.clear();
      }
    } else {
      tgt = await target(rq.target!);
    }
    let newCid: string | undefined;
    if (!session && rq.cnew?.includes("http")) {
      newCid = randomBytes(12).toString("base64url");
      session = { cids: new Set([newCid]), target: tgt, model: new CacheModel(), queue: Promise.resolve(), lastUsed: now };
      tgt.refs++;
      sessions.set(newCid, session);
    }
    const model = session ? session.model : new CacheModel();
    if (session && rq.tid !== undefined && rq.tid !== "0" && rq.tid !== tgt.tid) session.model.clear();
    const trustModel = rq.tid === undefined || rq.tid === "0" || rq.tid === tgt.tid;
    if (rq.model && trustModel) model.apply(rq.model);
    const main = tgt.image.index.main;
    const win = resolveWindow(main, rq.window);
    const area = windowArea(main, win);
    const tiles = windowTiles(main, win);
    const type = rq.type?.[0] ?? "jpp-stream";
    cors(res);
    res.statusCode = 200;
    res.setHeader("Content-Type", `image/${type}`);
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("JPIP-tid", tgt.tid);
    if (newCid) res.setHeader("JPIP-cnew", `cid=${newCid},path=${prefix.slice(1)},transport=http`);
    if (rq.qid !== undefined) res.setHeader("JPIP-qid", String(rq.qid));
    if (!win.empty || rq.window.fsiz) {
      if (win.changed.fsiz) res.setHeader("JPIP-fsiz", `${win.fsiz[0]},${win.fsiz[1]}`);
      if (win.changed.roff) res.setHeader("JPIP-roff", `${win.roff[0]},${win.roff[1]}`);
      if (win.changed.rsiz) res.setHeader("JPIP-rsiz", `${win.rsiz[0]},${win.rsiz[1]}`);
    }
    if (win.changed.layers) res.setHeader("JPIP-layers", String(win.layers));
    if (win.changed.comps && win.comps) res.setHeader("JPIP-comps", win.comps.join(",") || "");
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const run = async (): Promise<void> => {
      const active: { stop?: number } = {};
      if (session) {
        session.active = active;
        session.lastUsed = Date.now();
      }
      streaming.add(active);
      const stats: ResponseStats = { messages: 0, bytes: 0, eor: 0 };
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      let aborted = false;
      res.on("close", () => {
        if (!res.writableFinished) aborted = true;
      });
      model.begin();
      try {
        const gen = respond({ bins: tgt.bins, model, window: win, area, tiles, type, ...(rq.len !== undefined ? { len: rq.len } : {}), ...(rq.need ? { need: rq.need } : {}), ...(rq.tpmodel ? { tpmodel: rq.tpmodel } : {}), stop: () => (stopping ? EorReason.RESPONSE_LIMIT : active.stop) }, stats);
        let sent = 0;
        for await (const chunk of gen) {
          if (aborted || res.destroyed) {
            aborted = true;
            break;
          }
          if (options.maxRate) {
            // pace: the bytes sent so far may not run ahead of maxRate
            sent += chunk.length;
            const wait = (sent / options.maxRate) * 1000 - (performance.now() - t0);
            // (a client going away ends the wait)
            if (wait > 1 && !res.destroyed) await new Promise<void>((r) => {
              const done = () => {
                clearTimeout(timer);
                res.off("close", done);
                r();
              };
              const timer = setTimeout(done, wait);
              res.on("close", done);
            });
            // the client may have gone while we waited: its 'close' has been emitted already
            if (aborted || res.destroyed) {
              aborted = true;
              break;
            }
          }
          if (!res.write(chunk)) await new Promise<void>((r) => {
            // (a destroyed response emits neither 'drain' nor, again, 'close')
            if (res.destroyed) return r();
            const done = () => {
              res.off("drain", done);
              res.off("close", done);
              r();
            };
            res.on("drain", done);
            res.on("close", done);
          });
        }
        if (!aborted && res.destroyed) aborted = true;
        if (!aborted) {
          await new Promise<void>((r) => res.end(r));
          if (res.destroyed && !res.writableFinished) aborted = true;
        }
      } catch (e) {
        aborted = true;
        throw e;
      } finally {
        if (aborted) model.rollback();
        else model.commit();
        streaming.delete(active);
        if (session) {
          if (session.active === active) delete session.active;
          session.lastUsed = Date.now();
        }
        const cpu = process.cpuUsage(cpu0);
        options.onResponse?.({ ...stats, target: tgt.name, query, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, aborted });
      }
      if (rq.cclose && session) {
        if (rq.cclose.includes("*") || rq.cclose.some((c) => session!.cids.has(c))) closeSession(session);
      }
    };
    if (!session) {
      if (rq.cclose && !rq.cclose.includes("*")) for (const c of rq.cclose) {
        const s = sessions.get(c);
        if (s) closeSession(s);
      }
      return run();
    }
    // one response at a time per session; a newer request ends the one streaming (wait=no)
    if (session.active && rq.wait !== true) session.active.stop ??= EorReason.WINDOW_CHANGE;
    const prev = session.queue;
    const mine = prev.then(run, run);
    session.queue = mine.catch(() => undefined);
    return mine;
  }

  const pkgRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));
  const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".html": "text/html; charset=utf-8", ".wasm": "application/wasm", ".css": "text/css; charset=utf-8" };

  async function viewerFile(res: ServerResponse, pathname: string): Promise<void> {
    let rel: string;
    if (pathname === "/" || pathname === "/index.html") rel = "demo/jpip.html";
    else if (/^\/(demo\/jpip[\w.-]*|dist\/[\w./-]+|wasm\/[\w./-]+)$/.test(pathname) && !pathname.includes("..")) rel = pathname.slice(1);
    else return sendError(res, 404, "not found");
    const type = TYPES[extname(rel)];
    if (!type) return sendError(res, 404, "not found");
    const file = join(pkgRoot, rel);
    if (!file.startsWith(pkgRoot + sep)) return sendError(res, 404, "not found");
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return sendError(res, 404, rel.startsWith("demo/") ? "the demo page is not installed (it ships in the repository, not the npm package)" : "not found");
    }
    if (rel === "demo/jpip.html") {
      const list = await store.list(200);
      body = Buffer.from(body.toString("utf8").replace("__J2KIT_TARGETS__", JSON.stringify(list).replace(/</g, "\\u003c")).replace("__J2KIT_JPIP_PATH__", prefix));
    }
    cors(res);
    res.statusCode = 200;
    res.setHeader("Content-Type", type);
    res.setHeader("Cache-Control", "no-cache");
    res.end(body);
  }

  const handler = (async (req: IncomingMessage, res: ServerResponse, next?: () => void): Promise<boolean> => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://x");
    } catch {
      sendError(res, 400, "invalid URL");
      return true;
    }
    const mine = url.pathname === prefix;
    if (url.pathname === "/favicon.ico" && options.viewer !== false) {
      res.statusCode = 204;
      res.end();
      return true;
    }
    const isViewer = options.viewer !== false && (url.pathname === "/" || url.pathname === "/index.html" || /^\/(demo|dist|wasm)\//.test(url.pathname));
    if (!mine && !isViewer) {
      if (next) {
        next();
        return false;
      }
      sendError(res, 404, `not found (the JPIP service is at ${prefix})`);
      return true;
    }
    if (answerOtherMethods(req, res, cors, sendError)) return true;
    try {
      if (stopping) throw new JpipRequestError(503, "the server is stopping");
      if (isViewer) await viewerFile(res, url.pathname);
      else await jpip(req, res, (req.url ?? "").split("?")[1] ?? "");
    } catch (e) {
      if (e instanceof JpipRequestError || e instanceof IiifError) sendError(res, e.status, e.message);
      else if (e instanceof J2kError) sendError(res, e.code.startsWith("SOURCE_") ? 502 : e.code.startsWith("UNSUPPORTED") ? 501 : 500, `cannot serve this target: [${e.code}] ${e.message}`);
      else sendError(res, 500, `internal error: ${(e as Error)?.message ?? String(e)}`);
    }
    return true;
  }) as JpipHandler;
  handler.stats = () => ({ sessions: new Set(sessions.values()).size, targets: targets.size });
  handler.close = async () => {
    stopping = true;
    for (const a of streaming) a.stop ??= EorReason.RESPONSE_LIMIT;
    for (const s of new Set(sessions.values())) closeSession(s);
    const all = [...targets.values()];
    targets.clear();
    await Promise.all(all.map((t) => t.image.close().catch(() => undefined)));
  };
  return handler;
}
