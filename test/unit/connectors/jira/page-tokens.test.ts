/**
 * Atlassian documents `nextPageToken` only as opaque, and search results as eventually consistent.
 * The simulator can resume a token by position (an edit mid-run never shifts a page) or by offset
 * (an edited issue moves to the end of `ORDER BY updated`, shifting the rest back by one). Either way,
 * with issues edited during a paginated run, the next run picks up everything: every issue's
 * newest version is delivered.
 * Also the page-size rule: 5,000 rows per page only when asking for `id`/`key` (the simulator's default);
 * the connector's incremental searches page 100 at a time and follow every token (nothing missed or repeated).
 */
import { describe, expect, it } from "vitest";
import { createJiraConnector } from "../../../../connectors/jira";
import { createJiraSandbox } from "../../../../sandbox/jira";
import type { Issue } from "../../../../domain/types";

const O = "http://sandbox.test";
const CLIENT = { clientId: "cid", clientSecret: "client-secret-xyz" };

function setup(pageTokens: "position" | "offset", strictPageSize = false) {
  const sandbox = createJiraSandbox({ ...CLIENT, origin: O, seed: { issuesPerProject: 0 }, pageTokens, strictPageSize });
  const connector = createJiraConnector({
    fetch: (i, init) => sandbox.fetch(new Request(i, init)),
    apiBase: `${O}/jira/api`,
    oauthBase: `${O}/jira/auth`,
    ...CLIENT,
  });
  const site = sandbox.defaultSite();
  const auth = { accessToken: sandbox.issueToken().accessToken, siteId: site.id };
  const scope = { kind: "project" as const, id: "AUD", name: "Auditor", siteId: site.id };
  return { sandbox, connector, site, auth, scope };
}

/** One run (pages until hasMore is false); `between(page)` runs after each page. */
async function run(c: ReturnType<typeof setup>, cursor: string | null, between: (page: number, delivered: Issue[]) => Promise<void> = async () => {}) {
  const issues: Issue[] = [];
  for (let p = 1; ; p++) {
    const page = await c.connector.listIssues(c.auth, c.scope, cursor);
    issues.push(...page.issues);
    cursor = page.cursor;
    if (!page.hasMore) return { issues, cursor };
    await between(p, page.issues);
  }
}

describe.each([
  ["position", false],
  ["offset", false],
  ["offset", true],
] as const)("jira sync with edits during a paginated run (%s page tokens, strict page size: %s)", (mode, strict) => {
  it("misses nothing: after the next run every issue's newest version has been delivered", async () => {
    const c = setup(mode, strict);
    c.sandbox.seed(c.site.id, "AUD", 350);
    const delivered = new Map<string, number>();
    const note = (list: Issue[]) => list.forEach((i) => delivered.set(i.externalId, Math.max(delivered.get(i.externalId) ?? 0, Date.parse(i.updatedAt))));

    const first = await run(c, null, async (page) => {
      if (page !== 1) return;
      // After page 1, a person edits three issues page 1 already delivered, and one not yet read.
      for (const key of ["AUD-3", "AUD-40", "AUD-77", "AUD-200"]) await c.sandbox.humanUpdate(c.site.id, key, { title: `edited ${key}` });
    });
    note(first.issues);
    const second = await run(c, first.cursor);
    note(second.issues);

    const stale: string[] = [];
    for (const i of c.site.issues.values())
      if (delivered.get(String(i.id)) !== i.updated) stale.push(`${i.key} (delivered ${delivered.get(String(i.id)) ?? "never"}, now ${i.updated})`);
    expect(stale, "issues whose newest version was never delivered").toEqual([]);

    // Settled: a further run has nothing new.
    const settled = await run(c, second.cursor);
    expect(settled.issues).toEqual([]);
  });
});

describe("jira incremental scan with edits during the run (offset tokens, strict page size)", () => {
  it("misses nothing: the rows that slid back past a page boundary are found by the next run", async () => {
    const c = setup("offset", true);
    c.sandbox.seed(c.site.id, "AUD", 400, { endMs: Date.now() - 3_600_000 });
    const delivered = new Map<string, number>();
    const note = (list: Issue[]) => list.forEach((i) => delivered.set(i.externalId, Math.max(delivered.get(i.externalId) ?? 0, Date.parse(i.updatedAt))));
    const first = await run(c, null);
    note(first.issues);
    // 300 issues changed a little while before the next run (more than the skew allowance before it,
    // so only the page-transition rule can recover what an offset token skips): scanned 100 per page.
    const keys = [...c.site.issues.values()].slice(0, 300).map((i) => i.key);
    const since = Date.now() - 3_000_000;
    for (const [k, key] of keys.entries()) await c.sandbox.humanUpdate(c.site.id, key, { title: `changed ${key}`, updatedAt: since + k * 100 });
    let edited = 0;
    const scan = await run(c, first.cursor, async (_page, got) => {
      // After the first page that delivered changes, three of those issues are edited again.
      if (edited || got.length < 20) return;
      for (const i of got.slice(5, 8)) await c.sandbox.humanUpdate(c.site.id, i.key, { title: `again ${i.key}` });
      edited = 3;
    });
    expect(edited).toBe(3);
    note(scan.issues);
    note((await run(c, scan.cursor)).issues);
    const stale = [...c.site.issues.values()].filter((i) => delivered.get(String(i.id)) !== i.updated).map((i) => i.key);
    expect(stale, "issues whose newest version was never delivered").toEqual([]);
  });
});

describe("jira search page size", () => {
  it("the strict simulator gives 5,000 rows per page only for id/key; asking for `updated` too gets at most 100", async () => {
    const c = setup("position", true);
    c.sandbox.seed(c.site.id, "AUD", 450);
    const search = async (fields: string[]) => {
      const res = await c.sandbox.fetch(
        new Request(`${O}/jira/api/ex/jira/${c.site.id}/rest/api/3/search/jql`, {
          method: "POST",
          headers: { authorization: `Bearer ${c.auth.accessToken}`, "content-type": "application/json" },
          body: JSON.stringify({ jql: "project = AUD ORDER BY updated ASC", maxResults: 5000, fields }),
        }),
      );
      return ((await res.json()) as { issues: unknown[] }).issues.length;
    };
    expect(await search(["id"])).toBe(450);
    expect(await search(["key"])).toBe(450);
    expect(await search(["updated"])).toBe(100);
  });

  it("against the strict simulator, an incremental scan of 450 changed issues (short pages) delivers each once", async () => {
    const c = setup("position", true);
    c.sandbox.seed(c.site.id, "AUD", 450);
    const first = await run(c, null);
    expect(first.issues.length).toBe(450);
    for (const i of c.site.issues.values()) await c.sandbox.humanUpdate(c.site.id, i.key, { title: `again ${i.key}` });
    const second = await run(c, first.cursor);
    expect(second.issues.map((i) => i.externalId).sort()).toEqual([...c.site.issues.values()].map((i) => String(i.id)).sort());
  });
});
