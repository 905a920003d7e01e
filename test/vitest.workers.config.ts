import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineProject } from "vitest/config";

const root = resolve(import.meta.dirname, "..");

/** The local defaults from .dev.vars.example, so tests run with the same configuration a newcomer gets. */
function devVars(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`${root}/.dev.vars.example`, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export default defineProject(async () => {
  const migrations = await readD1Migrations(`${root}/migrations`);
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: `${root}/wrangler.toml` },
        miniflare: {
          bindings: { ...devVars(), LOG_LEVEL: "warn", TEST_MIGRATIONS: migrations },
        },
      }),
    ],
    test: {
      name: "workers",
      root,
      include: ["test/integration/**/*.test.ts"],
      setupFiles: ["test/integration/apply-migrations.ts"],
      testTimeout: 30_000,
      // jira.js/cloud's models import each other through models/index.js (a module cycle). Native ESM and esbuild
      // (wrangler's bundle, checked to start in workerd) evaluate it fine; the module runner, which loads dependencies
      // unbundled here, reads a model before it is defined ("Cannot read properties of undefined (reading 'shape')").
      // So jira.js is pre-bundled with esbuild, as wrangler bundles it.
      deps: { optimizer: { ssr: { enabled: true, include: ["jira.js/cloud"] } } },
    },
  };
});
