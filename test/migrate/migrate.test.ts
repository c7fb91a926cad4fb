/**
 * `j2kit migrate` end to end, as a child process: a generated archive (representation folders, a
 * CSV export, ICC profiles, tiles, 10/16-bit, palette, alpha, sYCC, HTJ2K, damaged files, and one
 * image far larger than the memory budget) converted with --jobs 2, killed with SIGKILL half way and
 * resumed: every good file converted exactly once, damaged files failed with their codes, status
 * complete per group, outputs accepted by jpeginfo -c and djpeg; three shards cover the manifest
 * with no overlap; a folder run; usage errors exit 2.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { decode } from "../../src/index.js";
import { has } from "../jpeg/helpers.js";
import { buildArchive, largeImage, ledgerRecords, runCli, startCli, targetOf, TEMPLATE, waitFor, type Archive } from "./helpers.js";

const HAS_JPEGINFO = has("jpeginfo") && has("djpeg");
let tmp: string;
let archive: Archive;
let big: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "j2kit-migrate-"));
  big = largeImage(12000, 9000);
  archive = buildArchive(join(tmp, "archive"), big);
}, 600_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** All files below `dir` (relative, forward slashes). */
function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), base) : [join(dir, e.name).slice(base.length + 1)]));
}

function jpegOk(path: string): boolean {
  const info = spawnSync("jpeginfo", ["-c", path], { encoding: "utf8" });
  const d = spawnSync("djpeg", ["-outfile", "/dev/null", path], { encoding: "utf8" });
  return info.status === 0 && /OK\s*$/.test(info.stdout.trim()) && d.status === 0;
}

const baseArgs = (a: Archive, out: string) => ["migrate", a.manifest, "--to", out, "--target", TEMPLATE, "--group-column", "representation_uuid", "--jobs", "2"];

