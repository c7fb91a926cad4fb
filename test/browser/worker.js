/**
 * A dedicated module Web Worker for browser.test.ts: uses j2kit the way an application's own
 * worker would — synchronously, without init() — and answers one message with the check results.
 */
import * as lib from "../../dist/index.js";
import * as pool from "../../dist/worker/pool.js";
import { runLibraryChecks } from "./checks.js";

self.onmessage = async () => {
  try {
    const result = await runLibraryChecks({ lib, pool, base: self.location.origin, callInit: false });
    self.postMessage({ ok: true, result });
  } catch (e) {
    self.postMessage({ ok: false, error: String(e?.stack ?? e) });
  }
};
