/**
 * JQL for the sync, and the time-zone arithmetic it needs. JQL date literals
 * (`"yyyy-MM-dd HH:mm"`) have minute precision and are read in the *user's*
 * time zone (`GET /rest/api/3/myself` → `timeZone`), so the connector formats
 * instants in that zone. Intl only: runs in Workers and Node alike.
 *
 * @example
 * formatJqlMinute(Date.parse("2026-01-01T00:00:30Z"), "Australia/Sydney"); // "2026-01-01 11:00"
 * syncJql("PROJ", "2026-01-01 11:00");
 * // project = "PROJ" AND updated >= "2026-01-01 11:00" ORDER BY updated ASC, key ASC
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock fields of instant `ms` in zone `tz`. */
export function wallClock(ms: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return { y: parts.year!, mo: parts.month!, d: parts.day!, h: parts.hour! % 24, mi: parts.minute!, s: parts.second! };
}

/** The zone's UTC offset at instant `ms`, in ms (Sydney in January: +11 h). */
export function zoneOffsetMs(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  const base = Math.floor(ms / 1000) * 1000;
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - base;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `"yyyy-MM-dd HH:mm"` of instant `ms` in `tz`: the minute that contains it (floored). */
export function formatJqlMinute(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)} ${pad(w.h)}:${pad(w.mi)}`;
}

/** Validates a zone name; Intl throws a RangeError on unknown zones. */
export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/**
 * The JQL lower bound for a run whose high-water mark is `hwMs`: the minute
 * containing `hwMs - overlapMs`, in the user's zone. If a DST change happened
 * within the last two hours the local minute may be ambiguous (clocks went
 * back), so widen by one more hour: a wider window only costs re-reads that
 * the seen-set drops, a narrower one would miss issues.
 */
export function lowerBound(hwMs: number, overlapMs: number, tz: string): string {
  let from = hwMs - overlapMs;
  if (zoneOffsetMs(from, tz) !== zoneOffsetMs(from - 2 * 3_600_000, tz)) from -= 3_600_000;
  return formatJqlMinute(from, tz);
}

/** Quote a JQL string literal. */
export function jqlString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The bounded sync query: one project, optionally from a local minute, in a stable total order. */
export function syncJql(projectKey: string, fromLocalMinute: string | null): string {
  const bound = fromLocalMinute ? ` AND updated >= ${jqlString(fromLocalMinute)}` : "";
  return `project = ${jqlString(projectKey)}${bound} ORDER BY updated ASC, key ASC`;
}

/** JQL for a first (full) sync: key order, in which an edit during the run moves no issue. */
export function fullSyncJql(projectKey: string): string {
  return `project = ${jqlString(projectKey)} ORDER BY key ASC`;
}

/** JQL for dynamic-webhook filters: `project in ("A", "B")` (a supported filter form). */
export function projectsFilter(projectKeys: string[]): string {
  return `project in (${projectKeys.map(jqlString).join(", ")})`;
}

/**
 * Jira's timestamps look like `2026-01-01T11:00:30.123+1100`. V8 accepts the
 * colon-less offset, but normalize it so any engine parses it.
 */
export function parseJiraTime(s: string): number {
  const norm = s.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  return Date.parse(norm);
}

/** The instant where `lowerBound(...)`'s local minute starts (what the next query will include). */
export function lowerBoundMs(hwMs: number, overlapMs: number, tz: string): number {
  let from = hwMs - overlapMs;
  if (zoneOffsetMs(from, tz) !== zoneOffsetMs(from - 2 * 3_600_000, tz)) from -= 3_600_000;
  const w = wallClock(from, tz);
  return from - (((from % 1000) + 1000) % 1000) - w.s * 1000;
}
