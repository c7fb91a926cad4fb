/**
 * What a user downloads: `npm pack --dry-run` (scripts ignored, nothing is built here; `npm test`'s
 * pretest keeps dist/ current) lists the files of the tarball. Checks the file list, the size, the
 * exports map against the files, the licence, and that dcmjs/pako are optional: the main entry loads
 * without them and `j2kit/dicom` reports a J2kError naming the package to install.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  license: string;
  exports: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

interface PackResult {
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}
const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as PackResult[];
const pack = packed[0]!;
const paths = pack.files.map((f) => f.path);

describe("npm pack: what a user downloads", () => {
  test("only the library, its types, the release WebAssembly builds, the CLI launcher, README and LICENSE", () => {
    const allowed = [/^dist\/.+\.(js|d\.ts)$/, /^wasm\/j2kit(\.simd)?\.wasm$/, /^wasm\/embedded\.(js|d\.ts)$/, /^bin\/j2kit\.js$/, /^README\.md$/, /^LICENSE$/, /^package\.json$/];
    expect(paths.filter((p) => !allowed.some((re) => re.test(p)))).toEqual([]);
    for (const need of ["dist/index.js", "dist/index.d.ts", "dist/dicom/index.js", "wasm/j2kit.wasm", "wasm/j2kit.simd.wasm", "wasm/embedded.js", "bin/j2kit.js", "LICENSE"]) {
      expect(paths, need).toContain(need);
    }
  });

  test("no tests, sources, source maps or debug build", () => {
    expect(paths.filter((p) => /^(test|src|codec|bench|scripts|demo)\/|\.map$|debug|\.test\./.test(p))).toEqual([]);
  });

  // the packed budget was 1 MiB until 2026-12-06, when the row-streamed forward DWT (with the
  // two-pass level kept as its fallback), exact small-block energies and strip decoding of threaded
  // bands took the two embedded and two plain WebAssembly builds to ~1.01 MiB packed
  test("size stays bounded (< 1.125 MiB packed, < 4 MiB unpacked)", () => {
    console.log(`npm pack: ${paths.length} files, ${(pack.size / 1024).toFixed(0)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
    expect(pack.size).toBeLessThan(1.125 * (1 << 20));
    expect(pack.unpackedSize).toBeLessThan(4 << 20);
  });

  test("every target of the exports map is in the package (wasm files included)", () => {
    const targets = Object.values(pkg.exports).flatMap((v) => (typeof v === "string" ? [v] : Object.values(v)));
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(["./wasm/j2kit.wasm", "./wasm/j2kit.simd.wasm"]));
    for (const t of targets) expect(paths, t).toContain(t.replace(/^\.\//, ""));
  });

  test("LICENSE is the BSD 2-Clause text package.json names", () => {
    expect(pkg.license).toBe("BSD-2-Clause");
    const text = readFileSync(join(root, "LICENSE"), "utf8");
    expect(text).toMatch(/^BSD 2-Clause License/);
    expect(text).toMatch(/Copyright \(c\) 2026, the j2kit authors/);
  });

  test("dcmjs and pako are optional peer dependencies, not dependencies", () => {
    expect(pkg.dependencies ?? {}).not.toHaveProperty("dcmjs");
    expect(pkg.dependencies ?? {}).not.toHaveProperty("pako");
    for (const name of ["dcmjs", "pako"]) {
      expect(pkg.peerDependencies).toHaveProperty(name);
      expect(pkg.peerDependenciesMeta?.[name]?.optional).toBe(true);
    }
  });
});

describe("installed without the optional peers", () => {
  // A copy of the packaged files under node_modules/j2kit of an app that has no dcmjs or pako
  // (copies, not links: Node resolves a linked file's imports from its real location).
  const dir = mkdtempSync(join(tmpdir(), "j2kit-pack-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const install = (): void => {
    const target = join(dir, "node_modules", "j2kit");
    mkdirSync(target, { recursive: true });
    for (const p of paths) {
      mkdirSync(join(target, p, ".."), { recursive: true });
      cpSync(join(root, p), join(target, p));
    }
  };
  install();
  const run = (code: string) => spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: dir, encoding: "utf8" });

  test("the main entry decodes without dcmjs/pako", () => {
    const r = run(`import { encode, decode } from "j2kit"; const d = decode(encode({ width: 2, height: 1, components: 1, bitDepth: 8, signed: false, data: new Uint8Array([0, 255]) })); console.log(JSON.stringify(Array.from(d.data)));`);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("[0,255]");
  });

  test("import('j2kit/dicom') fails with J2kError MISSING_DEPENDENCY naming the package", () => {
    const r = run(`try { await import("j2kit/dicom"); console.log("loaded"); } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`);
    const out = JSON.parse(r.stdout.trim()) as { name: string; code: string; message: string };
    expect(out.code).toBe("MISSING_DEPENDENCY");
    expect(out.name).toBe("J2kError");
    expect(out.message).toMatch(/npm install dcmjs/);
  });

  test("with dcmjs and pako installed next to it, j2kit/dicom loads", () => {
    for (const name of ["dcmjs", "pako"]) symlinkSync(join(root, "node_modules", name), join(dir, "node_modules", name), "dir");
    const r = run(`const m = await import("j2kit/dicom"); console.log(typeof m.transcode);`);
    expect(r.stdout.trim(), r.stderr).toBe("function");
  });
});
