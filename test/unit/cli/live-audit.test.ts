/**
 * `backlog-audit audit <tracker>:<scope>` against the sandbox trackers (the
 * simulators in sandbox, served over HTTP in this process, as
 * `npm start` serves them): the compiled CLI runs in a child process with the
 * Worker's endpoint variables pointing at the sandbox.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandboxServer } from "../../../scripts/sandbox-server";

const root = new URL("../../../", import.meta.url).pathname;
const node = join(root, "node_modules/.bin/node");
const dir = mkdtempSync(join(tmpdir(), "backlog-audit-live-"));

type Sandbox = Awaited<ReturnType<typeof startSandboxServer>>;
let sandbox: Sandbox;
let env: Record<string, string>;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs the compiled CLI without blocking this process (the sandbox answers from here). */
function cli(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(node, [join(root, "bin/backlog-audit.mjs"), ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...env, ...extraEnv } as NodeJS.ProcessEnv,
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  const port = await freePort();
  sandbox = await startSandboxServer({ port, worker: "http://127.0.0.1:9", quiet: true });
  const t = sandbox.trackers;
  env = {
    GITHUB_API_BASE: `${sandbox.url}/github/api`,
    LINEAR_API_BASE: `${sandbox.url}/linear/api`,
    JIRA_API_BASE: `${sandbox.url}/jira/api`,
    GITHUB_TOKEN: t.github.issueUserToken(),
    LINEAR_API_KEY: t.linear.issueToken().accessToken,
    JIRA_ACCESS_TOKEN: t.jira.issueToken().accessToken,
  };
});
afterAll(() => sandbox?.close());

const SCOPES = [
  { tracker: "github", source: "github:acme/webapp", cache: "gh" },
  { tracker: "linear", source: "linear:ENG", cache: "lin" },
  { tracker: "jira", source: "jira:acme/AUD", cache: "jira" },
] as const;

