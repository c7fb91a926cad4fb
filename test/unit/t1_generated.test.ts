// The hot EBCOT passes are generated (codec/t1/gen_passes.mjs); the checked-in files must match
// what the generator produces, so an edit of one without the other cannot slip through.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { generate } from "../../codec/t1/gen_passes.mjs";

const T1 = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "codec", "t1");

describe("generated EBCOT passes", () => {
  it("are up to date with codec/t1/gen_passes.mjs", () => {
    const files = generate();
    expect(Object.keys(files).length).toBeGreaterThan(0);
    for (const [name, text] of Object.entries(files)) {
      expect(readFileSync(join(T1, name), "utf8"), `${name}: run node codec/t1/gen_passes.mjs`).toBe(text);
    }
  });
});
