/**
 * `j2kit serve DIR [--port 8182] [--base-url URL] [--cache MiB]`: an IIIF Image API 3.0 server over a
 * folder of JPEG 2000 files, with a viewer page at `/` (see src/iiif/).
 * @module
 */
import { createServer } from "node:http";
import { stat } from "node:fs/promises";
import { createIiifHandler } from "../iiif/handler.js";
import { OptionReader, formatHelp, parseCommandLine, usageError, type CliIo, type OptionSpec } from "./args.js";

const COMMAND = "serve";

/** Options of `j2kit serve`. */
export const SERVE_OPTIONS: readonly OptionSpec[] = [
  { name: "port", value: "N", help: "TCP port (default 8182; 0 picks a free one)" },
  { name: "host", value: "ADDR", help: "address to listen on (default 127.0.0.1; 0.0.0.0 for all)" },
  { name: "base-url", value: "URL", help: "public URL of this server, used in info.json ids (default http://<Host header>)" },
  { name: "cache", value: "MiB", help: "memory for cached images and tiles (default 256)" },
  { name: "workers", value: "N", help: "decoding workers (default: number of cores, at most 8)" },
  { name: "max-area", value: "N", help: "largest output image in pixels (default 16777216)" },
  { name: "max-renders", value: "N", help: "image requests rendered at once (default 8)" },
  { name: "max-queue", value: "N", help: "requests waiting for a render; beyond, 503 + Retry-After (default 256)" },
  { name: "s3-endpoint", value: "URL", help: "S3-compatible endpoint for s3:// roots (MinIO, ...); credentials and region from the AWS environment" },
  { name: "verbose", help: "log every image request with its timing to stderr" },
];

/** Help text of `j2kit serve`. */
export const SERVE_HELP = formatHelp(
  "j2kit serve DIR|s3://bucket/prefix [--port 8182] [--base-url URL] [--cache MiB]",
  "Serve the JPEG 2000 files below DIR (or an S3 prefix) as IIIF Image API 3.0 (level 2):\n" +
    "  /iiif/3/{identifier}/info.json and /iiif/3/{identifier}/{region}/{size}/{rotation}/{quality}.{format}\n" +
    "where the identifier is the file's path below DIR, URL-encoded (a%2Fb.jp2). / is a viewer page.\n" +
    "Files are read by byte ranges: only what each tile needs. s3:// needs npm install @aws-sdk/client-s3.\n" +
    "Stop with Ctrl-C.",
  SERVE_OPTIONS,
);

/** Run `j2kit serve` until SIGINT/SIGTERM (or `stop` resolves, for tests). */
export async function runServeCommand(argv: readonly string[], io: CliIo, stop?: Promise<void>): Promise<number> {
  const args = parseCommandLine(COMMAND, argv, SERVE_OPTIONS);
  if (args.help) {
    io.stdout(SERVE_HELP);
    return 0;
  }
  if (args.positionals.length !== 1) throw usageError(COMMAND, `expected one folder, got ${args.positionals.length} argument(s)`);
  const root = args.positionals[0]!;
  const opt = new OptionReader(COMMAND, args);
  const s3Endpoint = opt.string("s3-endpoint");
  if (root.startsWith("s3://")) {
    if (!/^s3:\/\/[^/]+/.test(root)) throw usageError(COMMAND, `'${root}' is not an s3://bucket/prefix URL`);
  } else {
    if (s3Endpoint !== undefined) throw usageError(COMMAND, "--s3-endpoint goes with an s3://bucket/prefix root");
    const st = await stat(root).catch(() => null);
    if (!st?.isDirectory()) throw usageError(COMMAND, `'${root}' is not a folder`);
  }
  const port = opt.int("port", 0, 65535) ?? 8182;
  const host = opt.string("host") ?? "127.0.0.1";
  const baseUrl = opt.string("base-url");
  if (baseUrl !== undefined && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(baseUrl)) throw usageError(COMMAND, `--base-url must be an http(s) URL (got '${baseUrl}')`);
  const cacheMiB = opt.int("cache", 0, 1 << 20) ?? 256;
  const workers = opt.int("workers", 0, 64);
  const maxArea = opt.int("max-area", 1, 2 ** 31);
  const maxRenders = opt.int("max-renders", 1, 4096);
  const maxQueue = opt.int("max-queue", 0, 1 << 20);
  const verbose = opt.flag("verbose");
  const handler = createIiifHandler({
    root,
    cacheMiB,
    ...(s3Endpoint !== undefined ? { s3: { endpoint: s3Endpoint } } : {}),
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(maxArea !== undefined ? { maxArea } : {}),
    ...(maxRenders !== undefined ? { maxConcurrentRenders: maxRenders } : {}),
    ...(maxQueue !== undefined ? { maxQueuedRenders: maxQueue } : {}),
    ...(verbose
      ? {
          onRender: (id, canonical, stats) =>
            io.stderr(
              stats === "cached"
                ? `${id} ${canonical} cached\n`
                : `${id} ${canonical} reduce ${stats.reduce} decoded ${stats.decodedWidth}x${stats.decodedHeight} in ${stats.decodeMs.toFixed(1)} ms, total ${stats.totalMs.toFixed(1)} ms\n`,
            ),
        }
      : {}),
  });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  io.stdout(`j2kit IIIF server: http://${shown}:${actualPort}/ (viewer), http://${shown}:${actualPort}/iiif/3/{identifier}/info.json; serving ${handler.store.description}\n`);
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    void stop?.then(done);
  });
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections?.();
  await closed;
  await handler.close();
  return 0;
}
