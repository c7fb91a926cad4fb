/**
 * The fuzzer's own case generation (scripts/fuzz.mjs makeCase and the mutators of scripts/fuzz/)
 * must never throw: an exception there ends a whole campaign (it did: a 15-minute header campaign
 * stopped after 8,618 cases on "Cannot read properties of undefined (reading 'at')" when a
 * duplicated SOT sat right after SOC, so the main header had no marker segment to insert before).
 *
 * The mutators are plain JavaScript modules of the fuzzer; they run in a child Node process here.
 */
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import { REPO_ROOT, readTestdata } from "../helpers/paths.js";

function runModule(source: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", source], { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const url = (p: string): string => pathToFileURL(join(REPO_ROOT, p)).href;

describe("fuzz case generation", () => {
  test("mutateCodestream on a codestream whose first marker after SOC is a SOT (no main-header segment to insert before)", () => {
    // p0_01.j2k with a copy of its first SOT segment (12 bytes) right after SOC
    const src = readTestdata("conformance/part4_j2k/p0_01.j2k");
    let sot = -1;
    for (let i = 2; i + 1 < src.length; i++) {
      if (src[i] === 0xff && src[i + 1] === 0x90) {
        sot = i;
        break;
      }
    }
    expect(sot).toBeGreaterThan(2);
    const bytes = new Uint8Array(src.length + 12);
    bytes.set(src.subarray(0, 2), 0);
    bytes.set(src.subarray(sot, sot + 12), 2);
    bytes.set(src.subarray(2), 14);
    const r = runModule(`
      import { mutateCodestream } from ${JSON.stringify(url("scripts/fuzz/mutate_codestream.mjs"))};
      import { Prng } from ${JSON.stringify(url("scripts/fuzz/prng.mjs"))};
      const bytes = Uint8Array.from(${JSON.stringify([...bytes])});
      const errors = [];
      let inserts = 0;
      for (let i = 0; i < 400; i++) {
        try {
          const m = mutateCodestream(bytes, Prng.forCase("sot-first", i));
          if (/^insert .* in main header/.test(m.what ?? "")) inserts++;
        } catch (e) {
          errors.push(i + ": " + e.message);
        }
      }
      console.log(JSON.stringify({ errors, inserts }));
    `);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { errors: string[]; inserts: number };
    expect(out.errors).toEqual([]);
    // the path that used to throw was taken
    expect(out.inserts).toBeGreaterThan(0);
  });

  test("walkDicom/mutateDicom on a file whose Transfer Syntax UID claims 775 MB (VR changed to UN): no exception", () => {
    // a dicom campaign stopped on "Maximum call stack size exceeded" when an earlier mutation made the
    // (0002,0010) length huge and the walker spread the whole claimed value into String.fromCharCode
    const src = readTestdata("dicom/MR2_UNCR.dcm");
    const bytes = src.slice();
    let at = -1;
    for (let i = 132; i + 8 < bytes.length; i += 2) {
      if (bytes[i] === 0x02 && bytes[i + 1] === 0x00 && bytes[i + 2] === 0x10 && bytes[i + 3] === 0x00 && bytes[i + 4] === 0x55 && bytes[i + 5] === 0x49) {
        at = i;
        break;
      }
    }
    expect(at, "(0002,0010) UI found in the meta group").toBeGreaterThan(0);
    bytes[at + 4] = 0x55; // "UN": a long VR, so the length is the 4 bytes after 2 reserved ones
    bytes[at + 5] = 0x4e;
    const dir = mkdtempSync(join(tmpdir(), "j2kit-mutators-"));
    const file = join(dir, "huge-ts.dcm");
    writeFileSync(file, bytes);
    const r = runModule(`
      import { walkDicom, mutateDicom } from ${JSON.stringify(url("scripts/fuzz/mutate_dicom.mjs"))};
      import { Prng } from ${JSON.stringify(url("scripts/fuzz/prng.mjs"))};
      import { readFileSync } from "node:fs";
      const bytes = new Uint8Array(readFileSync(${JSON.stringify(file)}));
      const errors = [];
      let claimed = 0;
      try {
        const w = walkDicom(bytes);
        claimed = w.items.find((e) => e.tag === 0x00020010)?.length ?? 0;
      } catch (e) {
        errors.push("walk: " + e.message);
      }
      for (let i = 0; i < 200; i++) {
        try {
          mutateDicom(bytes, Prng.forCase("huge-ts", i));
        } catch (e) {
          errors.push(i + ": " + e.message);
        }
      }
      console.log(JSON.stringify({ errors, claimed }));
    `);
    expect(r.stderr).toBe("");
    rmSync(dir, { recursive: true, force: true });
    const out = JSON.parse(r.stdout) as { errors: string[]; claimed: number };
    expect(out.claimed).toBeGreaterThan(1e8);
    expect(out.errors).toEqual([]);
  });

  test("mutateJpeg reaches every kind of mutation and each changes the file", () => {
    const r = runModule(`
      import { mutateJpeg, jpegSegments } from ${JSON.stringify(url("scripts/fuzz/mutate_jpeg.mjs"))};
      import { jpegSeeds } from ${JSON.stringify(url("scripts/fuzz/seeds.mjs"))};
      import { Prng } from ${JSON.stringify(url("scripts/fuzz/prng.mjs"))};
      const seed = (await jpegSeeds()).find((s) => s.name.includes("64x48x3"));
      const kinds = {};
      let unchanged = 0;
      for (let i = 0; i < 600; i++) {
        const m = mutateJpeg(seed.bytes, Prng.forCase("jpeg-kinds", i));
        if (!m.what) continue;
        const kind = /^(0xffc0|0xffc4|0xffdb|0xffda|0xffdd)\\.L /.test(m.what) ? "length" : /^0xff..\\./.test(m.what) ? "field" : m.what.split(" ")[0];
        kinds[kind] = (kinds[kind] ?? 0) + 1;
        if (m.bytes.length === seed.bytes.length && m.bytes.every((b, k) => b === seed.bytes[k])) unchanged++;
      }
      const markers = jpegSegments(seed.bytes).map((s) => s.marker.toString(16));
      console.log(JSON.stringify({ kinds, unchanged, markers }));
    `);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { kinds: Record<string, number>; unchanged: number; markers: string[] };
    // the parser finds the header segments the encoder writes (B.2: SOF0, DHT, DQT, SOS)
    for (const m of ["c0", "c4", "db", "da"]) expect(out.markers).toContain(m);
    for (const k of ["field", "length", "drop", "repeat", "move", "SOF", "insert"]) expect(out.kinds[k] ?? 0, `${k}: ${JSON.stringify(out.kinds)}`).toBeGreaterThan(0);
    // a field set to the value it had is allowed now and then, not as a rule
    expect(out.unchanged).toBeLessThan(60);
  });

  test("makeCase() of every target: 300 cases each without an exception", () => {
    const r = runModule(`
      import { makeCase } from ${JSON.stringify(url("scripts/fuzz.mjs"))};
      import { jpegSeeds, seedsFor } from ${JSON.stringify(url("scripts/fuzz/seeds.mjs"))};
      const errors = [];
      for (const target of ["decode", "header", "dicom", "jp2", "jpeg"]) {
        const seeds = target === "jpeg" ? await jpegSeeds() : seedsFor(target);
        for (let i = 0; i < 300; i++) {
          try {
            makeCase(target, seeds, "mutators", i);
          } catch (e) {
            errors.push(target + " case " + i + ": " + e.message);
          }
        }
      }
      console.log(JSON.stringify({ errors }));
    `);
    expect(r.stderr).toBe("");
    expect((JSON.parse(r.stdout) as { errors: string[] }).errors).toEqual([]);
  });
});
