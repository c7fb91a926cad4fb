/**
 * The migration's parts on their own: CSV (RFC 4180), target templates, shards, the ledger's
 * state machine (resume decisions, torn lines), status totals, the streaming resampler against the
 * IIIF one, and fitting sizes.
 */
import { describe, expect, test } from "vitest";
import { parseCsv, planRows, fillTemplate, checkTarget, parseShard, shardOf, stem } from "../../src/migrate/manifest.js";
import { fileStates, parseLedger, summarize, type LedgerRecord } from "../../src/migrate/ledger.js";
import { StreamResampler } from "../../src/migrate/resample_stream.js";
import { resampleLanczos3 } from "../../src/iiif/resample.js";
import { fitSize } from "../../src/migrate/convert.js";
import { s3ClientConfig } from "../../src/migrate/s3.js";

describe("manifest", () => {
  test("CSV: quoted fields with commas, doubled quotes and line breaks, CRLF, BOM, a missing last newline", () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\n3,,last';
    expect(parseCsv(text)).toEqual([
      ["a", "b", "c"],
      ["1", "x, y", 'say "hi"'],
      ["2", "two\nlines", ""],
      ["3", "", "last"],
    ]);
    expect(() => parseCsv('a\n"open')).toThrow(/quoted field/);
  });

  test("templates: {column} and {column.stem}; targets must stay below --to", () => {
    const row = { type: "newspaper", uuid: "u-1", tiffname: "scans/p0001.tiff" };
    expect(fillTemplate("{type}/{uuid}/{tiffname.stem}.jpg", row)).toBe("newspaper/u-1/p0001.jpg");
    expect(stem("a/b/c.d.tif")).toBe("c.d");
    expect(checkTarget("a/./b.jpg")).toBe("a/b.jpg");
    expect(checkTarget("../x.jpg")).toMatchObject({ reason: expect.stringMatching(/leaves/) });
    expect(checkTarget("/etc/x.jpg")).toMatchObject({ reason: expect.stringMatching(/absolute/) });
    expect(checkTarget("a//x.jpg")).toMatchObject({ reason: expect.stringMatching(/empty path segment/) });
  });

  test("rows: relative sources against the manifest's folder, URLs kept, bad rows failed not fatal, duplicate targets refused", () => {
    const rows = [["id", "g", "path"], ["1", "A", "x/one.jp2"], ["2", "A", "s3://b/two.jp2"], ["3", "B", "https://h/three.jp2"], ["4", "B", ""], ["5", "C", "/abs/five.j2k"]];
    const plan = planRows(rows, "/data/export", { sourceColumn: "path", target: "{g}/{id}.jpg", groupColumn: "g" });
    expect(plan.files.map((f) => [f.source, f.target, f.group])).toEqual([
      ["/data/export/x/one.jp2", "A/1.jpg", "A"],
      ["s3://b/two.jp2", "A/2.jpg", "A"],
      ["https://h/three.jp2", "B/3.jpg", "B"],
      ["/abs/five.j2k", "C/5.jpg", "C"],
    ]);
    expect(plan.invalid).toHaveLength(1);
    expect(plan.invalid[0]!.message).toMatch(/row 5: the source column 'path' is empty/);
    expect(plan.groups).toEqual(["A", "B", "C"]);
    expect(() => planRows(rows, "/d", { sourceColumn: "path", target: "{g}.jpg", groupColumn: "g" })).toThrow(/both write 'A.jpg'/);
    expect(() => planRows(rows, "/d", { sourceColumn: "nope" })).toThrow(/no column 'nope'/);
  });

  test("shards: every N-th group, whole; together they cover the plan once; auto from the job index", () => {
    const rows = [["g", "path"]];
    for (let i = 0; i < 40; i++) rows.push([`g${i % 7}`, `f${i}.jp2`]);
    const plan = planRows(rows, "/d", { sourceColumn: "path", groupColumn: "g" });
    const shards = [0, 1, 2].map((index) => shardOf(plan, { index, count: 3 }));
    const seen = shards.flatMap((s) => s.files.map((f) => f.index));
    expect(seen.sort((a, b) => a - b)).toEqual(plan.files.map((f) => f.index));
    for (const s of shards) for (const g of s.groups) expect(shards.filter((o) => o.groups.includes(g))).toHaveLength(1);
    expect(shards[1]!.groups).toEqual(["g1", "g4"]);
    expect(parseShard("auto/4", { JOB_COMPLETION_INDEX: "3" })).toEqual({ index: 3, count: 4 });
    expect(parseShard("auto/4", { AWS_BATCH_JOB_ARRAY_INDEX: "2" })).toEqual({ index: 2, count: 4 });
    expect(() => parseShard("auto/4", {})).toThrow(/JOB_COMPLETION_INDEX/);
    expect(() => parseShard("4/4")).toThrow(/not below/);
    expect(() => parseShard("1-4")).toThrow(/i\/N/);
  });
});

