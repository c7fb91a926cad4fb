/**
 * Native tools the cross-checks need (Debian packages, see .ci/run), and the one switch that makes
 * their absence fatal.
 *
 * A test that needs a tool is written
 * `test.skipIf(!has("opj_decompress"))("… (needs opj_decompress: libopenjp2-tools)", () => …)`:
 * on a developer machine without the tool vitest lists it as *skipped*, never as passed.
 * With `J2KIT_REQUIRE_TOOLS=1` (exported by .ci/run) `has()` throws for a missing tool instead, so
 * the test file fails at collection with the install hint, and the reporter in
 * test/helpers/require_tools_reporter.ts fails the run if any test was skipped for another reason:
 * CI cannot go green without running every native check.
 * @module
 */
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

/** Name of the environment variable that turns a missing tool (and any skipped test) into a failure. */
export const REQUIRE_TOOLS_ENV = "J2KIT_REQUIRE_TOOLS";

/** Debian package of each tool the suite uses (for the messages). */
const PACKAGE_OF: Record<string, string> = {
  opj_decompress: "libopenjp2-tools",
  opj_compress: "libopenjp2-tools",
  opj_dump: "libopenjp2-tools",
  opj_jpip_transcode: "libopenjpip-dec-server",
  grk_decompress: "grokj2k-tools",
  grk_compress: "grokj2k-tools",
  ojph_expand: "openjph-tools",
  ojph_compress: "openjph-tools",
  gdcmconv: "libgdcm-tools",
  gdcminfo: "libgdcm-tools",
  dcmdump: "dcmtk",
  dcmdjpeg: "dcmtk",
  dcmcjpeg: "dcmtk",
  dcmcjpls: "dcmtk",
  dcmcrle: "dcmtk",
  dcmodify: "dcmtk",
  cjpeg: "libjpeg-turbo-progs",
  djpeg: "libjpeg-turbo-progs",
  jpeginfo: "jpeginfo",
  jpylyzer: "python3-jpylyzer",
  convert: "imagemagick",
  magick: "imagemagick",
  identify: "imagemagick",
  chromium: "chromium",
  vips: "libvips-tools",
  vipsheader: "libvips-tools",
  parallel: "parallel",
  script: "bsdutils",
};

/** True when CI asked for every native check to run (`J2KIT_REQUIRE_TOOLS=1`). */
export function requireTools(): boolean {
  const v = process.env[REQUIRE_TOOLS_ENV];
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

/** "apt-get install …" hint for a tool. */
export function installHint(tool: string): string {
  const pkg = PACKAGE_OF[tool];
  return pkg ? `apt-get install -y ${pkg}` : `install ${tool}`;
}

const cache = new Map<string, string | undefined>();

/** Absolute path of an executable on PATH (or an absolute path that is executable), else undefined. */
export function toolPath(tool: string): string | undefined {
  if (cache.has(tool)) return cache.get(tool);
  let found: string | undefined;
  const candidates = isAbsolute(tool) ? [tool] : (process.env.PATH ?? "").split(delimiter).filter(Boolean).map((d) => join(d, tool));
  for (const full of candidates) {
    try {
      accessSync(full, constants.X_OK);
      found = full;
      break;
    } catch {
      /* not here */
    }
  }
  cache.set(tool, found);
  return found;
}

/**
 * True when `tool` (a command name, or an absolute path) is executable here. Under
 * `J2KIT_REQUIRE_TOOLS=1` a missing tool throws instead of returning false.
 */
export function has(tool: string): boolean {
  if (toolPath(tool) !== undefined) return true;
  if (requireTools()) {
    throw new Error(`${tool} is required (${REQUIRE_TOOLS_ENV}=1) but is not installed: ${installHint(tool)}`);
  }
  return false;
}
