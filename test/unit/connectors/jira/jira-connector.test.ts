/** Jira-specific behaviour beyond the shared contract. */
import { describe, expect, it } from "vitest";
import { createJiraConnector } from "../../../../connectors/jira";
import { formatJqlMinute, lowerBound } from "../../../../connectors/jira/jql";
import { verifyJiraWebhook, webhookRetryCount } from "../../../../connectors/jira/webhooks";
import { signJwt } from "../../../../sandbox/jira/deliveries";
import { createJiraSandbox } from "../../../../sandbox/jira";
import { isConnectorError, type ConnectorError } from "../../../../connectors/errors";
import type { Issue } from "../../../../domain/types";

const O = "http://sandbox.test";
const CLIENT = { clientId: "cid", clientSecret: "client-secret-xyz" };

function setup(issuesPerProject = 0, timeZone = "Australia/Sydney", extra: Partial<Parameters<typeof createJiraSandbox>[0]> = {}) {
  const sandbox = createJiraSandbox({ ...CLIENT, origin: O, seed: { issuesPerProject }, timeZone, ...extra });
  const connector = createJiraConnector({
    fetch: (i, init) => sandbox.fetch(new Request(i, init)),
    apiBase: `${O}/jira/api`,
    oauthBase: `${O}/jira/auth`,
    ...CLIENT,
  });
  const site = sandbox.defaultSite();
  const { accessToken } = sandbox.issueToken();
  const auth = { accessToken, siteId: site.id };
  const scope = { kind: "project" as const, id: "AUD", name: "Auditor", siteId: site.id };
  return { sandbox, connector, site, auth, scope };
}

async function syncAll(c: ReturnType<typeof setup>, cursor: string | null, scope = c.scope, auth = c.auth) {
  const issues: Issue[] = [];
  let requests = 0;
  for (;;) {
    const before = c.sandbox.stats.requests;
    const page = await c.connector.listIssues(auth, scope, cursor);
    requests += c.sandbox.stats.requests - before;
    issues.push(...page.issues);
    cursor = page.cursor;
    if (!page.hasMore) return { issues, cursor, requests };
  }
}

const catchErr = async (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => (isConnectorError(e) ? (e as ConnectorError) : null),
  );

describe("jira time zone handling", () => {
  it.each([
    ["2026-01-01T00:00:30.000Z", "Australia/Sydney", "2026-01-01 11:00"],
    ["2026-07-01T00:00:59.999Z", "Australia/Sydney", "2026-07-01 10:00"],
    ["2026-07-01T00:00:00.000Z", "America/Los_Angeles", "2026-06-30 17:00"],
  ])("%s in %s is minute %s", (iso, tz, want) => expect(formatJqlMinute(Date.parse(iso), tz)).toBe(want));

  it("widens the window by an hour right after a DST change (Sydney, clocks back 2026-04-05 03:00)", () => {
    expect(lowerBound(Date.parse("2026-04-04T16:10:00Z"), 60_000, "Australia/Sydney")).toBe("2026-04-05 02:09");
  });
});

