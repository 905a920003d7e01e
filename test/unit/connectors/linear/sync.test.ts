import { describe, expect, it } from "vitest";
import { LINEAR_PAGE_SIZE } from "../../../../connectors/linear";
import { cycleIteration, stateCategory } from "../../../../connectors/linear/normalize";
import { setup, syncAll } from "./setup";

describe("Linear sync", () => {
  it("pages through every issue of the team once, one request per page, then a no-op re-sync costs one request", async () => {
    const c = setup({ sandbox: { seed: { issues: 2 * LINEAR_PAGE_SIZE + 7 } } });
    const full = await syncAll(c);
    expect(full.issues).toHaveLength(2 * LINEAR_PAGE_SIZE + 7);
    expect(new Set(full.issues.map((i) => i.externalId)).size).toBe(full.issues.length);
    expect(full.issues.every((i) => i.project === "ENG")).toBe(true);
    expect(c.sandbox.stats.byRoute["query BacklogAuditorIssues"]).toBe(3);
    c.sandbox.resetStats();
    const again = await syncAll(c, full.cursor);
    expect(again.issues).toEqual([]);
    expect(c.sandbox.stats.requests).toBe(1);
  });

  it("reads customer requests (customer, revenue, size, tier, importance) and start times in the same page request", async () => {
    const c = setup({ sandbox: { seed: { issues: 120 } } });
    const full = await syncAll(c);
    expect(c.sandbox.stats.byRoute["query BacklogAuditorIssues"]).toBe(1);
    const asked = full.issues.filter((i) => (i.customerRequests ?? []).length > 0);
    expect(asked.length).toBeGreaterThan(5);
    expect(asked.every((i) => i.customerRequests!.length <= 2)).toBe(true);
    expect(asked.flatMap((i) => i.customerRequests!)).toContainEqual(
      expect.objectContaining({ customer: "Globex", revenue: 1_200_000, size: 3_000, tier: "Enterprise", important: expect.any(Boolean) }),
    );
    const started = full.issues.filter((i) => i.stateCategory === "in_progress" || i.stateCategory === "done");
    expect(started.length).toBeGreaterThan(0);
    expect(started.every((i) => typeof i.startedAt === "string" && i.startedAt <= i.updatedAt)).toBe(true);
  });

  it.each([
    { name: "few issues with requests per page: they ride in the page request", every: 7, sameUpdatedAt: false, extra: 0 },
    // Page 1 has 125 issues with requests: 50 ride along, 75 more by id in 2 requests; page 2's 20 ride along.
    { name: "more than NEEDS_PAGE per page: the rest by id, one more request per 50", every: 2, sameUpdatedAt: false, extra: 2 },
    // One timestamp: page 2's range reaches back over page 1's issues, so its 20 come by id (1 more request).
    { name: "every issue on the same millisecond", every: 2, sameUpdatedAt: true, extra: 3 },
  ])("customer requests equal the inline `needs(first: 2)` of each issue ($name)", async ({ every, sameUpdatedAt, extra }) => {
    const c = setup({ sandbox: { seed: { issues: 0 } } });
    const ids = c.sandbox.seedIssues(LINEAR_PAGE_SIZE + 40, { sameUpdatedAt });
    ids.forEach((id, k) => {
      const i = c.sandbox.state.issues.get(id)!;
      i.needs =
        k % every === 0
          ? Array.from({ length: 1 + (k % 3) }, (_, j) => ({
              id: `n-${k}-${j}`,
              customerId: `cust-${1 + ((k + j) % 5)}`,
              priority: (j % 2) as 0 | 1,
              createdAt: i.createdAt + j,
            }))
          : undefined;
    });
    c.sandbox.resetStats();
    const full = await syncAll(c);
    expect(full.issues).toHaveLength(ids.length);
    expect(c.sandbox.stats.byRoute["query BacklogAuditorIssues"]).toBe(2);
    expect(c.sandbox.stats.byRoute["query BacklogAuditorIssuesWithNeeds"] ?? 0).toBe(extra);
    const withRequests = full.issues.filter((i) => i.customerRequests!.length > 0);
    expect(withRequests.length).toBe(Math.ceil(ids.length / every));
    for (const issue of full.issues) {
      const one = await c.connector.getIssue(c.auth, { externalId: issue.externalId, key: issue.key, scope: c.scope });
      expect(issue.customerRequests, issue.key).toEqual(one!.customerRequests);
    }
  });

  it("the team is read once per page (`pageTeam`, filtered by id): another team's issues carry its key", async () => {
    const c = setup({ sandbox: { seed: { issues: 5 } } });
    const ops = c.sandbox.state.team("OPS");
    const page = await c.connector.listIssues(c.auth, { kind: "team", id: ops.id, name: "Ops (OPS)" }, null);
    expect(page.issues.length).toBeGreaterThan(0);
    expect(page.issues.every((i) => i.project === "OPS" && i.key.startsWith("OPS-"))).toBe(true);
  });

  it("after a human edit, the incremental sync returns exactly the edited issue", async () => {
    const c = setup({ sandbox: { seed: { issues: 30 } } });
    const full = await syncAll(c);
    const target = full.issues[10]!;
    await c.sandbox.humanUpdate(target.externalId, { title: "Onboarding checklist is empty for new workspaces" });
    const inc = await syncAll(c, full.cursor);
    expect(inc.issues.map((i) => i.externalId)).toEqual([target.externalId]);
    expect(inc.issues[0]!.title).toBe("Onboarding checklist is empty for new workspaces");
  });

  it("equal updatedAt across a page boundary: nothing missed, nothing duplicated, also for a later edit on the same millisecond", async () => {
    const c = setup({ sandbox: { seed: { issues: LINEAR_PAGE_SIZE + 20, sameUpdatedAt: true } } });
    const full = await syncAll(c);
    expect(full.pages).toBe(2);
    expect(new Set(full.issues.map((i) => i.externalId)).size).toBe(LINEAR_PAGE_SIZE + 20);
    const stamp = full.issues[0]!.updatedAt;
    // Another issue (seeded in the other team, moved here) lands on the very same millisecond later.
    const other = c.sandbox.seedIssues(1, { team: "OPS" })[0]!;
    const moved = c.sandbox.state.issues.get(other)!;
    c.sandbox.state.issuesByTeam.get(moved.teamId)!.splice(0);
    moved.teamId = c.team.id;
    c.sandbox.state.issuesByTeam.get(c.team.id)!.push(moved);
    moved.number = 9999;
    moved.updatedAt = Date.parse(stamp);
    const inc = await syncAll(c, full.cursor);
    expect(inc.issues.map((i) => i.externalId)).toEqual([other]);
    const none = await syncAll(c, inc.cursor);
    expect(none.issues).toEqual([]);
  });

  it("a malformed item is skipped and reported while the rest of its page arrives", async () => {
    const c = setup({ sandbox: { seed: { issues: 40 } } });
    c.sandbox.faults.queue("malformed");
    const page = await c.connector.listIssues(c.auth, c.scope, null);
    expect(page.skipped).toHaveLength(1);
    expect(page.skipped[0]!.reason).toMatch(/priority/);
    expect(page.issues).toHaveLength(39);
  });

  it("maps cycles to iterations (active/next/future/closed), estimates, priorities and state categories", async () => {
    const c = setup({ sandbox: { seed: { issues: 200 } } });
    const { issues } = await syncAll(c);
    const ws = c.sandbox.state;
    for (const issue of issues) {
      const raw = ws.issues.get(issue.externalId)!;
      expect(issue.priority).toBe(raw.priority);
      expect(issue.priorityName).toBe(["No priority", "Urgent", "High", "Medium", "Low"][raw.priority]);
      expect(issue.estimate).toBe(raw.estimate);
      const cyc = ws.cycles.find((x) => x.id === raw.cycleId);
      if (!cyc) expect(issue.iteration).toBeNull();
      else {
        const f = ws.cycleFlags(cyc);
        const want = f.isActive ? "active" : f.isNext ? "next" : f.isFuture ? "future" : "closed";
        expect(issue.iteration).toMatchObject({ kind: "cycle", id: cyc.id, state: want });
      }
      expect(issue.labels.sort()).toEqual(raw.labelIds.map((id) => ws.labels.get(id)!.name).sort());
      expect(issue.commentCount).toBe(Math.min(10, ws.commentsOf(raw.id).length));
    }
    const states = new Set(issues.map((i) => i.iteration?.state ?? "none"));
    expect([...states].sort()).toEqual(["active", "closed", "future", "next", "none"]);
    expect(issues.filter((i) => i.estimate !== null).length).toBeGreaterThan(issues.length / 2);
    expect(issues.some((i) => i.reactions > 0)).toBe(true);
  });

  it.each([
    ["triage", "backlog"],
    ["backlog", "backlog"],
    ["unstarted", "todo"],
    ["started", "in_progress"],
    ["completed", "done"],
    ["canceled", "canceled"],
    ["duplicate", "canceled"],
  ] as const)("state type %s → %s", (type, cat) => {
    expect(stateCategory(type)).toBe(cat);
  });

  it("a webhook cycle (dates only) is placed by the clock", () => {
    const now = Date.parse("2026-05-10T00:00:00Z");
    const c = (s: string, e: string) => cycleIteration({ id: "c", number: 3, startsAt: s, endsAt: e }, now).state;
    expect(c("2026-05-01T00:00:00Z", "2026-05-15T00:00:00Z")).toBe("active");
    expect(c("2026-04-01T00:00:00Z", "2026-04-15T00:00:00Z")).toBe("closed");
    expect(c("2026-05-15T00:00:00Z", "2026-05-29T00:00:00Z")).toBe("future");
    expect(
      cycleIteration({ id: "c", number: 4, startsAt: "2026-05-15T00:00:00Z", endsAt: "2026-05-29T00:00:00Z", isNext: true, isFuture: true }, now).state,
    ).toBe("next");
  });

  it("getIssue reads one issue with its labels; an unknown id is null", async () => {
    const c = setup();
    const id = c.sandbox.seedIssues(5, { labels: ["bug", "onboarding"] })[2]!;
    const ref = { externalId: id, key: "ENG-3", scope: c.scope };
    const issue = await c.connector.getIssue(c.auth, ref);
    expect(issue).toMatchObject({ externalId: id, key: "ENG-3", labels: ["bug", "onboarding"] });
    expect(await c.connector.getIssue(c.auth, { ...ref, externalId: "00000000-0000-4000-a000-000000000000" })).toBeNull();
  });
});
