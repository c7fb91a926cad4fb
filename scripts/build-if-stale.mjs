// `npm test`'s pretest step: rebuild only what is older than its sources, so `npm ci && npm test`
// builds once (in `prepare`) while a test run after editing codec/ or src/ still sees the change.
// Compares modification times: the newest input of each half against the oldest of its outputs.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Newest modification time (ms) under the given files/folders (only files ending in one of `exts`). */
function newest(paths, exts) {
  let t = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const e of readdirSync(p)) visit(join(p, e));
    } else if (exts.some((x) => p.endsWith(x))) {
      t = Math.max(t, s.mtimeMs);
    }
  };
  for (const p of paths) visit(join(root, p));
  return t;
}

/** Oldest modification time of the outputs, or -Infinity when one is missing. */
function oldest(paths) {
  let t = Infinity;
  for (const p of paths) {
    const full = join(root, p);
    if (!existsSync(full)) return -Infinity;
    t = Math.min(t, statSync(full).mtimeMs);
  }
  return t;
}

const wasmInputs = newest(["codec", "asconfig.json", "scripts/embed-wasm.mjs", "node_modules/assemblyscript/package.json"], [".ts", ".json", ".mjs"]);
const wasmOutputs = oldest(["wasm/j2kit.wasm", "wasm/j2kit.simd.wasm", "wasm/embedded.js", "wasm/embedded.d.ts"]);
const tsInputs = newest(["src", "tsconfig.json", "tsconfig.build.json", "wasm/embedded.d.ts"], [".ts", ".json"]);

function run(script) {
  console.log(`build-if-stale: npm run ${script}`);
  const r = spawnSync("npm", ["run", script], { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

let built = false;
if (wasmInputs > wasmOutputs) {
  run("build:wasm");
  built = true;
}
// tsc (not incremental) rewrites every output, so dist/index.js is as old as the last build
if (built || tsInputs > oldest(["dist/index.js", "dist/dicom/index.js"])) run("build:ts");
else console.log("build-if-stale: wasm/ and dist/ are up to date");
