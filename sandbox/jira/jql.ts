/**
 * The JQL subset the sandbox understands, with Jira's semantics where it
 * matters: clauses joined by AND over `project`, `key`/`issuekey`, `id`,
 * `updated`/`created` (minute-precision literals read in the user's time
 * zone), `labels`; `ORDER BY` over updated/created/key. Anything else answers
 * 400 like Jira does; a query without a restriction is "unbounded" (400 on
 * search/jql).
 */
import { jqlLiteralToMs } from "./time";

export type DateOp = ">=" | ">" | "<=" | "<" | "=";
export interface JqlQuery {
  projects: string[] | null;
  keys: string[] | null;
  ids: string[] | null;
  labels: string[] | null;
  dates: Array<{ field: "updated" | "created"; op: DateOp; ms: number }>;
  order: Array<{ field: "updated" | "created" | "key"; dir: 1 | -1 }>;
}

export class JqlError extends Error {}

const TOKEN = /\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|>=|<=|!=|[=<>(),]|[^\s=<>(),"']+)/y;

function tokenize(s: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < s.length && (m = TOKEN.exec(s))) out.push(m[1]!);
  if (TOKEN.lastIndex < s.trimEnd().length) throw new JqlError(`Error in the JQL Query: unexpected character at ${TOKEN.lastIndex}.`);
  return out;
}

const unquote = (t: string) => (/^["']/.test(t) ? t.slice(1, -1).replace(/\\(.)/g, "$1") : t);

export function parseJql(jql: string, tz: string): JqlQuery {
  const q: JqlQuery = { projects: null, keys: null, ids: null, labels: null, dates: [], order: [] };
  const t = tokenize(jql);
  let i = 0;
  const peek = () => t[i]?.toLowerCase();
  const next = () => {
    const v = t[i++];
    if (v === undefined) throw new JqlError("Error in the JQL Query: the query ended unexpectedly.");
    return v;
  };
  const values = (): string[] => {
    if (peek() !== "(") return [unquote(next())];
    next();
    const vs: string[] = [];
    while (peek() !== ")") {
      vs.push(unquote(next()));
      if (peek() === ",") next();
    }
    next();
    return vs;
  };
  while (i < t.length && peek() !== "order") {
    const field = next().toLowerCase();
    const op = next().toLowerCase();
    if (field === "project" || field === "key" || field === "issuekey" || field === "id" || field === "labels") {
      if (op !== "=" && op !== "in") throw new JqlError(`The operator '${op}' is not supported by the '${field}' field in this sandbox.`);
      const vs = values();
      if (field === "project") q.projects = vs.map((v) => v.toUpperCase());
      else if (field === "id") q.ids = vs;
      else if (field === "labels") q.labels = vs;
      else q.keys = vs.map((v) => v.toUpperCase());
    } else if (field === "updated" || field === "created" || field === "updateddate" || field === "createddate") {
      if (![">=", ">", "<=", "<", "="].includes(op)) throw new JqlError(`The operator '${op}' is not supported by the '${field}' field.`);
      const lit = unquote(next());
      const ms = jqlLiteralToMs(lit, tz);
      if (ms === null)
        throw new JqlError(
          `Date value '${lit}' for field '${field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
        );
      q.dates.push({ field: field.startsWith("updated") ? "updated" : "created", op: op as DateOp, ms });
    } else throw new JqlError(`Field '${field}' does not exist or this sandbox does not support it.`);
    if (i < t.length && peek() !== "order") {
      if (peek() !== "and") throw new JqlError(`Expecting 'AND' but got '${t[i]}'.`);
      next();
    }
  }
  if (peek() === "order") {
    next();
    if (next().toLowerCase() !== "by") throw new JqlError("Expecting 'by' after 'order'.");
    while (i < t.length) {
      const f = next().toLowerCase();
      const field = f === "issuekey" ? "key" : f;
      if (field !== "updated" && field !== "created" && field !== "key") throw new JqlError(`Field '${f}' cannot be used in ORDER BY in this sandbox.`);
      let dir: 1 | -1 = 1;
      if (peek() === "asc" || peek() === "desc") dir = next().toLowerCase() === "desc" ? -1 : 1;
      q.order.push({ field, dir });
      if (peek() === ",") next();
    }
  }
  return q;
}

/** Jira's search/jql refuses queries without a restriction. */
export function isBounded(q: JqlQuery): boolean {
  return q.projects !== null || q.keys !== null || q.ids !== null || q.labels !== null || q.dates.length > 0;
}

export function matchDate(ms: number, d: { op: DateOp; ms: number }): boolean {
  switch (d.op) {
    case ">=":
      return ms >= d.ms;
    case ">":
      return ms > d.ms;
    case "<=":
      return ms <= d.ms;
    case "<":
      return ms < d.ms;
    case "=":
      return ms >= d.ms && ms < d.ms + 60_000;
  }
}
