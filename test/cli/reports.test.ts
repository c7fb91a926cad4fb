// What `j2kit dicom info` and `j2kit jp2 check` report (issue 13, item 5): DICOM files whose pixel
// data is JPEG, JPEG-LS or RLE are named as such (exit 0) instead of "(unknown)" and exit 1; every
// line the DICOM commands print on stderr is j2kit's own (dcmjs's logging goes through j2kit's
// warnings); `jp2 check` lists each ICC problem once.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, TESTDATA, testdataPath } from "../helpers/paths.js";
import { has } from "../helpers/tools.js";

const tmp = mkdtempSync(join(tmpdir(), "j2kit-reports-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (name: string): string => join(tmp, name);
const MR = join(TESTDATA, "dicom/MR_small.dcm");
const RGB = join(TESTDATA, "dicom/SC_rgb_gdcm2k_uncompressed.dcm");

interface Run { status: number | null; stdout: string; stderr: string }
function j2kit(...args: string[]): Run {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/j2kit.js"), ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function tool(cmd: string, ...args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
}

/** Files made by dcmtk from native test files: [made by, file, UID, title fragment, coding]. */
const OTHER_SYNTAXES = [
  ["dcmcjpeg +eb", "baseline.dcm", "1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", "JPEG (ISO/IEC 10918-1)"],
  ["dcmcjpeg", "lossless_sv1.dcm", "1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction", "JPEG (ISO/IEC 10918-1)"],
  ["dcmcjpls", "jpeg_ls.dcm", "1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression", "JPEG-LS (ISO/IEC 14495-1)"],
  ["dcmcrle", "rle.dcm", "1.2.840.10008.1.2.5", "RLE Lossless", "RLE (PS3.5 Annex G)"],
] as const;

describe("j2kit dicom info on JPEG, JPEG-LS and RLE files", () => {
  const tools = ["dcmcjpeg", "dcmcjpls", "dcmcrle"];
  it.skipIf(!tools.every(has))("names the transfer syntax, says the pixel data is not JPEG 2000, exits 0 (needs dcmcjpeg, dcmcjpls, dcmcrle: dcmtk)", () => {
    for (const [made, name, uid, title, coding] of OTHER_SYNTAXES) {
      const [cmd, ...flags] = made.split(" ");
      tool(cmd!, ...flags, made.includes("+eb") ? RGB : MR, at(name));
      const r = j2kit("dicom", "info", at(name));
      expect(r.stderr, name).toBe("");
      expect(r.status, `${name}: ${r.stdout}`).toBe(0);
      expect(r.stdout).toContain(`transfer syntax   ${uid} ${title}`);
      expect(r.stdout).not.toContain("(unknown)");
      expect(r.stdout).toContain(`frame(s) of ${coding}: not JPEG 2000, j2kit does not decode it`);
      expect(r.stdout).toMatch(/frame 1 {11}\d+ bytes of /);
      expect(r.stdout).not.toMatch(/header unreadable/);
      const json = JSON.parse(j2kit("dicom", "info", at(name), "--json").stdout) as { transferSyntax: { uid: string; otherCoding: string }; frames: Array<{ notJpeg2000: string }> };
      expect([json.transferSyntax.uid, json.transferSyntax.otherCoding, json.frames[0]!.notJpeg2000]).toEqual([uid, coding, coding]);
    }
    // transcoding such a file says what to do instead
    const t = j2kit("dicom", at("baseline.dcm"), at("out.dcm"), "--to", "j2k-lossless");
    expect(t.status).toBe(1);
    expect(t.stderr).toMatch(/^j2kit: \[DICOM_UNSUPPORTED\] source transfer syntax JPEG Baseline .*not JPEG 2000.*dcmdjpeg in\.dcm native\.dcm/);
  });
});

describe("dcmjs's own logging never reaches stderr unprefixed", () => {
  it.skipIf(!has("dcmodify"))("a file with two Specific Character Sets: one 'j2kit: warning:' line, nothing else (needs dcmodify: dcmtk)", () => {
    const file = at("two_charsets.dcm");
    copyFileSync(MR, file);
    tool("dcmodify", "-nb", "-i", "(0008,0005)=ISO 2022 IR 6\\ISO 2022 IR 100", file);
    for (const args of [["dicom", file, at("t.dcm"), "--to", "j2k-lossless"], ["dicom", file, at("t2.dcm"), "--to", "j2k", "--ratio", "5"]]) {
      const r = j2kit(...args);
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stderr.split("\n").filter(Boolean);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^j2kit: warning: Specific Character Set \(0008,0005\): .*multiple character sets/);
    }
    const info = j2kit("dicom", "info", file);
    expect(info.stderr).toBe("");
    expect(info.stdout).toMatch(/\nwarning {11}Specific Character Set \(0008,0005\)/);
  });
});

describe("j2kit jp2 check lists each ICC problem once", () => {
  it("481021247.jp2: three curv tags, three problems, each with its repair", () => {
    const r = j2kit("jp2", "check", testdataPath("icc/481021247.jp2"));
    expect(r.status).toBe(3);
    const problems = r.stdout.split("\n").filter((l) => l.startsWith("  - "));
    expect(r.stdout).toMatch(/: 3 problem\(s\)/);
    expect(problems).toHaveLength(3);
    for (const tag of ["rTRC", "gTRC", "bTRC"]) {
      const mentioning = problems.filter((p) => p.includes(tag));
      expect(mentioning, tag).toHaveLength(1);
      expect(mentioning[0]).toMatch(/size is 16 bytes but its 1 entry needs 14 \(repairable: tag size 16 -> 14\)$/);
    }
  });

  it("sample.jp2 (--json): three problems for three tags; the repair plan is still given in full", () => {
    const r = JSON.parse(j2kit("jp2", "check", testdataPath("icc/sample.jp2"), "--json").stdout) as { problems: string[]; repairable: Array<{ repairs: unknown[] }> };
    expect(r.problems).toHaveLength(3);
    expect(new Set(r.problems).size).toBe(3);
    for (const p of r.problems) expect(p).toMatch(/repairable: entry count 2 -> 1/);
    expect(r.repairable[0]!.repairs).toHaveLength(3);
  });

  it("a corrupt tag table is one problem, not three (and says no usable colour specification remains)", () => {
    const r = j2kit("jp2", "check", testdataPath("icc/bitwiser-icc-corrupted-tagcount-1961.jp2"));
    expect(r.status).toBe(3);
    const problems = r.stdout.split("\n").filter((l) => l.startsWith("  - "));
    expect(problems, r.stdout).toHaveLength(1);
    expect(problems[0]).toMatch(/tag count 16777227 .*\(corrupt tag count\); the file has no other colour specification j2kit can use$/);
  });
});
