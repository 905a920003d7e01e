/**
 * The installable package: `npm pack`, then `npm install <tarball>` in an empty
 * folder (production dependencies only, from the local npm cache where it can),
 * then `npx backlog-audit` there, away from the repository and its dev tools.
 * dist/cli is built by this project's global setup; `npm pack --ignore-scripts`
 * packs that build instead of rebuilding it under the other CLI tests' feet.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("../../../", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
const dir = mkdtempSync(join(tmpdir(), "backlog-audit-pack-"));
const app = join(dir, "app");

function npx(args: string[], input?: string) {
  const r = spawnSync("npx", ["--no-install", "backlog-audit", ...args], { cwd: app, input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8" });
  const { filename, files } = (JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
  expect(files.map((f) => f.path)).toContain("dist/cli/main.js");
  expect(files.some((f) => f.path.startsWith("src/") || f.path.startsWith("test/"))).toBe(false);
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "empty-folder", private: true }));
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", join(dir, filename)], {
    cwd: app,
    encoding: "utf8",
    timeout: 120_000,
  });
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm pack → npm install <tarball> → npx backlog-audit", () => {
  it("installs production dependencies only", () => {
    expect(readdirSync(join(app, "node_modules"))).toContain(pkg.name);
    for (const dev of ["tsx", "typescript", "vitest", "esbuild", "wrangler"]) expect(existsSync(join(app, "node_modules", dev)), dev).toBe(false);
  });

  it("answers --version and --help", () => {
    const v = npx(["--version"]);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    const h = npx(["--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/backlog-audit classify/);
    expect(h.stdout).toMatch(/backlog-audit audit/);
  });

  it("classifies from stdin with the built-in pack", () => {
    const r = npx(["classify", "-"], JSON.stringify({ id: "x#1", title: "App crashes when saving" }) + "\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: "x#1", constraint: "reliability" });
  });
});
