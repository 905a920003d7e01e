import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "browser",
    root: new URL("..", import.meta.url).pathname,
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/browser/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
