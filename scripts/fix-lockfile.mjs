/**
 * The npm registry mirror on our build machines carries only the Linux builds of
 * some platform packages (e.g. @cloudflare/workerd-darwin-64), so `npm install`
 * leaves them out of package-lock.json and `npm ci` then refuses the lock
 * ("Missing: … from lock file"). This adds the missing optional entries, gated by
 * `os`/`cpu` exactly as the packages declare them, so `npm ci` works here and on
 * every platform. Run it after changing dependencies: `node scripts/fix-lockfile.mjs`.
 */
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORMS = {
  "darwin-64": { os: ["darwin"], cpu: ["x64"] },
  "darwin-arm64": { os: ["darwin"], cpu: ["arm64"] },
  "linux-64": { os: ["linux"], cpu: ["x64"] },
  "linux-arm64": { os: ["linux"], cpu: ["arm64"] },
  "windows-64": { os: ["win32"], cpu: ["x64"] },
};

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const m = /^@cloudflare\/workerd-(.+)$/.exec(dep);
    if (!m || !PLATFORMS[m[1]]) continue;
    const base = key.includes("node_modules/") ? key.slice(0, key.lastIndexOf("node_modules/")) : "";
    const target = `${base}node_modules/${dep}`;
    if (lock.packages[target] || lock.packages[`node_modules/${dep}`]) continue;
    lock.packages[`node_modules/${dep}`] = {
      version,
      ...PLATFORMS[m[1]],
      dev: entry.dev ?? undefined,
      license: "Apache-2.0",
      optional: true,
      engines: { node: ">=16" },
    };
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log(`added ${added} missing optional platform entr${added === 1 ? "y" : "ies"}`);
