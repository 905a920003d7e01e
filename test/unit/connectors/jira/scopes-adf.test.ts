/**
 * The Jira simulator checks the OAuth scope each call needs (`read:jira-work`, `read:jira-user`,
 * `write:jira-work`, `manage:jira-webhook`), answering 401 "scope does not match" as Atlassian does,
 * and checks comment bodies as Atlassian Document Format (jira.js's DocumentSchema, then node by
 * node). The connector asks for every scope it uses and maps a scope refusal to `forbidden`.
 */
import { describe, expect, it } from "vitest";
import { isConnectorError, type ConnectorError } from "../../../../connectors/errors";
import { createJiraConnector } from "../../../../connectors/jira";
import { JIRA_SCOPES } from "../../../../connectors/jira/oauth";
import { createJiraSandbox } from "../../../../sandbox/jira";

const O = "http://sandbox.test";
const CLIENT = { clientId: "cid", clientSecret: "client-secret-xyz" };
const fail = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => (isConnectorError(e) ? (e as ConnectorError) : Promise.reject(e)),
  );

function setup(scopes?: string[]) {
  const sandbox = createJiraSandbox({ ...CLIENT, origin: O, seed: { issuesPerProject: 5 } });
  const connector = createJiraConnector({
    fetch: (i, init) => sandbox.fetch(new Request(i, init)),
    apiBase: `${O}/jira/api`,
    oauthBase: `${O}/jira/auth`,
    ...CLIENT,
  });
  const site = sandbox.defaultSite();
  const auth = { accessToken: sandbox.issueToken(scopes).accessToken, siteId: site.id };
  const scope = { kind: "project" as const, id: "AUD", name: "Auditor", siteId: site.id };
  const ref = { externalId: String(site.byKey.get("AUD-1")!.id), key: "AUD-1", scope };
  return { sandbox, connector, site, auth, scope, ref };
}

describe("jira OAuth scopes per endpoint", () => {
  it("the connector asks for every scope its calls need", () => {
    const c = setup();
    const url = new URL(c.connector.oauth.authorizeUrl({ state: "s", redirectUri: "https://svc.example/cb" }));
    expect(url.searchParams.get("scope")!.split(" ").sort()).toEqual([
      "manage:jira-webhook",
      "offline_access",
      "read:jira-user",
      "read:jira-work",
      "write:jira-work",
    ]);
    expect(JIRA_SCOPES).toContain("write:jira-work");
  });

  it("a grant without write:jira-work syncs but its label and comment writes are forbidden (scope)", async () => {
    const c = setup(["read:jira-work", "read:jira-user", "offline_access"]);
    const page = await c.connector.listIssues(c.auth, c.scope, null);
    expect(page.issues.length).toBe(5);
    const labels = await fail(
      c.connector.ensureLabels(c.auth, c.ref, { desired: ["constraint:reliability"], isOwned: (l) => l.startsWith("constraint:"), definitions: [] }),
    );
    expect(labels).toMatchObject({ code: "forbidden", details: { reason: "scope" } });
    expect(c.site.byKey.get("AUD-1")!.labels).not.toContain("constraint:reliability");
    expect((await fail(c.connector.ensureComment(c.auth, c.ref, "m", "hello")))?.code).toBe("forbidden");
  });

  it("a grant without manage:jira-webhook cannot register webhooks; one without read:jira-user cannot read /myself", async () => {
    const noHooks = setup(["read:jira-work", "write:jira-work", "read:jira-user"]);
    expect(
      (await fail(noHooks.connector.webhookRegistration.register(noHooks.auth, noHooks.site.id, "https://svc.example/webhooks/jira", ["AUD"])))?.code,
    ).toBe("forbidden");
    const noUser = setup(["read:jira-work", "write:jira-work"]);
    expect((await fail(noUser.connector.listIssues(noUser.auth, noUser.scope, null)))?.code).toBe("forbidden");
  });

  it("an unknown or expired token is still `auth` (revoked), not a scope problem", async () => {
    const c = setup();
    expect((await fail(c.connector.listIssues({ ...c.auth, accessToken: "not-a-token" }, c.scope, null)))?.code).toBe("auth");
  });
});

describe("jira comment bodies are checked as ADF", () => {
  const post = async (c: ReturnType<typeof setup>, body: unknown) =>
    c.sandbox.fetch(
      new Request(`${O}/jira/api/ex/jira/${c.site.id}/rest/api/3/issue/AUD-1/comment`, {
        method: "POST",
        headers: { authorization: `Bearer ${c.auth.accessToken}`, "content-type": "application/json" },
        body: JSON.stringify({ body }),
      }),
    );
  const doc = (...content: unknown[]) => ({ type: "doc", version: 1, content });

  it.each([
    ["a plain string", "hello"],
    ["an empty text node", doc({ type: "paragraph", content: [{ type: "text", text: "" }] })],
    ["text directly in the document", doc({ type: "text", text: "loose" })],
    ["an unknown mark", doc({ type: "paragraph", content: [{ type: "text", text: "x", marks: [{ type: "blink" }] }] })],
    ["a link without href", doc({ type: "paragraph", content: [{ type: "text", text: "x", marks: [{ type: "link", attrs: {} }] }] })],
    ["a heading of level 7", doc({ type: "heading", attrs: { level: 7 }, content: [{ type: "text", text: "x" }] })],
    ["a paragraph directly in a list", doc({ type: "bulletList", content: [{ type: "paragraph", content: [{ type: "text", text: "x" }] }] })],
  ])("refuses %s with 400", async (_name, body) => {
    const res = await post(setup(), body);
    expect(res.status).toBe(400);
  });

  it("accepts the connector's own comment (headings, lists, marks, links)", async () => {
    const c = setup();
    const r = await c.connector.ensureComment(
      c.auth,
      c.ref,
      "m1",
      "### Verdict\n**reliability** (0.82), see [runbook](https://example.com/r)\n\n- flaky `sync` job\n- 3 incidents",
    );
    expect(r.action).toBe("created");
  });
});
