/** GitHub-specific sync behaviour beyond the shared contract. */
import { describe, expect, it } from "vitest";
import { priorityFromLabels, toIssue, GithubIssueWireSchema } from "../../../../connectors/github/schema";
import { decodeCursor, nextCursor, START } from "../../../../connectors/github/sync";
import type { Issue } from "../../../../domain/types";
import { wire } from "./setup";

async function syncAll(w: ReturnType<typeof wire>, token: string, repo: string, cursor: string | null = null) {
  const issues: Issue[] = [];
  let requests = 0;
  for (;;) {
    const page = await w.connector.listIssues({ accessToken: token }, w.scope(repo), cursor);
    requests++;
    issues.push(...page.issues);
    cursor = page.cursor;
    if (!page.hasMore) return { issues, cursor, requests };
  }
}

describe("GitHub sync", () => {
  it("filters pull requests out of /issues and still advances past them", async () => {
    const w = wire({ seed: { repos: [{ fullName: "acme/mixed", issues: 250, pullRequestShare: 0.3 }] } });
    const token = w.sandbox.issueInstallationToken();
    const repo = w.sandbox.repo("acme/mixed");
    const expected = repo.issues.filter((i) => i && !i.isPullRequest).map((i) => String(i!.id));
    expect(expected.length).toBeLessThan(250);
    const run = await syncAll(w, token, "acme/mixed");
    expect(run.issues.map((i) => i.externalId).sort()).toEqual(expected.sort());
    expect(run.requests).toBe(3);
  });

  it("an issue updated mid-sync (moving from page 1 to the end) does not make a later issue disappear", async () => {
    const w = wire({ seed: { repos: [{ fullName: "acme/busy", issues: 250, pullRequestShare: 0 }] } });
    const token = w.sandbox.issueInstallationToken();
    const first = await w.connector.listIssues({ accessToken: token }, w.scope("acme/busy"), null);
    // A human edits issue #5 (already delivered) between page 1 and page 2: a page-number walk would now skip one issue.
    await w.sandbox.human("acme/busy", 5, { title: "edited mid-sync" });
    const rest = await syncAll(w, token, "acme/busy", first.cursor);
    const ids = new Set([...first.issues, ...rest.issues].map((i) => i.externalId));
    expect(ids.size).toBe(250);
    expect(rest.issues.find((i) => i.key === "acme/busy#5")?.title).toBe("edited mid-sync");
  });

  it("a token revoked mid-sync fails the next page with auth, and the cursor before it still resumes", async () => {
    const w = wire({ seed: { repos: [{ fullName: "acme/webapp", issues: 230, pullRequestShare: 0 }] } });
    const token = w.sandbox.issueInstallationToken();
    const first = await w.connector.listIssues({ accessToken: token }, w.scope(), null);
    w.sandbox.revokeToken(token);
    await expect(w.connector.listIssues({ accessToken: token }, w.scope(), first.cursor)).rejects.toMatchObject({ code: "auth", details: { status: 401 } });
    const fresh = w.sandbox.issueInstallationToken();
    const rest = await syncAll(w, fresh, "acme/webapp", first.cursor);
    expect(new Set([...first.issues, ...rest.issues].map((i) => i.externalId)).size).toBe(230);
  });

  it("an uninstalled App's token fails with auth; a repo outside the installation is not-found", async () => {
    const w = wire();
    const token = w.sandbox.issueInstallationToken();
    w.sandbox.seedRepo({ fullName: "other/private", issues: 3 });
    w.sandbox.repo("other/private");
    w.sandbox.core.installations.get(w.sandbox.installationId)!.repos.delete("other/private");
    await expect(w.connector.listIssues({ accessToken: token }, w.scope("other/private"), null)).rejects.toMatchObject({ code: "not-found" });
    await w.sandbox.uninstall();
    await expect(w.connector.listIssues({ accessToken: token }, w.scope(), null)).rejects.toMatchObject({ code: "auth" });
  });

  it("a hanging answer becomes upstream (timeout); a slow one still arrives", async () => {
    const w = wire({ seed: { repos: [{ fullName: "acme/webapp", issues: 5 }] } });
    const { createGithubConnector } = await import("../../../../connectors/github");
    const quick = createGithubConnector({
      fetch: w.fetch,
      apiBase: "http://sandbox.test/github/api",
      oauthBase: "http://sandbox.test/github",
      clientId: "x",
      clientSecret: "y",
      timeoutMs: 50,
    });
    const auth = { accessToken: w.sandbox.issueInstallationToken() };
    w.sandbox.faults.configure({ slowMs: 10_000 });
    w.sandbox.faults.queue("timeout");
    await expect(quick.listIssues(auth, w.scope(), null)).rejects.toMatchObject({ code: "upstream", details: { reason: "timeout" } });
    w.sandbox.faults.configure({ slowMs: 5 });
    w.sandbox.faults.queue("slow");
    await expect(quick.listIssues(auth, w.scope(), null)).resolves.toMatchObject({ hasMore: false });
  });

  it("an unreadable cursor restarts a full sync instead of failing", () => {
    expect(decodeCursor("not json")).toEqual(START);
    expect(decodeCursor(JSON.stringify({ v: 2 }))).toEqual(START);
  });

  it.each([
    [
      "normal page: since moves to the last second, its ids are remembered",
      { ...START },
      [
        ["1", "A"],
        ["2", "B"],
        ["3", "B"],
      ],
      true,
      { since: "B", seen: ["2", "3"], page: 1 },
    ],
    [
      "whole page inside one second: continue by page number",
      { ...START },
      [
        ["1", "A"],
        ["2", "A"],
      ],
      true,
      { since: "A", seen: ["1", "2"], page: 2 },
    ],
    [
      "still inside the tie: page grows, ids accumulate",
      { v: 1 as const, since: "A", seen: ["1", "2"], page: 2 },
      [["3", "A"]],
      true,
      { since: "A", seen: ["1", "2", "3"], page: 3 },
    ],
    [
      "caught up inside a tie: page resets for the next run",
      { v: 1 as const, since: "A", seen: ["1"], page: 2 },
      [["3", "A"]],
      false,
      { since: "A", seen: ["1", "3"], page: 1 },
    ],
  ])("nextCursor: %s", (_name, cursor, marks, hasNext, expected) => {
    expect(
      nextCursor(
        cursor,
        marks.map(([id, second]) => ({ id: id!, second: second! })),
        hasNext,
      ),
    ).toEqual({ v: 1, ...expected });
  });
});

