// The progress line on a terminal (issue 9 item 5): the CLI run under a pseudo-terminal
// (`script` from util-linux) rewrites one line in place ("\r", no time stamp prefix, unlike the
// once-a-minute lines of batch logs) and its last state carries every field: files done / failed /
// total, files/s, MB/s, ETA and memory (RSS and reservations). Only the final line is checked: it
// is written when the run ends, so nothing here depends on timing.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "../../src/index.js";
import { has } from "../helpers/tools.js";
import { BIN } from "./helpers.js";

let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "j2kit-progress-"));
  mkdirSync(join(tmp, "src"));
  for (let k = 0; k < 3; k++) {
    const data = new Uint8Array(96 * 64 * 3).map((_, i) => (i * (k + 3)) & 255);
    writeFileSync(join(tmp, "src", `f${k}.jp2`), encode({ width: 96, height: 64, components: 3, bitDepth: 8, signed: false, data }, { format: "jp2" }));
  }
  writeFileSync(join(tmp, "src", "broken.jp2"), new Uint8Array([0, 0, 0, 12, 0x6a, 0x50, 0x20, 0x20, 13, 10, 0x87, 10, 1, 2, 3]));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("migrate progress on a terminal", () => {
  test.skipIf(!has("script"))("a line rewritten in place with done/failed/total, files/s, MB/s, ETA and memory (needs script: util-linux)", () => {
    const out = join(tmp, "out");
    const cmd = [process.execPath, BIN, "migrate", join(tmp, "src"), "--to", out, "--jobs", "1", "--retries", "0"].map((a) => `'${a}'`).join(" ");
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8", timeout: 60_000, env: { ...process.env, TERM: "dumb" } });
    expect(r.status, r.stdout + r.stderr).toBe(3); // the broken file fails
    const text = r.stdout.replace(/\r\n/g, "\n");
    // the final progress state: after a carriage return, no "j2kit migrate: <time>" prefix
    const m = /\r(3\/4 done \(0 earlier\), 1 failed \| [\d.]+ files\/s, [\d.]+ MB\/s \| ETA (\d\d:\d\d:\d\d|--:--:--) \| memory \d+ MiB RSS, \d+\/1024 MiB reserved)\s*\n/.exec(text);
    expect(m, JSON.stringify(text.slice(-600))).not.toBeNull();
    expect(text).not.toMatch(/j2kit migrate: \d{4}-\d\d-\d\dT/);
    expect(text).toMatch(/converted 3, skipped 0 \(done earlier\), failed 1/);
  }, 60_000);
});
