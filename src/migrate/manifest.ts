/**
 * What a migration converts: the rows of a CSV manifest (RFC 4180, header row) or the JPEG 2000
 * files below a folder, each with its source, target (relative to `--to`) and group, and the shard
 * a group belongs to.
 * @module
 */
import { readFile, readdir } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep, posix } from "node:path";
import { J2kError } from "../errors.js";

/** One file to convert. */
export interface PlannedFile {
  /** Position in the manifest (data rows from 0) or in the folder walk. */
  index: number;
  /** Path or URL as given; `source` resolved (absolute path, or the URL). */
  given: string;
  source: string;
  /** Target relative to `--to` (forward slashes). */
  target: string;
  group: string;
}

/** A migration plan: every file, in manifest order, with the groups in order of first appearance. */
export interface Plan {
  files: PlannedFile[];
  groups: string[];
  /** Rows that could not be planned (empty source, a target outside --to): failed without converting. */
  invalid: Array<{ index: number; given: string; group: string; code: "INVALID_ARGUMENT"; message: string }>;
}

/** A usage problem with the manifest or the options (exit status 2 on the command line). */
export class PlanError extends J2kError {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
  }
}

/** Parse CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF, BOM ignored). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let quoted = false;
  let any = false;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field.length === 0) {
      quoted = true;
      any = true;
      i++;
      continue;
    }
    if (ch === ",") {
      row.push(field);
      field = "";
      any = true;
      i++;
      continue;
    }
    if (ch === "\r" || ch === "\n") {
      if (any || field.length > 0) {
        row.push(field);
        rows.push(row);
      }
      row = [];
      field = "";
      any = false;
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
      continue;
    }
    field += ch;
    any = true;
    i++;
  }
  if (quoted) throw new PlanError("the manifest ends inside a quoted field (an unbalanced \" )");
  if (any || field.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** `name` of a `{name}` / `{name.stem}` placeholder and whether `.stem` was asked. */
const PLACEHOLDER = /\{([^{}]+?)(\.stem)?\}/g;

/** The columns a template uses. */
export function templateColumns(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** File name without folder and last extension. */
export function stem(value: string): string {
  const base = value.split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Fill `{column}` / `{column.stem}` from a row. */
export function fillTemplate(template: string, row: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_, name: string, isStem?: string) => {
    const v = row[name] ?? "";
    return isStem ? stem(v) : v;
  });
}

/** A relative target (forward slashes) if it stays inside --to, else a reason. */
export function checkTarget(target: string): string | { reason: string } {
  const t = target.replace(/\\/g, "/");
  if (t.length === 0) return { reason: "the target is empty" };
  if (t.startsWith("/") || /^[a-z]:/i.test(t)) return { reason: `the target '${target}' is absolute; targets are relative to --to` };
  const parts = t.split("/");
  if (parts.some((p) => p === "..")) return { reason: `the target '${target}' leaves the --to folder (..)` };
  if (parts.some((p) => p === "") || t.endsWith("/")) return { reason: `the target '${target}' has an empty path segment (a column used in --target is empty?)` };
  return posix.normalize(t);
}

const URL_RE = /^(s3|https?):\/\//i;

/** Options of {@link planManifest}. */
export interface ManifestOptions {
  sourceColumn: string;
  /** Target template; default: the source's file name with .jpg. */
  target?: string;
  groupColumn?: string;
}

/** Plan from a CSV manifest: relative sources are resolved against the manifest's folder. */
export async function planManifest(manifestPath: string, o: ManifestOptions): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(manifestPath, "utf8");
  } catch (e) {
    throw new PlanError(`cannot read the manifest '${manifestPath}': ${(e as Error).message}`);
  }
  return planRows(parseCsv(text), dirname(resolve(manifestPath)), o);
}

