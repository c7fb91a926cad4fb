/**
 * A node:http file server on 127.0.0.1 for the byte-range tests: honours single `Range: bytes=a-b`
 * requests (206 + Content-Range, 416 past the end), sends an ETag, counts requests and body bytes
 * per file, and can misbehave on purpose (ignore Range, fail with 5xx, drop the connection mid-body,
 * answer 416, change the ETag after some requests, send a wrong Content-Range).
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { openSync, readSync, fstatSync, closeSync } from "node:fs";
import type { AddressInfo } from "node:net";

/** Ways the server can misbehave (per file). */
export interface Hostility {
  /** Answer 200 with the whole file to every request. */
  ignoreRange?: boolean;
  /** Answer the first N requests with 503. */
  fail5xx?: number;
  /** Cut the connection half-way through the body of the first N responses. */
  dropBody?: number;
  /** Answer every request with 416. */
  always416?: boolean;
  /** After this many requests, send a different ETag. */
  etagChangesAfter?: number;
  /** Answer with a Content-Range that starts one byte late. */
  wrongContentRange?: boolean;
}

/** A served file: a path (read with positioned reads) or bytes. */
export type Served = { path: string } | { bytes: Uint8Array };

/** Counters of one file. */
export interface Counters {
  requests: number;
  bytes: number;
}

/** The running server. */
export interface RangeServer {
  url(name: string): string;
  counters(name: string): Counters;
  reset(): void;
  setHostility(name: string, h: Hostility): void;
  close(): Promise<void>;
}

/** Start the server with `files` (name → content). */
export async function startRangeServer(files: Record<string, Served>): Promise<RangeServer> {
  const count = new Map<string, Counters>();
  const hostile = new Map<string, Hostility>();
  const sizeOf = (f: Served) => ("bytes" in f ? f.bytes.length : fstatSync(fdOf(f.path)).size);
  const fds = new Map<string, number>();
  const fdOf = (p: string) => {
    let fd = fds.get(p);
    if (fd === undefined) {
      fd = openSync(p, "r");
      fds.set(p, fd);
    }
    return fd;
  };
  const slice = (f: Served, start: number, end: number): Uint8Array => {
    if ("bytes" in f) return f.bytes.subarray(start, end);
    const buf = new Uint8Array(end - start);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fdOf(f.path), buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return buf;
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const name = decodeURIComponent((req.url ?? "/").slice(1).split("?")[0]!);
    const f = files[name];
    if (!f || req.method !== "GET") {
      res.writeHead(404).end("not found");
      return;
    }
    const c = count.get(name) ?? { requests: 0, bytes: 0 };
    count.set(name, c);
    c.requests++;
    const h = hostile.get(name) ?? {};
    const size = sizeOf(f);
    const etag = h.etagChangesAfter !== undefined && c.requests > h.etagChangesAfter ? `"v2-${size}"` : `"v1-${size}"`;
    if (h.fail5xx && c.requests <= h.fail5xx) {
      res.writeHead(503, { "Retry-After": "0" }).end("busy");
      return;
    }
    if (h.always416) {
      res.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
      return;
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    let start = 0, end = size, status = 200;
    const headers: Record<string, string> = { ETag: etag, "Accept-Ranges": "bytes", "Last-Modified": "Tue, 01 Jul 2025 00:00:00 GMT" };
    if (range && !h.ignoreRange) {
      start = Number(range[1]);
      end = range[2] ? Math.min(size, Number(range[2]) + 1) : size;
      if (start >= size || end <= start) {
        res.writeHead(416, { "Content-Range": `bytes */${size}`, ETag: etag }).end();
        return;
      }
      status = 206;
      const shown = h.wrongContentRange ? start + 1 : start;
      headers["Content-Range"] = `bytes ${shown}-${end - 1}/${size}`;
    }
    const body = slice(f, start, end);
    headers["Content-Length"] = String(body.length);
    res.writeHead(status, headers);
    if (h.dropBody && c.requests <= h.dropBody && body.length > 1) {
      const half = body.subarray(0, Math.floor(body.length / 2));
      c.bytes += half.length;
      res.write(half, () => res.destroy());
      return;
    }
    c.bytes += body.length;
    res.end(body);
  };
  const server: Server = createServer(handler);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    counters: (name) => ({ ...(count.get(name) ?? { requests: 0, bytes: 0 }) }),
    reset: () => count.clear(),
    setHostility: (name, h) => hostile.set(name, h),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      for (const fd of fds.values()) closeSync(fd);
    },
  };
}
