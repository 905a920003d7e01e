import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "unit",
    root: new URL("..", import.meta.url).pathname,
    include: ["test/unit/**/*.test.ts", "test/contract/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/unit/cli/global-setup.ts"],
    testTimeout: 20_000,
  },
});
