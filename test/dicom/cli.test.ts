/**
 * `j2kit dicom` run in-process through src/cli (main + runDicomCommand) on temporary files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { CORPUS, dcmjsRead, nativePixelBytes, tagValue } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "j2kit-dicom-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const status = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { status, stdout, stderr };
}

describe("j2kit dicom", () => {
  it("--help lists the syntaxes and options", async () => {
    const r = await run("dicom", "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: j2kit dicom <in.dcm> <out.dcm> --to/);
    for (const s of ["j2k-lossless", "1.2.840.10008.1.2.4.90", "explicit-le", "--ratio", "--psnr", "dicom info"]) expect(r.stdout).toContain(s);
  });

  it("info on a native file prints the Image Pixel Module", async () => {
    const r = await run("dicom", "info", join(CORPUS, "MR_small.dcm"));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/transfer syntax\s+1\.2\.840\.10008\.1\.2\.1 Explicit VR Little Endian \[explicit-le\]/);
    expect(r.stdout).toMatch(/rows x columns\s+64 x 64/);
    expect(r.stdout).toMatch(/bits\s+allocated 16, stored 16, high bit 15/);
    expect(r.stdout).toMatch(/pixel repr\.\s+1 \(two's complement\)/);
    expect(r.stdout).toMatch(/pixel data\s+native, 8192 bytes/);
  });

  it("info on a JPEG 2000 file prints each frame's codestream header", async () => {
    const r = await run("dicom", "info", join(CORPUS, "emri_small_jpeg_2k_lossless.dcm"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/frames\s+10/);
    expect(r.stdout.match(/^frame \d+ /gm)).toHaveLength(10);
    expect(r.stdout).toMatch(/frame 1\s+3814 bytes, codestream: 64 x 64, 1 component\(s\) \[16u\], 5\/3 reversible, 5 level\(s\), 1 layer\(s\), LRCP/);
    const json = JSON.parse((await run("dicom", "info", join(CORPUS, "emri_small_jpeg_2k_lossless.dcm"), "--json")).stdout);
    expect(json.pixelModule.numberOfFrames).toBe(10);
    expect(json.frames[9].header.width).toBe(64);
  });

  it("transcodes to .90 by UID and back by name, pixels unchanged", async () => {
    const src = join(CORPUS, "emri_small.dcm");
    const j2k = join(tmp, "emri.90.dcm");
    const back = join(tmp, "emri.back.dcm");
    expect((await run("dicom", src, j2k, "--to", "1.2.840.10008.1.2.4.90")).status).toBe(0);
    expect(tagValue(dcmjsRead(new Uint8Array(readFileSync(j2k))).meta, "00020010")).toBe("1.2.840.10008.1.2.4.90");
    const r = await run("dicom", j2k, back, "--to", "explicit-le");
    expect(r.status).toBe(0);
    expect(nativePixelBytes(new Uint8Array(readFileSync(back)))).toEqual(nativePixelBytes(new Uint8Array(readFileSync(src))));
  });

  it("transcodes to .91 with --ratio and prints warnings on stderr", async () => {
    const out = join(tmp, "mr.91.dcm");
    const r = await run("dicom", join(CORPUS, "MR_small.dcm"), out, "--to", "j2k", "--ratio", "10");
    expect(r.status).toBe(0);
    const { meta, dict } = dcmjsRead(new Uint8Array(readFileSync(out)));
    expect(tagValue(meta, "00020010")).toBe("1.2.840.10008.1.2.4.91");
    expect(tagValue(dict, "00282110")).toBe("01");
    const w = await run("dicom", join(CORPUS, "J2K_pixelrep_mismatch.dcm"), join(tmp, "pr.dcm"), "--to", "explicit-le");
    expect(w.status).toBe(0);
    expect(w.stderr).toMatch(/^j2kit: warning: PixelRepresentation \(0028,0103\)/m);
    const quiet = await run("dicom", join(CORPUS, "J2K_pixelrep_mismatch.dcm"), join(tmp, "pr.dcm"), "--to", "explicit-le", "--quiet");
    expect(quiet.stderr).toBe("");
  });

  it("fails with one line: usage errors (status 2), DICOM errors (status 1)", async () => {
    const noTo = await run("dicom", join(CORPUS, "MR_small.dcm"), join(tmp, "x.dcm"));
    expect(noTo.status).toBe(2);
    expect(noTo.stderr).toBe("j2kit: [INVALID_ARGUMENT] --to <transfer syntax> is required (see 'j2kit dicom --help')\n");

    const lossy = await run("dicom", join(CORPUS, "MR_small.dcm"), join(tmp, "x.dcm"), "--to", "j2k");
    expect(lossy.status).toBe(1);
    expect(lossy.stderr).toMatch(/^j2kit: \[INVALID_ARGUMENT\] .*ratios .*psnr.*\n$/);

    const be = await run("dicom", join(CORPUS, "MR_small.dcm"), join(tmp, "x.dcm"), "--to", "1.2.840.10008.1.2.2");
    expect(be.status).toBe(1);
    expect(be.stderr).toMatch(/^j2kit: \[DICOM_UNSUPPORTED\] target transfer syntax .*1\.2\.840\.10008\.1\.2\.2\).*\n$/);

    const unknown = await run("dicom", join(CORPUS, "MR_small.dcm"), join(tmp, "x.dcm"), "--to", "jpeg-ls");
    expect(unknown.stderr).toMatch(/^j2kit: \[DICOM_UNSUPPORTED\] target transfer syntax JPEG-LS .*\(1\.2\.840\.10008\.1\.2\.4\.81\): j2kit writes JPEG 2000, not JPEG-LS/);
    const made = await run("dicom", join(CORPUS, "MR_small.dcm"), join(tmp, "x.dcm"), "--to", "jpeg-xyz");
    expect(made.stderr).toMatch(/^j2kit: \[DICOM_UNSUPPORTED\] target transfer syntax "jpeg-xyz" is not supported/);

    const notDicom = join(tmp, "not.dcm");
    writeFileSync(notDicom, new Uint8Array(300));
    const bad = await run("dicom", "info", notDicom);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^j2kit: \[DICOM_INVALID\] not a DICOM Part 10 file/);
  });

  it("a damaged file: one [DICOM_INVALID] line naming the element; --tolerant reads it with a warning", async () => {
    const bad = join(CORPUS, "../malformed/fuzz/min/dicom_elem_vr00_len40000000_MR_small.bin");
    const out = join(tmp, "tolerant.dcm");
    const strict = await run("dicom", bad, out, "--to", "explicit-le");
    expect(strict.status).not.toBe(0);
    expect(strict.stderr).toMatch(/\[DICOM_INVALID\] element \(0009,0010\) at byte 9830 declares a value of 1073741824 bytes but only 16 remain/);
    const r = await run("dicom", bad, out, "--to", "explicit-le", "--tolerant");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/j2kit: warning: .*cut at byte 9830 \(tolerant\)/);
    expect(nativePixelBytes(new Uint8Array(readFileSync(out)))).toEqual(nativePixelBytes(new Uint8Array(readFileSync(join(CORPUS, "MR_small.dcm")))));
    const info = await run("dicom", "info", bad, "--tolerant");
    expect(info.status).toBe(0);
    expect(info.stdout).toMatch(/rows x columns\s+64 x 64/);
  });
});
