/**
 * `j2kit jpip serve DIR [--port 8090]` — a JPIP server (ISO/IEC 15444-9) over a folder, with a demo
 * viewer at `/`; and `j2kit jpip get URL out.ppm --fsiz W,H [--roff X,Y --rsiz W,H] [--layers N]`
 * — fetch a view-window with the JPIP client and write it (the resolution `fsiz` selects, as
 * `opj_decompress -r`, cropped to roff/rsiz). See src/jpip/.
 * @module
 */
import { createServer } from "node:http";
import { stat, writeFile } from "node:fs/promises";
import { createJpipHandler } from "../jpip/handler.js";
import { openJpip } from "../jpip/client.js";
import { EOR_REASON_NAMES } from "../jpip/messages.js";
import type { ViewWindow } from "../jpip/window.js";
import { OptionReader, formatHelp, parseCommandLine, usageError, type CliIo, type OptionSpec } from "./args.js";
import { layoutFor, outputKindOf, writeOutputImage } from "./image_files.js";

const COMMAND = "jpip";

export const JPIP_SERVE_OPTIONS: readonly OptionSpec[] = [
  { name: "port", value: "N", help: "TCP port (default 8090; 0 picks a free one)" },
  { name: "host", value: "ADDR", help: "address to listen on (default 127.0.0.1; 0.0.0.0 for all)" },
  { name: "openjpeg-tile-headers", help: "tile header data-bins in the form OpenJPEG's opj_jpip_* tools read" },
  { name: "verbose", help: "log every response (bytes, messages, EOR reason, time) to stderr" },
];

export const JPIP_GET_OPTIONS: readonly OptionSpec[] = [
  { name: "fsiz", value: "W,H", help: "frame size: selects the resolution (default: full size)" },
  { name: "round", value: "round-down|round-up|closest", help: "how fsiz picks a resolution (default round-down)" },
  { name: "roff", value: "X,Y", help: "region offset in the frame" },
  { name: "rsiz", value: "W,H", help: "region size in the frame" },
  { name: "layers", value: "N", help: "quality layers" },
  { name: "comps", value: "C1,C2,...", help: "components" },
  { name: "type", value: "jpp-stream|jpt-stream", help: "stream type (default jpp-stream)" },
  { name: "save-stream", value: "FILE", help: "also save the JPIP stream received (e.g. for opj_jpip_transcode)" },
  { name: "verbose", help: "print bytes received and the window the server used" },
];

const HELP = formatHelp(
  "j2kit jpip serve DIR [--port 8090]  |  j2kit jpip get URL out.ppm [--fsiz W,H] [--roff X,Y --rsiz W,H] [--layers N]",
  [
    "serve: JPIP over HTTP (ISO/IEC 15444-9) for the JPEG 2000 files below DIR at /jpip?target=NAME",
    "(JPP- and JPT-streams, channels with cnew=http, cache models); a demo viewer at /.",
    "get: fetch a view-window from a JPIP server (URL = http://host:port/jpip?target=NAME) and write",
    "it as .pgm/.ppm/.png/.pgx/.raw: the resolution fsiz selects, cropped to roff/rsiz.",
    "",
    "serve options:",
  ].join("\n"),
  JPIP_SERVE_OPTIONS,
) + formatHelp("", "get options:", JPIP_GET_OPTIONS);

/** Run `j2kit jpip ...`. `stop` ends `serve` (tests). */
export async function runJpipCommand(argv: readonly string[], io: CliIo, stop?: Promise<void>): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    io.stdout(HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === "serve") return serve(rest, io, stop);
  if (sub === "get") return get(rest, io);
  throw usageError(COMMAND, `unknown sub-command '${sub}': use serve or get`);
}

