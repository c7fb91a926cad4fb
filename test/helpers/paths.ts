/**
 * Where the shared test data lives. Tests reach it relative to the repository root
 * (`../shared/testdata`, `../shared/benchcorpus`) so a checkout next to `shared/` works anywhere.
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository root (two folders above this file). */
export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** `../shared/testdata` seen from the repository root. */
export const TESTDATA = resolve(REPO_ROOT, "../shared/testdata");

/** `../shared/benchcorpus` seen from the repository root. */
export const BENCHCORPUS = resolve(REPO_ROOT, "../shared/benchcorpus");

/** Absolute path of a file below `../shared/testdata`. */
export function testdataPath(relative: string): string {
  return resolve(TESTDATA, relative);
}

/** Bytes of a file below `../shared/testdata` (a fresh Uint8Array, not a Node Buffer view). */
export function readTestdata(relative: string): Uint8Array {
  return new Uint8Array(readFileSync(testdataPath(relative)));
}
