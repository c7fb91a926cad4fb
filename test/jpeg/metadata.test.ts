// ICC (APP2 chunks), XMP (APP1), comments and density written by encodeJpeg, read back by an
// independent marker parser and by ImageMagick; and `j2kit decode x.jp2 y.jpg`, which carries the
// JP2's ICC profile (repaired by the existing repair code), XMP and XML boxes into the JPEG.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { encode, encodeJpeg } from "../../src/index.js";
import { readJp2, repairJp2Icc } from "../../src/jp2/index.js";
import { REPO_ROOT, TESTDATA } from "../helpers/paths.js";
import { asImage, cjpeg, djpeg, frameOf, has, jpeginfoCheck, jpegSegments, parsePnm, psnr, quantTables, synthetic, tmpFile } from "./helpers.js";

const XMP_NS = "http://ns.adobe.com/xap/1.0/\0";

/** Reassemble APP2 ICC_PROFILE chunks (ICC.1 B.4), checking sequence numbers and counts. */
function iccOf(jpg: Uint8Array): Uint8Array | undefined {
  const chunks = jpegSegments(jpg).segments.filter((s) => s.marker === 0xe2 && Buffer.from(s.data.subarray(0, 12)).toString("latin1") === "ICC_PROFILE\0");
  if (chunks.length === 0) return undefined;
  chunks.forEach((c, i) => {
    expect(c.data[12]).toBe(i + 1);
    expect(c.data[13]).toBe(chunks.length);
    expect(c.data.length - 14).toBeLessThanOrEqual(65519);
  });
  return new Uint8Array(Buffer.concat(chunks.map((c) => c.data.subarray(14))));
}

function xmpOf(jpg: Uint8Array): string | undefined {
  const s = jpegSegments(jpg).segments.find((x) => x.marker === 0xe1 && Buffer.from(x.data.subarray(0, 29)).toString("latin1") === XMP_NS);
  return s ? Buffer.from(s.data.subarray(29)).toString("utf8") : undefined;
}

function commentsOf(jpg: Uint8Array): string[] {
  return jpegSegments(jpg).segments.filter((s) => s.marker === 0xfe).map((s) => Buffer.from(s.data).toString("utf8"));
}

