/**
 * Checking and repairing JP2 files for archives: a report of what is wrong with a file's boxes and
 * ICC profiles, and an in-place repair of ICC curv tags whose entry count does not fit their tag
 * (the Harvard jp2_remediator case) that leaves every other byte of the file as it was.
 * @module
 */
import { J2kError } from "../errors.js";
import { planCurvRepairs, repairCurvTags, validateIcc, type CurvRepair } from "./icc.js";
import { readJp2 } from "./read.js";
import type { Jp2File } from "./types.js";

/** What {@link checkJp2} found. */
export interface Jp2Check {
  /** True when nothing is wrong: no container warnings and every ICC profile validates. */
  ok: boolean;
  /** Problems for a person: tolerated box damage, broken or repairable ICC profiles. */
  problems: string[];
  /** ICC curv tags {@link repairJp2Icc} would fix, per colour specification box (by file offset). */
  repairable: Array<{ colrOffset: number; repairs: CurvRepair[] }>;
  /** The parsed file. */
  file: Jp2File;
}

/**
 * Check a JP2/JPX file's boxes and ICC profiles without decoding the image. Each problem is listed
 * once: an ICC problem that `repairJp2Icc` can fix carries the fix on its own line rather than a
 * second line, and the reader's warnings about the same profile are not repeated.
 */
export function checkJp2(bytes: Uint8Array): Jp2Check {
  const file = readJp2(bytes);
  const iccSpecs = file.colorSpecifications.filter((s) => s.icc !== undefined);
  // readJp2 warns "ICC profile of the colour specification at byte N: <problem>" for each problem;
  // they are listed below, per profile, with their repairs.
  const iccWarning = (w: string): boolean => iccSpecs.some((s) => w.startsWith(`ICC profile of the colour specification at byte ${s.offset}: `));
  const problems: string[] = [];
  const add = (line: string): void => {
    if (!problems.includes(line)) problems.push(line);
  };
  // "no colour specification this reader understands" is the consequence of a broken profile: it
  // is said once, on that profile's first problem.
  const unusable = file.colorSpecifications.some((s) => s.understood) ? undefined : iccSpecs.find((s) => s.iccProblems.length > 0);
  const consequence = (w: string): boolean => unusable !== undefined && w.startsWith("no colour specification this reader understands");
  for (const w of file.warnings) if (!iccWarning(w) && !consequence(w)) add(w);
  const repairable: Jp2Check["repairable"] = [];
  for (const spec of iccSpecs) {
    const plan = planCurvRepairs(spec.icc!);
    if (plan.length > 0) repairable.push({ colrOffset: spec.offset, repairs: plan });
    const where = `ICC profile in the colr box at byte ${spec.offset}`;
    const covered = new Set<CurvRepair>();
    spec.iccProblems.forEach((p, i) => {
      const fix = plan.find((r) => r.tags.some((t) => p.includes(`'${t}'`)));
      if (fix !== undefined) covered.add(fix);
      const unknownColour = spec === unusable && i === 0 ? "; the file has no other colour specification j2kit can use" : "";
      add(`${where}: ${p}${fix !== undefined ? ` (repairable: ${describeFix(fix)})` : ""}${unknownColour}`);
    });
    for (const r of plan) if (!covered.has(r)) add(`${where}: curv data of ${r.tags.join("/")}: ${r.reason} (repairable)`);
  }
  return { ok: problems.length === 0, problems, repairable, file };
}

/** What a curv repair changes, in a few words. */
function describeFix(r: CurvRepair): string {
  const parts: string[] = [];
  if (r.before.count !== r.after.count) parts.push(`entry count ${r.before.count} -> ${r.after.count}`);
  if (r.before.size !== r.after.size) parts.push(`tag size ${r.before.size} -> ${r.after.size}`);
  return parts.length > 0 ? parts.join(", ") : r.reason;
}

/** What {@link repairJp2Icc} did. */
export interface Jp2IccRepair {
  /** The repaired file: a copy of the input with only the changed ICC fields patched. */
  bytes: Uint8Array;
  /** The repairs made (empty: the file needed none and `bytes` equals the input). */
  repairs: Array<{ colrOffset: number; repairs: CurvRepair[] }>;
}

/**
 * Repair the ICC profiles of a JP2 file whose curv tags declare an entry count that does not fit the
 * tag (see `planCurvRepairs` in icc.ts for the exact rules). Only the count and tag-size fields
 * change, so box lengths and every other byte stay as they are; the input is never modified.
 * @throws {J2kError} when the file cannot be read as JP2, or a repaired profile still fails validation.
 */
export function repairJp2Icc(bytes: Uint8Array): Jp2IccRepair {
  const file = readJp2(bytes);
  const out = bytes.slice();
  const done: Jp2IccRepair["repairs"] = [];
  for (const spec of file.colorSpecifications) {
    if (!spec.icc) continue;
    const plan = planCurvRepairs(spec.icc);
    if (plan.length === 0) continue;
    const fixed = repairCurvTags(spec.icc);
    if (fixed.length !== spec.icc.length) throw new J2kError("INTERNAL", "an ICC repair changed the profile length");
    const problems = validateIcc(fixed).problems;
    if (problems.length > 0) {
      throw new J2kError("CONTAINER_INVALID", `the ICC profile in the colr box at byte ${spec.offset} is still invalid after the curv repair: ${problems[0]}`, { offset: spec.offset });
    }
    out.set(fixed, iccStart(bytes, spec.offset));
    done.push({ colrOffset: spec.offset, repairs: plan });
  }
  return { bytes: done.length > 0 ? out : bytes.slice(), repairs: done };
}

/** Offset of the profile inside a colr box (I.5.3.3): box header (8, or 16 with XLBox), METH, PREC, APPROX. */
function iccStart(bytes: Uint8Array, colrOffset: number): number {
  const lbox = ((bytes[colrOffset]! << 24) | (bytes[colrOffset + 1]! << 16) | (bytes[colrOffset + 2]! << 8) | bytes[colrOffset + 3]!) >>> 0;
  return colrOffset + (lbox === 1 ? 16 : 8) + 3;
}
