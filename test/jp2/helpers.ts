/**
 * Test helpers for the JP2 layer: where the shared test data lives, and a tiny independent box
 * builder (written from I.4 for the tests, not using src/jp2) for hand-made files.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** ../shared/testdata, seen from the repository root. */
export const TESTDATA = fileURLToPath(new URL("../../../shared/testdata/", import.meta.url));

/** Bytes of a test file given relative to ../shared/testdata. */
export function testFile(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(TESTDATA, rel)));
}

/** Every file under ../shared/testdata whose name ends with one of `exts` (relative paths, sorted). */
export function findTestFiles(exts: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (exts.some((e) => name.toLowerCase().endsWith(e))) out.push(relative(TESTDATA, p));
    }
  };
  walk(TESTDATA);
  return out.sort();
}

/** Concatenate byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Bytes of 4-character text. */
export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Big-endian unsigned integer of `n` bytes. */
export function be(value: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = value % 256;
    value = Math.floor(value / 256);
  }
  return out;
}

/** A box with an 8-byte header: LBox (= 8 + contents, or `lbox` when given), TBox, contents. */
export function mkBox(type: string, content: Uint8Array = new Uint8Array(0), lbox?: number): Uint8Array {
  return cat(be(lbox ?? 8 + content.length, 4), ascii(type), content);
}

/** A box with LBox = 1 and a 64-bit XLBox. */
export function mkLongBox(type: string, content: Uint8Array): Uint8Array {
  return cat(be(1, 4), ascii(type), be(16 + content.length, 8), content);
}

/** The 12-byte JP2 signature box. */
export const SIGNATURE = Uint8Array.from([0, 0, 0, 12, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]);

/** File Type box: brand, minor version 0, compatibility list. */
export function mkFtyp(brand = "jp2 ", cl: Array<string | number> = ["jp2 "]): Uint8Array {
  return mkBox("ftyp", cat(ascii(brand), be(0, 4), ...cl.map((c) => (typeof c === "string" ? ascii(c) : be(c, 4)))));
}

/** ihdr contents: HEIGHT WIDTH NC BPC C UnkC IPR. */
export function mkIhdr(height: number, width: number, nc: number, bpc: number): Uint8Array {
  return mkBox("ihdr", cat(be(height, 4), be(width, 4), be(nc, 2), be(bpc, 1), be(7, 1), be(0, 1), be(0, 1)));
}

/** colr METH 1 with an enumerated colour space. */
export function mkColrEnum(enumCS: number): Uint8Array {
  return mkBox("colr", cat(be(1, 1), be(0, 1), be(0, 1), be(enumCS, 4)));
}

/**
 * A minimal codestream start: SOC, then a SIZ marker segment for the given size and components
 * (A.5.1), then EOC. Enough for the container layer, which only looks at SOC/SIZ.
 */
export function mkCodestream(width: number, height: number, comps: Array<{ depth: number; signed: boolean }>): Uint8Array {
  const siz = cat(
    be(0xff51, 2),
    be(38 + 3 * comps.length, 2),
    be(0, 2), // Rsiz
    be(width, 4), be(height, 4), be(0, 4), be(0, 4), // Xsiz Ysiz XOsiz YOsiz
    be(width, 4), be(height, 4), be(0, 4), be(0, 4), // XTsiz YTsiz XTOsiz YTOsiz
    be(comps.length, 2),
    ...comps.map((c) => cat(be((c.depth - 1) | (c.signed ? 0x80 : 0), 1), be(1, 1), be(1, 1))),
  );
  return cat(be(0xff4f, 2), siz, be(0xffd9, 2));
}

/**
 * A small valid JP2 file: signature, ftyp, `before` boxes, jp2h (a 4x3 1-component ihdr followed by
 * `header`, default one greyscale colr), jp2c (a SOC/SIZ/EOC stub), then `after` boxes.
 */
export function mkJp2(options: { header?: Uint8Array[]; before?: Uint8Array[]; after?: Uint8Array[]; ftyp?: Uint8Array } = {}): Uint8Array {
  const cs = mkCodestream(4, 3, [{ depth: 8, signed: false }]);
  return cat(
    SIGNATURE,
    options.ftyp ?? mkFtyp(),
    ...(options.before ?? []),
    mkBox("jp2h", cat(mkIhdr(3, 4, 1, 7), ...(options.header ?? [mkColrEnum(17)]))),
    mkBox("jp2c", cs),
    ...(options.after ?? []),
  );
}