/** Plan from parsed CSV rows (the first is the header). */
export function planRows(rows: string[][], baseDir: string, o: ManifestOptions): Plan {
  if (rows.length === 0) throw new PlanError("the manifest is empty: it needs a header row naming its columns");
  const header = rows[0]!.map((h) => h.trim());
  const col = new Map(header.map((h, i) => [h, i]));
  const need = [o.sourceColumn, ...(o.groupColumn ? [o.groupColumn] : []), ...templateColumns(o.target ?? "")];
  for (const c of need) {
    if (!col.has(c)) throw new PlanError(`the manifest has no column '${c}' (its columns: ${header.join(", ")})`);
  }
  const template = o.target ?? `{${o.sourceColumn}.stem}.jpg`;
  const files: PlannedFile[] = [];
  const invalid: Plan["invalid"] = [];
  const groups: string[] = [];
  const seenGroup = new Set<string>();
  const byTarget = new Map<string, number>();
  for (let r = 1; r < rows.length; r++) {
    const cells = rows[r]!;
    if (cells.length === 1 && cells[0] === "") continue;
    const rec: Record<string, string> = {};
    header.forEach((h, i) => (rec[h] = cells[i] ?? ""));
    const index = r - 1;
    const given = rec[o.sourceColumn]!.trim();
    const group = o.groupColumn ? rec[o.groupColumn]! : `#${index}`;
    if (!seenGroup.has(group)) {
      seenGroup.add(group);
      groups.push(group);
    }
    if (!given) {
      invalid.push({ index, given, group, code: "INVALID_ARGUMENT", message: `manifest row ${r + 1}: the source column '${o.sourceColumn}' is empty` });
      continue;
    }
    const t = checkTarget(fillTemplate(template, rec));
    if (typeof t !== "string") {
      invalid.push({ index, given, group, code: "INVALID_ARGUMENT", message: `manifest row ${r + 1}: ${t.reason}` });
      continue;
    }
    const prev = byTarget.get(t);
    if (prev !== undefined) {
      throw new PlanError(`manifest rows ${prev + 2} and ${r + 1} both write '${t}': make --target unique (e.g. include an id column)`);
    }
    byTarget.set(t, index);
    const source = URL_RE.test(given) ? given : isAbsolute(given) ? given : resolve(baseDir, given);
    files.push({ index, given, source, target: t, group });
  }
  return { files, groups, invalid };
}

/** JPEG 2000 file extensions `migrate SRC_DIR` converts. */
export const JPEG2000_EXTENSIONS = /\.(jp2|jpx|jph|j2k|j2c)$/i;

/** Plan from a folder: every JPEG 2000 file below it, relative paths kept, extension .jpg; groups = folders. */
export async function planDirectory(dir: string): Promise<Plan> {
  const root = resolve(dir);
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      throw new PlanError(`cannot read the folder '${d}': ${(e as Error).message}`);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && JPEG2000_EXTENSIONS.test(e.name)) found.push(p);
    }
  };
  await walk(root);
  const files: PlannedFile[] = [];
  const groups: string[] = [];
  const seen = new Set<string>();
  const targets = new Map<string, string>();
  found.forEach((p, index) => {
    const rel = relative(root, p).split(sep).join("/");
    const target = rel.replace(JPEG2000_EXTENSIONS, ".jpg");
    const other = targets.get(target);
    if (other) throw new PlanError(`'${other}' and '${rel}' would both become '${target}'`);
    targets.set(target, rel);
    const group = posix.dirname(rel);
    if (!seen.has(group)) {
      seen.add(group);
      groups.push(group);
    }
    files.push({ index, given: rel, source: p, target, group });
  });
  return { files, groups, invalid: [] };
}

/** A shard: `i/N` or `auto/N` (index from JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX). */
export function parseShard(spec: string, env: Record<string, string | undefined> = process.env): { index: number; count: number } {
  const m = /^(\d+|auto)\/(\d+)$/.exec(spec.trim());
  if (!m) throw new PlanError(`--shard must be i/N or auto/N (got '${spec}')`);
  const count = Number(m[2]);
  if (!(count >= 1 && count <= 1_000_000)) throw new PlanError(`--shard: N must be 1..1000000 (got ${m[2]})`);
  let index: number;
  if (m[1] === "auto") {
    const raw = env.JOB_COMPLETION_INDEX ?? env.AWS_BATCH_JOB_ARRAY_INDEX;
    if (raw === undefined || !/^\d+$/.test(raw)) {
      throw new PlanError("--shard auto/N needs JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) in the environment");
    }
    index = Number(raw);
  } else {
    index = Number(m[1]);
  }
  if (index >= count) throw new PlanError(`--shard: index ${index} is not below N = ${count} (shards are numbered 0..N-1)`);
  return { index, count };
}

/** The part of a plan in shard i of N: every N-th group (groups in order of first appearance), whole. */
export function shardOf(plan: Plan, shard: { index: number; count: number } | undefined): Plan {
  if (!shard || shard.count === 1) return plan;
  const mine = new Set(plan.groups.filter((_, g) => g % shard.count === shard.index));
  return {
    files: plan.files.filter((f) => mine.has(f.group)),
    groups: plan.groups.filter((g) => mine.has(g)),
    invalid: plan.invalid.filter((f) => mine.has(f.group)),
  };
}
