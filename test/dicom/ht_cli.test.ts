/**
 * `j2kit dicom in out --to htj2k-lossless|htj2k-rpcl|htj2k|<UID>` run in-process through src/cli on
 * temporary files; results read back with dcmjs.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { CORPUS, dcmjsRead, nativePixelBytes, tagValue } from "./helpers.js";
import { codestreamFacts, dcmjsFrames, transferSyntaxOf } from "./ht_helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "j2kit-dicom-ht-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const status = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { status, stdout, stderr };
}

const read = (p: string) => new Uint8Array(readFileSync(p));

describe("j2kit dicom --to HTJ2K", () => {
  it("--help lists the HTJ2K syntaxes and --qstep", async () => {
    const r = await run("dicom", "--help");
    expect(r.status).toBe(0);
    for (const s of ["htj2k-lossless", "1.2.840.10008.1.2.4.201", "htj2k-rpcl", "1.2.840.10008.1.2.4.202", "htj2k ", "1.2.840.10008.1.2.4.203", "--qstep"]) {
      expect(r.stdout).toContain(s);
    }
  });

  for (const [to, uid] of [
    ["htj2k-lossless", "1.2.840.10008.1.2.4.201"],
    ["htj2k-rpcl", "1.2.840.10008.1.2.4.202"],
    ["htj2k", "1.2.840.10008.1.2.4.203"],
    ["1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.202"],
  ] as const) {
    it(`--to ${to}: ${uid}, lossless, back to explicit-le unchanged`, async () => {
      const src = join(CORPUS, "emri_small.dcm");
      const ht = join(tmp, `emri.${to}.dcm`);
      const back = join(tmp, `emri.${to}.back.dcm`);
      const r = await run("dicom", src, ht, "--to", to);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(transferSyntaxOf(read(ht))).toBe(uid);
      const f = await codestreamFacts(dcmjsFrames(read(ht))[0]!);
      expect(f.ht).toBe(true);
      expect(f.progression).toBe(uid.endsWith(".202") ? 2 : 0);
      expect((await run("dicom", ht, back, "--to", "explicit-le")).status).toBe(0);
      expect(Buffer.from(nativePixelBytes(read(back))).equals(Buffer.from(nativePixelBytes(read(src))))).toBe(true);
    });
  }

  it("--to htj2k --ratio 10 and --qstep: lossy, method ISO_15444_15; --to htj2k-lossless --ratio is refused", async () => {
    const src = join(CORPUS, "MR_small.dcm");
    for (const extra of [["--ratio", "10"], ["--qstep", "0.001"]]) {
      const out = join(tmp, `mr.203.${extra[0]!.slice(2)}.dcm`);
      const r = await run("dicom", src, out, "--to", "htj2k", ...extra);
      expect(r.status).toBe(0);
      const { dict } = dcmjsRead(read(out));
      expect(tagValue(dict, "00282110")).toBe("01");
      expect(dict["00282114"].Value.at(-1)).toBe("ISO_15444_15");
      expect((await codestreamFacts(dcmjsFrames(read(out))[0]!)).reversible).toBe(false);
    }
    const bad = await run("dicom", src, join(tmp, "x.dcm"), "--to", "htj2k-lossless", "--ratio", "10");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^j2kit: \[INVALID_ARGUMENT\] .*always reversible.*\n$/);
    const two = await run("dicom", src, join(tmp, "x.dcm"), "--to", "htj2k", "--qstep", "0.1,0.2");
    expect(two.status).toBe(2);
  });
});
