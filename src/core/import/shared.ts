/** Small helpers the import formats share. */
import type { StateCategory } from "../../../domain/types";

/** Maps a tracker's workflow state name to our category. */
export function stateCategoryOf(name: string): StateCategory {
  const s = name.trim().toLowerCase();
  if (/^(done|closed|resolved|complete|completed|merged|fixed|released)$/.test(s)) return "done";
  if (/(cancel|won't|wont|duplicate|invalid|rejected|obsolete)/.test(s)) return "canceled";
  if (/(progress|review|doing|started|testing|qa|development|implement)/.test(s)) return "in_progress";
  if (/(backlog|triage|icebox|new|open|reopened|unstarted)/.test(s) && !/to ?do/.test(s)) return s === "open" || s === "reopened" ? "todo" : "backlog";
  return "todo";
}

/** Maps priority names of Jira, Linear and GitHub labels to Linear's scale (0 none, 1 urgent .. 4 low). */
export function priorityOf(name: string): number {
  const s = name.trim().toLowerCase();
  if (!s || /no priority|none|undefined/.test(s)) return 0;
  if (/^(p0|highest|blocker|critical|urgent)/.test(s)) return 1;
  if (/^(p1|high|major)/.test(s)) return 2;
  if (/^(p2|medium|normal)/.test(s)) return 3;
  if (/^(p3|p4|low|lowest|minor|trivial)/.test(s)) return 4;
  return 0;
}

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

/** Parses ISO dates and Jira's `21/Nov/24 3:45 PM`; returns an ISO string or "" when unknown. */
export function isoDate(value: string): string {
  const v = value.trim();
  if (!v) return "";
  const jira = /^(\d{1,2})\/([A-Za-z]{3})\/(\d{2,4})(?:\s+(\d{1,2}):(\d{2})(?:\s*([AP]M))?)?$/i.exec(v);
  if (jira) {
    const [, d, mon, y, h = "0", m = "0", ampm] = jira;
    const month = MONTHS[mon!.toLowerCase()];
    if (month === undefined) return "";
    let hour = Number(h) % 12;
    if (!ampm) hour = Number(h);
    else if (ampm.toUpperCase() === "PM") hour += 12;
    const year = y!.length === 2 ? 2000 + Number(y) : Number(y);
    return new Date(Date.UTC(year, month, Number(d), hour, Number(m))).toISOString();
  }
  const t = Date.parse(v);
  return Number.isNaN(t) ? "" : new Date(t).toISOString();
}

export function numberOrNull(v: string | number | null | undefined): number | null {
  if (v === null || v === undefined || v === "") return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : null;
}
