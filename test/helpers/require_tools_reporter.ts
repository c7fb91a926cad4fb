/**
 * Vitest reporter used when `J2KIT_REQUIRE_TOOLS=1` (CI): a skipped or todo test fails the run, so a
 * check that did not run (missing tool, `skipIf` on anything) can never be counted as passing there.
 * @module
 */
import type { Reporter, TestModule } from "vitest/node";

export default class RequireToolsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped: string[] = [];
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        if (t.result().state === "skipped") skipped.push(`${m.moduleId.replace(process.cwd() + "/", "")} > ${t.fullName}`);
      }
    }
    if (skipped.length === 0) return;
    console.error(`\nJ2KIT_REQUIRE_TOOLS=1: ${skipped.length} test(s) were skipped, which fails this run:\n  ${skipped.join("\n  ")}\n`);
    process.exitCode = 1;
  }
}
