/**
 * Linear's CSV export (Settings → Import/Export → Export CSV). The export names
 * only the issue's last cycle; with its end date the audit tells whether the
 * issue outlived it (carried over).
 */
import { IssueSchema, type Issue } from "../../../domain/types";
import { csvTable } from "./csv";
import { isoDate, numberOrNull, priorityOf, stateCategoryOf } from "./shared";

/**
 * Parses a Linear CSV export.
 *
 * @example
 * parseLinearCsv('ID,Team,Title,Status\nENG-1,Engineering,Crash,Todo\n')[0].key // "ENG-1"
 */
export function parseLinearCsv(text: string): Issue[] {
  const t = csvTable(text);
  return t.rows.map((row) => {
    const key = t.get(row, "ID");
    const status = t.get(row, "Status");
    const completed = t.get(row, "Completed");
    const canceled = t.get(row, "Canceled");
    const stateCategory = canceled ? "canceled" : completed ? "done" : stateCategoryOf(status);
    const cycleNumber = t.get(row, "Cycle Number");
    const cycleName = t.get(row, "Cycle Name");
    const priorityName = t.get(row, "Priority");
    const labels = t
      .all(row, "Labels")
      .flatMap((l) => l.split(","))
      .map((l) => l.trim())
      .filter(Boolean);
    const done = stateCategory === "done" || stateCategory === "canceled";
    return IssueSchema.parse({
      tracker: "linear",
      externalId: t.get(row, "UUID") || key,
      key,
      url: null,
      title: t.get(row, "Title"),
      body: t.get(row, "Description"),
      labels,
      state: status || "Todo",
      stateCategory,
      priority: priorityOf(priorityName),
      priorityName: priorityName || null,
      estimate: numberOrNull(t.get(row, "Estimate")),
      // The export has no cycle state; an unfinished issue's cycle counts as the active one.
      iteration:
        cycleNumber || cycleName
          ? {
              kind: "cycle",
              id: cycleNumber || cycleName,
              name: cycleName || `Cycle ${cycleNumber}`,
              state: done ? "closed" : "active",
              startsAt: isoDate(t.get(row, "Cycle Start")) || null,
              endsAt: isoDate(t.get(row, "Cycle End")) || null,
            }
          : null,
      project: t.get(row, "Team") || null,
      assignees: t.all(row, "Assignee"),
      customFields: t.get(row, "Project") ? { Project: t.get(row, "Project") } : {},
      createdAt: isoDate(t.get(row, "Created")),
      updatedAt: isoDate(t.get(row, "Updated")) || isoDate(t.get(row, "Created")),
      closedAt: isoDate(completed || canceled) || null,
      startedAt: isoDate(t.get(row, "Started")) || null,
    });
  });
}
