/**
 * The demo: the sandbox trackers (a Node process serving all three simulators)
 * and the demo workspace, seeded through the running Worker the way a person
 * would do it: "Connect GitHub/Linear/Jira" → the sandbox's approve page → pick
 * scopes → the first sync runs on the queue → audit history is backfilled.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { NODE, childEnv, root, stopProcess, waitForHttp } from "./local-stack.mjs";

/** Start the sandbox trackers on `port`, delivering webhooks to `worker`. */
export async function startSandbox({ port = 8788, worker = "http://127.0.0.1:8787", quiet = false, githubIssues } = {}) {
  const entry = join(root, "scripts", "sandbox-server.ts");
  if (!existsSync(entry)) return null;
  const args = ["--import", "tsx", entry, "--port", String(port), "--worker", worker];
  if (githubIssues) args.push("--github-issues", String(githubIssues));
  const proc = spawn(NODE, args, { cwd: root, env: childEnv(), stdio: quiet ? "ignore" : ["ignore", "inherit", "inherit"], detached: true });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, { proc, timeoutMs: 30_000 });
  return { url, proc, stop: () => stopProcess(proc) };
}

/** A tiny cookie jar + redirect-following client, like a browser on one site. */
function browserLike() {
  const jar = new Map();
  const cookieHeader = (url) => {
    const host = new URL(url).host;
    const cookies = [...jar.entries()].filter(([k]) => k.startsWith(`${host}|`)).map(([k, v]) => `${k.split("|")[1]}=${v}`);
    return cookies.length ? { cookie: cookies.join("; ") } : {};
  };
  const store = (url, res) => {
    const host = new URL(url).host;
    for (const c of res.headers.getSetCookie?.() ?? []) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      const expired = /max-age=0/i.test(c) || /expires=thu, 01 jan 1970/i.test(c);
      if (expired) jar.delete(`${host}|${pair.slice(0, i)}`);
      else jar.set(`${host}|${pair.slice(0, i)}`, pair.slice(i + 1));
    }
  };
  async function go(url, init = {}) {
    let current = url;
    let opts = init;
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(current, { ...opts, redirect: "manual", headers: { ...(opts.headers ?? {}), ...cookieHeader(current) } });
      store(current, res);
      if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
        current = new URL(res.headers.get("location"), current).href;
        opts = {};
        continue;
      }
      return { res, url: current, text: await res.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }
  return { go };
}

const attr = (tag, name) => new RegExp(`${name}="([^"]*)"`, "i").exec(tag)?.[1]?.replace(/&amp;/g, "&") ?? null;

/** Submit the first form on an HTML page (hidden fields, checked boxes, and the named submit button). */
async function submitFirstForm(client, page) {
  const form = /<form\b[^>]*>[\s\S]*?<\/form>/i.exec(page.text)?.[0];
  if (!form) throw new Error(`no form on ${page.url}: ${page.text.slice(0, 300)}`);
  const open = /<form\b[^>]*>/i.exec(form)[0];
  const action = new URL(attr(open, "action") ?? page.url, page.url).href;
  const method = (attr(open, "method") ?? "get").toUpperCase();
  const fields = new URLSearchParams();
  for (const input of form.match(/<input\b[^>]*>/gi) ?? []) {
    const type = (attr(input, "type") ?? "text").toLowerCase();
    const name = attr(input, "name");
    if (!name) continue;
    if (type === "checkbox" && !/\bchecked\b/i.test(input)) continue;
    fields.append(name, attr(input, "value") ?? "on");
  }
  const button = (form.match(/<button\b[^>]*>/gi) ?? []).find((b) => attr(b, "name"));
  if (button && attr(button, "value") !== "0") fields.append(attr(button, "name"), attr(button, "value") ?? "");
  if (method === "GET") return client.go(`${action}${action.includes("?") ? "&" : "?"}${fields}`);
  return client.go(action, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: fields.toString() });
}

/** Connect one tracker to the demo workspace through the real OAuth flow against the sandbox. */
export async function connectTracker(workerUrl, workspaceId, tracker) {
  const client = browserLike();
  const approve = await client.go(`${workerUrl}/w/${workspaceId}/connect/${tracker}`);
  if (approve.res.status !== 200) throw new Error(`connect ${tracker}: ${approve.res.status} ${approve.text.slice(0, 300)}`);
  const picker = await submitFirstForm(client, approve);
  if (!/data-testid="scope-picker"/.test(picker.text))
    throw new Error(`connect ${tracker}: expected the scope picker, got ${picker.res.status} at ${picker.url}: ${picker.text.slice(0, 400)}`);
  const done = await submitFirstForm(client, picker);
  // Picking scopes redirects to the connections page, where the first sync shows its progress.
  if (!new URL(done.url).pathname.endsWith(`/w/${workspaceId}/connections`))
    throw new Error(`connect ${tracker}: picking scopes failed: ${done.res.status} ${done.text.slice(0, 300)}`);
}

/** Wait until every connection of the workspace finished its first sync. */
export async function waitForSync(workerUrl, workspaceId, { timeoutMs = 120_000 } = {}) {
  const started = Date.now();
  let last = [];
  while (Date.now() - started < timeoutMs) {
    const res = await fetch(`${workerUrl}/api/v1/workspaces/${workspaceId}/connections`);
    const { items } = await res.json();
    last = items;
    const scopes = items.flatMap((c) => c.sync);
    if (items.length && scopes.length && scopes.every((s) => s.lastSyncedAt && s.status === "idle")) return items;
    await new Promise((r) => setTimeout(r, 500));
  }
  // Say where each connection stood, so a slow or stuck first sync can be told apart.
  const where = last
    .map(
      (c) =>
        `${c.tracker} ${c.status}: ${c.sync.map((s) => `${s.status}${s.lastSyncedAt ? "" : " (never synced)"}${s.lastError ? ` — ${s.lastError}` : ""}`).join(", ") || "no scopes"}`,
    )
    .join("; ");
  throw new Error(`the demo's first sync did not finish within ${Math.round(timeoutMs / 1000)} s (${where || "no connections"})`);
}

/**
 * Seed the demo workspace (only enabled when DEMO_MODE=1): connect the three
 * sandbox trackers, wait for their first sync, backfill the audit history.
 */
export async function seedDemo(workerUrl, { trackers = ["github", "linear", "jira"], log = () => {} } = {}) {
  const res = await fetch(`${workerUrl}/dev/demo/seed`, { method: "POST" });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`demo seeding failed: ${res.status} ${await res.text()}`);
  const { workspaceId, created } = await res.json();
  if (created) {
    for (const t of trackers) {
      log(`connecting ${t} (sandbox)…`);
      await connectTracker(workerUrl, workspaceId, t);
    }
    log("waiting for the first sync…");
    await waitForSync(workerUrl, workspaceId);
  }
  const hist = await fetch(`${workerUrl}/dev/demo/history`, { method: "POST" });
  if (!hist.ok) throw new Error(`demo history failed: ${hist.status} ${await hist.text()}`);
  return { workspaceId, ...(await hist.json()) };
}
