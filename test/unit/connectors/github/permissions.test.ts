/**
 * The GitHub simulator is as strict as GitHub about what a token reaches: an OAuth App token by its
 * scopes, a GitHub App user token by the App's installations, an installation token by the
 * permissions it was granted; `/user/installations` needs a GitHub App user token. The connector asks
 * for the right scope and maps each refusal to a code the pipeline turns into a clear status.
 */
import { describe, expect, it } from "vitest";
import { isConnectorError, type ConnectorError } from "../../../../connectors/errors";
import { wire } from "./setup";

const fail = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => (isConnectorError(e) ? (e as ConnectorError) : Promise.reject(e)),
  );

describe("GitHub token reach", () => {
  it("the connector asks for the `repo` scope (private repositories need it)", () => {
    const w = wire();
    const url = new URL(w.connector.oauth.authorizeUrl({ state: "s", redirectUri: "https://svc.example/cb" }));
    expect(url.searchParams.get("scope")).toBe("repo");
  });

  it("an OAuth App token with only `public_repo` does not reach a private repository, nor list it", async () => {
    const w = wire({ userTokens: "non-expiring" });
    const token = w.sandbox.issueOAuthAppToken(["public_repo"]);
    const e = await fail(w.connector.listIssues({ accessToken: token }, w.scope(), null));
    expect(e?.code).toBe("not-found");
    const discovery = await w.connector.oauth.discover({ accessToken: token });
    expect(discovery.scopes).toEqual([]);
    // With `repo` it reaches them.
    const full = w.sandbox.issueOAuthAppToken(["repo"]);
    expect((await w.connector.listIssues({ accessToken: full }, w.scope(), null)).issues.length).toBeGreaterThan(0);
  });

  it("/user/installations needs a GitHub App user token: an OAuth App token is refused, discovery then lists no sites", async () => {
    const w = wire();
    const oauthApp = w.sandbox.issueOAuthAppToken(["repo"]);
    const res = await w.fetch("http://sandbox.test/github/api/user/installations", { headers: { authorization: `Bearer ${oauthApp}` } });
    expect(res.status).toBe(403);
    expect((await w.connector.oauth.discover({ accessToken: oauthApp })).sites).toEqual([]);
    const appUser = w.sandbox.issueUserToken();
    expect((await w.connector.oauth.discover({ accessToken: appUser })).sites.map((s) => s.id)).toEqual([String(w.sandbox.installationId)]);
  });

  it("a GitHub App user token reaches only repositories an installation covers", async () => {
    const w = wire();
    w.sandbox.core.state.seedRepo({ fullName: "other/elsewhere", issues: 3 }, 1);
    const token = w.sandbox.issueUserToken();
    expect((await fail(w.connector.listIssues({ accessToken: token }, w.scope("other/elsewhere"), null)))?.code).toBe("not-found");
    expect((await w.connector.listIssues({ accessToken: token }, w.scope(), null)).issues.length).toBeGreaterThan(0);
  });
});

describe("GitHub installation permissions", () => {
  const change = { desired: ["constraint:reliability"], isOwned: (l: string) => l.startsWith("constraint:"), definitions: [] };

  it("an installation token without `issues: write` reads but a label write is refused 403 → forbidden", async () => {
    const w = wire();
    w.sandbox.setInstallationPermissions({ issues: "read", metadata: "read" });
    const token = w.sandbox.issueInstallationToken();
    const ref = { externalId: "x", key: "acme/webapp#1", scope: w.scope() };
    expect(await w.connector.getIssue({ accessToken: token }, ref)).toMatchObject({ key: "acme/webapp#1" });
    const e = await fail(w.connector.ensureLabels({ accessToken: token }, ref, change));
    expect(e?.code).toBe("forbidden");
    expect(w.sandbox.issue("acme/webapp", 1).labels).not.toContain("constraint:reliability");
    expect((await fail(w.connector.ensureComment({ accessToken: token }, ref, "m", "body")))?.code).toBe("forbidden");

    // Granted again: a new token carries the permission and the write lands.
    w.sandbox.setInstallationPermissions({ issues: "write", metadata: "read" });
    const writer = w.sandbox.issueInstallationToken();
    await w.connector.ensureLabels({ accessToken: writer }, ref, change);
    expect(w.sandbox.issue("acme/webapp", 1).labels).toContain("constraint:reliability");
  });
});
