/**
 * The sandbox's own time-zone arithmetic (deliberately not shared with the
 * connector, so a bug on one side is caught by the other): Jira's timestamp
 * format (`2026-01-01T11:00:30.123+1100`, in the user's zone) and the
 * conversion of a JQL minute literal from the user's zone to an instant.
 */

const fmts = new Map<string, Intl.DateTimeFormat>();

function offsetMinutes(ms: number, tz: string): number {
  // "GMT+11:00" / "GMT-07:00" / "GMT" from Intl's longOffset.
  let f = fmts.get(tz);
  if (!f) fmts.set(tz, (f = new Intl.DateTimeFormat("en-GB", { timeZone: tz, timeZoneName: "longOffset" })));
  const name = f.formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  const v = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === "-" ? -v : v;
}

const p2 = (n: number) => String(n).padStart(2, "0");

/** Jira's wire format for a timestamp, in zone `tz`. */
export function jiraTime(ms: number, tz: string): string {
  const off = offsetMinutes(ms, tz);
  const local = new Date(ms + off * 60_000);
  const sign = off < 0 ? "-" : "+";
  const a = Math.abs(off);
  return (
    `${local.getUTCFullYear()}-${p2(local.getUTCMonth() + 1)}-${p2(local.getUTCDate())}T` +
    `${p2(local.getUTCHours())}:${p2(local.getUTCMinutes())}:${p2(local.getUTCSeconds())}.${String(local.getUTCMilliseconds()).padStart(3, "0")}` +
    `${sign}${p2(Math.floor(a / 60))}${p2(a % 60)}`
  );
}

/**
 * A JQL date literal (`yyyy-MM-dd HH:mm`, `yyyy/MM/dd HH:mm` or a bare date)
 * read in zone `tz` → epoch ms, or null if it does not parse. For a local time
 * that occurs twice (DST fall-back) the earlier instant is used.
 */
export function jqlLiteralToMs(literal: string, tz: string): number | null {
  const m = /^(\d{4})[-/](\d{2})[-/](\d{2})(?:\s+(\d{2}):(\d{2}))?$/.exec(literal.trim());
  if (!m) return null;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
  const candidates = new Set([offsetMinutes(asUtc - 86_400_000, tz), offsetMinutes(asUtc, tz), offsetMinutes(asUtc + 86_400_000, tz)]);
  const valid = [...candidates].map((o) => asUtc - o * 60_000).filter((t) => asUtc - offsetMinutes(t, tz) * 60_000 === t);
  if (valid.length) return Math.min(...valid);
  // In a DST gap (the local time does not exist): Jira moves forward.
  return asUtc - offsetMinutes(asUtc, tz) * 60_000;
}
