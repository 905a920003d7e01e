/** The connector registry (connectors/index.ts) names exactly the tracker folders, each with a working factory. */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { connectorFactories } from "../../../connectors";
import { TRACKERS } from "../../../domain/types";

const root = join(import.meta.dirname, "../../../connectors");
/** Folders that are not trackers: the simulators. */
const NOT_TRACKERS = new Set(["sandbox"]);

describe("the connector registry", () => {
  it("has one entry per tracker folder, and one folder per tracker", () => {
    const folders = readdirSync(root)
      .filter((f) => statSync(join(root, f)).isDirectory() && !NOT_TRACKERS.has(f))
      .sort();
    expect(Object.keys(connectorFactories).sort()).toEqual(folders);
    expect([...TRACKERS].sort()).toEqual(folders);
  });

  it("builds a connector for each tracker that names its tracker", () => {
    for (const [tracker, factory] of Object.entries(connectorFactories)) {
      const connector = factory({
        fetch: () => Promise.reject(new Error("no network in this test")),
        apiBase: "http://127.0.0.1:9/api",
        oauthBase: "http://127.0.0.1:9",
        clientId: "id",
        clientSecret: "secret",
      });
      expect(connector.tracker).toBe(tracker);
      // Webhooks registered through the API (with an expiry) are Jira's alone: an optional, declared capability.
      expect(connector.webhookRegistration !== undefined, tracker).toBe(tracker === "jira");
    }
  });
});
