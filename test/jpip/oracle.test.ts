/**
 * Independent oracle: the server's JPP-stream, saved to a file, turned into a codestream by
 * OpenJPEG's `opj_jpip_transcode` (Debian libopenjpip-dec-server) and decoded with
 * `opj_decompress`, gives the pixels our client shows.
 *
 * OpenJPEG reads tile header data-bins in its own form (the SOT segment after its marker, the
 * tile-part header, SOD), not the standard's (marker segments without SOT/SOD, 15444-9 A.3.3);
 * the server writes that form with `openjpegTileHeaders` and our client reads both. Known limits
 * of opj_jpip_transcode (each pinned down by a test below that expects the failure, so that a
 * fixed OpenJPEG shows up): it does not read standard tile header data-bins; and for LRCP/RLCP
 * windows that leave out the highest resolutions it lowers the decomposition levels in COD but
 * keeps every resolution's packets, which makes the stream undecodable.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decode } from "../../src/decode.js";
import { openJpip, type JpipView, type ViewWindow } from "../../src/jpip/index.js";
import { has, servedFolder, startJpip, type TestServer } from "./fixtures.js";

const tools = has("opj_jpip_transcode") && has("opj_decompress");
const REASON = "needs opj_jpip_transcode (libopenjpip-dec-server) and opj_decompress (libopenjp2-tools)";

let folder: ReturnType<typeof servedFolder>;
let opjServer: TestServer;
let stdServer: TestServer;
let work: string;

beforeAll(async () => {
  if (!tools) return;
  folder = servedFolder();
  opjServer = await startJpip(folder.dir, { openjpegTileHeaders: true });
  stdServer = await startJpip(folder.dir);
  work = mkdtempSync(join(tmpdir(), "j2kit-jpip-oracle-"));
});
afterAll(async () => {
  await opjServer?.close();
  await stdServer?.close();
  folder?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Fetch a window with our client, saving the JPP-stream; transcode + decode it with OpenJPEG. */
async function viaOpenjpeg(server: TestServer, key: string, w: ViewWindow, tag: string, decodeArea?: string): Promise<{ ours: JpipView; opj: { ok: boolean; why: string; ppm?: Uint8Array; width?: number; height?: number } }> {
  const chunks: Uint8Array[] = [];
  const c = await openJpip(server.url, { target: folder.names[key]!, onStream: (b) => chunks.push(b.slice()) });
  const ours = await c.fetchWindow(w);
  await c.close();
  const jpp = join(work, `${tag}.jpp`), j2k = join(work, `${tag}.j2k`), ppm = join(work, `${tag}.ppm`);
  writeFileSync(jpp, Buffer.concat(chunks));
  const t = spawnSync("opj_jpip_transcode", [jpp, j2k], { encoding: "utf8" });
  const d = spawnSync("opj_decompress", ["-i", j2k, "-o", ppm, ...(decodeArea ? ["-d", decodeArea] : [])], { encoding: "utf8" });
  if (t.status !== 0 || d.status !== 0) return { ours, opj: { ok: false, why: `${t.stderr}${t.stdout}${d.stderr}${d.stdout}`.slice(-400) } };
  const file = readFileSync(ppm);
  const m = /^P[56]\s+(?:#[^\n]*\n\s*)?(\d+)\s+(\d+)\s+(\d+)\s/.exec(file.toString("latin1", 0, 100))!;
  return { ours, opj: { ok: true, why: "", ppm: new Uint8Array(file.subarray(m[0].length)), width: Number(m[1]), height: Number(m[2]) } };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.skipIf(!tools)(`OpenJPEG as oracle (${REASON})`, () => {
  test("lossless LRCP, tiles and precincts, full window: identical pixels", async () => {
    const { ours, opj } = await viaOpenjpeg(opjServer, "losslessLrcp", { fsiz: [1000, 700] }, "full");
    expect(opj.why).toBe("");
    expect([opj.width, opj.height]).toEqual([1000, 700]);
    expect(maxDiff(opj.ppm!, ours.image.data)).toBe(0);
  });

  test("lossless LRCP, a region at full resolution: OpenJPEG's decode of that area of the transcoded stream is identical", async () => {
    // (-d: tiles outside the window come out of opj_jpip_transcode as empty tile-parts, which opj_decompress refuses to decode)
    const { ours, opj } = await viaOpenjpeg(opjServer, "losslessLrcp", { fsiz: [1000, 700], roff: [300, 200], rsiz: [250, 180] }, "region", "300,200,550,380");
    expect(opj.why).toBe("");
    expect([opj.width, opj.height]).toEqual([250, 180]);
    expect(maxDiff(opj.ppm!, ours.image.data)).toBe(0);
  });

  test("lossy RPCL with SOP/EPH at a quarter size: the transcoded stream decodes as opj_decompress -r 2 of the file, and as our client shows", async () => {
    const { ours, opj } = await viaOpenjpeg(opjServer, "lossyRpcl", { fsiz: [256, 192] }, "quarter");
    expect(opj.why).toBe("");
    expect([opj.width, opj.height]).toEqual([256, 192]);
    const direct = join(work, "direct.ppm");
    const r = spawnSync("opj_decompress", ["-i", join(folder.dir, folder.names.lossyRpcl!), "-r", "2", "-o", direct], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const d = readFileSync(direct);
    expect(maxDiff(opj.ppm!, new Uint8Array(d.subarray(d.length - 256 * 192 * 3)))).toBe(0);
    // our client = our decoder on the same data; 9/7 in floating point may differ from OpenJPEG's by one level
    expect(maxDiff(opj.ppm!, ours.image.data)).toBeLessThanOrEqual(1);
    expect(maxDiff(ours.image.data, decode(new Uint8Array(readFileSync(join(folder.dir, folder.names.lossyRpcl!))), { reduce: 2 }).data)).toBe(0);
  });

  test("known limit: opj_jpip_transcode does not read standard tile header data-bins (15444-9 A.3.3: no SOT/SOD)", async () => {
    const { ours, opj } = await viaOpenjpeg(stdServer, "losslessLrcp", { fsiz: [1000, 700] }, "standard");
    expect(ours.complete).toBe(true);
    expect(opj.ok).toBe(false);
  });

  test("known limit: an LRCP window without the highest resolution comes out of opj_jpip_transcode undecodable (COD levels lowered, all packets kept)", async () => {
    const { ours, opj } = await viaOpenjpeg(opjServer, "losslessLrcp", { fsiz: [500, 350] }, "lrcp-half");
    expect(ours.complete).toBe(true);
    expect(opj.ok).toBe(false);
  });
});
