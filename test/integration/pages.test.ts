/**
 * The workspace pages (connections, write-back, settings with the rule pack
 * editor, API reference) inside workerd with real D1. The demo workspace is
 * admin-accessible without sign-in (DEMO_MODE=1), like the local demo.
 */
import { loadDefaultPack, loadPackFromString } from "../../rules";
import { describe, expect, it } from "vitest";
import type { Issue } from "../../domain/types";
import { listAssessments, saveClassifications } from "../../src/db/classifications";
import { createConnection, getConnection, noteWebhooksApplied, transitionConnectionStatus, setSyncScopes } from "../../src/db/connections";
import { upsertIssues } from "../../src/db/issues";
import { createWritebackRun, finishWritebackRun, insertLedgerEntries, listLedger, listWritebackRuns } from "../../src/db/ledger";
import { addMember, createWorkspace, getSettings, updateSettings } from "../../src/db/workspaces";
import { defaultPackHash } from "../../src/services/rule-packs";
import { pageRoutes, STARTER_PACK } from "../../src/routes/pages";
import { createHarness, type Harness } from "./auth-harness";
import { issue as harnessIssue } from "./security/harness";

const HOSTILE = "<script>alert(1)</script>";

function harness(): Harness {
  const h = createHarness({ demo: true });
  h.app.route("/", pageRoutes);
  return h;
}

/** The security harness's issue, without its default label and priority. */
function issue(n: number, title: string, extra: Partial<Issue> = {}): Issue {
  return harnessIssue(n, title, { labels: [], priority: null, ...extra });
}

/** A demo workspace with one GitHub connection and three classified issues (one with a hostile title). */
async function seed(h: Harness, opts: { demo?: boolean } = {}) {
  const db = h.env.DB;
  const ws = await createWorkspace(db, { name: `${HOSTILE} team`, isDemo: opts.demo ?? true });
  const conn = await createConnection(db, {
    workspaceId: ws.id,
    tracker: "github",
    accountId: "42",
    accountName: "octo-org",
    grantedScopes: [],
    syncScopes: [{ kind: "repo", id: "o/r", name: "o/r" }],
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
  });
  await setSyncScopes(db, ws.id, conn.id, [{ kind: "repo", id: "o/r", name: "o/r" }]);
  await upsertIssues(db, {
    workspaceId: ws.id,
    connectionId: conn.id,
    scopeId: "o/r",
    now: new Date(),
    issues: [
      issue(1, "Checkout crashes when saving the cart", { labels: ["bug"] }),
      issue(2, HOSTILE, { labels: ["bug"] }),
      issue(3, "Add dark mode to settings", { labels: ["enhancement"] }),
    ],
  });
  const rows = await listAssessments(db, ws.id, { limit: 10 });
  await saveClassifications(
    db,
    ws.id,
    rows.map((r) => {
      const constraint = r.issue.externalId === "ext-3" ? ("adoption" as const) : ("reliability" as const);
      return {
        issueId: r.id,
        contentHash: r.contentHash,
        packHash: defaultPackHash(),
        classification: {
          constraint,
          confidence: 0.92,
          runnerUp: null,
          decidedBy: "rules" as const,
          reasons: [{ ruleId: "meta-label-bug", source: "rule" as const, constraint, weight: 3, field: "labels", match: "bug" }],
        },
        scores: { impact: 3, evidence: 3, confidence: 3, timing: 3, reasons: [] },
      };
    }),
  );
  return { ws, conn };
}

async function form(h: Harness, path: string, fields: Record<string, string>) {
  return h.client().request(path, { form: fields });
}

/** Posts like a browser's multipart form (the rule pack editor's enctype). */
async function multipart(h: Harness, path: string, fields: Record<string, string>) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return h.app.fetch(new Request(`${h.env.PUBLIC_BASE_URL}${path}`, { method: "POST", body, redirect: "manual" }), h.env);
}

const BAD_PACKS: Array<[string, string, RegExp]> = [
  [
    "a backreference",
    `version: 1\nextends: default\nrules:\n  - id: backref\n    when: { fact: title, regex: "(a)\\\\1" }\n    then: { vote: { constraint: reliability, weight: 1 } }\n`,
    /line 5<\/span> · <code>rules\.0\.when\.regex<\/code> · RE2 cannot compile/,
  ],
  [
    "a YAML syntax error",
    "version: 1\nextends: default\nrules:\n  - id: broken\n    when: { fact: title, keywords: [a, b\n",
    /<span class="loc">line 6<\/span> · Flow sequence in block collection must be sufficiently indented/,
  ],
];

