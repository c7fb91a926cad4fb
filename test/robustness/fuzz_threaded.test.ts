/**
 * The fuzzer's threaded-decode check (scripts/fuzz/targets.mjs, a quarter of the decode target's cases
 * and every replayed file): decodeAsync with `threads: 2` must give what decode() gave — the same
 * image sample for sample, or a refusal where decode() refuses. Here that check is shown to catch a
 * difference, a refusal of one side only and an untyped error (a stand-in library), and to pass on a
 * real image that is split into two row bands (the built library).
 *
 * The fuzzer's modules are plain JavaScript; they run in a child Node process here.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { REPO_ROOT, TESTDATA } from "../helpers/paths.js";

function runModule(source: string): unknown {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", source], { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000 });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as unknown;
}

const url = (p: string): string => pathToFileURL(join(REPO_ROOT, p)).href;

describe("fuzz: decodeAsync with threads checked against decode()", () => {
  test("a stand-in library: a changed sample, a one-sided refusal or success, an untyped error and a changed partial flag are caught; the same image passes", () => {
    const out = runModule(`
      import { runTarget } from ${JSON.stringify(url("scripts/fuzz/targets.mjs"))};
      class J2kError extends Error { constructor(code, m) { super(m); this.name = "J2kError"; this.code = code; } }
      const image = (change) => {
        const data = new Uint8Array([1, 2, 3, 4, 5, 6]);
        const img = { width: 3, height: 2, components: 1, bitDepth: 8, signed: false, layout: "interleaved", partial: false, warnings: [], data };
        change?.(img);
        return img;
      };
      const lib = (one, threaded) => ({
        J2kError,
        isJ2kError: (e) => e instanceof J2kError,
        decode: () => one(),
        decodeAsync: async (_b, o) => { if (o.threads !== 2) throw new Error("threads not passed"); return threaded(); },
      });
      const run = (l) => runTarget(l, "decode", new Uint8Array(8), { threads: 2, decode: { allowPartial: true } });
      const refuse = () => { throw new J2kError("BAD_SIZ", "no"); };
      const rows = {
        same: await run(lib(() => image(), () => image())),
        sample: await run(lib(() => image(), () => image((i) => { i.data[4] = 9; }))),
        partial: await run(lib(() => image(), () => image((i) => { i.partial = true; }))),
        threadedRefuses: await run(lib(() => image(), refuse)),
        threadedDecodes: await run(lib(refuse, () => image())),
        bothRefuse: await run(lib(refuse, refuse)),
        untyped: await run(lib(() => image(), () => { throw new RangeError("offset out of bounds"); })),
        internal: await run(lib(() => image(), () => { throw new J2kError("INTERNAL", "trap"); })),
      };
      console.log(JSON.stringify(rows));
    `) as Record<string, { outcome: string; message?: string; code?: string; detail?: string }>;
    expect(out.same).toMatchObject({ outcome: "ok", detail: "3x2x1, threads 2 the same" });
    expect(out.sample).toMatchObject({ outcome: "invalid", message: "decodeAsync threads 2 differs from decode(): samples differ" });
    expect(out.partial).toMatchObject({ outcome: "invalid", message: "decodeAsync threads 2 differs from decode(): partial true vs false" });
    expect(out.threadedRefuses?.outcome).toBe("invalid");
    expect(out.threadedRefuses?.message).toMatch(/^decodeAsync threads 2 refused \(BAD_SIZ/);
    expect(out.threadedDecodes?.outcome).toBe("invalid");
    expect(out.threadedDecodes?.message).toMatch(/^decodeAsync threads 2 decoded what decode\(\) refused \(BAD_SIZ/);
    expect(out.bothRefuse).toMatchObject({ outcome: "error", code: "BAD_SIZ" });
    expect(out.untyped).toMatchObject({ outcome: "untyped", code: "RangeError" });
    expect(out.internal).toMatchObject({ outcome: "internal", code: "INTERNAL" });
  });

  test("the built library: a 512-row image decoded in two row bands (a worker took one) is the same as decode()", () => {
    const out = runModule(`
      import { readFileSync } from "node:fs";
      import { runTarget } from ${JSON.stringify(url("scripts/fuzz/targets.mjs"))};
      import * as lib from ${JSON.stringify(url("scripts/fuzz/library.mjs"))};
      const { workerPoolInfo } = await import(${JSON.stringify(url("dist/index.js"))});
      const bytes = new Uint8Array(readFileSync(${JSON.stringify(join(TESTDATA, "medical_raw/CT1.j2k"))}));
      const before = workerPoolInfo().jobsDone;
      const r = await runTarget(lib, "decode", bytes, { threads: 2, decode: {} });
      const jobs = workerPoolInfo().jobsDone - before;
      lib.terminateWorkers();
      console.log(JSON.stringify({ r, jobs }));
    `) as { r: { outcome: string; detail?: string }; jobs: number };
    expect(out.r).toMatchObject({ outcome: "ok", detail: "512x512x1, threads 2 the same" });
    expect(out.jobs).toBeGreaterThanOrEqual(1);
  });
});
