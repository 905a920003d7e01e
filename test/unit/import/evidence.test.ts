/** Flow and customer evidence in the import formats: gh JSON, Jira CSV, Linear CSV, our JSONL. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { parseGhIssues, parseIssues, parseJiraCsv, parseLinearCsv } from "../../../src/core/import";

const fixture = (f: string) => readFileSync(resolve(import.meta.dirname, "../../fixtures/import", f), "utf8");

it("reads closedAt and a reopened stateReason", () => {
  const [closed, reopened, open] = parseGhIssues(
    JSON.stringify([
      {
        number: 1,
        title: "Crash",
        state: "CLOSED",
        stateReason: "COMPLETED",
        closedAt: "2026-10-02T00:00:00Z",
        createdAt: "2026-10-01T00:00:00Z",
        url: "https://github.com/o/r/issues/1",
      },
      {
        number: 2,
        title: "Crash again",
        state: "OPEN",
        stateReason: "REOPENED",
        closedAt: null,
        createdAt: "2026-10-01T00:00:00Z",
        url: "https://github.com/o/r/issues/2",
      },
      { number: 3, title: "Idea", state: "OPEN", createdAt: "2026-10-01T00:00:00Z", url: "https://github.com/o/r/issues/3" },
    ]),
  );
  expect(closed).toMatchObject({ stateCategory: "done", closedAt: "2026-10-02T00:00:00Z", reopenedCount: 0 });
  expect(reopened).toMatchObject({ stateCategory: "todo", reopenedCount: 1 });
  expect(open!.reopenedCount).toBe(0);
});

it("Jira CSV: every sprint but the last is a carry-over; Resolved is the close date", () => {
  const byKey = Object.fromEntries(parseJiraCsv(fixture("jira-export.csv")).map((i) => [i.key, i]));
  expect(byKey["PLAT-412"]).toMatchObject({ carriedOver: 1, iteration: expect.objectContaining({ name: "PLAT Sprint 12" }) });
});

it("Linear CSV: Started is the start of cycle time, the cycle keeps its dates", () => {
  const [first] = parseLinearCsv(fixture("linear-export.csv"));
  expect(first).toMatchObject({
    key: "ENG-1203",
    startedAt: "2026-01-13T09:00:00.000Z",
    iteration: expect.objectContaining({ startsAt: "2026-01-12T00:00:00.000Z", endsAt: "2026-01-26T00:00:00.000Z" }),
  });
});

it("our JSONL: a short row carries state, closedAt, iteration, reopens, carries and customer requests", () => {
  const rows = [
    { id: "a#1", title: "Setup fails", closedAt: "2026-10-05T00:00:00Z", createdAt: "2026-10-01T00:00:00Z" },
    {
      id: "a#2",
      title: "SSO for Globex",
      state: "In Progress",
      iteration: { kind: "cycle", id: "c9", name: "Cycle 9", state: "active" },
      reopenedCount: 2,
      carriedOver: 1,
      customerRequests: [{ customer: "Globex", revenue: 1200000, tier: "Enterprise" }],
      links: [{ url: "https://acme.zendesk.com/agent/tickets/1" }],
    },
  ];
  const [done, open] = parseIssues(rows.map((r) => JSON.stringify(r)).join("\n"));
  expect(done).toMatchObject({ stateCategory: "done", closedAt: "2026-10-05T00:00:00Z" });
  expect(open).toMatchObject({
    stateCategory: "in_progress",
    reopenedCount: 2,
    carriedOver: 1,
    iteration: expect.objectContaining({ id: "c9" }),
    customerRequests: [expect.objectContaining({ customer: "Globex", revenue: 1_200_000, tier: "Enterprise", important: false })],
    links: [{ url: "https://acme.zendesk.com/agent/tickets/1", title: null }],
  });
});

it("our JSONL also takes tracker-shaped names: Linear customerNeeds and attachments, Jira votes and watchCount, completedAt", () => {
  const row = {
    id: "ENG-9",
    title: "Bulk export",
    completedAt: "2026-10-09T00:00:00Z",
    votes: 7,
    watchCount: 3,
    customerNeeds: [{ priority: 1, customer: { name: "Globex", revenue: 1200000, size: 3000, tier: { name: "Enterprise" } } }],
    attachments: [{ url: "https://app.intercom.com/a/inbox/x/conversation/1", title: "Conversation" }],
  };
  const [issue] = parseIssues(JSON.stringify(row));
  expect(issue).toMatchObject({
    stateCategory: "done",
    closedAt: "2026-10-09T00:00:00Z",
    reactions: 7,
    watchers: 3,
    customerRequests: [{ customer: "Globex", revenue: 1_200_000, size: 3000, tier: "Enterprise", important: true, createdAt: null }],
    links: [{ url: "https://app.intercom.com/a/inbox/x/conversation/1", title: "Conversation" }],
  });
});

it("our JSONL: an iteration history gives the current iteration and the carry-overs", () => {
  const sprints = [
    { id: 11, name: "Sprint 11", state: "closed", startDate: "2026-09-01T00:00:00Z", endDate: "2026-09-14T00:00:00Z" },
    { id: 12, name: "Sprint 12", state: "closed" },
    { id: 13, name: "Sprint 13", state: "active" },
  ];
  const [open, done] = parseIssues(
    [
      JSON.stringify({ id: "P-1", title: "Refactor billing", tracker: "jira", sprints }),
      JSON.stringify({ id: "P-2", title: "Fix export", tracker: "jira", closedAt: "2026-09-20T00:00:00Z", sprints: sprints.slice(0, 2) }),
    ].join("\n"),
  );
  expect(open).toMatchObject({ carriedOver: 2, iteration: { kind: "sprint", id: "13", name: "Sprint 13", state: "active" } });
  expect(done).toMatchObject({ carriedOver: 1, iteration: { id: "12", state: "closed" }, stateCategory: "done" });
});
