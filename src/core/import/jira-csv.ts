/**
 * Jira's "Export CSV (all fields)": one column per field, with repeated
 * columns for multi-valued ones ("Labels", "Sprint", "Component/s").
 */
import { IssueSchema, type Issue } from "../../../domain/types";
import { csvTable } from "./csv";
import { isoDate, numberOrNull, priorityOf, stateCategoryOf } from "./shared";

const STANDARD = new Set([
  "summary",
  "issue key",
  "issue id",
  "issue type",
  "status",
  "priority",
  "labels",
  "description",
  "sprint",
  "created",
  "updated",
  "resolved",
  "component/s",
  "assignee",
  "reporter",
  "votes",
  "project key",
  "project name",
  "status category",
  "watchers",
]);

/**
 * Parses a Jira CSV export.
 *
 * @example
 * parseJiraCsv('Summary,Issue key,Issue id,Issue Type\nCrash,PROJ-1,10001,Bug\n')[0].type // "Bug"
 */
export function parseJiraCsv(text: string): Issue[] {
  const t = csvTable(text);
  const storyPoints = ["Custom field (Story Points)", "Custom field (Story point estimate)", "Story Points", "Story point estimate"];
  return t.rows.map((row) => {
    const key = t.get(row, "Issue key");
    const status = t.get(row, "Status");
    const category = t.get(row, "Status Category");
    const stateCategory = category
      ? /done/i.test(category)
        ? "done"
        : /progress/i.test(category)
          ? "in_progress"
          : stateCategoryOf(status)
      : stateCategoryOf(status);
    const sprints = t.all(row, "Sprint");
    const sprint = sprints[sprints.length - 1];
    const priorityName = t.get(row, "Priority");
    const estimate = storyPoints.map((c) => numberOrNull(t.get(row, c))).find((v) => v !== null) ?? null;
    const customFields: Record<string, string | string[]> = {};
    t.header.forEach((h, i) => {
      const name = h.trim();
      const v = row[i]?.trim();
      if (!v || STANDARD.has(name.toLowerCase())) return;
      const label = name.replace(/^Custom field \((.*)\)$/, "$1");
      const prev = customFields[label];
      customFields[label] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    });
    const done = stateCategory === "done" || stateCategory === "canceled";
    return IssueSchema.parse({
      tracker: "jira",
      externalId: t.get(row, "Issue id") || key,
      key: key || t.get(row, "Issue id"),
      url: null,
      title: t.get(row, "Summary"),
      body: t.get(row, "Description"),
      labels: t.all(row, "Labels"),
      type: t.get(row, "Issue Type") || null,
      components: t.all(row, "Component/s"),
      state: status || "To Do",
      stateCategory,
      priority: priorityOf(priorityName),
      priorityName: priorityName || null,
      estimate,
      // The export does not say whether a sprint is open; the last sprint of an unfinished issue counts as the active one.
      iteration: sprint ? { kind: "sprint", id: sprint, name: sprint, state: done ? "closed" : "active" } : null,
      project: t.get(row, "Project key") || (key.includes("-") ? key.split("-")[0] : null) || null,
      assignees: t.all(row, "Assignee"),
      reactions: Math.max(0, Math.trunc(numberOrNull(t.get(row, "Votes")) ?? 0)),
      watchers: Math.max(0, Math.trunc(numberOrNull(t.get(row, "Watchers")) ?? 0)),
      reopenedCount: /reopen/i.test(status) ? 1 : 0,
      // Every sprint before the last one closed with the issue unfinished (Jira keeps them all in the Sprint field).
      carriedOver: Math.max(0, sprints.length - 1),
      customFields,
      createdAt: isoDate(t.get(row, "Created")),
      updatedAt: isoDate(t.get(row, "Updated")) || isoDate(t.get(row, "Created")),
      closedAt: isoDate(t.get(row, "Resolved")) || null,
    });
  });
}
