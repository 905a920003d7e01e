#!/usr/bin/env node
// Runs the compiled CLI (dist/cli/, built by `npm run build` and by `prepack`).
// In a repository checkout (where scripts/build-cli.mjs exists), builds it first when it is
// missing or older than any source it is built from, so an edit never runs stale code.
import { existsSync, readdirSync, statSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
const builder = new URL("../scripts/build-cli.mjs", import.meta.url);

/** The newest modification time under the folders the CLI is bundled from (ms). */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${d.name}`;
      if (d.isDirectory()) {
        if (d.name !== "node_modules" && d.name !== "sandbox") walk(p);
      } else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const f of ["src", "rules", "connectors", "scripts/lib"]) {
    const dir = new URL(`../${f}`, import.meta.url).pathname;
    if (existsSync(dir)) walk(dir);
  }
  return newest;
}

if (existsSync(builder) && (!existsSync(entry) || statSync(entry).mtimeMs < newestSource())) {
  await (await import(builder.href)).buildCli({ quiet: true });
} else if (!existsSync(entry)) {
  console.error("backlog-audit: dist/cli/main.js is missing from this install; reinstall the package");
  process.exit(1);
}
await import(entry.href);
