/** Flow evidence the connectors read from fields they already fetch: Jira sprint lists and watchers, GitHub reopened state. */
import { describe, expect, it } from "vitest";
import { GithubIssueSchema } from "../../../connectors/github/schema";
import { sprintCarries } from "../../../connectors/jira/normalize";
import { parseJiraCsv } from "../../../src/core/import";

const sprint = (id: number, state: string) => ({
  id,
  name: `S${id}`,
  state,
  boardId: 1,
  startDate: "2026-10-01T00:00:00.000Z",
  endDate: "2026-10-14T00:00:00.000Z",
});

describe("Jira carry-over from the sprint field", () => {
  it.each([
    { name: "no sprint", value: null, done: false, want: 0 },
    { name: "in its first, active sprint", value: [sprint(1, "active")], done: false, want: 0 },
    { name: "carried from one closed sprint into the active one", value: [sprint(1, "closed"), sprint(2, "active")], done: false, want: 1 },
    { name: "open, left in two closed sprints", value: [sprint(1, "closed"), sprint(2, "closed")], done: false, want: 2 },
    { name: "done in its last closed sprint, carried once before", value: [sprint(1, "closed"), sprint(2, "closed")], done: true, want: 1 },
    { name: "done in its only sprint", value: [sprint(1, "closed")], done: true, want: 0 },
    { name: "malformed entries are ignored", value: [sprint(1, "closed"), { nope: true }, sprint(2, "active")], done: false, want: 1 },
  ])("$name → $want", ({ value, done, want }) => {
    expect(sprintCarries(value, done)).toBe(want);
  });
});

describe("GitHub reopened state", () => {
  const wire = (state: "open" | "closed", state_reason: string | null) => ({
    id: 1,
    number: 7,
    title: "Crash on save",
    html_url: "https://github.com/acme/app/issues/7",
    repository_url: "https://api.github.com/repos/acme/app",
    state,
    state_reason,
    labels: [],
    comments: 0,
    created_at: "2026-10-01T00:00:00Z",
    updated_at: "2026-10-02T00:00:00Z",
  });
  it.each([
    { state: "open", reason: "reopened", want: 1 },
    { state: "open", reason: null, want: 0 },
    { state: "closed", reason: "completed", want: 0 },
  ] as const)("$state/$reason → reopenedCount $want", ({ state, reason, want }) => {
    expect(GithubIssueSchema.parse(wire(state, reason)).reopenedCount).toBe(want);
  });
});

describe("Jira reopened status", () => {
  it("a Reopened status counts one reopen in a Jira CSV export", () => {
    const csv = "Summary,Issue key,Issue id,Status,Created\nCrash,P-1,1,Reopened,01/Oct/26 9:00 AM\nIdea,P-2,2,To Do,01/Oct/26 9:00 AM\n";
    expect(parseJiraCsv(csv).map((i) => i.reopenedCount)).toEqual([1, 0]);
  });
});
