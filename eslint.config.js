// Lint gate (`npm run lint`, run by .ci/run). Two kinds of rules:
//  - bug catchers: type-aware typescript-eslint rules (floating promises, misused promises, unused
//    variables, ...), eslint:recommended, and vitest rules against tests that check nothing;
//  - layout ("formatter") rules from @stylistic, set to the style the tree is already written in
//    (double quotes, semicolons, two-space indent, trailing commas on multi-line lists, long lines,
//    several declarations on one line allowed). They only touch whitespace and punctuation, never
//    re-wrap code or limit line length; `npm run format` applies them (`eslint --fix`).
import js from "@eslint/js";
import stylistic from "@stylistic/eslint-plugin";
import vitest from "@vitest/eslint-plugin";
import tseslint from "typescript-eslint";

const nodeGlobals = {
  process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly", TextDecoder: "readonly", TextEncoder: "readonly",
  setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", setImmediate: "readonly",
  performance: "readonly", WebAssembly: "readonly", fetch: "readonly", AbortController: "readonly", structuredClone: "readonly",
  queueMicrotask: "readonly", globalThis: "readonly", navigator: "readonly",
};
const browserGlobals = {
  window: "readonly", document: "readonly", self: "readonly", location: "readonly", Worker: "readonly", Blob: "readonly",
  ImageData: "readonly", requestAnimationFrame: "readonly", createImageBitmap: "readonly", postMessage: "readonly", addEventListener: "readonly",
  OffscreenCanvas: "readonly", OpenSeadragon: "readonly", HTMLCanvasElement: "readonly", HTMLInputElement: "readonly", HTMLSelectElement: "readonly", FileReader: "readonly", Event: "readonly",
};

const layout = {
  "@stylistic/quotes": ["error", "double", { avoidEscape: true, allowTemplateLiterals: "always" }],
  "@stylistic/semi": ["error", "always"],
  "@stylistic/indent": ["error", 2, { SwitchCase: 1, ignoredNodes: ["TemplateLiteral *", "ConditionalExpression", "ConditionalExpression *"] }],
  "@stylistic/no-tabs": "error",
  "@stylistic/no-trailing-spaces": "error",
  "@stylistic/eol-last": ["error", "always"],
  "@stylistic/no-multiple-empty-lines": ["error", { max: 2, maxEOF: 0, maxBOF: 0 }],
  "@stylistic/comma-dangle": ["error", "always-multiline"],
  "@stylistic/comma-spacing": "error",
  "@stylistic/keyword-spacing": "error",
  "@stylistic/space-before-blocks": "error",
  "@stylistic/space-infix-ops": "error",
  "@stylistic/arrow-spacing": "error",
  "@stylistic/arrow-parens": ["error", "always"],
};

const bugCatchers = {
  "no-unused-vars": "off",
  "no-useless-assignment": "off",
  "@typescript-eslint/no-unused-vars": ["error", { args: "after-used", argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
  "@typescript-eslint/no-floating-promises": "error",
  "@typescript-eslint/no-misused-promises": "error",
  "@typescript-eslint/await-thenable": "error",
  "@typescript-eslint/no-for-in-array": "error",
  "@typescript-eslint/no-duplicate-type-constituents": "error",
  "@typescript-eslint/prefer-promise-reject-errors": "error",
  "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
  "@typescript-eslint/no-unsafe-declaration-merging": "error",
  "no-self-compare": "error",
  "no-template-curly-in-string": "error",
  "no-unreachable-loop": "error",
  "no-constant-binary-expression": "error",
  "eqeqeq": ["error", "always", { null: "ignore" }],
};

export default tseslint.config(
  { ignores: ["dist/**", "wasm/**", "node_modules/**", "codec/**", ".scratch/**", "bench/results/**"] },
  js.configs.recommended,
  {
    // TypeScript sources and tests: type-aware rules against the test tsconfig (which includes src).
    files: ["src/**/*.ts", "test/**/*.ts", "vitest.config.ts"],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { project: ["./tsconfig.test.json"], tsconfigRootDir: import.meta.dirname } },
    plugins: { "@stylistic": stylistic },
    rules: { ...js.configs.recommended.rules, "no-undef": "off", "no-redeclare": "off", "no-dupe-class-members": "off", ...bugCatchers, ...layout },
  },
  {
    // The library throws J2kError (or at least an Error) everywhere.
    files: ["src/**/*.ts"],
    rules: { "@typescript-eslint/only-throw-error": "error" },
  },
  {
    files: ["test/**/*.test.ts"],
    plugins: { vitest },
    rules: {
      // Assertion helpers of this suite count as assertions (they call expect or throw).
      "vitest/expect-expect": ["error", { assertFunctionNames: ["expect", "expect*", "assert*", "check*", "fc.assert", "rejectsWith", "failsWith*", "ok", "runEntry", "run", "refused", "survives"] }],
      "vitest/no-identical-title": "error",
      "vitest/no-disabled-tests": "error",
      "vitest/no-focused-tests": "error",
      "vitest/no-standalone-expect": ["error", { additionalTestBlockFunctions: ["beforeAll", "afterAll", "beforeEach", "afterEach"] }],
    },
  },
  {
    // Plain JavaScript (scripts, bench, demo, CLI launcher, test helpers written as .mjs): no type information.
    files: ["**/*.js", "**/*.mjs"],
    plugins: { "@stylistic": stylistic },
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...nodeGlobals, ...browserGlobals } },
    rules: { "no-unused-vars": ["error", { args: "after-used", argsIgnorePattern: "^_", caughtErrors: "none" }], "eqeqeq": ["error", "always", { null: "ignore" }], ...layout },
  },
);
