/**
 * The sandbox trackers for the local demo and the benchmarks: GitHub, Linear
 * and Jira simulators (sandbox/*) served on one port, delivering
 * their signed webhooks to the local Worker. Node-only.
 *
 *   tsx scripts/sandbox-server.ts [--port 8788] [--worker http://127.0.0.1:8787] [--github-issues 60]
 *
 * Control API (local only), for demos and benchmarks:
 *   GET  /health
 *   GET  /_control/stats                          requests per tracker
 *   POST /_control/faults   {tracker, rate, kinds, seed}
 *   POST /_control/github/human  {repo, number, patch}   a person edits an issue
 *   POST /_control/deliver                        flush pending webhooks now
 */
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { serve } from "../sandbox/common/node-server";
import type { FaultKind } from "../sandbox/common/faults";
import { createGithubSandbox } from "../sandbox/github";
import { createJiraSandbox } from "../sandbox/jira";
import { createLinearSandbox } from "../sandbox/linear";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function readVars(): Record<string, string> {
  const root = join(import.meta.dirname, "..");
  const file = existsSync(join(root, ".dev.vars")) ? join(root, ".dev.vars") : join(root, ".dev.vars.example");
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export async function startSandboxServer(opts: { port: number; worker: string; githubIssues?: number; quiet?: boolean }) {
  const vars = readVars();
  const origin = `http://127.0.0.1:${opts.port}`;
  const github = createGithubSandbox({
    basePath: "/github",
    origin,
    webhookUrl: `${opts.worker}/webhooks/github`,
    webhookSecret: vars.GITHUB_WEBHOOK_SECRET ?? "",
    clientId: vars.GITHUB_CLIENT_ID ?? "",
    clientSecret: vars.GITHUB_CLIENT_SECRET ?? "",
    app: vars.GITHUB_APP_PRIVATE_KEY ? { privateKeyPem: vars.GITHUB_APP_PRIVATE_KEY.replace(/\\n/g, "\n") } : undefined,
    seed: opts.githubIssues ? { repos: [{ fullName: "acme/webapp", issues: opts.githubIssues }] } : undefined,
  });
  const linear = createLinearSandbox({
    basePath: "/linear",
    origin,
    webhookUrl: `${opts.worker}/webhooks/linear`,
    webhookSecret: vars.LINEAR_WEBHOOK_SECRET ?? "",
    clientId: vars.LINEAR_CLIENT_ID ?? "",
    clientSecret: vars.LINEAR_CLIENT_SECRET ?? "",
  });
  const jira = createJiraSandbox({
    basePath: "/jira",
    origin,
    webhookUrl: `${opts.worker}/webhooks/jira`,
    clientId: vars.JIRA_CLIENT_ID ?? "",
    clientSecret: vars.JIRA_CLIENT_SECRET ?? "",
  });
  const trackers = { github, linear, jira } as const;
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const p = url.pathname;
    if (p === "/health") return json({ status: "ok", trackers: Object.keys(trackers) });
    if (p === "/_control/stats") return json(Object.fromEntries(Object.entries(trackers).map(([k, t]) => [k, t.stats])));
    if (p === "/_control/deliver" && req.method === "POST") return json({ delivered: await deliver() });
    if (p === "/_control/faults" && req.method === "POST") {
      const b = (await req.json()) as { tracker: keyof typeof trackers; rate: number; kinds: FaultKind[]; seed?: number };
      trackers[b.tracker].faults.configure({ rate: b.rate, kinds: b.kinds, seed: b.seed ?? 1 });
      return json({ ok: true });
    }
    if (p === "/_control/github/human" && req.method === "POST") {
      const b = (await req.json()) as { repo: string; number: number; patch: Parameters<typeof github.human>[2] };
      await github.human(b.repo, b.number, b.patch);
      await deliver();
      return json({ ok: true });
    }
    for (const t of Object.values(trackers)) if (p.startsWith(`${t.basePath}/`) || p === t.basePath) return t.fetch(req);
    return json({ error: { code: "not_found", message: `sandbox has no route ${p}` } }, 404);
  };

  let delivering = false;
  async function deliver(): Promise<number> {
    if (delivering) return 0;
    delivering = true;
    try {
      let n = 0;
      for (const t of Object.values(trackers)) n += await t.outbox.deliverAll((input, init) => fetch(input, init));
      return n;
    } finally {
      delivering = false;
    }
  }
  const timer = setInterval(() => void deliver().catch(() => {}), 200);
  const server = await serve(handler, opts.port);
  if (!opts.quiet) console.log(`sandbox trackers on ${origin} (GitHub /github, Linear /linear, Jira /jira), webhooks to ${opts.worker}`);
  return {
    url: origin,
    trackers,
    close: () => {
      clearInterval(timer);
      server.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(arg("port", "8788"));
  await startSandboxServer({ port, worker: arg("worker", "http://127.0.0.1:8787"), githubIssues: Number(arg("github-issues", "0")) || undefined });
}
