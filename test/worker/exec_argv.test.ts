/**
 * Workers start whatever options the host process was started with (src/worker/exec_argv.ts). Node
 * refuses a worker that inherits `--input-type`, which `node --input-type=module -e …` (and scripts
 * piped to node on stdin) have: every j2kit worker failed to start and decodeAsync quietly ran on one
 * thread. Found by the fuzzer's threaded check, whose harness runs that way.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { startNodeWorker, workerExecArgv } from "../../src/worker/exec_argv.js";
import { REPO_ROOT, TESTDATA } from "../helpers/paths.js";

describe("the options workers inherit", () => {
  test("--input-type is dropped in both forms; every other option, -e and its code stay, in order", () => {
    expect(workerExecArgv(["--input-type=module", "-e", "code", "--max-old-space-size=100"])).toEqual(["-e", "code", "--max-old-space-size=100"]);
    expect(workerExecArgv(["--no-liftoff", "--input-type", "commonjs", "--eval", "x"])).toEqual(["--no-liftoff", "--eval", "x"]);
    expect(workerExecArgv(["--no-liftoff", "--expose-gc"])).toEqual(["--no-liftoff", "--expose-gc"]);
    expect(workerExecArgv([])).toEqual([]);
  });

  test("startNodeWorker: no options unless one must go; a refused cleaned list is retried with none; other failures are thrown", () => {
    const seen: Array<{ execArgv?: string[] }> = [];
    const refusing = (refuse: (o: { execArgv?: string[] }) => boolean) =>
      class {
        constructor(_url: URL, o: { execArgv?: string[] }) {
          seen.push(o);
          if (refuse(o)) throw Object.assign(new Error("refused"), { code: "ERR_WORKER_INVALID_EXEC_ARGV" });
        }
      };
    const url = new URL("file:///nowhere.js");
    const saved = [...process.execArgv];
    try {
      process.execArgv.splice(0, process.execArgv.length, "--max-old-space-size=300");
      startNodeWorker(refusing(() => false), url);
      expect(seen.pop()).toEqual({});
      expect(() => startNodeWorker(refusing(() => true), url)).toThrow("refused");
      process.execArgv.splice(0, process.execArgv.length, "--input-type=module", "--max-old-space-size=300");
      seen.length = 0;
      startNodeWorker(refusing((o) => (o.execArgv?.length ?? 0) > 0), url);
      expect(seen).toEqual([{ execArgv: ["--max-old-space-size=300"] }, { execArgv: [] }]);
      seen.length = 0;
      startNodeWorker(refusing(() => false), url);
      expect(seen).toEqual([{ execArgv: ["--max-old-space-size=300"] }]);
    } finally {
      process.execArgv.splice(0, process.execArgv.length, ...saved);
    }
  });

  test("under `node --input-type=module -e` (and with --max-old-space-size), decodeAsync with threads: 2 gets its workers (a band ran in one) and the image decode() gives", () => {
    const dist = pathToFileURL(join(REPO_ROOT, "dist/index.js")).href;
    const file = join(TESTDATA, "medical_raw/CT1.j2k");
    const source = `
      import { readFileSync } from "node:fs";
      const lib = await import(${JSON.stringify(dist)});
      const bytes = new Uint8Array(readFileSync(${JSON.stringify(file)}));
      const one = lib.decode(bytes);
      const two = await lib.decodeAsync(bytes, { threads: 2 });
      const info = lib.workerPoolInfo();
      lib.terminateWorkers();
      console.log(JSON.stringify({ info, execArgv: process.execArgv[0], same: Buffer.from(one.data.buffer).equals(Buffer.from(two.data.buffer)) }));
    `;
    // also with a process-wide option, which Node refuses in a worker's explicit option list
    for (const extra of [[], ["--max-old-space-size=400"]]) {
      const r = spawnSync(process.execPath, ["--input-type=module", ...extra, "-e", source], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
      expect(r.stderr, extra.join(" ")).toBe("");
      const out = JSON.parse(r.stdout) as { info: { available: boolean; jobsDone: number }; execArgv: string; same: boolean };
      expect(out.execArgv).toBe("--input-type=module");
      expect(out.info.available, extra.join(" ")).toBe(true);
      expect(out.info.jobsDone).toBeGreaterThanOrEqual(1);
      expect(out.same).toBe(true);
    }
  });
});
