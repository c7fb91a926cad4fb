#!/usr/bin/env node
// Thin launcher so `npx j2kit` works right after `npm ci` (the build runs in `prepare`).
import { main } from "../dist/cli/main.js";

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`j2kit: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
