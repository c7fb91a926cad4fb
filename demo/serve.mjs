#!/usr/bin/env node
/**
 * A tiny static file server for the browser demo (node:http, no dependencies).
 *
 * Serves the repository root read-only on 127.0.0.1, so that `/demo/index.html`, `/dist/index.js`
 * and `/wasm/embedded.js` resolve exactly as they do in the published package. `/` redirects to
 * `/demo/`. Only GET and HEAD; dot-files and dot-folders (`.git`, `.ci`, ...) are never served;
 * no directory listings; every path, after symbolic links are followed, must stay inside the folder
 * it is served from.
 *
 *   node demo/serve.mjs [port]        # or PORT=8080; port 0 picks any free port
 *
 * Tests import {@link startServer} and may mount extra read-only folders (e.g. `/testdata/`).
 * @module
 */
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (the folder above demo/). */
export const REPO_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** Content types by extension; JavaScript must be text/javascript and WebAssembly application/wasm. */
export const MIME_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".ico": "image/x-icon",
  ".jp2": "image/jp2",
  ".jpx": "image/jpx",
  ".j2k": "image/j2k",
  ".j2c": "image/j2c",
  ".dcm": "application/dicom",
};

/**
 * Map a URL path to a file below one of the served folders, or `null` if it is not allowed.
 * `mounts` maps URL prefixes ending in "/" (longest first wins) to absolute folders.
 * @param {string} urlPath the request's pathname, still percent-encoded
 * @param {Array<[string, string]>} mounts
 */
export function resolveRequestPath(urlPath, mounts) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes("\0") || path.includes("\\")) return null;
  const mount = mounts.filter(([prefix]) => path.startsWith(prefix)).sort((a, b) => b[0].length - a[0].length)[0];
  if (!mount) return null;
  const rest = path.slice(mount[0].length);
  const segments = rest.split("/").filter((s) => s !== "");
  // "..", "." and hidden names are refused outright rather than normalised away.
  if (segments.some((s) => s.startsWith("."))) return null;
  const file = resolve(mount[1], ...segments);
  if (!isInside(mount[1], file)) return null;
  return { file, root: mount[1] };
}

function isInside(root, file) {
  const rel = relative(root, file);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel) && !rel.split(sep).includes(".."));
}

/**
 * Start the server. Resolves once it listens.
 * @param {{ port?: number, host?: string, root?: string, mounts?: Record<string, string>, log?: boolean }} [options]
 *   `mounts`: extra read-only folders, e.g. `{ "/testdata/": "/abs/shared/testdata" }`.
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startServer(options = {}) {
  const host = options.host ?? "127.0.0.1";
  const root = await realpath(options.root ?? REPO_ROOT);
  const table = [["/", root]];
  for (const [prefix, dir] of Object.entries(options.mounts ?? {})) {
    if (!prefix.startsWith("/") || !prefix.endsWith("/")) throw new Error(`mount prefix must start and end with "/": ${prefix}`);
    table.push([prefix, await realpath(dir)]);
  }

  const server = createServer((req, res) => {
    handle(req, res, table).catch(() => {
      if (!res.headersSent) send(res, 500, "internal error");
      else res.destroy();
    });
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 8080, host, () => ok(undefined));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : Number(options.port);
  const url = `http://${host}:${port}/`;
  return {
    url,
    port,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok(undefined));
      }),
  };
}

function send(res, status, text, headers = {}) {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers });
  res.end(text);
}

async function handle(req, res, table) {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed", { Allow: "GET, HEAD" });
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/") return send(res, 302, "see /demo/", { Location: "/demo/" });
  const target = resolveRequestPath(url.pathname, table);
  if (!target) return send(res, 404, "not found");

  let file = target.file;
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    if (!url.pathname.endsWith("/")) return send(res, 301, "moved", { Location: `${url.pathname}/${url.search}` });
    file = resolve(file, "index.html");
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return send(res, 404, "not found");
  // A symbolic link must not lead outside the folder it is served from.
  const real = await realpath(file).catch(() => null);
  if (!real || !isInside(target.root, real)) return send(res, 404, "not found");

  res.writeHead(200, {
    "Content-Type": MIME_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
    "Content-Length": info.size,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  if (req.method === "HEAD") return res.end();
  await new Promise((ok, fail) => {
    const stream = createReadStream(real);
    stream.on("error", fail);
    res.on("close", () => {
      stream.destroy();
      ok(undefined);
    });
    stream.pipe(res);
  });
}

// Run as a program: `node demo/serve.mjs [port]`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = process.argv[2] ?? process.env.PORT ?? "8080";
  const port = Number(arg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: port must be 0..65535 (got ${arg})`);
    process.exit(2);
  }
  startServer({ port }).then(
    ({ url }) => console.log(`j2kit demo: ${url}demo/  (serving ${REPO_ROOT}; Ctrl+C to stop)`),
    (e) => {
      console.error(`serve: ${e.message}`);
      process.exit(1);
    },
  );
}
