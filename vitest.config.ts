import { defineConfig } from "vitest/config";

/**
 * `npm test` runs three projects:
 * - unit: pure code on Node (rules, audit core, connectors against the sandbox, CLI);
 * - workers: integration tests inside workerd with real local D1 and queues;
 * - browser: pages driven in Debian's headless Chromium through playwright-core.
 */
export default defineConfig({
  test: {
    projects: ["test/vitest.unit.config.ts", "test/vitest.workers.config.ts", "test/vitest.browser.config.ts"],
  },
});
