/**
 * A live audit never writes: `readOnlyFetch` lets reads through to the tracker
 * and refuses writes before they leave. Driven through the real connectors
 * against the sandbox trackers (in process), which count what reached them.
 */
import { describe, expect, it } from "vitest";
import { createGithubConnector } from "../../../connectors/github";
import { createLinearConnector } from "../../../connectors/linear";
import { createGithubSandbox } from "../../../sandbox/github";
import { createLinearSandbox } from "../../../sandbox/linear";
import type { FetchLike, SyncScope } from "../../../connectors/types";
import { readOnlyFetch } from "../../../src/cli/live-audit";

const CLIENT = { clientId: "cli", clientSecret: "cli-secret", webhookSecret: "s" };
const change = {
  desired: ["constraint:reliability"],
  isOwned: (l: string) => l.startsWith("constraint:"),
  definitions: [{ name: "constraint:reliability", color: "c62828", description: "x" }],
};

describe("readOnlyFetch", () => {
  it("lets GitHub reads through and refuses label and comment writes", async () => {
    const sandbox = createGithubSandbox({ ...CLIENT, seed: { repos: [{ fullName: "acme/webapp", issues: 3 }] } });
    const fetch = readOnlyFetch((input, init) => sandbox.fetch(new Request(input, init)));
    const gh = createGithubConnector({ fetch, apiBase: "http://sandbox.test/github/api", oauthBase: "http://sandbox.test/github", ...CLIENT });
    const auth = { accessToken: sandbox.issueInstallationToken() };
    const scope: SyncScope = { kind: "repo", id: "acme/webapp", name: "acme/webapp" };
    const page = await gh.listIssues(auth, scope, null);
    expect(page.issues.length).toBe(3);
    const ref = { externalId: page.issues[0]!.externalId, key: page.issues[0]!.key, scope };
    sandbox.resetStats();
    await expect(gh.ensureLabels(auth, ref, change)).rejects.toThrow(/never writes|refused/);
    await expect(gh.ensureComment(auth, ref, "m", "hello")).rejects.toThrow(/never writes|refused/);
    expect(sandbox.stats.writes).toBe(0);
  });

  it("lets Linear queries through and refuses mutations", async () => {
    const sandbox = createLinearSandbox({ basePath: "/linear", ...CLIENT, seed: { issues: 2 } });
    const inner: FetchLike = (input, init) => sandbox.fetch(new Request(input, init));
    const linear = createLinearConnector({
      fetch: readOnlyFetch(inner),
      apiBase: "http://sandbox.test/linear/api",
      oauthBase: "http://sandbox.test/linear",
      ...CLIENT,
    });
    const auth = { accessToken: sandbox.issueToken().accessToken };
    const scope: SyncScope = { kind: "team", id: sandbox.state.team("ENG").id, name: "Engineering (ENG)" };
    const page = await linear.listIssues(auth, scope, null);
    expect(page.issues.length).toBe(2);
    const ref = { externalId: page.issues[0]!.externalId, key: page.issues[0]!.key, scope };
    sandbox.resetStats();
    await expect(linear.ensureLabels(auth, ref, change)).rejects.toThrow(/never writes|refused/);
    expect(sandbox.stats.writes).toBe(0);
  });
});
