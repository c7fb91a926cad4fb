import { defineConfig } from "vitest/config";
import RequireToolsReporter from "./test/helpers/require_tools_reporter.js";
import { requireTools } from "./test/helpers/tools.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    // CI (J2KIT_REQUIRE_TOOLS=1): a skipped test fails the run.
    reporters: requireTools() ? ["default", new RequireToolsReporter()] : ["default"],
  },
});
