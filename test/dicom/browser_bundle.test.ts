/**
 * The DICOM layer must work in a browser bundle: the compiled module graph reachable from
 * dist/dicom/index.js (j2kit's own files plus the packages it imports) has no Node built-in import
 * (`node:*`, `fs`, `path`, ...). Uses dist/ as `npm test` builds it (pretest); without a dist/dicom
 * it compiles src/ with tsc into a temporary folder first.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = process.cwd();
const require = createRequire(join(ROOT, "package.json"));
let temp: string | undefined;
afterAll(() => {
  if (temp) rmSync(temp, { recursive: true, force: true });
});

function distRoot(): string {
  if (existsSync(join(ROOT, "dist/dicom/index.js"))) return join(ROOT, "dist");
  temp = mkdtempSync(join(tmpdir(), "j2kit-dist-"));
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json"), "--outDir", temp], {
    cwd: ROOT,
    stdio: "pipe",
  });
  return temp;
}

/** Static `import ... from "x"`, `export ... from "x"`, bare `import "x"` and `import("x")`. */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  for (const re of [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g]) {
    for (const m of code.matchAll(re)) out.push(m[1]!);
  }
  return out;
}

const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(spec.split("/")[0]!);
}

/** The ESM entry file a bare package specifier resolves to (its "import" export or "module" field). */
function packageEntry(spec: string): string {
  const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
  const base = (require.resolve.paths(name) ?? []).find((dir) => existsSync(join(dir, name, "package.json")));
  if (base === undefined) throw new Error(`package ${name} is not installed`);
  const pkgDir = join(base, name);
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const dot = pkg.exports?.["."] ?? pkg.exports;
  const entry = (typeof dot === "object" ? dot.browser ?? dot.import ?? dot.default : dot) ?? pkg.module ?? pkg.browser ?? pkg.main;
  return join(pkgDir, typeof entry === "string" ? entry : entry.default);
}

describe("browser bundle", () => {
  it("src/dicom's compiled module graph imports no Node built-ins", () => {
    const dist = distRoot();
    const seen = new Set<string>();
    const offenders: string[] = [];
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of specifiers(readFileSync(file, "utf8"))) {
        if (isNodeBuiltin(spec)) offenders.push(`${file.replace(ROOT, ".")} imports ${spec}`);
        else if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
        else if (!packages.has(spec)) {
          packages.add(spec);
          visit(packageEntry(spec));
        }
      }
    };
    visit(join(dist, "dicom/index.js"));
    expect(offenders).toEqual([]);
    // The walk really covered the layer, the codec entry and the packages it uses.
    const files = [...seen].map((f) => f.replace(/\\/g, "/"));
    for (const f of ["dicom/transcode.js", "dicom/frames.js", "dicom/part10.js", "/index.js", "wasm/embedded.js"]) {
      expect(files.some((p) => p.endsWith(f)), f).toBe(true);
    }
    expect([...packages].sort()).toEqual(["dcmjs", "pako"]);
  });
});
