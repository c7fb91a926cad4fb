/**
 * The HT look-up tables: codec/t1/ht_tables.ts is what codec/t1/gen_ht_tables.mjs makes from the
 * Annex C code list, and that list is a prefix-free code per context that covers every 7-bit
 * window, with e_1 ⊆ e_k ⊆ rho (ISO/IEC 15444-15 7.3.5: only significant samples have known
 * exponent bits) and no rho = 0 codeword in context 0 (that case is signalled by MEL alone).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { CODES0, CODES1 } from "../../codec/t1/ht_vlc_codes.mjs";
import { REPO_ROOT } from "../helpers/paths.js";

describe("HT VLC tables", () => {
  test("codec/t1/ht_tables.ts is up to date with its generator", () => {
    const r = spawnSync(process.execPath, ["codec/t1/gen_ht_tables.mjs", "--check"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });

  for (const [name, codes] of [["initial row", CODES0], ["other rows", CODES1]] as const) {
    test(`${name}: one prefix-free, complete code per context; EMB patterns inside rho`, () => {
      for (let c = 0; c < 8; c++) {
        const ctx = codes.filter((r) => r[0] === c);
        // Kraft sum 1: complete; no codeword is a prefix of another
        expect(ctx.reduce((a, r) => a + 2 ** -r[6], 0), `context ${c}`).toBeCloseTo(1, 12);
        for (const a of ctx) for (const b of ctx) if (a !== b && a[6] <= b[6]) expect((b[5] & ((1 << a[6]) - 1)) === a[5], `context ${c}: ${a} prefixes ${b}`).toBe(false);
      }
      for (const [c, rho, , ek, e1, , len] of codes) {
        expect(e1 & ~ek).toBe(0);
        expect(ek & ~rho).toBe(0);
        expect(len).toBeGreaterThanOrEqual(1);
        expect(len).toBeLessThanOrEqual(7);
        if (c === 0) expect(rho).not.toBe(0);
      }
    });
  }
});
