/**
 * `j2kit jpip serve` and `j2kit jpip get` as a user runs them: get writes the window at the
 * resolution fsiz selects, cropped to roff/rsiz (= decode with reduce + region), optionally saving
 * the stream; serve (the built CLI in a child process) answers on the port it prints until SIGTERM.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { main, type CliIo } from "../../src/cli/main.js";
import { decode } from "../../src/decode.js";
import { parseMessages } from "../../src/jpip/index.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { servedFolder, startJpip, type TestServer } from "./fixtures.js";

let folder: ReturnType<typeof servedFolder>;
let server: TestServer;
let out: string;

beforeAll(async () => {
  folder = servedFolder();
  server = await startJpip(folder.dir);
  out = mkdtempSync(join(tmpdir(), "j2kit-jpip-cli-"));
});
afterAll(async () => {
  await server?.close();
  folder?.cleanup();
  rmSync(out, { recursive: true, force: true });
});

function capture(): CliIo & { out: string; err: string } {
  const io = { out: "", err: "", stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}

function ppmPixels(path: string): { width: number; height: number; data: Uint8Array } {
  const b = readFileSync(path);
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(b.toString("latin1", 0, 64))!;
  return { width: Number(m[1]), height: Number(m[2]), data: new Uint8Array(b.subarray(m[0].length)) };
}

test("jpip get: --fsiz picks the resolution, --roff/--rsiz crop, --layers limits; the file equals a decode", async () => {
  const name = folder.names.losslessLrcp!;
  const file = new Uint8Array(readFileSync(join(folder.dir, name)));
  const dest = join(out, "w.ppm"), saved = join(out, "w.jpp");
  const io = capture();
  const code = await main(["jpip", "get", `${server.url}?target=${encodeURIComponent(name)}`, dest, "--fsiz", "500,350", "--roff", "50,40", "--rsiz", "120,90", "--layers", "2", "--save-stream", saved, "--verbose"], io);
  expect(io.err).toBe("");
  expect(code).toBe(0);
  expect(io.out).toMatch(/reduce 1/);
  const got = ppmPixels(dest);
  const ref = decode(file, { reduce: 1, region: { x: 100, y: 80, width: 240, height: 180 }, layers: 2 });
  expect([got.width, got.height]).toEqual([120, 90]);
  expect(Buffer.compare(Buffer.from(got.data), Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength))).toBe(0);
  // the saved stream is the responses, each ending with EOR
  const ms = parseMessages(new Uint8Array(readFileSync(saved)));
  expect(ms.filter((m) => m.kind === "eor").length).toBeGreaterThanOrEqual(2);
});

test("jpip get without --fsiz writes the full image; bad command lines exit 2", async () => {
  const name = folder.names.greyPlain!;
  const dest = join(out, "full.pgm");
  const io = capture();
  expect(await main(["jpip", "get", `${server.url}?target=${name}`, dest], io)).toBe(0);
  expect(existsSync(dest)).toBe(true);
  const bad = capture();
  expect(await main(["jpip", "get", `${server.url}`, dest], bad)).toBe(2);
  expect(bad.err).toMatch(/target=NAME/);
  const bad2 = capture();
  expect(await main(["jpip", "get", `${server.url}?target=${name}`, dest, "--roff", "1,1"], bad2)).toBe(2);
  const bad3 = capture();
  expect(await main(["jpip", "frobnicate"], bad3)).toBe(2);
  const missing = capture();
  expect(await main(["jpip", "get", `${server.url}?target=nothere.jp2`, dest], missing)).toBe(1);
  expect(missing.err).toMatch(/404/);
});

test("jpip serve: the built CLI serves on the port it prints, until SIGTERM", async () => {
  const bin = join(REPO_ROOT, "bin", "j2kit.js");
  const child = spawn(process.execPath, [bin, "jpip", "serve", folder.dir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = "";
      child.stdout.on("data", (d: Buffer) => {
        text += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/jpip)/.exec(text);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (c) => reject(new Error(`exited with ${c}: ${text}`)));
      setTimeout(() => reject(new Error(`no URL printed: ${text}`)), 20_000).unref();
    });
    const r = await fetch(`${url}?target=${folder.names.greyPlain!}&fsiz=100,75`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("image/jpp-stream");
    const ms = parseMessages(new Uint8Array(await r.arrayBuffer()));
    expect(ms.at(-1)).toMatchObject({ kind: "eor", reason: 2 });
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  expect(child.exitCode).toBe(0);
});