async function serve(argv: readonly string[], io: CliIo, stop?: Promise<void>): Promise<number> {
  const args = parseCommandLine(COMMAND, argv, JPIP_SERVE_OPTIONS);
  if (args.help) {
    io.stdout(HELP);
    return 0;
  }
  if (args.positionals.length !== 1) throw usageError(COMMAND, `serve expects one folder, got ${args.positionals.length} argument(s)`);
  const root = args.positionals[0]!;
  const st = await stat(root).catch(() => null);
  if (!st?.isDirectory()) throw usageError(COMMAND, `'${root}' is not a folder`);
  const o = new OptionReader(COMMAND, args);
  const port = o.int("port", 0, 65535) ?? 8090;
  const host = o.string("host") ?? "127.0.0.1";
  const verbose = o.flag("verbose");
  const handler = createJpipHandler({
    root,
    openjpegTileHeaders: o.flag("openjpeg-tile-headers"),
    ...(verbose
      ? {
          onResponse: (i) =>
            io.stderr(`${i.target} ${i.query.slice(0, 120)} -> ${i.messages} messages, ${i.bytes} bytes, EOR ${EOR_REASON_NAMES[i.eor] ?? i.eor}, ${i.ms.toFixed(1)} ms (cpu ${i.cpuMs.toFixed(1)} ms)${i.aborted ? " aborted" : ""}\n`),
        }
      : {}),
  });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const actual = typeof addr === "object" && addr ? addr.port : port;
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  io.stdout(`j2kit JPIP server: http://${shown}:${actual}/jpip?target=NAME (demo viewer: http://${shown}:${actual}/); serving ${root}\n`);
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    void stop?.then(done);
  });
  await handler.close();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections?.();
  await closed;
  return 0;
}

async function get(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandLine(COMMAND, argv, JPIP_GET_OPTIONS);
  if (args.help) {
    io.stdout(HELP);
    return 0;
  }
  if (args.positionals.length !== 2) throw usageError(COMMAND, `get expects a URL and an output file, got ${args.positionals.length} argument(s)`);
  const [rawUrl, output] = args.positionals as [string, string];
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw usageError(COMMAND, `'${rawUrl}' is not a URL (http://host:port/jpip?target=NAME)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw usageError(COMMAND, `'${rawUrl}' is not an http(s) URL`);
  const target = url.searchParams.get("target");
  if (!target) throw usageError(COMMAND, "the URL needs ?target=NAME");
  url.search = "";
  const kind = outputKindOf(output);
  if (!kind) throw usageError(COMMAND, `cannot tell the output format of '${output}': name it .pgm, .ppm, .pgx, .png or .raw`);
  const o = new OptionReader(COMMAND, args);
  const fsiz = o.tuple("fsiz", 2, "width,height") as [number, number] | undefined;
  const roff = o.tuple("roff", 2, "x,y") as [number, number] | undefined;
  const rsiz = o.tuple("rsiz", 2, "width,height") as [number, number] | undefined;
  const layers = o.int("layers", 1, 65535);
  const comps = o.intList("comps", 0, 16383);
  const round = o.choice("round", ["round-down", "round-up", "closest"] as const);
  const type = o.choice("type", ["jpp-stream", "jpt-stream"] as const);
  const save = o.string("save-stream");
  if ((roff || rsiz) && !fsiz) throw usageError(COMMAND, "--roff and --rsiz need --fsiz (they are in the frame's coordinates)");
  const chunks: Uint8Array[] = [];
  const client = await openJpip(url, { target, decodeOptions: { layout: layoutFor(kind) }, ...(type ? { type } : {}), ...(save ? { onStream: (c: Uint8Array) => chunks.push(c.slice()) } : {}) });
  try {
    const info = client.info;
    const w: ViewWindow = { fsiz: fsiz ?? [info.width, info.height], ...(round ? { round } : {}), ...(roff ? { roff } : {}), ...(rsiz ? { rsiz } : {}), ...(layers ? { layers } : {}), ...(comps ? { comps } : {}) };
    const view = await client.fetchWindow(w);
    if (save) {
      const total = chunks.reduce((a, c) => a + c.length, 0);
      const all = new Uint8Array(total);
      let p = 0;
      for (const c of chunks) {
        all.set(c, p);
        p += c.length;
      }
      await writeFile(save, all);
    }
    const image = view.image;
    await writeOutputImage(output, kind, image, true);
    if (view.error) io.stderr(`j2kit: warning: ${view.error}; the image holds what was received\n`);
    if (o.flag("verbose")) {
      const s = client.stats();
      io.stdout(
        `window  fsiz ${view.window.fsiz.join(",")} (reduce ${view.window.reduce}), roff ${view.window.roff.join(",")}, rsiz ${view.window.rsiz.join(",")}${view.window.layers ? `, layers ${view.window.layers}` : ""}\n` +
          `image   ${image.width}x${image.height}, ${image.components} component(s); ${view.packets} packets, ${view.emptyPackets} empty\n` +
          `stream  ${s.requests} requests, ${s.bytes} bytes received, EOR ${view.eor !== undefined ? EOR_REASON_NAMES[view.eor] ?? view.eor : "none"}\n`,
      );
    }
  } finally {
    await client.close();
  }
  return 0;
}
