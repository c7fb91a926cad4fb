/**
 * CLI for the HT encoder: `j2kit encode in out --ht --ratio R` (rate control within 97–100 % of the
 * budget), layered `--ratio R1,R2,R3`, `--qstep Q`, and a `.jph` output name writing the JPH file
 * format with HT code-blocks.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { decode, readHeader } from "../../src/index.js";
import { BENCHCORPUS, REPO_ROOT } from "../helpers/paths.js";

const KODIM = resolve(BENCHCORPUS, "kodim03.ppm");
/** kodim03: 768 x 512 x 3 samples of 8 bits. */
const RAW_BYTES = 768 * 512 * 3;

const tmp = mkdtempSync(join(tmpdir(), "j2kit-htcli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function j2kit(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/j2kit.js"), ...args], { encoding: "utf8", cwd: REPO_ROOT, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("j2kit encode --ht", () => {
  test("--ht --ratio 20: an HT codestream within 97-100 % of the budget", () => {
    const out = join(tmp, "k20.j2c");
    const r = j2kit("encode", KODIM, out, "--ht", "--ratio", "20");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const bytes = new Uint8Array(readFileSync(out));
    expect(readHeader(bytes).blockCoder).toBe("ht");
    expect(bytes.length).toBeLessThanOrEqual(RAW_BYTES / 20);
    expect(bytes.length).toBeGreaterThanOrEqual(0.97 * (RAW_BYTES / 20));
  });

  test("--ht --ratio 80,40,20: three layers, each decodable", () => {
    const out = join(tmp, "k3.j2c");
    const r = j2kit("encode", KODIM, out, "--ht", "--ratio", "80,40,20");
    expect(r.status, r.stderr).toBe(0);
    const bytes = new Uint8Array(readFileSync(out));
    const h = readHeader(bytes);
    expect(h.layers).toBe(3);
    expect(h.blockCoder).toBe("ht");
    expect(bytes.length).toBeLessThanOrEqual(RAW_BYTES / 20);
    for (let l = 1; l <= 3; l++) expect(decode(bytes, { layers: l }).width).toBe(768);
  });

  test("--ht --qstep 0.02 is lossy with a fixed step; a bad --qstep is a one-line usage error", () => {
    const out = join(tmp, "kq.j2c");
    expect(j2kit("encode", KODIM, out, "--ht", "--qstep", "0.02").status).toBe(0);
    const bytes = new Uint8Array(readFileSync(out));
    expect(readHeader(bytes).blockCoder).toBe("ht");
    expect(bytes.length).toBeLessThan(RAW_BYTES / 4);
    const bad = j2kit("encode", KODIM, join(tmp, "bad.j2c"), "--ht", "--qstep", "2");
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/qstep/);
  });

  test("a .jph output name writes the JPH file format (brand 'jph ') with HT code-blocks", () => {
    const out = join(tmp, "k.jph");
    const r = j2kit("encode", KODIM, out, "--ratio", "20");
    expect(r.status, r.stderr).toBe(0);
    const bytes = new Uint8Array(readFileSync(out));
    // ftyp box: brand at bytes 20..23 after the 12-byte signature box
    expect(new TextDecoder().decode(bytes.subarray(20, 24))).toBe("jph ");
    expect(readHeader(bytes).blockCoder).toBe("ht");
  });
});