describe("j2kit migrate: kill -9 half way, resume", () => {
  test.skipIf(!HAS_JPEGINFO)("every good file once, damaged files failed with their codes, groups complete, JPEGs valid (needs jpeginfo, djpeg)", async () => {
    const out = join(tmp, "out-kill");
    const ledger = join(out, "j2kit-migrate.ledger.jsonl");
    // 256 MiB for all conversions: the 12000x9000 image (324 MB of pixels, 1.3 GB as int32 planes) must decode in strips
    const args = [...baseArgs(archive, out), "--max-memory", "256", "--log", join(tmp, "kill.ndjson")];
    const bigSource = join(archive.root, archive.files.find((f) => f.rel.endsWith("big.jp2"))!.rel);
    const first = startCli(args);
    // half way: several files done and the large one being converted
    const gotHalf = await waitFor(() => {
      if (!existsSync(ledger)) return false;
      const recs = ledgerRecords(ledger);
      return recs.filter((r) => r.kind === "done").length >= 4 && recs.some((r) => r.kind === "start" && r.source === bigSource);
    }, 300_000);
    expect(gotHalf, "four files done and the large image started before the kill").toBe(true);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    const afterKill = ledgerRecords(ledger);
    const doneBefore = new Set(afterKill.filter((r) => r.kind === "done").map((r) => r.source));
    expect(doneBefore.size).toBeLessThan(archive.good.length);
    // what the kill cut off: the files in flight, at most one per worker
    const open = new Map<unknown, unknown>();
    for (const r of afterKill) if (r.kind === "start") open.set(r.source, r); else if (r.kind === "done" || r.kind === "failed") open.delete(r.source);
    expect(open.size).toBeGreaterThanOrEqual(1);
    expect(open.size).toBeLessThanOrEqual(2);
    expect(open.has(bigSource), "the large image was in flight").toBe(true);

    // targets never hold a partial file: whatever is at a target name is a whole JPEG
    for (const rel of walk(out).filter((p) => p.endsWith(".jpg"))) expect(jpegOk(join(out, rel)), rel).toBe(true);

    const second = await runCli(args);
    expect(second.code, second.stderr + second.stdout).toBe(3); // some files failed (the damaged ones)
    const records = ledgerRecords(ledger);

    // both runs' records in ledger order: never more files open than workers (a worker's outcome is
    // recorded before its next start, so a crash at any moment cuts off at most one file per worker;
    // the files the kill cut off stay open until the resumed run finishes them)
    const openNow = new Set<unknown>();
    let mostOpen = 0;
    for (const r of records) {
      if (r.kind === "start") openNow.add(r.source);
      else if (r.kind === "done" || r.kind === "failed") openNow.delete(r.source);
      mostOpen = Math.max(mostOpen, openNow.size);
    }
    expect(mostOpen).toBeGreaterThanOrEqual(1);
    expect(mostOpen, "files open at once (--jobs 2)").toBeLessThanOrEqual(2);

    // every good file: exactly one successful outcome, and no attempt after it
    for (const f of archive.good) {
      const src = join(archive.root, f.rel);
      const mine = records.filter((r) => r.source === src);
      expect(mine.filter((r) => r.kind === "done"), f.rel).toHaveLength(1);
      const doneAt = mine.findIndex((r) => r.kind === "done");
      expect(mine.slice(doneAt + 1).filter((r) => r.kind === "start"), `${f.rel}: started again after it was done`).toHaveLength(0);
      const target = join(out, targetOf(f));
      expect(existsSync(target), target).toBe(true);
      expect(jpegOk(target), target).toBe(true);
      const done = mine.find((r) => r.kind === "done")!;
      expect(done.target).toBe(target);
      expect(done.bytesOut).toBe(statSync(target).size);
    }
    // files done before the kill were not converted again
    for (const src of doneBefore) expect(records.filter((r) => r.source === src && r.kind === "start")).toHaveLength(1);

    // damaged files: failed with a code that names what is wrong (the decoder's own error for them)
    for (const f of archive.files.filter((x) => x.damaged)) {
      const src = join(archive.root, f.rel);
      const failed = records.filter((r) => r.source === src && r.kind === "failed");
      expect(failed.length, f.rel).toBeGreaterThan(0);
      const code = String(failed.at(-1)!.code);
      expect(code, f.rel).toMatch(f.damaged!);
      let direct = "";
      try {
        decode(new Uint8Array(readFileSync(src)));
      } catch (e) {
        direct = (e as { code: string }).code;
      }
      expect(code, `${f.rel}: the ledger carries the decoder's error code`).toBe(direct);
      expect(existsSync(join(out, targetOf(f))), `${f.rel}: no output`).toBe(false);
    }
    // no temporary files left once the run resumed
    expect(walk(out).filter((p) => p.endsWith(".partial"))).toEqual([]);

    // what changed on the way is in the ledger
    const notes = (rel: string) => (records.find((r) => r.source === join(archive.root, rel) && r.kind === "done")?.notes as string[] | undefined)?.join(" ") ?? "";
    const byName = (n: string) => archive.files.find((f) => f.rel.endsWith(n))!.rel;
    expect(notes(byName("alpha.jp2"))).toMatch(/alpha/);
    expect(notes(byName("sycc.jp2"))).toMatch(/sYCC/);
    expect(notes(byName("palette.jp2"))).toMatch(/palette/);
    expect(notes(archive.files.find((f) => f.type === "book" && f.rel.endsWith("p002.jp2"))!.rel)).toMatch(/16-bit .*8 bits/);
    expect(notes(byName("sheet1.jp2"))).toMatch(/ICC profile repaired/);

    // status: groups without damaged files are complete, the damaged group is not
    const st = await runCli(["migrate", "status", ledger, "--json"]);
    expect(st.code).toBe(0);
    const s = JSON.parse(st.stdout);
    const damagedGroups = new Set(archive.files.filter((f) => f.damaged).map((f) => f.group));
    expect(s.files).toEqual({ total: archive.files.length, done: archive.good.length, failed: archive.files.length - archive.good.length, pending: 0 });
    expect(s.groups).toEqual({ total: archive.groups.length, complete: archive.groups.length - damagedGroups.size, incomplete: damagedGroups.size });
    expect(s.failures.map((f: { source: string }) => f.source).sort()).toEqual(archive.files.filter((f) => f.damaged).map((f) => join(archive.root, f.rel)).sort());
    expect(Object.keys(s).sort()).toEqual(["bytesIn", "bytesOut", "failures", "files", "groups"]);

    // a third run has nothing to do and says so: exit 3 again (the damaged files stay failed)
    const third = await runCli(args);
    expect(third.code).toBe(3);
    expect(third.stdout).toMatch(/converted 0, skipped/);
    // the NDJSON log has one event per line
    const log = readFileSync(join(tmp, "kill.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(log.filter((e) => e.event === "done").length).toBeGreaterThanOrEqual(archive.good.length - doneBefore.size);
    expect(log.some((e) => e.event === "end" && e.exitCode === 3)).toBe(true);
  }, 900_000);
});

describe("j2kit migrate: shards", () => {
  test("three shards cover the manifest with no overlap and never split a group; status merges their ledgers", async () => {
    const small = buildArchive(join(tmp, "archive-small"));
    const out = join(tmp, "out-shards");
    const ledgers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const l = join(tmp, `shard-${i}.jsonl`);
      ledgers.push(l);
      const r = await runCli([...baseArgs(small, out), "--jobs", "1", "--shard", `${i}/3`, "--ledger", l]);
      expect([0, 3], r.stderr).toContain(r.code);
    }
    const owner = new Map<string, number>();
    const groupOwner = new Map<string, number>();
    ledgers.forEach((l, i) => {
      for (const r of ledgerRecords(l)) {
        if (r.kind !== "start") continue;
        const src = String(r.source);
        expect(owner.get(src) ?? i, `${src} in two shards`).toBe(i);
        owner.set(src, i);
        expect(groupOwner.get(String(r.group)) ?? i, `group ${r.group} split`).toBe(i);
        groupOwner.set(String(r.group), i);
      }
    });
    expect([...owner.keys()].sort()).toEqual(small.files.map((f) => join(small.root, f.rel)).sort());
    expect(new Set(groupOwner.values()).size).toBe(3);
    const st = await runCli(["migrate", "status", ...ledgers, "--json"]);
    const s = JSON.parse(st.stdout);
    expect(s.files.total).toBe(small.files.length);
    expect(s.files.done).toBe(small.good.length);
    expect(s.groups.total).toBe(small.groups.length);
    // the shard index from the environment (Kubernetes Indexed Job)
    const auto = await runCli([...baseArgs(small, out), "--shard", "auto/3", "--ledger", ledgers[1]!, "--dry-run"], { JOB_COMPLETION_INDEX: "1" });
    expect(auto.code).toBe(0);
    expect(auto.stdout).toMatch(/shard 1\/3/);
  }, 600_000);
});

describe("j2kit migrate: folders and command-line errors", () => {
  test("SRC_DIR --to DIR keeps relative paths with .jpg; errors in the command line exit 2", async () => {
    const src = join(tmp, "folder-src");
    buildArchive(src);
    const out = join(tmp, "folder-out");
    const r = await runCli(["migrate", join(src, "reps"), "--to", out, "--jobs", "2"]);
    expect(r.code, r.stderr).toBe(3);
    const made = walk(out).filter((p) => p.endsWith(".jpg")).sort();
    expect(made).toContain("7d0e6a1c-0001-4c5e-9a1e-000000000001/p003.jpg");
    expect(made).toContain("7d0e6a1c-0004-4c5e-9a1e-000000000004/ht.jpg");
    expect(made).toHaveLength(walk(join(src, "reps")).length - 3);

    const badColumn = await runCli(["migrate", archive.manifest, "--to", join(tmp, "x"), "--group-column", "nope"]);
    expect(badColumn.code).toBe(2);
    expect(badColumn.stderr).toMatch(/no column 'nope'/);
    expect((await runCli(["migrate", archive.manifest])).code).toBe(2);
    expect((await runCli(["migrate", archive.manifest, "--to", join(tmp, "y"), "--shard", "3/3"])).code).toBe(2);
    expect(existsSync(join(tmp, "x")), "nothing written on a usage error").toBe(false);
  }, 300_000);
});
