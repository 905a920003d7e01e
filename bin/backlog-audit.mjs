#!/usr/bin/env node
// Runs the compiled CLI (dist/cli/, built by `npm run build` and by `prepack`).
// In a repository checkout where it has not been built yet, builds it first.
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  const builder = new URL("../scripts/build-cli.mjs", import.meta.url);
  if (!existsSync(builder)) {
    console.error("backlog-audit: dist/cli/main.js is missing from this install; reinstall the package");
    process.exit(1);
  }
  await (await import(builder.href)).buildCli({ quiet: true });
}
await import(entry.href);