describe("jira sync", () => {
  // Sydney is ahead of UTC, Los Angeles behind, Kathmandu off by 45 minutes: a zone mix-up shows as misses or repeats.
  it.each(["Australia/Sydney", "America/Los_Angeles", "Asia/Kathmandu"])(
    "issues updated in the same minute across a page boundary, and a run starting mid-minute: none missed, none duplicated (%s)",
    async (tz) => {
      const c = setup(0, tz);
      const issues = c.sandbox.seed(c.site.id, "AUD", 400);
      const minute = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
      // 150 issues inside one minute, 100 ms apart: the first page boundary (100) falls inside the minute.
      issues.forEach((i, k) => (i.updated = k < 150 ? minute + k * 100 : minute - 3_600_000 - k * 1000));
      c.site.projects.get("AUD")!.sorted = null;
      const first = await syncAll(c, null);
      expect(new Set(first.issues.map((i) => i.externalId)).size).toBe(400);
      expect(first.issues).toHaveLength(400);
      // The next run starts mid-minute: 170 more issues get updated later in the same minute (past a page of 100).
      const later = issues.slice(200, 370);
      for (const [k, i] of later.entries()) await c.sandbox.humanUpdate(c.site.id, i.key, { title: `m${k}`, updatedAt: minute + 20_000 + k * 50 });
      // ...and one is updated to the exact high-water mark of the first run.
      await c.sandbox.humanUpdate(c.site.id, issues[300 + 80]!.key, { title: "tie", updatedAt: minute + 149 * 100 });
      const second = await syncAll(c, first.cursor);
      const ids = second.issues.map((i) => i.externalId).sort();
      expect(ids).toEqual([...later.map((i) => String(i.id)), String(issues[380]!.id)].sort());
      const third = await syncAll(c, second.cursor);
      expect(third.issues).toEqual([]);
      // JQL dates have minute precision, so the no-op re-reads the whole minute: 150 + 170 + 1 = 321 rows, 100 a page
      // (5,000 only for id/key searches): ⌈321 / 100⌉ = 4 requests, and, as the run took more than one page, one
      // id-only search from the first page boundary on for a row an offset-style token may have skipped.
      expect(third.requests).toBe(5);
    },
  );

  it("an issue indexed late, with an updated time up to a minute before the high-water mark, is still picked up", async () => {
    const c = setup();
    const issues = c.sandbox.seed(c.site.id, "AUD", 200);
    const first = await syncAll(c, null);
    const hw = Math.max(...first.issues.map((i) => Date.parse(i.updatedAt)));
    // Jira stamps `updated` when the write starts; the search index may show it after our query ran.
    // (issues[4] was last updated 195 seed steps, about two hours, before the high-water mark, so this moves it forward in time.)
    await c.sandbox.humanUpdate(c.site.id, issues[4]!.key, { title: "committed late", updatedAt: hw - 55_000 });
    const next = await syncAll(c, first.cursor);
    expect(next.issues.map((i) => i.title)).toEqual(["committed late"]);
  });

  it("resumes a run whose nextPageToken expired by restarting the run's query, without duplicates", async () => {
    const c = setup();
    c.sandbox.seed(c.site.id, "AUD", 250);
    const page1 = await c.connector.listIssues(c.auth, c.scope, null);
    const cursor = JSON.parse(page1.cursor!);
    cursor.run.token = "expired-token";
    const rest = await syncAll(c, JSON.stringify(cursor));
    const all = [...page1.issues, ...rest.issues].map((i) => i.externalId);
    expect(new Set(all).size).toBe(250);
  });

  it("a token revoked mid-sync fails the next page with auth; the last cursor resumes after re-auth", async () => {
    const c = setup();
    c.sandbox.seed(c.site.id, "AUD", 250);
    const page1 = await c.connector.listIssues(c.auth, c.scope, null);
    c.sandbox.revokeToken(c.auth.accessToken);
    expect((await catchErr(c.connector.listIssues(c.auth, c.scope, page1.cursor)))?.code).toBe("auth");
    const fresh = { ...c.auth, accessToken: c.sandbox.issueToken().accessToken };
    const rest = await syncAll(c, page1.cursor, c.scope, fresh);
    expect(new Set([...page1.issues, ...rest.issues].map((i) => i.externalId)).size).toBe(250);
    expect(page1.issues.length + rest.issues.length).toBe(250);
  });

  it("discovers custom fields per site: story points and sprint under different ids", async () => {
    const c = setup(25);
    const globex = c.sandbox.site("globex");
    const acme = await syncAll(c, null);
    const glx = await syncAll(c, null, { kind: "project", id: "GLX", name: "Globex", siteId: globex.id }, { ...c.auth, siteId: globex.id });
    expect(acme.issues[0]!.url).toBe(`https://acme.atlassian.net/browse/${acme.issues[0]!.key}`);
    for (const [run, site] of [
      [acme, c.site],
      [glx, globex],
    ] as const) {
      expect(run.issues).toHaveLength(25);
      for (const issue of run.issues) {
        const raw = site.issues.get(Number(issue.externalId))!;
        expect(issue.estimate).toBe(raw.points);
        expect(issue.customFields[site.storyPoints.name]).toBe(raw.points);
        expect(issue.customFields).not.toHaveProperty("Business Value");
      }
      expect(run.issues.some((i) => i.iteration?.kind === "sprint" && i.iteration.state === "active")).toBe(true);
    }
    expect(c.site.storyPoints.id).not.toBe(globex.storyPoints.id);
    expect(c.site.sprint.id).not.toBe(globex.sprint.id);
  });

  it("a 429 carries Retry-After and RateLimit-Reason into the error", async () => {
    const c = setup(3);
    c.sandbox.faults.configure({ retryAfterSec: 17 });
    c.sandbox.queueFault("429", "search/jql", "jira-per-issue-on-write");
    const before = Date.now();
    const e = await catchErr(c.connector.listIssues(c.auth, c.scope, null));
    expect(e?.code).toBe("rate-limited");
    expect(e?.details.reason).toBe("jira-per-issue-on-write");
    expect(e?.details.retryAt).toBeGreaterThanOrEqual(before + 16_000);
    expect(c.connector.rateLimit().remaining).toBe(0);
  });
});

