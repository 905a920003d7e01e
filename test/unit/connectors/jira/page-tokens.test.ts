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

/**
 * A full sync walks the project in key order. With a token that resumes by offset, an issue deleted
 * from a page already served shifts the rest back by one and the next page starts one issue late: the
 * skipped issue lies between two pages' keys, and the connector fetches those keys after the walk.
 */
describe("jira full sync with issues deleted between pages (offset page tokens)", () => {
  const full = async (c: ReturnType<typeof setup>, afterPage: (page: number) => Promise<void>) => {
    const before = c.sandbox.stats.requests;
    const out = await run(c, null, afterPage);
    const keys = out.issues.map((i) => i.key);
    return { ...out, keys, requests: c.sandbox.stats.requests - before };
  };
  const live = (c: ReturnType<typeof setup>) => [...c.site.issues.values()].map((i) => i.key).sort();

  it("one deletion after page 1: the issue it hid is fetched in the same run (one bulkfetch more)", async () => {
    const c = setup("offset");
    c.sandbox.seed(c.site.id, "AUD", 350);
    const r = await full(c, async (page) => {
      if (page === 1) await c.sandbox.humanDelete(c.site.id, "AUD-5");
    });
    expect(r.keys).toEqual(expect.arrayContaining(live(c)));
    expect(r.keys).toHaveLength(350); // each once (AUD-5 was delivered by page 1, before its deletion)
    expect(r.keys).toContain("AUD-101"); // the one page 2 skipped
    // 3 discovery calls, 4 pages of search/jql, 1 issue/bulkfetch of the key between pages 1 and 2.
    expect(r.requests).toBe(3 + 4 + 1);
    const next = await run(c, r.cursor);
    expect(next.issues).toEqual([]);
  });

  it("many deletions: more keys to try than a key walk costs, so it walks the keys 5,000 a page", async () => {
    const c = setup("offset");
    c.sandbox.seed(c.site.id, "AUD", 350);
    const r = await full(c, async (page) => {
      if (page === 1) for (let n = 1; n <= 150; n++) await c.sandbox.humanDelete(c.site.id, `AUD-${n}`);
    });
    expect(r.keys).toEqual(expect.arrayContaining(live(c)));
    expect(new Set(r.keys).size).toBe(200 + 100); // page 1 delivered AUD-1..100 before they were deleted
    expect(r.keys).toHaveLength(300);
    // 3 discovery calls, 2 pages, 1 key-only walk of the project, 1 bulkfetch of the 100 skipped keys.
    expect(r.requests).toBe(3 + 2 + 1 + 1);
  });

  it("a last page that comes back empty: the keys after the last one served are looked for", async () => {
    const c = setup("offset");
    c.sandbox.seed(c.site.id, "AUD", 201);
    const r = await full(c, async (page) => {
      if (page === 2) for (const key of ["AUD-3", "AUD-4"]) await c.sandbox.humanDelete(c.site.id, key);
    });
    expect(r.keys).toEqual(expect.arrayContaining(live(c)));
    expect(r.keys).toHaveLength(201);
    expect(r.keys).toContain("AUD-201");
    expect(r.requests).toBe(3 + 3 + 1 + 1);
  });

  it("no deletion: nothing more than the walk; a gap in the keys at a page boundary costs one bulkfetch", async () => {
    const c = setup("offset");
    c.sandbox.seed(c.site.id, "AUD", 350);
    const plain = await full(c, async () => {});
    expect(plain.keys).toHaveLength(350);
    expect(plain.requests).toBe(3 + 4);

    const d = setup("offset");
    d.sandbox.seed(d.site.id, "AUD", 351);
    await d.sandbox.humanDelete(d.site.id, "AUD-101"); // deleted long ago: keys 100 and 102 end and start pages
    const gappy = await full(d, async () => {});
    expect(gappy.keys).toHaveLength(350);
    expect(new Set(gappy.keys).size).toBe(350);
    expect(gappy.requests).toBe(3 + 4 + 1);
  });
});

describe("jira incremental sync with an issue deleted between pages (offset page tokens)", () => {
  it("the changed issue the next page skipped is fetched in the same run (one id-only search more)", async () => {
    const c = setup("offset");
    c.sandbox.seed(c.site.id, "AUD", 400, { endMs: Date.now() - 3_600_000 });
    const first = await run(c, null);
    // 250 issues changed well before the run (older than its skew allowance, so the next run would not re-read them).
    const since = Date.now() - 3_000_000;
    const changed = [...c.site.issues.values()].slice(0, 250);
    for (const [k, i] of changed.entries()) await c.sandbox.humanUpdate(c.site.id, i.key, { title: `changed ${i.key}`, updatedAt: since + k * 100 });
    const before = c.sandbox.stats.requests;
    const inc = await run(c, first.cursor, async (page, got) => {
      if (page === 1) await c.sandbox.humanDelete(c.site.id, got[5]!.key);
    });
    const requests = c.sandbox.stats.requests - before;
    const got = new Set(inc.issues.map((i) => i.key));
    const missed = changed.filter((i) => c.site.issues.has(i.id) && !got.has(i.key)).map((i) => i.key);
    expect(missed, "changed issues not delivered").toEqual([]);
    expect(inc.issues).toHaveLength(250);
    // 3 pages of 100 (250 changed + the few re-read from before), 1 id-only search from the first page
    // boundary on, 1 bulkfetch of the skipped issue.
    expect(requests).toBe(3 + 1 + 1);
    expect((await run(c, inc.cursor)).issues).toEqual([]);
  });
});