describe("GitHub normalization", () => {
  it.each([
    [["priority: high"], 2],
    [["Priority/Critical"], 1],
    [["P1"], 2],
    [["p0-urgent"], 1],
    [["prio: low"], 4],
    [["priority: p2"], 3],
    [["bug", "enhancement"], null],
    [["p10"], null],
  ] as const)("priority from %j → %s", (labels, priority) => {
    expect(priorityFromLabels([...labels]).priority).toBe(priority);
  });

  it("maps state_reason, milestone, type, reactions and assignees", async () => {
    const w = wire({ seed: { repos: [{ fullName: "acme/webapp", issues: 120, pullRequestShare: 0 }] } });
    const token = w.sandbox.issueInstallationToken();
    const res = await w.fetch("http://sandbox.test/github/api/repos/acme/webapp/issues?state=all&per_page=100", {
      headers: { authorization: `Bearer ${token}` },
    });
    const raw = (await res.json()) as unknown[];
    const issues = raw.map((r) => toIssue(GithubIssueWireSchema.parse(r)));
    const closedNotPlanned = issues.find((i) => i.state === "closed" && i.stateCategory === "canceled");
    const withMilestone = issues.find((i) => i.iteration?.name === "v1.4");
    expect(closedNotPlanned).toBeDefined();
    expect(withMilestone?.iteration).toMatchObject({ kind: "milestone", state: "active" });
    expect(issues.find((i) => i.iteration?.name === "v1.3")?.iteration?.state).toBe("closed");
    expect(issues.some((i) => i.type === "Bug")).toBe(true);
    expect(issues.some((i) => i.reactions > 0)).toBe(true);
    expect(issues.some((i) => i.assignees.length > 0)).toBe(true);
    expect(issues.filter((i) => i.state === "open").every((i) => i.stateCategory === "todo")).toBe(true);
  });
});