describe("jira rate limits on writes", () => {
  it("too many writes to one issue → 429 jira-per-issue-on-write → rate-limited with that reason", async () => {
    const c = setup(2, "Australia/Sydney", { perIssueWrites: { limit: 2, windowMs: 60_000 } });
    const issue = c.site.byKey.get("AUD-1")!;
    const ref = { externalId: String(issue.id), key: "AUD-1", scope: c.scope };
    const change = (l: string) => ({ desired: [`constraint:${l}`], isOwned: (x: string) => x.startsWith("constraint:"), definitions: [] });
    await c.connector.ensureLabels(c.auth, ref, change("a"));
    await c.connector.ensureLabels(c.auth, ref, change("b"));
    const e = await catchErr(c.connector.ensureLabels(c.auth, ref, change("c")));
    expect(e?.code).toBe("rate-limited");
    expect(e?.details.reason).toBe("jira-per-issue-on-write");
    expect(e?.details.retryAt).toBeGreaterThan(Date.now() + 50_000);
    expect(issue.labels.filter((l) => l.startsWith("constraint:"))).toEqual(["constraint:b"]);
  });
});

describe("jira oauth", () => {
  it("authorize page → code → tokens; refresh rotates and the old refresh token is refused", async () => {
    const c = setup();
    const url = c.connector.oauth.authorizeUrl({ state: "st4te", redirectUri: "https://app.example/cb" });
    expect(url).toContain("scope=read%3Ajira-work%20write%3Ajira-work%20read%3Ajira-user%20manage%3Ajira-webhook%20offline_access");
    expect(url).toContain("audience=api.atlassian.com");
    const page = await c.sandbox.fetch(new Request(url));
    expect(await page.text()).toContain("Approve");
    const approve = await c.sandbox.fetch(
      new Request(`${O}/jira/auth/authorize/approve`, {
        method: "POST",
        body: new URLSearchParams({ redirect_uri: "https://app.example/cb", state: "st4te", scope: "read:jira-work read:jira-user offline_access" }),
      }),
    );
    const cb = new URL(approve.headers.get("location")!);
    expect(cb.searchParams.get("state")).toBe("st4te");
    const tokens = await c.connector.oauth.exchangeCode({ code: cb.searchParams.get("code")!, redirectUri: "https://app.example/cb" });
    expect(Date.parse(tokens.expiresAt!) - Date.now()).toBeGreaterThan(3_500_000);
    const next = await c.connector.oauth.refresh(tokens);
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    expect((await catchErr(c.connector.oauth.refresh(tokens)))?.code).toBe("auth");
    const discovery = await c.connector.oauth.discover({ accessToken: next.accessToken });
    expect(discovery.sites.map((s) => s.name)).toEqual(["acme", "globex"]);
    expect(discovery.account.name).toBe("Mia Krystof");
    expect(discovery.scopes).toContainEqual({ kind: "project", id: "GLX", name: "Globex Platform", siteId: c.sandbox.site("globex").id });
  });
});