describe.each(SCOPES)("backlog-audit audit $source", ({ tracker, source, cache }) => {
  const stats = () => sandbox.trackers[tracker].stats;

  it("audits the live scope, then re-reads only what changed: one request on a no-op, no writes ever", async () => {
    const cacheDir = join(dir, cache);
    sandbox.trackers[tracker].resetStats();
    const first = await cli(["audit", source, "--format", "json", "--cache", cacheDir]);
    expect(first.stderr).toMatch(/fetching every issue/);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as {
      totals: { open: number };
      dominant: { constraint: string | null };
      diagnosis: { verdict: string; sentence: string };
    };
    expect(report.totals.open).toBeGreaterThan(0);
    // The diagnosis may rightly find no clear bottleneck in a small sandbox backlog, but it names one only when clear.
    expect(["clear", "split", "thin"]).toContain(report.diagnosis.verdict);
    expect(report.diagnosis.sentence.length).toBeGreaterThan(20);
    if (report.diagnosis.verdict === "clear") expect(report.dominant.constraint).not.toBeNull();
    expect(stats().requests).toBeGreaterThanOrEqual(1);
    expect(stats().writes).toBe(0);

    sandbox.trackers[tracker].resetStats();
    const second = await cli(["audit", source, "--format", "json", "--cache", cacheDir]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/in the local cache; fetching what changed/);
    expect(stats().requests).toBe(1);
    expect(stats().writes).toBe(0);
    // The cached issues audit to the same report.
    expect(JSON.parse(second.stdout).totals).toEqual(report.totals);
  });

  it("says the credentials were refused (401) in one line and exits 3", async () => {
    const bad = { GITHUB_TOKEN: "ghu_revoked", LINEAR_API_KEY: "lin_oauth_revoked", JIRA_ACCESS_TOKEN: "revoked" };
    const r = await cli(["audit", source, "--no-cache"], bad);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines.at(-1)).toMatch(new RegExp(`^backlog-audit: ${source}: the tracker rejected the credentials in \\w+`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("backlog-audit audit github: incremental cache and rate limits", () => {
  const cacheDir = join(dir, "gh-incremental");
  const cached = () => JSON.parse(readFileSync(join(cacheDir, "github-acme_webapp.json"), "utf8")) as { issues: Array<{ key: string; title: string }> };

  it("fetches an issue edited since the last run, in one request", async () => {
    expect((await cli(["audit", "github:acme/webapp", "--format", "json", "--cache", cacheDir])).code).toBe(0);
    const before = cached().issues.length;
    await sandbox.trackers.github.human("acme/webapp", 3, { title: "Checkout crashes with a 500 after the upgrade" });
    sandbox.trackers.github.resetStats();
    const r = await cli(["audit", "github:acme/webapp", "--format", "json", "--cache", cacheDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(sandbox.trackers.github.stats.requests).toBe(1);
    expect(r.stderr).toMatch(/done, [1-9]\d* issues? fetched/);
    expect(cached().issues.length).toBe(before);
    expect(cached().issues.find((i) => i.key === "acme/webapp#3")?.title).toBe("Checkout crashes with a 500 after the upgrade");
  });

  it("waits out a rate limit and says so", async () => {
    sandbox.trackers.github.faults.queue("429");
    const r = await cli(["audit", "github:acme/webapp", "--format", "json", "--no-cache"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/github:acme\/webapp: rate limited by the tracker; waiting \d+ s/);
    expect(JSON.parse(r.stdout).totals.open).toBeGreaterThan(0);
  });
});

describe("backlog-audit audit: Jira basic auth and Linear personal API keys", () => {
  // Jira Cloud: JIRA_EMAIL + JIRA_API_TOKEN as `Authorization: Basic base64(email:token)`, no OAuth token set.
  // Linear: a personal API key (`lin_api_…`) as `Authorization: <key>`, without `Bearer`.
  const jira = () => sandbox.trackers.jira.addApiToken("mia@example.com");
  const noOauth = { JIRA_ACCESS_TOKEN: undefined };

  it("audits jira:acme/AUD with JIRA_EMAIL and JIRA_API_TOKEN (basic auth)", async () => {
    const { email, token } = jira();
    sandbox.trackers.jira.resetStats();
    const r = await cli(["audit", "jira:acme/AUD", "--format", "json", "--no-cache"], { ...noOauth, JIRA_EMAIL: email, JIRA_API_TOKEN: token });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { totals: { open: number } }).totals.open).toBeGreaterThan(0);
    expect(sandbox.trackers.jira.stats.requests).toBeGreaterThanOrEqual(1);
    expect(sandbox.trackers.jira.stats.writes).toBe(0);
  });

  it("a wrong Jira API token (or e-mail) is refused: one line, exit 3", async () => {
    const { email, token } = jira();
    for (const creds of [
      { JIRA_EMAIL: email, JIRA_API_TOKEN: `${token}x` },
      { JIRA_EMAIL: "someone@example.com", JIRA_API_TOKEN: token },
    ]) {
      const r = await cli(["audit", "jira:acme/AUD", "--no-cache"], { ...noOauth, ...creds });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n").at(-1)).toBe(
        "backlog-audit: jira:acme/AUD: the tracker rejected the credentials in JIRA_EMAIL/JIRA_API_TOKEN (HTTP 401); check or renew them",
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("the sandbox answers basic auth as Jira does: 200 for the pair, 401 for a wrong token", async () => {
    const { email, token } = jira();
    const site = sandbox.trackers.jira.defaultSite();
    const call = (user: string, pass: string) =>
      fetch(`${env.JIRA_API_BASE}/ex/jira/${site.id}/rest/api/3/myself`, {
        headers: { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` },
      });
    expect((await call(email, token)).status).toBe(200);
    const wrong = await call(email, "nope");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("x-seraph-loginreason")).toBe("AUTHENTICATED_FAILED");
  });

  it("audits linear:ENG with a lin_api_ personal API key, sent without Bearer", async () => {
    const key = sandbox.trackers.linear.issueApiKey();
    expect(key).toMatch(/^lin_api_\w+$/);
    const r = await cli(["audit", "linear:ENG", "--format", "json", "--no-cache"], { LINEAR_API_KEY: key });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { totals: { open: number } }).totals.open).toBeGreaterThan(0);
  });

  it("the Linear sandbox takes the key as it is, not as a Bearer token", async () => {
    const key = sandbox.trackers.linear.issueApiKey();
    const call = (authorization: string) =>
      fetch(`${env.LINEAR_API_BASE}/graphql`, {
        method: "POST",
        headers: { authorization, "content-type": "application/json" },
        body: JSON.stringify({ query: "{ viewer { id } }" }),
      });
    expect((await call(key)).status).toBe(200);
    expect((await call(`Bearer ${key}`)).status).toBe(401);
  });

  it("a wrong lin_api_ key is refused: one line, exit 3", async () => {
    const r = await cli(["audit", "linear:ENG", "--no-cache"], { LINEAR_API_KEY: `lin_api_${"0".repeat(40)}` });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n").at(-1)).toBe(
      "backlog-audit: linear:ENG: the tracker rejected the credentials in LINEAR_API_KEY (HTTP 401); check or renew them",
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("backlog-audit audit: failures", () => {
  it("an unknown repository exits 4 with one line", async () => {
    const r = await cli(["audit", "github:acme/nope", "--no-cache"]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n").at(-1)).toBe("backlog-audit: github:acme/nope: not found, or not visible with these credentials");
  });

  it("an unknown Linear team and Jira project exit 4 and name what exists", async () => {
    const l = await cli(["audit", "linear:NOPE", "--no-cache"]);
    expect(l.code).toBe(4);
    expect(l.stderr).toMatch(/no team with key NOPE \(teams: .*ENG/);
    const j = await cli(["audit", "jira:acme/NOPE", "--no-cache"]);
    expect(j.code).toBe(4);
    expect(j.stderr).toMatch(/no project NOPE on acme/);
  });

  it("a network error exits 1 with one line and no stack trace", async () => {
    const port = await freePort();
    const r = await cli(["audit", "github:acme/webapp", "--no-cache"], { GITHUB_API_BASE: `http://127.0.0.1:${port}/api` });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^backlog-audit: github:acme\/webapp: cannot reach github/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it("a missing token names the variable and exits 2", async () => {
    const r = await cli(["audit", "github:acme/webapp"], { GITHUB_TOKEN: undefined });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/GITHUB_TOKEN .* is not set/);
  });
});

describe("backlog-audit audit <live> --format html --out", () => {
  it("writes the report page to the file", async () => {
    const out = join(dir, "live.html");
    const r = await cli(["audit", "github:acme/webapp", "--format", "html", "--out", out, "--no-cache"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain("Backlog audit: github:acme/webapp");
  });
});
