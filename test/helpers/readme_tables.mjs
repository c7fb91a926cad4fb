/**
 * Reading the markdown tables of ../shared/testdata/README.md, for the scripts that generate the
 * committed test manifests (test/conformance/make_manifest.mjs, test/realworld/make_expectations.mjs).
 * Plain JavaScript so the scripts run with `node` alone.
 * @module
 */
import { readFileSync } from "node:fs";

/**
 * All tables of a markdown document, each with the heading it sits under.
 * @param {string} markdown
 * @returns {{ heading: string, folder: string | undefined, columns: string[], rows: Record<string, string>[] }[]}
 */
export function markdownTables(markdown) {
  const lines = markdown.split("\n");
  const tables = [];
  let heading = "";
  let paragraph = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^#+ /.test(line)) {
      heading = line.replace(/^#+ /, "").trim();
      paragraph = "";
      continue;
    }
    if (!line.startsWith("|")) {
      if (line.trim()) paragraph += " " + line;
      continue;
    }
    if (!lines[i + 1]?.startsWith("|---") && !lines[i + 1]?.startsWith("| ---")) continue;
    const columns = splitRow(line);
    const rows = [];
    i += 2;
    for (; i < lines.length && lines[i].startsWith("|"); i++) {
      const cells = splitRow(lines[i]);
      rows.push(Object.fromEntries(columns.map((c, k) => [c, cells[k] ?? ""])));
    }
    i--;
    // "Folder `x/y/` (...)" in the paragraph above a table names where its files are.
    const folder = /Folders? `([^`]+)`/.exec(paragraph)?.[1]?.replace(/\/$/, "");
    tables.push({ heading, folder, columns, rows });
  }
  return tables;
}

/** Split one table row on " | " (cells may contain "|" inside backticks only rarely; we keep it simple). */
function splitRow(line) {
  return line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(" | ")
    .map((c) => c.trim());
}

/** Text between the first pair of backticks, or the cell itself. */
export function unquote(cell) {
  return /`([^`]+)`/.exec(cell)?.[1] ?? cell;
}

/**
 * Facts parsed from a "what it is" cell: codestream size, components, sub-sampling, origin,
 * palette columns, 9/7 use.
 * @param {string} text
 */
export function parseWhatItIs(text) {
  const size = /(?:codestream: |^|; )(-?\d+)x(-?\d+); (\d+) comp \[([^\]]*)\]/.exec(text);
  const facts = {};
  if (size) {
    facts.width = Number(size[1]);
    facts.height = Number(size[2]);
    facts.components = Number(size[3]);
    const list = size[4];
    const many = /^(\d+) comps: (.*)$/.exec(list);
    const specs = many ? [] : list.split(",");
    facts.componentSpecs = specs.map((s) => {
      const m = /^([us])(\d+)(?:\(sub (\d+)x(\d+)\))?$/.exec(s.trim());
      return m ? { signed: m[1] === "s", bitDepth: Number(m[2]), dx: Number(m[3] ?? 1), dy: Number(m[4] ?? 1) } : null;
    });
  }
  const origin = /image origin \((\d+), (\d+)\)/.exec(text);
  if (origin) facts.origin = [Number(origin[1]), Number(origin[2])];
  const pclr = /pclr (\d+) entries x (\d+) cols/.exec(text);
  if (pclr) facts.palette = { entries: Number(pclr[1]), columns: Number(pclr[2]) };
  facts.irreversible = /9-7 irreversible/.test(text);
  facts.ht = /cblk-style [^;]*HT/.test(text) || /Rsiz=0x4000/.test(text);
  const colr = /colr enum (\d+)/.exec(text);
  if (colr) facts.colourEnum = Number(colr[1]);
  if (/colr meth [23] ICC/.test(text)) facts.icc = true;
  return facts;
}

/** Read and parse the README of the test data. */
export function readTestdataReadme(path) {
  return markdownTables(readFileSync(path, "utf8"));
}
