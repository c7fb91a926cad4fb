/** Archive tooling: checkJp2 / repairJp2Icc on the ICC test files, and the `j2kit jp2` command. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkJp2, repairJp2Icc } from "../../src/jp2/repair.js";
import { readJp2 } from "../../src/jp2/read.js";
import { validateIcc } from "../../src/jp2/icc.js";
import { decode } from "../../src/index.js";
import { REPO_ROOT, readTestdata, testdataPath } from "../helpers/paths.js";

function differingBytes(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

describe("repairJp2Icc", () => {
  for (const name of ["icc/sample.jp2", "icc/481021247.jp2"]) {
    it(`${name}: the curv tags are repaired in place, the profile then validates, the image is unchanged`, () => {
      const before = readTestdata(name);
      const check = checkJp2(before);
      expect(check.ok).toBe(false);
      expect(check.repairable.length).toBeGreaterThan(0);
      const { bytes, repairs } = repairJp2Icc(before);
      expect(repairs.length).toBe(check.repairable.length);
      expect(bytes.length).toBe(before.length);
      // only a handful of bytes inside the colr box's profile changed (count and tag-size fields)
      const diff = differingBytes(before, bytes);
      expect(diff.length).toBeGreaterThan(0);
      expect(diff.length).toBeLessThan(40);
      const colr = repairs[0]!.colrOffset;
      const icc = readJp2(bytes).colorSpecifications.find((s) => s.offset === colr)!.icc!;
      for (const i of diff) expect(i, "changed byte lies in the profile").toBeGreaterThan(colr);
      expect(validateIcc(icc).problems).toEqual([]);
      expect(checkJp2(bytes).repairable).toEqual([]);
      expect(differingBytes(before, readTestdata(name)), "input untouched").toEqual([]);
      expect(differingBytes(decode(bytes, { reduce: 2 }).data as unknown as Uint8Array, decode(before, { reduce: 2 }).data as unknown as Uint8Array)).toEqual([]);
    });
  }

  it("a file without repairable curv tags comes back byte-identical", () => {
    const before = readTestdata("conformance/part4_jp2/file5.jp2");
    const r = repairJp2Icc(before);
    expect(r.repairs).toEqual([]);
    expect(differingBytes(before, r.bytes)).toEqual([]);
    expect(checkJp2(before).ok).toBe(true);
  });

  it("reports corrupted tag tables as problems (not repairable)", () => {
    const r = checkJp2(readTestdata("icc/bitwiser-icc-corrupted-tagcount-1961.jp2"));
    expect(r.ok).toBe(false);
    expect(r.problems.join("\n")).toMatch(/tag count/i);
  });
});

describe("j2kit jp2", () => {
  const cli = join(REPO_ROOT, "bin/j2kit.js");
  it("check exits 3 with the problems listed, repair-icc writes a file that checks ok", () => {
    const dir = mkdtempSync(join(tmpdir(), "j2kit-jp2-"));
    try {
      const bad = spawnSync(process.execPath, [cli, "jp2", "check", testdataPath("icc/sample.jp2")], { encoding: "utf8" });
      expect(bad.status).toBe(3);
      expect(bad.stdout).toMatch(/repairable/);
      const out = join(dir, "fixed.jp2");
      const fix = spawnSync(process.execPath, [cli, "jp2", "repair-icc", testdataPath("icc/sample.jp2"), out], { encoding: "utf8" });
      expect(fix.status, fix.stderr).toBe(0);
      expect(fix.stdout).toMatch(/repaired \d+ curv tag/);
      const good = spawnSync(process.execPath, [cli, "jp2", "check", out, "--json"], { encoding: "utf8" });
      expect(good.status, good.stdout).toBe(0);
      expect(JSON.parse(good.stdout).ok).toBe(true);
      expect(readFileSync(out).length).toBe(readTestdata("icc/sample.jp2").length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
