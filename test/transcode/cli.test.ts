/**
 * `j2kit transcode in out --to ht|part1`, run in-process through src/cli on temporary files.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { decode, readHeader } from "../../src/index.js";
import { testdataPath } from "../helpers/paths.js";

const tmp = mkdtempSync(join(tmpdir(), "j2kit-transcode-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const status = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { status, stdout, stderr };
}

describe("j2kit transcode", () => {
  it("--help describes the command", async () => {
    const r = await run("transcode", "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: j2kit transcode .*--to ht\|part1/);
    expect(r.stdout).toContain("quantised");
    expect(r.stdout).toContain("--method");
  });

  it("--to ht then --to part1: block coder switched, samples unchanged, warnings on stderr", async () => {
    const src = testdataPath("conformance/kakadu_j2c/d1_colr.j2c");
    const ht = join(tmp, "d1.ht.j2c");
    const back = join(tmp, "d1.part1.j2c");
    const r = await run("transcode", src, ht, "--to", "ht");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^j2kit: warning: the input has 4 quality layers/m);
    expect(readHeader(new Uint8Array(readFileSync(ht))).blockCoder).toBe("ht");
    expect((await run("transcode", ht, back, "--to", "part1", "--quiet")).stderr).toBe("");
    expect(readHeader(new Uint8Array(readFileSync(back))).blockCoder).toBe("part1");
    const want = decode(new Uint8Array(readFileSync(src))).data;
    expect(Buffer.from(decode(new Uint8Array(readFileSync(ht))).data.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    expect(Buffer.from(decode(new Uint8Array(readFileSync(back))).data.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });

  it("usage errors exit 2; a 9/7 input is transcoded; a refused one exits 1 and writes nothing", async () => {
    const src = testdataPath("conformance/part4_j2k/p0_04.j2k");
    expect((await run("transcode", src, join(tmp, "x.j2c"))).status).toBe(2);
    expect((await run("transcode", src, join(tmp, "x.j2c"), "--to", "jpeg")).status).toBe(2);
    const lossy = join(tmp, "p0_04.ht.j2c");
    const ok = await run("transcode", src, lossy, "--to", "ht", "--verify", "--quiet");
    expect(ok.status).toBe(0);
    expect(Buffer.from(decode(new Uint8Array(readFileSync(lossy))).data.buffer).equals(Buffer.from(decode(new Uint8Array(readFileSync(src))).data.buffer))).toBe(true);
    // 9/7 with tile-part COD/QCD overrides: no exact coefficient transcode, and no lossless re-encode of a lossy stream
    const refused = testdataPath("htj2k/conformance/ds1_ht_04_b9.j2k");
    const out = join(tmp, "refused.j2c");
    const r = await run("transcode", refused, out, "--to", "part1");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^j2kit: \[UNSUPPORTED\] transcodeBlockCoder: the coefficients cannot be transcoded exactly: a tile-part header overrides/);
    expect(existsSync(out)).toBe(false);
    writeFileSync(join(tmp, "keep.j2c"), "mine");
    await run("transcode", refused, join(tmp, "keep.j2c"), "--to", "part1");
    expect(readFileSync(join(tmp, "keep.j2c"), "utf8")).toBe("mine");
  });
});