function magick(args: string[]): Buffer {
  const r = spawnSync("convert", args, { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`convert ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function fakeIcc(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7919 + (i >> 8)) & 255;
  new DataView(b.buffer).setUint32(0, n);
  b.set(Buffer.from("acsp", "latin1"), 36);
  return b;
}

const XMP = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Zeitungsseite · 1 — ü</dc:title></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

describe("JPEG metadata segments", () => {
  test("ICC profiles of 1, 65519, 65520 and 200000 bytes come back whole from the APP2 chunks", () => {
    const img = asImage(synthetic(16, 16, 3, 1));
    for (const n of [200, 65519, 65520, 200000]) {
      const icc = fakeIcc(n);
      const jpg = encodeJpeg(img, { icc });
      const back = iccOf(jpg)!;
      expect(back.length).toBe(n);
      expect(Buffer.from(back).equals(Buffer.from(icc))).toBe(true);
      expect(jpegSegments(jpg).segments.filter((s) => s.marker === 0xe2).length).toBe(Math.ceil(n / 65519));
    }
  });

  test("XMP packet, comments and density are written where JFIF/XMP put them", () => {
    const jpg = encodeJpeg(asImage(synthetic(16, 16, 1, 2)), { xmp: XMP, comments: ["first", "", "x".repeat(70000)], density: { unit: "dpi", x: 300, y: 600 } });
    expect(xmpOf(jpg)).toBe(XMP);
    const coms = commentsOf(jpg);
    expect(coms.slice(0, 2)).toEqual(["first", ""]);
    expect(coms.slice(2).join("")).toBe("x".repeat(70000)); // split over two COM segments
    const app0 = jpegSegments(jpg).segments[0]!;
    expect(app0.marker).toBe(0xe0);
    expect([...app0.data.subarray(0, 12)]).toEqual([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 1, 300 >> 8, 300 & 255, 600 >> 8, 600 & 255]);
    // marker order: APP0, APP1, COM..., DQT
    expect(jpegSegments(jpg).segments.map((s) => s.marker).slice(0, 6)).toEqual([0xe0, 0xe1, 0xfe, 0xfe, 0xfe, 0xfe]);
  });

  test.skipIf(!has("convert"))("ImageMagick reads back the ICC profile and the XMP packet (needs imagemagick)", () => {
    const icc = fakeIcc(70000);
    const path = tmpFile(".jpg");
    writeFileSync(path, encodeJpeg(asImage(synthetic(24, 24, 3, 3)), { icc, xmp: XMP }));
    expect(Buffer.from(magick([path, "icc:-"])).equals(Buffer.from(icc))).toBe(true);
    expect(magick([path, "xmp:-"]).toString("utf8")).toContain("Zeitungsseite · 1 — ü");
  });
});

const CLI = join(REPO_ROOT, "bin/j2kit.js");
function j2kit(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: REPO_ROOT, timeout: 120_000 });
}

/** A JP2 file with XMP in a uuid box and an XML box appended after the codestream (allowed, I.4). */
function jp2WithXmp(): Uint8Array {
  const jp2 = encode(asImage(synthetic(40, 24, 3, 5)), { format: "jp2", lossless: true });
  const box = (type: string, body: Uint8Array) => {
    const b = Buffer.alloc(8 + body.length);
    b.writeUInt32BE(8 + body.length, 0);
    b.write(type, 4, "latin1");
    Buffer.from(body).copy(b, 8);
    return b;
  };
  const uuid = Buffer.from("be7acfcb97a942e89c71999491e3afac", "hex");
  return new Uint8Array(Buffer.concat([Buffer.from(jp2), box("uuid", Buffer.concat([uuid, Buffer.from(XMP, "utf8")])), box("xml ", Buffer.from("<note>kept as a comment</note>", "utf8"))]));
}

describe.skipIf(!existsSync(CLI) || !has("djpeg") || !has("jpeginfo"))("j2kit decode in.jp2 out.jpg (needs dist/, djpeg, jpeginfo)", () => {
  test("the Harvard scan: ICC embedded as repairJp2Icc repairs it, resolution kept, 4:4:4 at --quality 92", () => {
    const src = resolve(TESTDATA, "icc/481021247.jp2");
    const out = tmpFile(".jpg");
    const r = j2kit("decode", src, out, "--quality", "92");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ICC profile repaired/);
    const jpg = new Uint8Array(readFileSync(out));
    jpeginfoCheck(jpg);
    const repaired = readJp2(repairJp2Icc(new Uint8Array(readFileSync(src))).bytes).colorSpace!.icc!;
    expect(Buffer.from(iccOf(jpg)!).equals(Buffer.from(repaired))).toBe(true);
    expect(frameOf(jpg).comps.map((c) => [c[1], c[2]])).toEqual([[1, 1], [1, 1], [1, 1]]);
    const d = djpeg(jpg);
    expect([d.width, d.height]).toEqual([1653, 2093]);
    // Same quantisation as cjpeg at quality 92.
    expect(quantTables(jpg)).toEqual(quantTables(cjpeg({ width: 8, height: 8, components: 3, data: new Uint8Array(192) }, ["-quality", "92"])));
  });

  test("XMP box → APP1, XML box → COM, --subsampling 420 → 2x2, --optimize", () => {
    const src = tmpFile(".jp2");
    writeFileSync(src, jp2WithXmp());
    const out = tmpFile(".jpg");
    const r = j2kit("decode", src, out, "--quality", "80", "--subsampling", "420", "--optimize");
    expect(r.status, r.stderr).toBe(0);
    const jpg = new Uint8Array(readFileSync(out));
    jpeginfoCheck(jpg);
    expect(xmpOf(jpg)).toBe(XMP);
    expect(commentsOf(jpg)).toEqual(["<note>kept as a comment</note>"]);
    expect(frameOf(jpg).comps[0]!.slice(1, 3)).toEqual([2, 2]);
  });

  test("bad --quality is a usage error (exit 2) and leaves no output; --quality on .png is refused", () => {
    const out = tmpFile(".jpg");
    const src = resolve(TESTDATA, "conformance/part4_jp2/file1.jp2");
    const r = j2kit("decode", src, out, "--quality", "0");
    expect(r.status).toBe(2);
    expect(existsSync(out)).toBe(false);
    expect(j2kit("decode", src, tmpFile(".png"), "--quality", "90").status).toBe(2);
  });

  test.skipIf(!has("opj_decompress"))("an sYCC JP2 (file2.jp2) is converted to RGB: close to opj_decompress's RGB (needs libopenjp2-tools)", () => {
    const src = resolve(TESTDATA, "conformance/part4_jp2/file2.jp2");
    const out = tmpFile(".jpg");
    const r = j2kit("decode", src, out, "--quality", "95");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/sYCC samples were converted to RGB/);
    const ppm = tmpFile(".ppm");
    const o = spawnSync("opj_decompress", ["-i", src, "-o", ppm], { encoding: "utf8" });
    expect(o.status, o.stderr).toBe(0);
    const ref = parsePnm(new Uint8Array(readFileSync(ppm)));
    const ours = djpeg(new Uint8Array(readFileSync(out)));
    expect([ours.width, ours.height]).toEqual([ref.width, ref.height]);
    expect(psnr(ref.data, ours.data)).toBeGreaterThan(30);
  });

  test("a CMYK JP2 is refused with UNSUPPORTED and the existing output file is untouched", () => {
    const src = resolve(TESTDATA, "edge_cases/openjpeg/issue205.jp2");
    const out = tmpFile(".jpg");
    writeFileSync(out, "keep me");
    const r = j2kit("decode", src, out);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/CMYK|UNSUPPORTED/);
    expect(readFileSync(out, "utf8")).toBe("keep me");
  });
});
