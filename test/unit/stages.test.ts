/**
 * Stage timers (codec/util/stages.ts) exist only in the `stages` build: the release and SIMD builds
 * must not import the timer hook (the calls compile to nothing there).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/paths.js";

const importsOf = (file: string): string[] =>
  WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(join(REPO_ROOT, "wasm", file)))).map((i) => `${i.module}.${i.name}`);

describe("stage timers", () => {
  it("the release and SIMD builds import no stage timer", () => {
    for (const f of ["j2kit.wasm", "j2kit.simd.wasm"]) {
      const imports = importsOf(f);
      expect(imports, f).toContain("env.j2kFail");
      expect(imports, f).not.toContain("env.j2kStage");
    }
  });
});
