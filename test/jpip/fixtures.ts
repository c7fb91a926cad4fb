/**
 * Fixtures of the JPIP tests: files made with `opj_compress` at test time (cached in the gitignored
 * .scratch folder by test/range/fixtures.ts), real JP2/JPX/HT files from ../shared/testdata, and a
 * JPIP server on 127.0.0.1 around `createJpipHandler` serving a folder of links to them.
 * @module
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { createJpipHandler, type JpipHandler, type JpipHandlerOptions, type JpipResponseInfo } from "../../src/jpip/server.js";
import { fixture, type Recipe } from "../range/fixtures.js";
import { testdataPath } from "../helpers/paths.js";

export { has } from "../helpers/tools.js";

/** The JPIP test files made with opj_compress (the list: lossless and lossy, 3 layers, RPCL and LRCP, tiles and precincts). */
export const JPIP_RECIPES = {
  /** Lossless RGB, 4x3 tiles of 256, precincts 64x64, 3 layers, LRCP, JP2. */
  losslessLrcp: { name: "jpip_lossless_lrcp.jp2", width: 1000, height: 700, components: 3, opj: ["-t", "256,256", "-c", "[64,64]", "-r", "20,5,1", "-p", "LRCP", "-n", "4"] },
  /** Lossy (9/7) RGB, one tile, RPCL, precincts 128/64, 3 layers, SOP and EPH, raw codestream. */
  lossyRpcl: { name: "jpip_lossy_rpcl.j2k", width: 1024, height: 768, components: 3, opj: ["-I", "-p", "RPCL", "-c", "[128,128],[64,64]", "-r", "40,10,4", "-SOP", "-EPH"] },
  /** Lossless grey, one tile, no precincts, LRCP, 3 layers (the "whole tile is one precinct" case). */
  greyPlain: { name: "jpip_grey_plain.j2k", width: 800, height: 600, components: 1, opj: ["-r", "30,8,1", "-n", "5"] },
  /** Lossy RGB, 2x2 tiles of 512, RPCL with precincts, 3 layers, TLM + PLT (index markers dropped from the bins). */
  lossyTiles: { name: "jpip_lossy_tiles.jp2", width: 1024, height: 1024, components: 3, opj: ["-I", "-t", "512,512", "-p", "RPCL", "-c", "[128,128]", "-r", "50,12,3", "-TLM", "-PLT"] },
} as const satisfies Record<string, Recipe>;

/** Real files from ../shared/testdata: a JPX-branded JP2 with an ICC profile, a grey JP2 with ICC and XML after the codestream, HT. */
export const SHARED_FILES = {
  jpxIcc: "conformance/part4_jp2/file5.jp2",
  greyIcc: "conformance/part4_jp2/file8.jp2",
  ht: "htj2k/simple_dec_rev53_64x64_tiles_yuv.jph",
} as const;

/** A folder holding copies of the fixtures (the server's root). */
export function servedFolder(): { dir: string; names: Record<string, string>; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "j2kit-jpip-"));
  const names: Record<string, string> = {};
  for (const [k, r] of Object.entries(JPIP_RECIPES)) {
    const p = fixture(r);
    copyFileSync(p, join(dir, r.name));
    names[k] = r.name;
  }
  mkdirSync(join(dir, "shared"));
  for (const [k, rel] of Object.entries(SHARED_FILES)) {
    const p = testdataPath(rel);
    if (!existsSync(p)) continue;
    copyFileSync(p, join(dir, "shared", basename(p)));
    names[k] = `shared/${basename(p)}`;
  }
  return { dir, names, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A JPIP server on 127.0.0.1 (port chosen by the system). */
export interface TestServer {
  url: string;
  handler: JpipHandler;
  server: Server;
  log: JpipResponseInfo[];
  close(): Promise<void>;
}

export async function startJpip(root: string, options: Partial<JpipHandlerOptions> = {}): Promise<TestServer> {
  const log: JpipResponseInfo[] = [];
  const handler = createJpipHandler({ root, ...options, onResponse: (i) => log.push(i) });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/jpip`,
    handler,
    server,
    log,
    close: async () => {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Raw GET of a JPIP URL: status, headers and body bytes. */
export async function get(url: string): Promise<{ status: number; headers: Headers; body: Uint8Array; text: string }> {
  const res = await fetch(url);
  const body = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, text: res.status === 200 ? "" : new TextDecoder().decode(body) };
}
