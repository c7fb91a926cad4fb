/**
 * The CI step of issue 15: every file under ../shared/testdata/malformed/ is replayed by the fuzzer
 * (scripts/fuzz.mjs --replay), each file in a process of its own with every probe that fits it
 * (decode, decode with allowPartial, readHeader; checkJp2/repairJp2Icc for JP2; transcode to native and
 * to .90 and inspectDicom for DICOM; the options a fuzz note gives first). Each probe must give a
 * J2kError other than INTERNAL or a valid result within 2 s of CPU time and 512 MiB of resident memory
 * for the whole process. Then a short fixed-seed run of every fuzz target, under the same limits.
 *
 * Runs the built library (dist/, which `npm test` builds first).
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { REPO_ROOT, TESTDATA } from "../helpers/paths.js";

interface ReplayRow {
  file: string;
  probe: string;
  outcome: string;
  code: string;
  detail: string;
  cpuMs: number;
  wallMs: number;
  peakRssMiB: number;
  finding: boolean;
}

function fuzz(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "scripts/fuzz.mjs"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

const MALFORMED = resolve(TESTDATA, "malformed");

describe("replay of ../shared/testdata/malformed (each file in its own process)", () => {
  test("every probe: a J2kError other than INTERNAL or a valid result, under 2 s CPU and 512 MiB RSS", async () => {
    const r = await fuzz(["--replay", MALFORMED, "--json", "--jobs", "2"]);
    expect(r.stderr).not.toMatch(/fuzz: /);
    const report = JSON.parse(r.stdout) as { rows: ReplayRow[]; findings: number };
    const files = new Set(report.rows.map((x) => x.file));
    const expected = ["fuzz", "fuzz/min", "openjpeg", "jpylyzer"].flatMap((d) =>
      readdirSync(join(MALFORMED, d)).filter((f) => !/\.(json|md|txt)$/.test(f) && f !== "min"),
    );
    expect(files.size, "every malformed file was replayed").toBe(expected.length);
    const slowest = [...report.rows].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 5);
    const largest = [...report.rows].sort((a, b) => b.peakRssMiB - a.peakRssMiB).slice(0, 5);
    console.log(
      [
        `replayed ${files.size} files, ${report.rows.length} probes; findings ${report.findings}`,
        `most CPU: ${slowest.map((x) => `${x.file} [${x.probe}] ${x.cpuMs} ms`).join("; ")}`,
        `most RSS: ${largest.map((x) => `${x.file} [${x.probe}] ${x.peakRssMiB} MiB`).join("; ")}`,
      ].join("\n"),
    );
    const bad = report.rows.filter((x) => x.finding).map((x) => `${x.file} [${x.probe}]: ${x.outcome} ${x.code} ${x.detail}`);
    expect(bad).toEqual([]);
    for (const row of report.rows) {
      expect(row.outcome === "ok" || row.outcome === "error", `${row.file} [${row.probe}]`).toBe(true);
      if (row.outcome === "error") expect(row.code).not.toBe("INTERNAL");
    }
  }, 240_000);
});

describe("short fixed-seed fuzz run of every target", () => {
  for (const target of ["decode", "header", "dicom", "jp2", "jpeg"]) {
    test(`${target}: 60 cases of seed "ci" without a finding`, async () => {
      const r = await fuzz(["--target", target, "--cases", "60", "--seed", "ci", "--json", "--quiet", "--out", join(REPO_ROOT, "fuzz-findings", "ci")]);
      const summary = JSON.parse(r.stdout) as { targets: Array<{ cases: number; outcomes: Record<string, number> }>; findings: Array<{ outcome: string; code?: string; message: string; saved: string[] }> };
      expect(summary.targets[0]!.cases).toBe(60);
      // the mutators must reach both sides of the contract: some inputs still work, some are refused
      const outcomes = summary.targets[0]!.outcomes;
      expect(Object.keys(outcomes).some((k) => k.startsWith("error:")), JSON.stringify(outcomes)).toBe(true);
      expect(summary.findings.map((f) => `${f.outcome} ${f.code ?? ""}: ${f.message} (${f.saved[0] ?? ""})`)).toEqual([]);
      expect(r.code).toBe(0);
    }, 180_000);
  }
});
