/**
 * The static import graph of a source folder and its cycles, for the tests that keep codec/ and src/
 * free of import cycles. Relative `import`/`export … from` statements count; `import type` does not
 * (it is erased at build time and cannot create an initialisation-order cycle).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Every `.ts` file under `root` (recursively). */
export function tsFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith(".ts") && !f.endsWith(".d.ts")) files.push(p);
    }
  };
  walk(root);
  return files;
}

/** file → the files under the same root it imports at run time. Specifiers may end in `.js` (TypeScript ESM) or nothing (AssemblyScript). */
export function importGraph(root: string): Map<string, string[]> {
  const files = tsFiles(root);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const deps: string[] = [];
    for (const m of readFileSync(f, "utf8").matchAll(/(?:^|[\s;])(?:import|export)\s+(type\s+)?[^;]*?from\s+["'](\.[^"']+)["']/g)) {
      if (m[1] !== undefined) continue;
      const target = resolve(dirname(f), m[2]!.replace(/\.js$/, "")) + ".ts";
      if (known.has(target)) deps.push(target);
    }
    graph.set(f, deps);
  }
  return graph;
}

/** Each cycle found by a depth-first walk, as "a.ts → b.ts → a.ts" with paths relative to `root`. */
export function importCycles(root: string, graph: Map<string, string[]> = importGraph(root)): string[] {
  const state = new Map<string, 1 | 2>();
  const cycles: string[] = [];
  const rel = (x: string): string => x.slice(root.length + 1);
  const visit = (f: string, path: string[]): void => {
    state.set(f, 1);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 1) {
        const chain = [...path, f];
        cycles.push([...chain.slice(chain.indexOf(d)), d].map(rel).join(" → "));
      } else if (!state.has(d)) visit(d, [...path, f]);
    }
    state.set(f, 2);
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f, []);
  return cycles;
}