describe("jira webhooks", () => {
  it("registers, refreshes, and verifies a delivery; a retry keeps the identifier; a foreign signature and an expired JWT fail", async () => {
    const c = setup(3);
    const { ids } = await c.connector.webhookRegistration.register(c.auth, c.site.id, "https://svc.example/hooks/jira", ["AUD"]);
    expect(ids).toHaveLength(1);
    const { expiresAt } = await c.connector.webhookRegistration.refresh(c.auth, c.site.id, ids);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    await c.sandbox.humanUpdate(c.site.id, "AUD-2", { title: "changed" });
    const [d] = c.sandbox.outbox.drain();
    expect(d!.url).toBe("https://svc.example/hooks/jira");
    expect(JSON.parse(d!.body).matchedWebhookIds).toEqual(ids);
    const input = { headers: new Headers(d!.headers), rawBody: d!.body };
    const v1 = await c.connector.webhooks.verify(input);
    expect(v1.ok).toBe(true);
    const retry = await c.sandbox.redeliver(d!);
    const retried = { headers: new Headers(retry.headers), rawBody: retry.body };
    expect(await c.connector.webhooks.verify(retried)).toEqual(v1);
    expect(webhookRetryCount(retried)).toBe(1);
    const [event] = c.connector.webhooks.parse(input);
    expect(event).toMatchObject({ kind: "issue.touched", ref: { key: "AUD-2", scope: { id: "AUD", siteId: c.site.id } } });

    const now = Math.floor(Date.now() / 1000);
    const foreign = new Headers(d!.headers);
    foreign.set("authorization", `Bearer ${await signJwt("another-secret", { iat: now, exp: now + 60 })}`);
    expect(await verifyJiraWebhook({ headers: foreign, rawBody: d!.body }, CLIENT.clientSecret)).toMatchObject({ ok: false, reason: "bad-signature" });
    const old = new Headers(d!.headers);
    old.set("authorization", `Bearer ${await signJwt(CLIENT.clientSecret, { iat: now - 900, exp: now - 600 })}`);
    expect(await verifyJiraWebhook({ headers: old, rawBody: d!.body }, CLIENT.clientSecret)).toMatchObject({ ok: false, reason: "stale" });
  });
});

describe("jira write-back", () => {
  it("updates the ADF comment in place, keeping the marker; labels with spaces are mangled", async () => {
    const c = setup(2);
    const issue = c.site.byKey.get("AUD-1")!;
    const ref = { externalId: String(issue.id), key: "AUD-1", scope: c.scope };
    const body = "### Verdict\n**reliability** (0.82), see [runbook](https://example.com/r)\n\n- flaky `sync` job\n- 3 incidents";
    const created = await c.connector.ensureComment(c.auth, ref, "m1", body);
    const updated = await c.connector.ensureComment(c.auth, ref, "m1", body.replace("0.82", "0.91"));
    expect(updated).toEqual({ action: "updated", commentId: created.commentId });
    expect(issue.comments).toHaveLength(1);
    const doc = JSON.stringify(issue.comments[0]!.body);
    for (const t of ['"type":"heading"', '"type":"bulletList"', '"type":"strong"', '"type":"code"', "0.91", "https://backlog-auditor.invalid/m/m1?h="])
      expect(doc).toContain(t);
    expect(doc).not.toContain("0.82");
    const labels = await c.connector.ensureLabels(c.auth, ref, {
      desired: ["constraint:reliability", "needs triage"],
      isOwned: (l) => l.startsWith("constraint:") || l === "needs-triage",
      definitions: [],
    });
    expect(labels.added).toEqual(["constraint:reliability", "needs-triage"]);
    expect(labels.created).toEqual([]);
    expect(issue.labels).toContain("needs-triage");
  });
});
