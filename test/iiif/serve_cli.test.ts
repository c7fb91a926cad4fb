/**
 * `j2kit serve` as a user runs it: the built CLI (bin/j2kit.js → dist/) in a child process on a free
 * port, answering info.json and an image request, stopped with SIGTERM; bad command lines exit 2.
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/paths.js";
import { decodePng, makeGridFolder, squareColour, colourNear, type GridFolder } from "./fixtures.js";

const BIN = join(REPO_ROOT, "bin", "j2kit.js");
let folder: GridFolder;

beforeAll(() => {
  folder = makeGridFolder({ "a/grid.jp2": { levels: 3 } });
});
afterAll(() => folder?.cleanup());

it("serves a folder on the port it prints, until SIGTERM", async () => {
  const child = spawn(process.execPath, [BIN, "serve", folder.dir, "--port", "0", "--cache", "16", "--workers", "1", "--base-url", "https://iiif.example.org"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) resolve(`http://127.0.0.1:${m[1]}`);
      });
      child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000).unref();
    });
    const info = (await (await fetch(`${url}/iiif/3/a%2Fgrid.jp2/info.json`)).json()) as { id: string; width: number };
    expect(info.id).toBe("https://iiif.example.org/iiif/3/a%2Fgrid.jp2");
    expect(info.width).toBe(1000);
    const r = await fetch(`${url}/iiif/3/a%2Fgrid.jp2/200,300,100,100/50,/0/default.png`);
    expect(r.status).toBe(200);
    const img = decodePng(new Uint8Array(await r.arrayBuffer()));
    expect(colourNear(img, 25, 12, 10, squareColour(2, 3))).toBe(true);
    const page = await fetch(`${url}/`);
    expect(await page.text()).toContain("OpenSeadragon");
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});

it("rejects bad command lines with status 2 and one line", () => {
  for (const args of [["serve"], ["serve", join(folder.dir, "missing")], ["serve", folder.dir, "--port", "70000"], ["serve", folder.dir, "--base-url", "ftp://x"], ["serve", folder.dir, "--bogus"]]) {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
    expect(r.status, args.join(" ")).toBe(2);
    expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    expect(r.stderr).toMatch(/^j2kit: \[INVALID_ARGUMENT\]/);
  }
  const help = spawnSync(process.execPath, [BIN, "serve", "--help"], { encoding: "utf8" });
  expect(help.status).toBe(0);
  expect(help.stdout).toContain("--base-url");
});
