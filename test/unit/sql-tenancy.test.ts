/**
 * The sharding seam (docs/scaling.md): no query joins rows of one workspace to rows of another.
 * Every SQL statement in src/ is scanned; a JOIN between two tenant tables (a table with a
 * `workspace_id` column in the migrations, or `workspaces` itself) must equate the two sides'
 * workspace ids in its ON clause. A JOIN to a global table (users, sessions…) is allowed. The
 * checker is tested on statements that break the rule, so the scan can fail.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

/** Tables whose rows belong to one workspace, from the migrations (CREATE TABLE bodies and ALTER TABLE … ADD COLUMN workspace_id). */
function tenantTables(): Map<string, string> {
  const out = new Map<string, string>([["workspaces", "id"]]);
  const dir = join(root, "migrations");
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    const sql = readFileSync(join(dir, f), "utf8").replace(/--[^\n]*/g, "");
    for (const m of sql.matchAll(/CREATE TABLE\s+(?:IF NOT EXISTS\s+)?(\w+)\s*\(([\s\S]*?)\n\);/gi))
      if (/\bworkspace_id\b/.test(m[2]!)) out.set(m[1]!.toLowerCase(), "workspace_id");
    for (const m of sql.matchAll(/ALTER TABLE\s+(\w+)\s+ADD COLUMN\s+workspace_id\b/gi)) out.set(m[1]!.toLowerCase(), "workspace_id");
  }
  return out;
}

/**
 * SQL statements with a JOIN in a source file: from SELECT/UPDATE/DELETE (upper case, as the code
 * writes SQL) to the end of the string literal (SQL here sits in "…" or `…` and quotes its own literals with ').
 */
function joinStatements(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/\b(?:SELECT|UPDATE|DELETE)\b[^"`]*/g)) if (/\bJOIN\b/.test(m[0])) out.push(m[0].replace(/\s+/g, " "));
  return out;
}

/** The JOINs of one statement that may pair rows of different workspaces. */
export function crossWorkspaceJoins(sql: string, tenants: Map<string, string>): string[] {
  const aliases = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(?!ON\b|WHERE\b|JOIN\b|LEFT\b|INNER\b|CROSS\b|ORDER\b|GROUP\b|LIMIT\b)(\w+))?/gi)) {
    const table = m[1]!.toLowerCase();
    aliases.set((m[2] ?? m[1]!).toLowerCase(), table);
  }
  const first = /\bFROM\s+(\w+)(?:\s+(?:AS\s+)?(?!ON\b|WHERE\b|JOIN\b|LEFT\b|INNER\b|CROSS\b)(\w+))?/i.exec(sql);
  if (!first) return [];
  const bad: string[] = [];
  const prior = [(first[2] ?? first[1]!).toLowerCase()];
  for (const m of sql.matchAll(
    /\bJOIN\s+(\w+)(?:\s+(?:AS\s+)?(?!ON\b)(\w+))?\s*(?:ON\s+([\s\S]*?))?(?=\b(?:LEFT|INNER|CROSS|JOIN|WHERE|ORDER|GROUP|LIMIT)\b|$)/gi,
  )) {
    const alias = (m[2] ?? m[1]!).toLowerCase();
    const on = (m[3] ?? "").toLowerCase();
    const key = tenants.get(aliases.get(alias) ?? "");
    if (key) {
      const tenantPrior = prior.filter((a) => tenants.has(aliases.get(a) ?? ""));
      const joinedOnWorkspace = tenantPrior.some((a) => {
        const other = `${a}.${tenants.get(aliases.get(a)!)}`;
        const mine = `${alias}.${key}`;
        return new RegExp(`${escapeRegex(mine)}\\s*=\\s*${escapeRegex(other)}|${escapeRegex(other)}\\s*=\\s*${escapeRegex(mine)}`).test(on);
      });
      if (tenantPrior.length && !joinedOnWorkspace) bad.push(m[0].trim());
    }
    prior.push(alias);
  }
  return bad;
}
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe("no query joins across workspaces", () => {
  const tenants = tenantTables();

  it("knows the tenant tables from the migrations", () => {
    expect([...tenants.keys()]).toEqual(
      expect.arrayContaining(["workspaces", "issues", "classifications", "audit_runs", "connections", "sync_state", "workspace_members", "invites"]),
    );
    expect(tenants.has("users")).toBe(false);
  });

  it("flags a join of two tenant tables that does not equate their workspaces, and passes one that does", () => {
    expect(crossWorkspaceJoins("SELECT * FROM issues i JOIN classifications c ON c.issue_id = i.id WHERE i.workspace_id = ?", tenants)).toHaveLength(1);
    expect(crossWorkspaceJoins("SELECT * FROM audit_runs a LEFT JOIN issues i ON i.id = a.id", tenants)).toHaveLength(1);
    expect(crossWorkspaceJoins("SELECT * FROM invites i JOIN workspaces w ON w.name = i.role", tenants)).toHaveLength(1);
    expect(crossWorkspaceJoins("SELECT * FROM issues i JOIN classifications c ON c.issue_id = i.id AND c.workspace_id = i.workspace_id", tenants)).toEqual([]);
    expect(crossWorkspaceJoins("SELECT * FROM invites i JOIN workspaces w ON w.id = i.workspace_id WHERE i.id = ?", tenants)).toEqual([]);
    expect(crossWorkspaceJoins("SELECT * FROM sessions s JOIN users u ON u.id = s.user_id", tenants)).toEqual([]);
  });

  it("holds for every SQL statement in src/", () => {
    const files = sourceFiles(join(root, "src"));
    const statements = files.flatMap((f) => joinStatements(readFileSync(f, "utf8")).map((sql) => ({ file: f.slice(root.length + 1), sql })));
    expect(statements.length).toBeGreaterThan(3);
    const violations = statements.flatMap(({ file, sql }) => crossWorkspaceJoins(sql, tenants).map((j) => `${file}: ${j}`));
    expect(violations).toEqual([]);
  });
});