describe("the settings page", () => {
  it("renders the form, the starter pack and the default pack for the demo workspace, escaping its name", async () => {
    const h = harness();
    const { ws } = await seed(h);
    const res = await h.client().request(`/w/${ws.id}/settings`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-testid="write-mode-form"');
    expect(html).toContain('data-testid="rulepack-editor"');
    expect(html).toContain("extends: default");
    expect(html).toContain('data-testid="default-pack"');
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; team");
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toMatch(/<script/i);
    // Every nav link of the workspace.
    for (const s of ["report", "connections", "writeback", "settings", "members", "tokens"]) expect(html).toContain(`href="/w/${ws.id}/${s}"`);
    // No session in the demo: no CSRF field.
    expect(html).not.toContain('name="_csrf"');
  });

  it("shows the write-back threshold, where it comes from, and the precision and coverage measured at it", async () => {
    const h = harness();
    const { ws } = await seed(h);
    const pack = loadDefaultPack();
    const m = pack.writeBack.measured!;
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const html = await (await h.client().request(`/w/${ws.id}/settings`)).text();
    expect(html).toContain('data-testid="label-quality"');
    expect(html).toMatch(new RegExp(`data-testid="writeback-threshold">${pack.writeBackThreshold.toFixed(2)}`));
    expect(html).toContain("the lowest that meets the target precision of 95.0%");
    expect(html).toContain(`data-testid="writeback-precision">${pct(m.precision)}`);
    expect(html).toContain(`data-testid="writeback-coverage">${pct(m.coverage)}`);

    // A workspace pack that sets its own target gets its own threshold, from the same measured curve.
    const saved = await multipart(h, `/w/${ws.id}/settings/rules`, { source: "version: 1\nextends: default\nwriteBackPrecision: 0.85\n" });
    expect(saved.status).toBe(303);
    const looser = loadPackFromString("version: 1\nextends: default\nwriteBackPrecision: 0.85\n", "workspace-pack.yaml");
    const after = await (await h.client().request(`/w/${ws.id}/settings`)).text();
    expect(after).toMatch(new RegExp(`data-testid="writeback-threshold">${looser.writeBackThreshold.toFixed(2)}`));
    expect(after).toContain("the lowest that meets the target precision of 85.0%");
    expect(looser.writeBackThreshold).toBeLessThan(pack.writeBackThreshold);
  });

  it.each(BAD_PACKS)("shows %s inline with its line number and keeps the submitted text", async (_name, pack, expected) => {
    const h = harness();
    const { ws } = await seed(h);
    const res = await multipart(h, `/w/${ws.id}/settings/rules/preview`, { source: pack });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('data-testid="rulepack-errors"');
    expect(html).toMatch(expected);
    expect(html).not.toContain('data-testid="rulepack-preview"');
    // The textarea holds what was submitted (escaped).
    const textarea = /<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec(html)![1]!;
    const unescapeHtml = (s: string) =>
      s
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&");
    expect(unescapeHtml(textarea)).toBe(`\n${pack}`);
  });

  it("previews a valid pack: matches per rule, verdict counts and how many issues would change", async () => {
    const h = harness();
    const { ws } = await seed(h);
    const pack = `version: 1\nrules:\n  - id: crashes\n    description: "${HOSTILE}"\n    when: { fact: title, keywords: [crashes, crash] }\n    then: { vote: { constraint: reliability, weight: 3 } }\n  - id: dark-mode\n    when: { fact: title, keywords: [dark mode] }\n    then: { vote: { constraint: activation, weight: 3 } }\n  - id: never\n    when: { fact: title, keywords: [zzzz-nothing] }\n    then: { vote: { constraint: operations, weight: 3 } }\n`;
    const res = await form(h, `/w/${ws.id}/settings/rules/preview`, { source: pack });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-testid="rulepack-preview"');
    expect(html).not.toContain('data-testid="rulepack-errors"');
    const matches = (id: string) => Number(new RegExp(`data-rule-id="${id}"[\\s\\S]*?<td class="num">(\\d+)</td>`).exec(html)?.[1]);
    expect([matches("crashes"), matches("dark-mode"), matches("never")]).toEqual([1, 1, 0]);
    expect(html).toMatch(/On this workspace&#39;s 3 issues, <strong data-testid="preview-changed">\d+<\/strong> would change verdict/);
    // The hostile description is text, not markup.
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain(HOSTILE);
    // Nothing saved.
    expect((await getSettings(h.env.DB, ws.id))!.rulePack).toBeNull();
  });

  it("the starter pack is valid", async () => {
    const h = harness();
    const { ws } = await seed(h);
    const res = await multipart(h, `/w/${ws.id}/settings/rules/preview`, { source: STARTER_PACK });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('data-rule-id="team-flaky-tests"');
  });

  it("saves a valid pack (303 with a flash), refuses a bad one with 422 and inline errors, and resets to the default", async () => {
    const h = harness();
    const { ws } = await seed(h);
    const good = "version: 1\nextends: default\ndisable: [meta-label-adoption]\n";
    const saved = await multipart(h, `/w/${ws.id}/settings/rules`, { source: good.replace(/\n/g, "\r\n") });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe(`/w/${ws.id}/settings?done=rules-saved`);
    expect((await getSettings(h.env.DB, ws.id))!.rulePack).toBe(good);
    const page = await (await h.client().request(saved.headers.get("location")!)).text();
    expect(page).toMatch(/role="status"[^>]*>Rule pack saved/);
    expect(page).toContain("disable: [meta-label-adoption]");

    const bad = await multipart(h, `/w/${ws.id}/settings/rules`, { source: `version: 1\nextends: default\ndisable: ["${HOSTILE}"]\n` });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('data-testid="rulepack-errors"');
    expect(html).toMatch(/line 3<\/span> · <code>disable\.0<\/code> · no rule &quot;&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot; to disable/);
    expect(html).not.toContain(HOSTILE);
    expect((await getSettings(h.env.DB, ws.id))!.rulePack).toBe(good);

    const reset = await form(h, `/w/${ws.id}/settings/rules/reset`, {});
    expect(reset.status).toBe(303);
    const after = (await getSettings(h.env.DB, ws.id))!;
    expect([after.rulePack, after.rulePackHash]).toEqual([null, defaultPackHash()]);
  });

  it("refuses a pack over 256 KiB without saving it", async () => {
    const h = harness();
    const { ws } = await seed(h);
    const big = `version: 1\nextends: default\n${"# padding padding padding padding padding padding\n".repeat(6000)}`;
    const res = await multipart(h, `/w/${ws.id}/settings/rules`, { source: big });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("larger than 256 KiB");
    expect((await getSettings(h.env.DB, ws.id))!.rulePack).toBeNull();
  });

  it("saves the settings form, and shows field errors without saving for bad values", async () => {
    const h = harness();
    const { ws } = await seed(h);
    const ok = await form(h, `/w/${ws.id}/settings`, { writeMode: "on", focusConstraint: "reliability", labelPrefix: "bottleneck:", maxWritesPerRun: "25" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(`/w/${ws.id}/settings?done=settings-saved`);
    const s = (await getSettings(h.env.DB, ws.id))!;
    expect([s.writeMode, s.commentsEnabled, s.focusConstraint, s.labelPrefix, s.maxWritesPerRun]).toEqual(["on", false, "reliability", "bottleneck:", 25]);

    const bad = await form(h, `/w/${ws.id}/settings`, {
      writeMode: "dry-run",
      commentsEnabled: "on",
      focusConstraint: "",
      labelPrefix: "has spaces",
      maxWritesPerRun: "-4",
    });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('data-testid="settings-errors"');
    expect(html).toContain("Jira labels cannot contain spaces");
    expect(html).toContain("Enter a whole number from 0 to 10000.");
    expect(html).toContain('value="has spaces"');
    expect((await getSettings(h.env.DB, ws.id))!.writeMode).toBe("on");
  });
});

describe("the connections page", () => {
  it("lists the connection with its sync status, connect links, and changes its write mode", async () => {
    const h = harness();
    const { ws, conn } = await seed(h);
    const html = await (await h.client().request(`/w/${ws.id}/connections`)).text();
    expect(html).toContain('data-testid="connection-github"');
    expect(html).toContain('data-testid="sync-status"');
    for (const t of ["github", "linear", "jira"]) expect(html).toContain(`href="/w/${ws.id}/connect/${t}" data-testid="connect-${t}"`);
    expect(html).not.toContain('http-equiv="refresh"');
    expect(html).toMatch(/data-testid="webhook-activity">[\s\S]*none received yet/);

    // Once webhooks are applied (the consumer notes them), the card says when and how many.
    await noteWebhooksApplied(h.env.DB, conn.id, 3, new Date("2026-11-20T10:00:00Z"));
    await noteWebhooksApplied(h.env.DB, conn.id, 1200, new Date("2026-11-21T09:30:00Z"));
    const live = await (await h.client().request(`/w/${ws.id}/connections`)).text();
    expect(live).not.toContain("none received yet");
    expect(live).toMatch(/data-testid="webhooks-applied">1,203</);
    expect(live).toContain('datetime="2026-11-21T09:30:00.000Z"');

    const res = await form(h, `/w/${ws.id}/connections/${conn.id}/write-mode`, { writeMode: "off" });
    expect(res.status).toBe(303);
    expect((await getConnection(h.env.DB, ws.id, conn.id))!.writeMode).toBe("off");
    const after = await (await h.client().request(res.headers.get("location")!)).text();
    expect(after).toMatch(/data-testid="effective-mode">off</);
    expect(after).toContain("Write mode saved.");
    await form(h, `/w/${ws.id}/connections/${conn.id}/write-mode`, { writeMode: "inherit" });
    expect((await getConnection(h.env.DB, ws.id, conn.id))!.writeMode).toBeNull();
  });

  it("refreshes itself while a scope is syncing, and offers Reconnect when access was revoked", async () => {
    const h = harness();
    const { ws, conn } = await seed(h);
    await h.env.DB.prepare("UPDATE sync_state SET status = 'running' WHERE connection_id = ?").bind(conn.id).run();
    await transitionConnectionStatus(h.env.DB, conn.id, "revoked", "The tracker rejected the token.");
    const html = await (await h.client().request(`/w/${ws.id}/connections`)).text();
    const head = html.slice(0, html.indexOf("</head>"));
    expect(head).toContain('<meta http-equiv="refresh" content="3"');
    expect(html).toContain('data-testid="reconnect"');
    expect(html).toContain("The tracker rejected the token.");
  });

  it("queues a manual sync", async () => {
    const h = harness();
    const { ws, conn } = await seed(h);
    const res = await form(h, `/w/${ws.id}/connections/${conn.id}/sync`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/w/${ws.id}/connections?done=sync-queued`);
  });
});

describe("the write-back page", () => {
  it("pages its runs table: the newest 20, then older ones, then back to the newest", async () => {
    const h = harness();
    const { ws, conn } = await seed(h);
    for (let i = 0; i < 23; i++)
      await createWritebackRun(h.env.DB, {
        workspaceId: ws.id,
        connectionId: conn.id,
        auditRunId: null,
        mode: "dry-run",
        now: new Date(Date.UTC(2026, 10, 20, 10, i)),
      });
    const rowsOf = (html: string) => (/<table data-testid="writeback-runs">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)![1]!.match(/<tr/g) ?? []).length;
    const first = await (await h.client().request(`/w/${ws.id}/writeback`)).text();
    expect(rowsOf(first)).toBe(20);
    expect(first).toContain("2026-11-20 10:22 UTC");
    expect(first).not.toContain("2026-11-20 10:02 UTC");
    const older = /<a href="([^"]+)" rel="next" data-testid="older-runs">/.exec(first)?.[1];
    expect(older).toBeDefined();
    const second = await (await h.client().request(`/w/${ws.id}/writeback${older!.replace(/&amp;/g, "&").replace(/#runs$/, "")}`)).text();
    expect(rowsOf(second)).toBe(3);
    expect(second).toContain("2026-11-20 10:02 UTC");
    expect(second).toContain("2026-11-20 10:00 UTC");
    expect(second).not.toContain('data-testid="older-runs"');
    expect(second).toContain(`<a href="/w/${ws.id}/writeback#runs">Newest runs</a>`);
  });

  it("shows the dry-run diff for the seeded issues, with links and escaped titles", async () => {
    const h = harness();
    const { ws } = await seed(h);
    const html = await (await h.client().request(`/w/${ws.id}/writeback`)).text();
    const diff = /<table data-testid="dryrun-diff">([\s\S]*?)<\/table>/.exec(html)![1]!;
    expect(diff).toContain('<a href="https://github.com/o/r/issues/1" rel="noopener noreferrer">o/r#1</a>');
    expect(diff).toContain("<code>+ constraint:reliability</code>");
    expect(diff).toContain("<code>+ constraint:adoption</code>");
    expect(diff).toContain("<code>comment: create</code>");
    expect(html).toContain('data-testid="writeback-runs"');
    expect(html).toContain('data-testid="ledger-table"');
    expect(html).toContain(`href="/api/v1/workspaces/${ws.id}/ledger?format=csv" data-testid="ledger-export-csv"`);
    expect(html).not.toContain(HOSTILE);
  });

  it("runs a dry run: the plan lands in the ledger and the run list, nothing else", async () => {
    const h = harness();
    const { ws, conn } = await seed(h);
    const res = await form(h, `/w/${ws.id}/writeback/${conn.id}/run`, {});
    expect(res.status).toBe(303);
    const loc = res.headers.get("location")!;
    expect(loc).toMatch(new RegExp(`^/w/${ws.id}/writeback\\?done=run-dry-run&planned=\\d+$`));
    const runs = await listWritebackRuns(h.env.DB, ws.id);
    expect(runs.map((r) => [r.mode, r.status])).toEqual([["dry-run", "planned"]]);
    const ledger = await listLedger(h.env.DB, ws.id, { limit: 100 });
    expect(ledger.length).toBeGreaterThan(0);
    expect(new Set(ledger.map((l) => l.mode))).toEqual(new Set(["dry-run"]));
    const html = await (await h.client().request(loc)).text();
    expect(html).toMatch(/role="status"[^>]*>Dry run recorded/);
    expect(html).toContain("label add");
    // A dry run can't be undone.
    expect(html).not.toMatch(/>\s*Undo\s*</);
  });

  it("refuses a run when write-back is off, and undo of a run that did not write", async () => {
    const h = harness();
    const { ws, conn } = await seed(h);
    await updateSettings(h.env.DB, ws.id, { writeMode: "off" });
    const res = await form(h, `/w/${ws.id}/writeback/${conn.id}/run`, {});
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("Write-back is off for this connection");
    await updateSettings(h.env.DB, ws.id, { writeMode: "dry-run" });
    await form(h, `/w/${ws.id}/writeback/${conn.id}/run`, {});
    const [run] = await listWritebackRuns(h.env.DB, ws.id);
    const undo = await form(h, `/w/${ws.id}/writeback/runs/${run!.id}/undo`, {});
    expect(undo.status).toBe(409);
  });

  it("offers Undo only for finished runs that wrote", async () => {
    const h = harness();
    const { ws, conn } = await seed(h);
    const now = new Date();
    const on = await createWritebackRun(h.env.DB, { workspaceId: ws.id, connectionId: conn.id, auditRunId: null, mode: "on", now });
    await finishWritebackRun(h.env.DB, on, { status: "done", planned: 2, applied: 2, failed: 0, capped: 0, now });
    const dry = await createWritebackRun(h.env.DB, { workspaceId: ws.id, connectionId: conn.id, auditRunId: null, mode: "dry-run", now });
    await finishWritebackRun(h.env.DB, dry, { status: "planned", planned: 2, applied: 0, failed: 0, capped: 0, now });
    const html = await (await h.client().request(`/w/${ws.id}/writeback`)).text();
    const undoForms = [...html.matchAll(/action="\/w\/[^"]+\/writeback\/runs\/([^"/]+)\/undo"/g)].map((m) => m[1]);
    expect(undoForms).toEqual([on]);
  });

  it("renders hostile ledger text escaped", async () => {
    const h = harness();
    const { ws, conn } = await seed(h);
    await insertLedgerEntries(h.env.DB, [
      {
        workspaceId: ws.id,
        connectionId: conn.id,
        runId: null,
        auditRunId: null,
        issueId: null,
        externalId: "ext-2",
        issueKey: HOSTILE,
        action: "human_override",
        target: HOSTILE,
        beforeValue: HOSTILE,
        afterValue: null,
        ruleId: HOSTILE,
        reason: HOSTILE,
        mode: "observed",
        outcome: "recorded",
        trackerResponseId: null,
        error: null,
      },
    ]);
    const html = await (await h.client().request(`/w/${ws.id}/writeback`)).text();
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain(HOSTILE);
  });
});

describe("access", () => {
  it("a non-demo workspace: no sign-in → sign-in redirect / 401; another user's session → 404 on every page and POST", async () => {
    const h = harness();
    const { ws, conn } = await seed(h, { demo: false });
    const routes: Array<[string, string]> = [
      ["GET", `/w/${ws.id}/connections`],
      ["GET", `/w/${ws.id}/writeback`],
      ["GET", `/w/${ws.id}/settings`],
      ["POST", `/w/${ws.id}/settings`],
      ["POST", `/w/${ws.id}/settings/rules`],
      ["POST", `/w/${ws.id}/settings/rules/preview`],
      ["POST", `/w/${ws.id}/settings/rules/reset`],
      ["POST", `/w/${ws.id}/connections/${conn.id}/write-mode`],
      ["POST", `/w/${ws.id}/connections/${conn.id}/sync`],
      ["POST", `/w/${ws.id}/writeback/${conn.id}/run`],
    ];
    const anon = h.client();
    for (const [method, path] of routes) {
      const res = await anon.request(path, method === "POST" ? { form: { writeMode: "on" } } : {});
      expect([method, path, res.status]).toEqual([method, path, method === "GET" ? 302 : 401]);
    }
    const mallory = h.client();
    await mallory.signIn(h.tracker, { id: "gh-mallory", name: "mallory" });
    for (const [method, path] of routes) {
      const res = await mallory.request(path, method === "POST" ? { form: { writeMode: "on", source: "version: 1\n" } } : {});
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    const s = (await getSettings(h.env.DB, ws.id))!;
    expect([s.writeMode, s.rulePack]).toEqual(["dry-run", null]);
  });

  it("a member reads the pages without forms and is refused admin POSTs", async () => {
    const h = harness();
    const { ws, conn } = await seed(h, { demo: false });
    const bob = h.client();
    const loc = await bob.signIn(h.tracker, { id: "gh-bob-pages", name: "bob" });
    const bobUser = (await h.env.DB.prepare("SELECT user_id FROM workspace_members WHERE workspace_id = ?").bind(loc.slice(3)).first<{ user_id: string }>())!
      .user_id;
    await addMember(h.env.DB, ws.id, bobUser, "member");
    for (const page of ["settings", "connections", "writeback"]) {
      const res = await bob.request(`/w/${ws.id}/${page}`);
      expect([page, res.status]).toEqual([page, 200]);
      const main = (await res.text()).split('<main id="main">')[1]!;
      // Settings stay visible (disabled, read-only), but nothing in the page can be submitted.
      expect([page, main.match(/<button/g)?.length ?? 0]).toEqual([page, 0]);
    }
    const res = await bob.request(`/w/${ws.id}/connections/${conn.id}/write-mode`, { form: { writeMode: "on" } });
    expect(res.status).toBe(403);
    expect((await getConnection(h.env.DB, ws.id, conn.id))!.writeMode).toBeNull();
  });

  it("a signed-in admin's forms carry the CSRF token, and a POST without it is refused", async () => {
    const h = harness();
    const alice = h.client();
    const loc = await alice.signIn(h.tracker, { id: "gh-alice-pages", name: "alice" });
    const wsId = loc.slice(3);
    const html = await (await alice.request(`/w/${wsId}/settings`)).text();
    expect(html).toContain(`name="_csrf" value="${alice.csrfToken}"`);
    const refused = await alice.request(`/w/${wsId}/settings`, { form: { writeMode: "on", labelPrefix: "x:", maxWritesPerRun: "1" }, csrf: false });
    expect(refused.status).toBe(403);
    const ok = await alice.request(`/w/${wsId}/settings`, { form: { writeMode: "on", labelPrefix: "x:", maxWritesPerRun: "1" } });
    expect(ok.status).toBe(303);
  });
});

describe("the API reference", () => {
  it("lists every operation with its parameters and responses, linking to /openapi.json", async () => {
    const h = harness();
    const res = await h.client().request("/api/docs");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('href="/openapi.json"');
    expect(html).toContain("<code>/api/v1/workspaces/{workspaceId}/settings</code>");
    expect(html).toMatch(/<span class="method">patch<\/span> <code>\/api\/v1\/workspaces\/\{workspaceId\}\/settings<\/code>/);
    expect(html).toContain("<code>SettingsPatch</code>");
    expect((html.match(/data-testid="api-operation"/g) ?? []).length).toBeGreaterThanOrEqual(15);
    expect(html).not.toMatch(/<script/i);
  });
});
