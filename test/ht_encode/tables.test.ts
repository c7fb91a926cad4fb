/**
 * The HT encoder's VLC look-up tables (codec/t1/ht_encoder_tables.ts) are what their generator makes
 * from the Annex C code list the decoder's tables come from, and every entry is a codeword of that
 * list whose EMB patterns fit the quad it is chosen for (e_1 = e_k & emb).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { CODES0, CODES1 } from "../../codec/t1/ht_vlc_codes.mjs";
import { REPO_ROOT } from "../helpers/paths.js";

function table(name: string): number[] {
  const text = readFileSync(`${REPO_ROOT}/codec/t1/ht_encoder_tables.ts`, "utf8");
  const m = new RegExp(`export const ${name}: usize = memory.data<u16>\\(\\[([^\\]]*)\\]`).exec(text);
  return m![1]!.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
}

describe("HT encoder tables", () => {
  test("codec/t1/ht_encoder_tables.ts is up to date with its generator", () => {
    const r = spawnSync(process.execPath, ["codec/t1/gen_ht_encoder_tables.mjs", "--check"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });

  for (const [name, codes] of [["HT_ENC_VLC0", CODES0], ["HT_ENC_VLC1", CODES1]] as const) {
    test(`${name}: each entry is a codeword of its context whose EMB patterns fit`, () => {
      const t = table(name);
      expect(t.length).toBe(4096);
      let filled = 0;
      t.forEach((e, i) => {
        if (e === 0) return;
        filled++;
        const c = i >> 9, rho = (i >> 5) & 15, uoff = (i >> 4) & 1, emb = i & 15;
        const len = e & 7, cwd = (e >> 3) & 0x7f, ek = e >> 12;
        const row = codes.find((r) => r[0] === c && r[5] === cwd && r[6] === len);
        expect(row, `entry ${i}`).toBeDefined();
        expect([row![1], row![2], row![3]]).toEqual([rho, uoff, ek]);
        expect(row![4]).toBe(ek & emb);
      });
      expect(filled).toBeGreaterThan(1000);
    });
  }
});
