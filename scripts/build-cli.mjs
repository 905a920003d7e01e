/**
 * Builds the `backlog-audit` CLI into dist/cli/ with esbuild: one ESM entry
 * (`main.js`) plus a chunk per command, so `--version` and `--help` load
 * nothing but the entry. Everything the CLI imports (the rules engine, zod,
 * yaml, re2js, hono/jsx, the connectors) is bundled: the installed package
 * needs no runtime dependency and no TypeScript loader.
 *
 *   node scripts/build-cli.mjs        (npm run build; run by prepack and by the unit tests' global setup)
 */
import { existsSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const outdir = join(root, "dist", "cli");

/**
 * Builds into a fresh folder and swaps it in, so a CLI process started while a
 * rebuild runs (parallel test projects) never sees a half-written dist/cli.
 */
export async function buildCli({ quiet = false } = {}) {
  const next = `${outdir}.next-${process.pid}`;
  const old = `${outdir}.old-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  const started = performance.now();
  await build({
    absWorkingDir: root,
    entryPoints: { main: "src/cli/main.ts" },
    outdir: next,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    chunkNames: "chunks/[name]-[hash]",
    tsconfig: join(root, "tsconfig.json"),
    // Some bundled packages are CommonJS and call require() for Node built-ins.
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    minifyWhitespace: !process.env.CLI_BUILD_READABLE,
    minifySyntax: true,
    legalComments: "none",
    logLevel: quiet ? "error" : "warning",
  });
  try {
    if (existsSync(outdir)) renameSync(outdir, old);
    renameSync(next, outdir);
  } catch {
    // Another build swapped its own output in first: the same sources, so keep it.
    rmSync(next, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  if (!quiet) console.log(`built dist/cli in ${Math.round(performance.now() - started)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildCli();
