/**
 * The built library's modules that the threaded-decoding suites (test/threads/decode_split.test.ts,
 * shared_bands.test.ts) reach into, loaded from dist/ (the same module instances the library uses),
 * and a sample-by-sample comparison.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { REPO_ROOT } from "./paths.js";

type Lib = typeof import("../../src/index.js");
type Threads = typeof import("../../src/worker/threads.js");
type Split = typeof import("../../src/worker/split_decode.js");
type Load = typeof import("../../src/wasm/load.js");
type Shared = typeof import("../../src/worker/shared_band.js");

/** dist/index.js, worker/threads.js, worker/split_decode.js, wasm/load.js and worker/shared_band.js of the build. */
export async function splitModules(): Promise<{ lib: Lib; th: Threads; split: Split; load: Load; sb: Shared }> {
  const dist = join(REPO_ROOT, "dist/index.js");
  expect(existsSync(dist), "dist/ is built (npm test runs the build first)").toBe(true);
  return {
    lib: (await import(dist)) as Lib,
    th: (await import(join(REPO_ROOT, "dist/worker/threads.js"))) as Threads,
    split: (await import(join(REPO_ROOT, "dist/worker/split_decode.js"))) as Split,
    load: (await import(join(REPO_ROOT, "dist/wasm/load.js"))) as Load,
    sb: (await import(join(REPO_ROOT, "dist/worker/shared_band.js"))) as Shared,
  };
}

/** Same length and every sample equal. */
export function sameSamples(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