describe("ledger", () => {
  const rec = (kind: LedgerRecord["kind"], extra: Partial<LedgerRecord>): LedgerRecord => ({ v: 1, t: extra.t ?? "2026-01-01T00:00:00.000Z", kind, ...extra });

  test("states: attempts per fingerprint, outcomes, an attempt cut off, a changed file starting over", () => {
    const s = fileStates([
      rec("start", { source: "a", fingerprint: "1", attempt: 1 }),
      rec("failed", { source: "a", fingerprint: "1", code: "SOURCE_READ_FAILED" }),
      rec("start", { source: "a", fingerprint: "1", attempt: 2 }),
      rec("done", { source: "a", fingerprint: "1", bytesOut: 10 }),
      rec("start", { source: "b", fingerprint: "9", attempt: 1 }),
      rec("start", { source: "c", fingerprint: "1" }),
      rec("done", { source: "c", fingerprint: "1" }),
      rec("start", { source: "c", fingerprint: "2" }),
    ]);
    expect(s.get("a")).toMatchObject({ attempts: 2, done: { bytesOut: 10 } });
    expect(s.get("a")!.failed).toBeUndefined();
    expect(s.get("b")!.open).toBeDefined();
    expect(s.get("c")).toMatchObject({ fingerprint: "2", attempts: 1 });
    expect(s.get("c")!.done).toBeUndefined();
  });

  test("a torn last line is skipped, other lines kept", () => {
    const good = JSON.stringify(rec("done", { source: "a" }));
    const p = parseLedger(`${good}\n${good.slice(0, 20)}`);
    expect(p.records).toHaveLength(1);
    expect(p.skipped).toBe(1);
  });

  test("status merges shards: totals from the plans, groups complete when every planned file is done", () => {
    const l0 = [
      rec("plan", { plan: "p", shard: "0/2", files: 3, groups: { A: 2, C: 1 } }),
      rec("done", { source: "a1", group: "A", fingerprint: "x", bytesIn: 100, bytesOut: 40 }),
      rec("done", { source: "a2", group: "A", fingerprint: "x", bytesIn: 100, bytesOut: 40 }),
      rec("failed", { source: "c1", group: "C", fingerprint: "x", code: "PACKET_TRUNCATED", message: "cut" }),
    ];
    const l1 = [rec("plan", { plan: "p", shard: "1/2", files: 2, groups: { B: 2 } }), rec("done", { source: "b1", group: "B", fingerprint: "x", bytesIn: 50, bytesOut: 10 })];
    const s = summarize([l0, l1]).summary;
    expect(s).toEqual({
      files: { total: 5, done: 3, failed: 1, pending: 1 },
      groups: { total: 3, complete: 1, incomplete: 2 },
      bytesIn: 250,
      bytesOut: 90,
      failures: [{ source: "c1", code: "PACKET_TRUNCATED", message: "cut" }],
    });
  });
});

describe("streaming resampler", () => {
  test("rows fed in uneven strips give exactly resampleLanczos3 of the whole image", () => {
    const sw = 97, sh = 61, ch = 3;
    const src = new Uint8Array(sw * sh * ch);
    for (let i = 0; i < src.length; i++) src[i] = (i * 37 + (i >> 5) * 11) & 255;
    for (const [dw, dh] of [[40, 25], [97, 30], [50, 61], [1, 1]] as const) {
      const want = resampleLanczos3(src, sw, sh, ch, dw, dh);
      const got = new Uint8Array(dw * dh * ch);
      let at = 0;
      const r = new StreamResampler(sw, sh, ch, dw, dh, (rows, n) => {
        got.set(rows, at);
        at += n * dw * ch;
      });
      for (let y = 0, k = 1; y < sh; k = (k % 7) + 1) {
        const n = Math.min(k, sh - y);
        r.push(src.subarray(y * sw * ch, (y + n) * sw * ch), n);
        y += n;
      }
      expect(at, `${dw}x${dh}`).toBe(got.length);
      expect(Buffer.from(got).equals(Buffer.from(want)), `${dw}x${dh}`).toBe(true);
    }
  });

  test("fitSize keeps the aspect ratio and never enlarges", () => {
    expect(fitSize(4000, 3000, 1000)).toEqual({ width: 1000, height: 750 });
    expect(fitSize(300, 200, 1000)).toEqual({ width: 300, height: 200 });
    expect(fitSize(3000, 4000, undefined)).toEqual({ width: 3000, height: 4000 });
  });
});

describe("S3 client settings", () => {
  test("an endpoint means path-style addressing; checksums only when required; retries with the standard strategy", () => {
    const c = s3ClientConfig({ endpoint: "http://127.0.0.1:9000", retries: 3, region: "eu-west-1" });
    expect(c).toMatchObject({ endpoint: "http://127.0.0.1:9000", forcePathStyle: true, maxAttempts: 4, retryMode: "standard", region: "eu-west-1" });
    expect(c).toMatchObject({ requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
    expect(s3ClientConfig({}).forcePathStyle).toBeUndefined();
  });
});
