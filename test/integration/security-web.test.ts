/**
 * The browser-facing defences through the real app and D1: CSRF (pages' forms
 * and the cookie-authenticated API), cross-site Origin / Sec-Fetch-Site, XSS in
 * every page that shows tracker or user text, the CSP, CSV formula injection
 * in both exports, body limits (API, form page, webhook), and malicious rule
 * packs (non-linear regexes, ReDoS-shaped input, oversized YAML).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { insertLedgerEntries } from "../../src/db/ledger";
import { findDemoWorkspace, createWorkspace, getSettings } from "../../src/db/workspaces";
import { Browser, countRows, errorCode, ORIGIN, seedTenant, testEnv, type Tenant } from "./security/harness";

const SCRIPT = "<script>alert(1)</script>";
const IMG = "<img src=x onerror=alert(1)>";
const SVG_NAME = '"><svg onload=alert(1)>';
const RAW_MARKERS = ["<script>alert", "<img src=x", "<svg onload", "onerror=alert(1)>", "onload=alert(1)>"];

/** Minimal RFC 4180 parser (quotes, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

function column(rows: string[][], name: string): string[] {
  const i = rows[0]!.indexOf(name);
  expect(i, `CSV column ${name} in ${rows[0]!.join(",")}`).toBeGreaterThanOrEqual(0);
  return rows.slice(1).map((r) => r[i]!);
}

describe("CSRF and cross-site requests", () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await seedTenant({ name: "Csrf team", writeMode: "dry-run" });
  });

  const settings = async () => (await getSettings(testEnv.DB, t.ids.workspaceId))!;
  const tokens = () => countRows("SELECT count(*) AS n FROM api_tokens WHERE workspace_id = ?", t.ids.workspaceId);

  it("refuses a page form POST from a session without the token, or with a wrong one (403 csrf_failed), and accepts it with the token", async () => {
    const before = await tokens();
    for (const csrf of [null, "not-the-token"]) {
      const form: Record<string, string> = { name: "csrf-probe", scope: "write" };
      if (csrf) form._csrf = csrf;
      const res = await t.browser.request(`/w/${t.ids.workspaceId}/tokens`, { form, csrf: false });
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe("csrf_failed");
    }
    expect(await tokens()).toBe(before);
    const ok = await t.browser.request(`/w/${t.ids.workspaceId}/tokens`, { form: { name: "csrf-probe", scope: "write" } });
    expect(ok.status).toBe(200);
    expect(await tokens()).toBe(before + 1);
  });

  it("refuses the settings form without the token and saves it with the token", async () => {
    const res = await t.browser.request(`/w/${t.ids.workspaceId}/settings`, {
      form: { writeMode: "off", maxWritesPerRun: "50", labelPrefix: "constraint:", focusConstraint: "" },
      csrf: false,
    });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("csrf_failed");
    expect((await settings()).writeMode).toBe("dry-run");
    const ok = await t.browser.request(`/w/${t.ids.workspaceId}/settings`, {
      form: { writeMode: "off", maxWritesPerRun: "50", labelPrefix: "constraint:", focusConstraint: "", commentsEnabled: "on" },
    });
    expect(ok.status).toBe(303);
    expect((await settings()).writeMode).toBe("off");
    await t.browser.request(`/w/${t.ids.workspaceId}/settings`, {
      form: { writeMode: "dry-run", maxWritesPerRun: "50", labelPrefix: "constraint:", focusConstraint: "", commentsEnabled: "on" },
    });
  });

  it("refuses the cookie-authenticated API without x-csrf-token and accepts it with the header", async () => {
    const path = `/api/v1/workspaces/${t.ids.workspaceId}/settings`;
    const res = await t.browser.request(path, { method: "PATCH", json: { commentsEnabled: false }, csrf: false });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("csrf_failed");
    expect((await settings()).commentsEnabled).toBe(true);
    const wrong = await t.browser.request(path, { method: "PATCH", json: { commentsEnabled: false }, headers: { "x-csrf-token": "wrong" } });
    expect(wrong.status).toBe(403);
    const ok = await t.browser.request(path, { method: "PATCH", json: { commentsEnabled: false } });
    expect(ok.status).toBe(200);
    expect((await settings()).commentsEnabled).toBe(false);
    // A bearer token is not ambient authority: no CSRF token needed.
    const bearer = await new Browser().request(path, { method: "PATCH", json: { commentsEnabled: true }, bearer: t.apiToken });
    expect(bearer.status).toBe(200);
  });

  it.each([
    ["a cross-site Origin", { origin: "https://evil.example" }],
    ["a look-alike Origin", { origin: "http://127.0.0.1:8787.evil.example" }],
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
  ])("refuses %s even with a valid token (form and API)", async (_n, headers) => {
    const before = await tokens();
    const form = await t.browser.request(`/w/${t.ids.workspaceId}/tokens`, { form: { name: "xsite", scope: "write" }, headers });
    expect(form.status).toBe(403);
    expect(await errorCode(form)).toBe("csrf_failed");
    const api = await t.browser.request(`/api/v1/workspaces/${t.ids.workspaceId}/audits`, { method: "POST", json: {}, headers });
    expect(api.status).toBe(403);
    expect(await tokens()).toBe(before);
    const sameOrigin = await t.browser.request(`/w/${t.ids.workspaceId}/tokens`, {
      form: { name: "same-origin", scope: "read" },
      headers: { origin: ORIGIN, "sec-fetch-site": "same-origin" },
    });
    expect(sameOrigin.status).toBe(200);
  });

  it("refuses a cross-site POST to the world-writable demo workspace, where there is no session to hold a token", async () => {
    const demo = (await findDemoWorkspace(testEnv.DB)) ?? (await createWorkspace(testEnv.DB, { name: "Acme (demo)", isDemo: true }));
    const res = await new Browser().request(`/w/${demo.id}/settings`, {
      form: { writeMode: "on", maxWritesPerRun: "50", labelPrefix: "constraint:", focusConstraint: "" },
      headers: { origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("csrf_failed");
  });

  it("sign-out is a POST that needs the token", async () => {
    const s = await seedTenant({ name: "Signout team" });
    const res = await s.browser.request("/signout", { method: "POST", form: {}, csrf: false });
    expect(res.status).toBe(403);
    expect((await s.browser.request("/api/v1/me")).status).toBe(200);
    expect((await s.browser.request("/signout", { method: "POST", form: {} })).status).toBe(303);
  });
});

describe("XSS and the CSP", () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await seedTenant({
      name: SVG_NAME,
      titles: [SCRIPT, "Checkout crashes on save"],
      ruleId: IMG,
      ledger: { issueKey: IMG, reason: SCRIPT },
      writeMode: "dry-run",
      issueExtra: (i) => (i === 0 ? { url: "javascript:alert(1)" } : {}),
    });
    // A saved rule pack whose name and rule description are hostile.
    const pack = `version: 1\nextends: default\nname: "${IMG}"\nrules:\n  - id: hostile-rule\n    description: "${IMG}"\n    when: { fact: title, keywords: [checkout] }\n    then: { vote: { constraint: reliability, weight: 1 } }\n`;
    const saved = await t.browser.request(`/api/v1/workspaces/${t.ids.workspaceId}/settings`, { method: "PATCH", json: { rulePack: pack } });
    expect(saved.status, await saved.clone().text()).toBe(200);
  });

  const pages = () => [
    {
      name: "report",
      path: `/w/${t.ids.workspaceId}/report`,
      escaped: ["&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;", "&quot;&gt;&lt;svg onload=alert(1)&gt;"],
    },
    { name: "members", path: `/w/${t.ids.workspaceId}/members`, escaped: ["&quot;&gt;&lt;svg onload=alert(1)&gt;"] },
    { name: "tokens", path: `/w/${t.ids.workspaceId}/tokens`, escaped: ["&quot;&gt;&lt;svg onload=alert(1)&gt;"] },
    { name: "settings", path: `/w/${t.ids.workspaceId}/settings`, escaped: ["&quot;&gt;&lt;svg onload=alert(1)&gt;", "&lt;img src=x onerror=alert(1)&gt;"] },
    { name: "write-back", path: `/w/${t.ids.workspaceId}/writeback`, escaped: ["&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;"] },
    { name: "connections", path: `/w/${t.ids.workspaceId}/connections`, escaped: ["&quot;&gt;&lt;svg onload=alert(1)&gt;"] },
  ];

  it("renders hostile issue titles, rule names and workspace names as text on every page", async () => {
    for (const p of pages()) {
      const res = await t.browser.request(p.path);
      expect(res.status, p.name).toBe(200);
      const html = await res.text();
      for (const raw of RAW_MARKERS) expect(html.includes(raw), `${p.name} contains raw ${raw}`).toBe(false);
      for (const e of p.escaped) expect(html, `${p.name} shows ${e}`).toContain(e);
    }
  });

  it("the Markdown export escapes hostile text and drops the javascript: link", async () => {
    const res = await t.browser.request(`/w/${t.ids.workspaceId}/report.md`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/markdown/);
    const md = await res.text();
    for (const raw of RAW_MARKERS) expect(md).not.toContain(raw);
    expect(md).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(md).not.toContain("javascript:");
  });

  it("the rule pack preview shows a hostile rule description as text", async () => {
    const body = new FormData();
    body.set("_csrf", t.browser.csrfToken!);
    body.set(
      "source",
      `version: 1\nextends: default\nrules:\n  - id: x1\n    description: "${IMG}"\n    when: { fact: title, keywords: [checkout] }\n    then: { vote: { constraint: reliability, weight: 1 } }\n`,
    );
    const res = await t.browser.request(`/w/${t.ids.workspaceId}/settings/rules/preview`, { method: "POST", body, csrf: false });
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const raw of RAW_MARKERS) expect(html).not.toContain(raw);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("every HTML page sends a CSP that forbids inline script, and every <script> carries the nonce", async () => {
    for (const p of [...pages(), { name: "signin", path: "/signin" }, { name: "home", path: "/" }, { name: "api docs", path: "/api/docs" }]) {
      const res = await t.browser.request(p.path);
      expect(res.status, p.name).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, p.name).toContain("default-src 'none'");
      const script = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1] ?? "";
      expect(script, `${p.name} has a script-src`).not.toBe("");
      expect(script).not.toContain("'unsafe-inline'");
      expect(script).not.toContain("'unsafe-eval'");
      expect(script).not.toMatch(/(^|\s)\*(\s|$)|https?:(\s|$)|data:/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      const nonce = /'nonce-([^']+)'/.exec(script)?.[1];
      const html = await res.text();
      for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) expect(tag, `${p.name}: ${tag}`).toContain(`nonce="${nonce}"`);
      expect(html, p.name).not.toMatch(/\son[a-z]+=["']/i);
      expect(html, p.name).not.toContain("javascript:");
    }
  });
});

describe("CSV formula injection", () => {
  const FORMULAS = ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)"];
  let t: Tenant;
  beforeAll(async () => {
    t = await seedTenant({ name: "Csv team", titles: FORMULAS });
    const rows = await testEnv.DB.prepare("SELECT id, external_id, key FROM issues WHERE workspace_id = ?")
      .bind(t.ids.workspaceId)
      .all<{ id: string; external_id: string; key: string }>();
    await insertLedgerEntries(
      testEnv.DB,
      FORMULAS.map((f, i) => ({
        workspaceId: t.ids.workspaceId,
        connectionId: t.ids.connectionId,
        runId: t.ids.runId,
        auditRunId: t.ids.auditId,
        issueId: rows.results[i]!.id,
        externalId: rows.results[i]!.external_id,
        issueKey: f,
        action: "label_add" as const,
        target: f,
        beforeValue: null,
        afterValue: f,
        ruleId: "meta-label-bug",
        reason: f,
        mode: "dry-run" as const,
        outcome: "planned" as const,
        trackerResponseId: null,
        error: null,
      })),
    );
  });

  it("the report CSV prefixes formula-like titles with '", async () => {
    const res = await t.browser.request(`/w/${t.ids.workspaceId}/report.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const rows = parseCsv(await res.text());
    const titles = column(rows, "title");
    for (const f of FORMULAS) expect(titles).toContain(`'${f}`);
    for (const r of rows.slice(1))
      for (const [i, cell] of r.entries()) if (!/^-?\d+(\.\d+)?$/.test(cell)) expect(cell, `column ${rows[0]![i]}`).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("the ledger CSV prefixes formula-like keys, targets and reasons with '", async () => {
    const res = await t.browser.request(`/api/v1/workspaces/${t.ids.workspaceId}/ledger?format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const rows = parseCsv(await res.text());
    for (const col of ["issueKey", "target", "afterValue", "reason"]) {
      const cells = column(rows, col);
      for (const f of FORMULAS) expect(cells, col).toContain(`'${f}`);
    }
    for (const r of rows.slice(1))
      for (const [i, cell] of r.entries()) if (!/^-?\d+(\.\d+)?$/.test(cell)) expect(cell, `column ${rows[0]![i]}`).not.toMatch(/^[=+\-@\t\r]/);
  });
});

describe("oversized bodies and malicious rule packs", () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await seedTenant({ name: "Packs team", titles: [`${"a".repeat(50_000)}!`, "aaaa", "Checkout crashes on save"] });
  });

  const rulePack = async () => (await getSettings(testEnv.DB, t.ids.workspaceId))!.rulePack;
  const packWithRegex = (re: string) =>
    `version: 1\nextends: default\nrules:\n  - id: evil\n    when: { fact: title, regex: ${JSON.stringify(re)} }\n    then: { vote: { constraint: reliability, weight: 1 } }\n`;
  /** A body with no content-length: the limit must count bytes as they stream. */
  const streamed = (bytes: number) =>
    new ReadableStream<Uint8Array>({
      start(ctl) {
        const chunk = new Uint8Array(64 * 1024).fill(0x61);
        for (let sent = 0; sent < bytes; sent += chunk.length) ctl.enqueue(chunk);
        ctl.close();
      },
    });

  it.each([
    ["API (JSON)", "api"],
    ["form page", "page"],
    ["webhook", "webhook"],
  ])("answers 413 payload_too_large for an oversized %s body, declared or streamed", async (_n, kind) => {
    const size = kind === "webhook" ? 5 * 1024 * 1024 + 1024 : 1024 * 1024 + 1024;
    const path =
      kind === "api"
        ? `/api/v1/workspaces/${t.ids.workspaceId}/rules/preview`
        : kind === "page"
          ? `/w/${t.ids.workspaceId}/settings/rules`
          : "/webhooks/github";
    const type = kind === "page" ? "application/x-www-form-urlencoded" : "application/json";
    const declared = await t.browser.request(path, { method: "POST", body: "a".repeat(size), headers: { "content-type": type } });
    expect(declared.status).toBe(413);
    expect(await errorCode(declared)).toBe("payload_too_large");
    const stream = await t.browser.request(path, { method: "POST", body: streamed(size), headers: { "content-type": type } });
    expect(stream.status).toBe(413);
  });

  it("refuses 10 MB of YAML at the body limit (413) on the API and the page, without saving", async () => {
    const huge = `version: 1\nrules:\n${"  - id: r\n    when: { fact: title, keywords: [x] }\n    then: { vote: { constraint: reliability, weight: 1 } }\n".repeat(110_000)}`;
    expect(huge.length).toBeGreaterThan(10_000_000);
    const api = await t.browser.request(`/api/v1/workspaces/${t.ids.workspaceId}/settings`, { method: "PATCH", json: { rulePack: huge } });
    expect(api.status).toBe(413);
    const page = await t.browser.request(`/w/${t.ids.workspaceId}/settings/rules`, { form: { source: huge } });
    expect(page.status).toBe(413);
    expect(await rulePack()).toBeNull();
  });

  it("refuses a 300 KB pack by its size before parsing it: 422 on the page and on the API", async () => {
    // Valid YAML made only of a comment: only the size can refuse it.
    const big = `version: 1\n#${"x".repeat(300 * 1024)}\n`;
    const page = await t.browser.request(`/w/${t.ids.workspaceId}/settings/rules`, { form: { source: big } });
    expect(page.status).toBe(422);
    expect(await page.text()).toContain("larger than 256 KiB");
    const api = await t.browser.request(`/api/v1/workspaces/${t.ids.workspaceId}/settings`, { method: "PATCH", json: { rulePack: big } });
    expect(api.status).toBe(422);
    expect(await errorCode(api)).toBe("invalid_rule_pack");
    expect(JSON.stringify(await api.json())).toContain("larger than 256 KiB");
    expect(await rulePack()).toBeNull();
  });

  it.each([
    ["a backreference", "(a+)\\1"],
    ["a lookbehind", "(?<=a)b"],
    ["a lookahead", "a(?=b)"],
    ["a possessive quantifier", "a++b"],
  ])("refuses %s with 422 invalid_rule_pack naming RE2, on the API and the page, and saves nothing", async (_n, re) => {
    const api = await t.browser.request(`/api/v1/workspaces/${t.ids.workspaceId}/settings`, { method: "PATCH", json: { rulePack: packWithRegex(re) } });
    expect(api.status).toBe(422);
    const body = (await api.json()) as { error: { code: string; message: string; details: Array<{ path: string; message: string }> } };
    expect(body.error.code).toBe("invalid_rule_pack");
    expect(body.error.message).toMatch(/RE2/);
    expect(body.error.details[0]?.path).toBe("rules.0.when.regex");
    const page = await t.browser.request(`/w/${t.ids.workspaceId}/settings/rules`, { form: { source: packWithRegex(re) } });
    expect(page.status).toBe(422);
    expect(await page.text()).toContain("RE2 cannot compile");
    const preview = await t.browser.request(`/api/v1/workspaces/${t.ids.workspaceId}/rules/preview`, { method: "POST", json: { source: packWithRegex(re) } });
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({ valid: false, preview: null });
    expect(await rulePack()).toBeNull();
  });

  it("runs (a+)+$ against 50,000 a's and a ! through the preview and returns (RE2: linear time, no ReDoS)", async () => {
    const res = await t.browser.request(`/api/v1/workspaces/${t.ids.workspaceId}/rules/preview`, {
      method: "POST",
      json: { source: packWithRegex("^(a+)+$") },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { valid: boolean; preview: { issues: number; rules: Array<{ id: string; matches: number }> } };
    expect(body.valid).toBe(true);
    expect(body.preview.issues).toBe(3);
    // "aaaa" matches; the 50,001-character title ending in "!" does not.
    expect(body.preview.rules.find((r) => r.id === "evil")?.matches).toBe(1);
  });
});
