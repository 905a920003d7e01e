/**
 * The house's import direction is enforced by Biome's noRestrictedImports (biome.json overrides,
 * run by `npm run lint` and CI): these feed it a deliberate violation per layer, through its
 * stdin mode with the path the file would have, and check it fails; and allowed imports pass.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const biome = join(root, "node_modules/.bin/biome");

/** Lints one file at `path` under a copy of the repository's biome.json (so nothing is written into the tree). */
function lint(path: string, source: string): { code: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "layers-"));
  try {
    copyFileSync(join(root, "biome.json"), join(dir, "biome.json"));
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
    const r = spawnSync(biome, ["lint", "--vcs-enabled=false", path], { cwd: dir, encoding: "utf8" });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("import direction", () => {
  it.each([
    ["domain/x.ts", 'import { runAudit } from "../src/core/audit";\nexport const x = runAudit;\n', "domain/ imports nothing of ours"],
    ["rules/engine/x.ts", 'import { runAudit } from "../../src/core/audit";\nexport const x = runAudit;\n', "rules/ imports only domain/"],
    ["rules/engine/y.ts", 'import { connectorFactories } from "../../connectors";\nexport const y = connectorFactories;\n', "rules/ imports only domain/"],
    ["connectors/github/x.ts", 'import { classify } from "../../rules";\nexport const x = classify;\n', "connectors/ import only domain/"],
    [
      "src/services/x.ts",
      'import { createGithubSandbox } from "../../sandbox/github";\nexport const x = createGithubSandbox;\n',
      "Shipped code never imports the simulators",
    ],
  ])("%s: a deliberate violation fails", (path, source, message) => {
    const r = lint(path, source);
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toContain(message);
  });

  it.each([
    ["rules/engine/x.ts", 'import type { Issue } from "../../domain/types";\nexport type X = Issue;\n'],
    ["connectors/github/x.ts", 'import type { Issue } from "../../domain/types";\nexport type X = Issue;\n'],
    [
      "src/services/x.ts",
      'import { classify } from "../../rules";\nimport { connectorFactories } from "../../connectors";\nexport const x = [classify, connectorFactories];\n',
    ],
  ])("%s: an allowed import passes", (path, source) => {
    const r = lint(path, source);
    expect(r.code, r.out).toBe(0);
  });
});
