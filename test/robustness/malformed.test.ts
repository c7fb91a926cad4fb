/**
 * Every file in ../shared/testdata/malformed (openjpeg/ and jpylyzer/) gives the outcome the README
 * expects, within bounded time and memory:
 *
 * - malformed/openjpeg: every file is listed with `!` upstream ("REJECT gracefully") → decode()
 *   must throw a J2kError;
 * - malformed/jpylyzer: "whether it decodes partially or rejects is a policy choice" → a J2kError
 *   or a valid image.
 *
 * In all cases: never a non-J2kError and never J2kError INTERNAL (a WebAssembly trap: the core
 * promises that corrupt data never traps), each call under 5 s (a bound, not a benchmark), and the
 * process RSS never more than 1 GiB above where it started. `limits.maxMemory` is set to 512 MiB
 * so that declared sizes are refused rather than attempted. Every file is also tried with
 * `allowPartial: true` (J2kError or valid image) and with readHeader (J2kError or a header).
 */
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isJ2kError, readHeader } from "../../src/index.js";
import type { Limits } from "../../src/types.js";
import { describeError } from "../helpers/decoded.js";
import { decodeHostile, GIB, rss } from "../helpers/hostile.js";
import { readTestdata, testdataPath } from "../helpers/paths.js";
import { readTestdataReadme, unquote } from "../helpers/readme_tables.mjs";

const LIMITS: Limits = { maxMemory: 512 * 2 ** 20 };
const BOUND_MS = 5000;

const tables = readTestdataReadme(testdataPath("README.md"));
const readmeRow = (folder: string, name: string) => {
  const t = tables.find((x) => x.folder === folder);
  return t?.rows.find((r) => unquote(r[t.columns[0]!]!) === name);
};

const groups = [
  { folder: "malformed/openjpeg", policy: "reject" as const },
  { folder: "malformed/jpylyzer", policy: "either" as const },
];

let baseline = 0;
let peak = 0;
const log: string[] = [];
beforeAll(() => {
  baseline = rss();
  peak = baseline;
});

// Control: the same decode path accepts a valid file, so rejections below mean something (a
// decoder that rejects everything must not pass this suite). Every test below checks it too.
const control = () => decodeHostile(readTestdata("conformance/part4_j2k/p0_01.j2k"), { limits: LIMITS });
let controlOutcome: ReturnType<typeof control> | undefined;
const expectControl = () => {
  controlOutcome ??= control();
  expect(controlOutcome, `control decode of p0_01.j2k: ${controlOutcome.detail}`).toMatchObject({ kind: "image", detail: "128x128x1" });
};
test("control: a valid codestream decodes through the same path", () => expectControl());

for (const { folder, policy } of groups) {
  describe(folder, () => {
    const files = readdirSync(testdataPath(folder)).sort();
    test("README lists every file with the expected outcome", () => {
      for (const f of files) {
        const row = readmeRow(folder, f);
        expect(row, `${folder}/${f} in README`).toBeDefined();
        if (policy === "reject") expect(row!.expected, `${f} expected column`).toMatch(/REJECT/);
      }
    });
    for (const f of files) {
      test(`${f} (${policy === "reject" ? "J2kError" : "J2kError or image"})`, () => {
        expectControl();
        const bytes = readTestdata(`${folder}/${f}`);
        const strict = decodeHostile(bytes, { limits: LIMITS });
        const partial = decodeHostile(bytes, { limits: LIMITS, allowPartial: true });
        let header: string;
        try {
          const h = readHeader(bytes);
          header = `header ${h.width}x${h.height}x${h.components}`;
        } catch (e) {
          header = isJ2kError(e) && e.code !== "INTERNAL" ? `header ${e.code}` : `header VIOLATION ${describeError(e)}`;
        }
        peak = Math.max(peak, rss());
        log.push(`${folder}/${f}: ${strict.kind} ${strict.detail} (${strict.ms.toFixed(0)} ms CPU); allowPartial: ${partial.kind} ${partial.detail}; ${header}`);

        expect(strict.kind, strict.detail).not.toBe("violation");
        expect(partial.kind, `allowPartial: ${partial.detail}`).not.toBe("violation");
        expect(header).not.toMatch(/VIOLATION/);
        if (policy === "reject") expect(strict.kind, `README expects a rejection, got ${strict.detail}`).toBe("error");
        expect(strict.ms, "decode time bound").toBeLessThan(BOUND_MS);
        expect(partial.ms, "allowPartial decode time bound").toBeLessThan(BOUND_MS);
        expect(rss() - baseline, "RSS growth").toBeLessThan(GIB);
      });
    }
  });
}

afterAll(() => {
  console.log(["", `Malformed files (RSS growth peak ${((peak - baseline) / 2 ** 20).toFixed(0)} MiB):`, ...log.map((l) => "  " + l)].join("\n"));
});
