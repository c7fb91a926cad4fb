// Every PGX/PNM reference file of ../shared/testdata (and the benchcorpus images) parsed with
// src/io, checked against what ../shared/testdata/README.md and ../shared/benchcorpus/README.md say
// about it (size, components, precision, sign).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readPgx } from "../../src/io/pgx.js";
import { readPnm } from "../../src/io/pnm.js";
import { readRaw } from "../../src/io/raw.js";

const TESTDATA = "../shared/testdata";
const BENCH = "../shared/benchcorpus";
const readme = readFileSync(`${TESTDATA}/README.md`, "utf8");
const bytesOf = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

interface PgxFact { width: number; height: number; bitDepth: number; signed: boolean }

/** `| \`c1p0_01_0.pgx\` | ... 128x128, unsigned 8-bit ...` rows of both PGX reference tables. */
function pgxFacts(): Map<string, PgxFact> {
  const facts = new Map<string, PgxFact>();
  const row = /^\| `(c[01]p[01]_\d+(?:_\d+|r\d)?\.pgx)` \|.*?(\d+)x(\d+), (signed|unsigned) (\d+)-bit/gm;
  for (const m of readme.matchAll(row)) {
    facts.set(m[1]!, { width: Number(m[2]), height: Number(m[3]), signed: m[4] === "signed", bitDepth: Number(m[5]) });
  }
  return facts;
}

interface PnmFact { components: number; width: number; height: number; maxval: number }

/** `\`a1_mono.ppm\` (PGM (1 channel) 303x179 maxval 255 (8-bit))` and `| \`x.ppm\` | size | ... | PPM (3 channels) WxH maxval M` */
function pnmFacts(): Map<string, PnmFact> {
  const facts = new Map<string, PnmFact>();
  const inline = /`(\w+\.p[gp]m)` \((PGM \(1 channel\)|PPM \(3 channels\)|P2) (\d+)x(\d+) maxval (\d+)/g;
  for (const m of readme.matchAll(inline)) {
    facts.set(m[1]!, { components: m[2]!.startsWith("PPM") ? 3 : 1, width: Number(m[3]), height: Number(m[4]), maxval: Number(m[5]) });
  }
  const rows = /^\| `(\w+\.p[gp]m)` \| \d+ \|.*?\| (PGM \(1 channel\)|PPM \(3 channels\)) (\d+)x(\d+) maxval (\d+)/gm;
  for (const m of readme.matchAll(rows)) {
    facts.set(m[1]!, { components: m[2]!.startsWith("PPM") ? 3 : 1, width: Number(m[3]), height: Number(m[4]), maxval: Number(m[5]) });
  }
  return facts;
}

const PGX_DIRS = ["conformance/part4_j2k_ref", "conformance/part4_j2k_ref_class0"];
const PNM_DIRS = ["conformance/kakadu_j2c", "conformance/richter_jp2", "htj2k", "encoder"];

describe("reference files of ../shared/testdata", () => {
  it("the README tables were found (the test cannot pass vacuously)", () => {
    expect(pgxFacts().size).toBeGreaterThanOrEqual(50);
    expect(pnmFacts().size).toBeGreaterThanOrEqual(15);
  });

  it("parses every PGX reference with the size, depth and sign the README gives", () => {
    const facts = pgxFacts();
    let checked = 0;
    for (const dir of PGX_DIRS) {
      for (const name of readdirSync(`${TESTDATA}/${dir}`).filter((f) => f.endsWith(".pgx"))) {
        const fact = facts.get(name);
        expect(fact, `${name} is described in the README`).toBeDefined();
        const bytes = bytesOf(`${TESTDATA}/${dir}/${name}`);
        const pgx = readPgx(bytes);
        expect({ width: pgx.width, height: pgx.height, bitDepth: pgx.bitDepth, signed: pgx.signed }, name).toEqual(fact);
        // The raster fills the rest of the file exactly (header line + width*height samples).
        const headerLength = bytes.indexOf(0x0a) + 1;
        const bps = pgx.bitDepth <= 8 ? 1 : pgx.bitDepth <= 16 ? 2 : 4;
        expect(bytes.length, name).toBe(headerLength + pgx.width * pgx.height * bps);
        expect(pgx.data.length).toBe(pgx.width * pgx.height);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(50);
  });

  it("parses every PGM/PPM reference (including the plain P2 b2_mono.ppm) as the README describes it", () => {
    const facts = pnmFacts();
    let checked = 0;
    for (const dir of PNM_DIRS) {
      if (!existsSync(`${TESTDATA}/${dir}`)) continue;
      for (const name of readdirSync(`${TESTDATA}/${dir}`).filter((f) => /\.p[gp]m$/.test(f))) {
        const fact = facts.get(name);
        expect(fact, `${name} is described in the README`).toBeDefined();
        const img = readPnm(bytesOf(`${TESTDATA}/${dir}/${name}`));
        expect({ components: img.components, width: img.width, height: img.height, maxval: 2 ** img.bitDepth - 1 }, name).toEqual(fact);
        expect(img.data.length).toBe(img.width * img.height * img.components);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it("reads the plain P2 reference sample by sample", () => {
    // b2_mono.ppm is plain text: count its decimal tokens after the 4 header fields independently.
    const bytes = bytesOf(`${TESTDATA}/conformance/kakadu_j2c/b2_mono.ppm`);
    const text = new TextDecoder().decode(bytes).replace(/#[^\n]*\n/g, "\n");
    const tokens = text.trim().split(/\s+/).slice(4).map(Number);
    const b2 = readPnm(bytes);
    expect(tokens.length).toBe(b2.width * b2.height);
    for (let i = 0; i < tokens.length; i++) if (b2.data[i] !== tokens[i]) throw new Error(`sample ${i}: ${b2.data[i]} vs ${tokens[i]}`);
  });
});

describe("benchcorpus images", () => {
  it("reads the Kodak PPM, the 14-bit CT and the 12-bit radiograph with their documented geometry", () => {
    const kodim = readPnm(bytesOf(`${BENCH}/kodim03.ppm`));
    expect([kodim.width, kodim.height, kodim.components, kodim.bitDepth]).toEqual([768, 512, 3, 8]);
    const ct = readPnm(bytesOf(`${BENCH}/ct_693_512x512_14bit.pgm`));
    expect([ct.width, ct.height, ct.components, ct.bitDepth]).toEqual([512, 512, 1, 14]);
    expect(ct.data).toBeInstanceOf(Uint16Array);
    const dx = readPnm(bytesOf(`${BENCH}/dx_chest_966_2000x2128_12bit.pgm`));
    expect([dx.width, dx.height, dx.components, dx.bitDepth]).toEqual([2000, 2128, 1, 12]);
  });

  it("the CT PGM read as signed equals the signed little-endian raw twin (values -2000..2492)", () => {
    const pgm = readPnm(bytesOf(`${BENCH}/ct_693_512x512_14bit.pgm`), { signed: true });
    const raw = readRaw(bytesOf(`${BENCH}/ct_693_512x512_s16le.raw`), {
      width: 512, height: 512, bitDepth: 16, signed: true, littleEndian: true,
    });
    expect(pgm.signed).toBe(true);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < pgm.data.length; i++) {
      if (pgm.data[i] !== raw.data[i]) throw new Error(`sample ${i}: PGM ${pgm.data[i]} vs raw ${raw.data[i]}`);
      min = Math.min(min, pgm.data[i]!);
      max = Math.max(max, pgm.data[i]!);
    }
    expect([min, max]).toEqual([-2000, 2492]);
  });
});
