/**
 * Proves the Worker bundle builds the way `wrangler deploy` builds it, and
 * stays under the free plan's 3 MB gzip limit. Prints the size.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

describe("deploy bundle", () => {
  it("builds with wrangler deploy --dry-run and stays under 3 MB gzip", () => {
    const out = mkdtempSync(join(tmpdir(), "ba-bundle-"));
    try {
      execFileSync(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", out], {
        cwd: root,
        stdio: "pipe",
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      });
      const files = readdirSync(out).filter((f) => f.endsWith(".js"));
      expect(files.length).toBeGreaterThan(0);
      const raw = files.reduce((n, f) => n + statSync(join(out, f)).size, 0);
      const gz = files.reduce((n, f) => n + gzipSync(readFileSync(join(out, f))).length, 0);
      console.log(`worker bundle: ${(raw / 1024).toFixed(0)} KiB raw, ${(gz / 1024).toFixed(0)} KiB gzip (limit 3072 KiB)`);
      expect(gz).toBeLessThan(3 * 1024 * 1024);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
