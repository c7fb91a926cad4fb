/**
 * Neither the core (codec/) nor the library (src/) has an import cycle: rate control, the T2 size
 * measurement, codestream writing and the encoder are separate modules in the core, and in the
 * library the decode plan (limits, request checks) is shared by decode.ts, header.ts and the strip
 * decoder instead of those importing each other.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { REPO_ROOT } from "../helpers/paths.js";
import { importCycles, importGraph } from "../helpers/import_graph.js";

describe("import graphs", () => {
  test("the cycle finder finds a cycle when there is one (a → b → a)", () => {
    const graph = new Map([
      ["/r/a.ts", ["/r/b.ts"]],
      ["/r/b.ts", ["/r/a.ts"]],
      ["/r/c.ts", ["/r/a.ts"]],
    ]);
    expect(importCycles("/r", graph)).toEqual(["a.ts → b.ts → a.ts"]);
  });

  test("codec/ has no cycle", () => {
    const root = join(REPO_ROOT, "codec");
    const graph = importGraph(root);
    expect(graph.get(join(root, "rate", "pcrd.ts")), "codec/rate/pcrd.ts is parsed").toBeDefined();
    expect(graph.get(join(root, "encoder.ts"))!.length, "codec/encoder.ts imports are parsed").toBeGreaterThan(3);
    expect(importCycles(root, graph)).toEqual([]);
  });

  test("src/ has no cycle", () => {
    const root = join(REPO_ROOT, "src");
    const graph = importGraph(root);
    expect(graph.get(join(root, "decode.ts"))!.length, "src/decode.ts imports are parsed").toBeGreaterThan(3);
    expect(importCycles(root, graph)).toEqual([]);
  });
});
