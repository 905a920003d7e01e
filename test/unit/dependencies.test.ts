/**
 * Every package in `dependencies` is imported by shipped code (src/, connectors/
 * without the sandbox simulators, rules/), and every package shipped code imports
 * at runtime is in `dependencies`; a package only tests, scripts or the bench
 * use belongs in `devDependencies`. Type-only imports ship nothing and do not count.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { builtinModules } from "node:module";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const SHIPPED = ["src", "connectors", "rules"];
const NOT_SHIPPED = ["sandbox"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (NOT_SHIPPED.includes(relative(root, path))) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|js|mjs)$/.test(name) && !/\.d\.ts$/.test(name) ? [path] : [];
  });
}

/** The package a bare specifier names (`@scope/pkg/sub` → `@scope/pkg`), or null for relative, builtin and runtime modules. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith(".") || specifier.startsWith("/") || /^(node|cloudflare|workers):/.test(specifier)) return null;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  return builtinModules.includes(name) ? null : name;
}

/** Packages a source text imports at runtime (static, dynamic and re-exports; not `import type`). */
export function runtimeImports(source: string): Set<string> {
  const out = new Set<string>();
  const patterns = [
    /\bimport\s+(?!type\b)(?:[\w*${}\s,]+?\s+from\s+)?["']([^"']+)["']/g,
    /\bexport\s+(?!type\b)[\w*${}\s,]*?\s+from\s+["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns)
    for (const m of source.matchAll(re)) {
      const name = packageOf(m[1]!);
      if (name) out.add(name);
    }
  return out;
}

/** What is wrong with a manifest, given the packages shipped code imports. */
export function dependencyProblems(manifest: { dependencies?: Record<string, string> }, imported: Set<string>): string[] {
  const deps = Object.keys(manifest.dependencies ?? {});
  return [
    ...deps.filter((d) => !imported.has(d)).map((d) => `${d} is in dependencies but no shipped code imports it (move it to devDependencies or remove it)`),
    ...[...imported].filter((i) => !deps.includes(i)).map((i) => `${i} is imported by shipped code but is not in dependencies`),
  ];
}

describe("dependencies", () => {
  it("reads imports the way the bundler does", () => {
    const src = [
      `import { z } from "zod";`,
      `import type { Foo } from "type-only";`,
      `import pLimit from "p-limit";`,
      `import "side-effect";`,
      `import { Octokit } from "@octokit/rest/dist";`,
      `export { x } from "re-exported";`,
      `export type { Y } from "type-reexport";`,
      `const m = await import("lazy");`,
      `import { a } from "./local"; import { b } from "node:fs"; import { c } from "crypto"; import { env } from "cloudflare:workers";`,
    ].join("\n");
    expect([...runtimeImports(src)].sort()).toEqual(["@octokit/rest", "lazy", "p-limit", "re-exported", "side-effect", "zod"]);
  });

  it("flags a dependency nothing ships with, and a shipped import missing from dependencies", () => {
    expect(dependencyProblems({ dependencies: { zod: "^4", unused: "^1" } }, new Set(["zod", "missing"]))).toEqual([
      "unused is in dependencies but no shipped code imports it (move it to devDependencies or remove it)",
      "missing is imported by shipped code but is not in dependencies",
    ]);
  });

  it("every package in dependencies is imported by shipped code, and every shipped import is a dependency", () => {
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const imported = new Set<string>();
    const files = SHIPPED.flatMap((d) => sourceFiles(join(root, d)));
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) for (const name of runtimeImports(readFileSync(f, "utf8"))) imported.add(name);
    expect(dependencyProblems(manifest, imported)).toEqual([]);
  });
});
