/**
 * The GitHub REST API the sandbox answers under `{basePath}/api`: faults,
 * authentication, rate limits and stats in one middleware, then the issue,
 * label, comment, installation and user endpoints with GitHub's status codes,
 * error bodies, `Link` pagination and `x-ratelimit-*` headers.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { sleep } from "../common/faults";
import { verifyAppJwt, type TokenRecord } from "./auth";
import type { GithubCore } from "./core";
import { commentJson, installationJson, issueJson, labelJson, repositoryJson, userId, userJson } from "./shapes";
import type { SbIssue, SbRepo } from "./state";

type Env = { Variables: { token: TokenRecord; malformed: boolean; rl: Record<string, string> } };

const DOCS = "https://docs.github.com/rest";

/** `/repos/acme/web/issues/12/labels/bug` → `/repos/:o/:r/issues/:n/labels/:name`. */
export function routeLabel(method: string, path: string): string {
  const p = path
    .replace(/^\/repos\/[^/]+\/[^/]+/, "/repos/:o/:r")
    .replace(/\/issues\/comments\/\d+/, "/issues/comments/:id")
    .replace(/\/issues\/\d+/, "/issues/:n")
    .replace(/\/labels\/[^/]+$/, "/labels/:name")
    .replace(/\/installations\/\d+/, "/installations/:id")
    .replace(/\/applications\/[^/]+/, "/applications/:client_id");
  return `${method} ${p}`;
}

function json(c: Context<Env>, body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const h = new Headers({ "content-type": "application/json; charset=utf-8", "x-github-media-type": "github.v3; format=json", ...c.var.rl, ...headers });
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: h });
}

const notFound = (c: Context<Env>, doc = DOCS) => json(c, { message: "Not Found", documentation_url: doc, status: "404" }, 404);

/** Slice a list into a page and build GitHub's `Link` header from the request URL. */
function paginate<T>(c: Context<Env>, list: T[], defaultPerPage = 30): { items: T[]; link: Record<string, string> } {
  const url = new URL(c.req.url);
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? defaultPerPage) || defaultPerPage));
  const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(list.length / perPage));
  const at = (p: number) => {
    const u = new URL(url);
    u.searchParams.set("page", String(p));
    return `<${u.toString()}>`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`${at(page - 1)}; rel="prev"`);
  if (page < last) rels.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  if (page > 1) rels.push(`${at(1)}; rel="first"`);
  return { items: list.slice((page - 1) * perPage, page * perPage), link: rels.length ? { link: rels.join(", ") } : {} };
}

async function body(c: Context<Env>): Promise<Record<string, unknown>> {
  try {
    const v = await c.req.json();
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function bearer(c: Context<Env>): string | null {
  const h = c.req.header("authorization") ?? "";
  const m = /^(?:bearer|token)\s+(.+)$/i.exec(h.trim());
  return m ? m[1]!.trim() : null;
}

export function apiRoutes(core: GithubCore): Hono<Env> {
  const api = new Hono<Env>();

  // Faults, stats, auth and rate limits, in that order.
  api.use("*", async (c, next) => {
    const method = c.req.method.toUpperCase();
    const path = new URL(c.req.url).pathname.replace(/^.*?\/api(?=\/)/, "");
    const isWrite = !(method === "GET" || method === "HEAD");
    core.stats.requests++;
    if (isWrite) core.stats.writes++;
    else core.stats.reads++;
    const label = routeLabel(method, path);
    core.stats.byRoute[label] = (core.stats.byRoute[label] ?? 0) + 1;
    c.set("rl", {});
    c.set("malformed", false);

    const fault = core.faults.next();
    if (fault === "5xx") {
      const status = core.faults.injected["5xx"] % 2 ? 502 : 503;
      return json(c, { message: status === 502 ? "Server Error" : "Service Unavailable" }, status);
    }
    if (fault === "timeout") {
      const signal = c.req.raw.signal;
      await Promise.race([sleep(core.faults.slowMs), new Promise<void>((r) => signal?.addEventListener("abort", () => r(), { once: true }))]);
      return json(
        c,
        {
          message:
            "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.",
        },
        504,
      );
    }
    if (fault === "slow") await sleep(core.faults.slowMs);
    if (fault === "malformed") c.set("malformed", true);

    if (path.startsWith("/app/") || path === "/app") return next(); // JWT routes check for themselves
    if (path.startsWith("/applications/")) return next(); // basic auth
    const t = core.tokenFor(bearer(c));
    if (t === "missing") return json(c, { message: "Requires authentication", documentation_url: DOCS, status: "401" }, 401);
    if (t === "bad") return json(c, { message: "Bad credentials", documentation_url: DOCS, status: "401" }, 401);
    c.set("token", t);
    const owner = core.ownerOf(t);
    if (fault === "429") {
      c.set("rl", core.limiter.headers(owner));
      return json(
        c,
        {
          message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
          status: "429",
        },
        429,
        { "retry-after": String(core.faults.retryAfterSec) },
      );
    }
    if (path === "/rate_limit") {
      c.set("rl", core.limiter.headers(owner));
      return next();
    }
    const taken = core.limiter.take(owner, isWrite);
    c.set("rl", taken.headers);
    if (taken.refused === "primary") {
      const who = t.kind === "installation" ? `installation ID ${t.installationId}` : `user ID ${userId(t.login ?? "")}`;
      return json(
        c,
        {
          message: `API rate limit exceeded for ${who}.`,
          documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
          status: String(core.limiter.config.primary.status),
        },
        core.limiter.config.primary.status,
      );
    }
    if (taken.refused === "secondary") {
      return json(
        c,
        {
          message: "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.",
          documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
          status: "403",
        },
        403,
      );
    }
    return next();
  });

  // Writes to issues, labels and comments need write access to issues (see core.canWriteIssues).
  api.use("/repos/:o/:r/*", async (c, next) => {
    const method = c.req.method.toUpperCase();
    if (method === "GET" || method === "HEAD") return next();
    const repo = core.state.repo(`${c.req.param("o")}/${c.req.param("r")}`);
    if (repo && core.canSee(c.var.token, repo) && !core.canWriteIssues(c.var.token, repo))
      return json(c, { message: "Resource not accessible by integration", documentation_url: DOCS, status: "403" }, 403);
    return next();
  });

  const u = (c: Context<Env>) => core.urls(c.req.url);

  /** The repo (and issue) a route names, if the token may see it. */
  const repoOf = (c: Context<Env>): SbRepo | null => {
    const repo = core.state.repo(`${c.req.param("o")}/${c.req.param("r")}`);
    return repo && core.canSee(c.var.token, repo) ? repo : null;
  };
  const issueOf = (c: Context<Env>): { repo: SbRepo; issue: SbIssue } | null => {
    const repo = repoOf(c);
    const issue = repo ? core.state.issue(repo, Number(c.req.param("n"))) : null;
    return repo && issue ? { repo, issue } : null;
  };
  const issueOut = (c: Context<Env>, repo: SbRepo, i: SbIssue) => issueJson(u(c), repo, i, core.state.textOf(i));

  api.get("/rate_limit", (c) => {
    const h = core.limiter.headers(core.ownerOf(c.var.token));
    const core_ = {
      limit: Number(h["x-ratelimit-limit"]),
      remaining: Number(h["x-ratelimit-remaining"]),
      reset: Number(h["x-ratelimit-reset"]),
      used: Number(h["x-ratelimit-used"]),
      resource: "core",
    };
    return json(c, { resources: { core: core_ }, rate: core_ });
  });

  api.get("/repos/:o/:r/issues", (c) => {
    const repo = repoOf(c);
    if (!repo) return notFound(c, `${DOCS}/issues/issues#list-repository-issues`);
    const q = new URL(c.req.url).searchParams;
    const state = q.get("state") ?? "open";
    const sort = (q.get("sort") ?? "created") as "created" | "updated" | "comments";
    const direction = (q.get("direction") ?? "desc") as "asc" | "desc";
    if (!["open", "closed", "all"].includes(state) || !["created", "updated", "comments"].includes(sort) || !["asc", "desc"].includes(direction)) {
      return json(
        c,
        {
          message: "Validation Failed",
          errors: [{ resource: "Issue", code: "invalid", field: "state|sort|direction" }],
          documentation_url: DOCS,
          status: "422",
        },
        422,
      );
    }
    let list = core.state.sorted(repo, sort, direction);
    const since = q.get("since");
    if (since) {
      const t = Date.parse(since);
      if (Number.isNaN(t)) return json(c, { message: 'Invalid request.\n\nInvalid property "since"', documentation_url: DOCS, status: "422" }, 422);
      const s = Math.floor(t / 1000);
      list = list.filter((i) => i.updatedAt >= s);
    }
    if (state !== "all") list = list.filter((i) => i.state === state);
    const labels = q.get("labels");
    if (labels) {
      const want = labels.split(",").map((l) => l.trim().toLowerCase());
      list = list.filter((i) => want.every((w) => i.labels.some((l) => l.toLowerCase() === w)));
    }
    const { items, link } = paginate(c, list);
    const out: Array<Record<string, unknown>> = items.map((i) => issueOut(c, repo, i));
    if (c.var.malformed && out.length) out[Math.floor(out.length / 2)]!.title = null;
    return json(c, out, 200, link);
  });

  api.get("/repos/:o/:r/issues/:n", (c) => {
    const found = issueOf(c);
    if (!found) return notFound(c, `${DOCS}/issues/issues#get-an-issue`);
    const out = issueOut(c, found.repo, found.issue);
    if (c.var.malformed) out.title = null;
    return json(c, out);
  });

  api.get("/repos/:o/:r/issues/:n/labels", (c) => {
    const found = issueOf(c);
    if (!found) return notFound(c);
    const labels = found.issue.labels.map((n) => found.repo.labels.get(n.toLowerCase())!).map((l) => labelJson(u(c), found.repo, l));
    const { items, link } = paginate(c, labels);
    return json(c, items, 200, link);
  });

  api.post("/repos/:o/:r/issues/:n/labels", async (c) => {
    const found = issueOf(c);
    if (!found) return notFound(c);
    const b = await c.req.json().catch(() => null);
    const names = Array.isArray(b) ? b : Array.isArray((b as { labels?: unknown })?.labels) ? (b as { labels: unknown[] }).labels : null;
    if (!names || !names.every((n): n is string => typeof n === "string" && n.length > 0)) {
      return json(c, { message: "Invalid request.\n\nFor 'links/0/schema', nil is not an array.", documentation_url: DOCS, status: "422" }, 422);
    }
    await core.addLabels(found.repo, found.issue, names, core.actorOf(c.var.token));
    return json(
      c,
      found.issue.labels.map((n) => labelJson(u(c), found.repo, found.repo.labels.get(n.toLowerCase())!)),
    );
  });

  api.delete("/repos/:o/:r/issues/:n/labels/:name", async (c) => {
    const found = issueOf(c);
    if (!found) return notFound(c);
    const removed = await core.removeLabel(found.repo, found.issue, decodeURIComponent(c.req.param("name")), core.actorOf(c.var.token));
    if (!removed)
      return json(c, { message: "Label does not exist", documentation_url: `${DOCS}/issues/labels#remove-a-label-from-an-issue`, status: "404" }, 404);
    return json(
      c,
      found.issue.labels.map((n) => labelJson(u(c), found.repo, found.repo.labels.get(n.toLowerCase())!)),
    );
  });

  api.get("/repos/:o/:r/labels", (c) => {
    const repo = repoOf(c);
    if (!repo) return notFound(c);
    const { items, link } = paginate(
      c,
      [...repo.labels.values()].map((l) => labelJson(u(c), repo, l)),
    );
    return json(c, items, 200, link);
  });

  api.post("/repos/:o/:r/labels", async (c) => {
    const repo = repoOf(c);
    if (!repo) return notFound(c);
    const b = await body(c);
    const name = typeof b.name === "string" ? b.name.trim() : "";
    const color = typeof b.color === "string" ? b.color.replace(/^#/, "") : "ededed";
    const fail = (code: string, field: string) =>
      json(
        c,
        {
          message: "Validation Failed",
          errors: [{ resource: "Label", code, field }],
          documentation_url: `${DOCS}/issues/labels#create-a-label`,
          status: "422",
        },
        422,
      );
    if (!name) return fail("missing_field", "name");
    if (!/^[0-9a-fA-F]{6}$/.test(color)) return fail("invalid", "color");
    const { label, created } = core.state.ensureLabel(repo, name, color.toLowerCase(), typeof b.description === "string" ? b.description : null);
    if (!created) return fail("already_exists", "name");
    return json(c, labelJson(u(c), repo, label), 201, { location: `${u(c).api}/repos/${repo.fullName}/labels/${encodeURIComponent(name)}` });
  });

  api.get("/repos/:o/:r/issues/:n/comments", (c) => {
    const found = issueOf(c);
    if (!found) return notFound(c);
    const { items, link } = paginate(
      c,
      (found.issue.comments ?? []).map((cm) => commentJson(u(c), found.repo, found.issue.number, cm)),
    );
    return json(c, items, 200, link);
  });

  api.post("/repos/:o/:r/issues/:n/comments", async (c) => {
    const found = issueOf(c);
    if (!found) return notFound(c);
    const b = await body(c);
    if (typeof b.body !== "string" || !b.body)
      return json(
        c,
        { message: "Validation Failed", errors: [{ resource: "IssueComment", code: "missing_field", field: "body" }], documentation_url: DOCS, status: "422" },
        422,
      );
    const cm = await core.addComment(found.repo, found.issue, b.body, core.actorOf(c.var.token));
    const out = commentJson(u(c), found.repo, found.issue.number, cm);
    return json(c, out, 201, { location: out.url });
  });

  const commentOf = (c: Context<Env>) => {
    const repo = repoOf(c);
    const hit = repo ? core.findComment(repo, Number(c.req.param("id"))) : null;
    return repo && hit ? { repo, ...hit } : null;
  };

  api.get("/repos/:o/:r/issues/comments/:id", (c) => {
    const hit = commentOf(c);
    if (!hit) return notFound(c);
    return json(c, commentJson(u(c), hit.repo, hit.issue.number, hit.issue.comments![hit.index]!));
  });

  api.patch("/repos/:o/:r/issues/comments/:id", async (c) => {
    const hit = commentOf(c);
    if (!hit) return notFound(c);
    const b = await body(c);
    if (typeof b.body !== "string" || !b.body)
      return json(c, { message: "Validation Failed", errors: [{ resource: "IssueComment", code: "missing_field", field: "body" }], status: "422" }, 422);
    const cm = await core.editComment(hit.repo, hit.issue, hit.index, b.body, core.actorOf(c.var.token));
    return json(c, commentJson(u(c), hit.repo, hit.issue.number, cm));
  });

  api.delete("/repos/:o/:r/issues/comments/:id", async (c) => {
    const hit = commentOf(c);
    if (!hit) return notFound(c);
    await core.deleteComment(hit.repo, hit.issue, hit.index, core.actorOf(c.var.token));
    return json(c, null, 204);
  });

  api.get("/installation/repositories", (c) => {
    const t = c.var.token;
    if (t.kind !== "installation")
      return json(
        c,
        {
          message: "You must authenticate with an installation access token in order to list repositories for an installation.",
          documentation_url: DOCS,
          status: "403",
        },
        403,
      );
    const inst = core.installations.get(t.installationId!)!;
    const repos = [...inst.repos].map((r) => core.state.repo(r)).filter((r): r is SbRepo => !!r);
    const { items, link } = paginate(c, repos);
    return json(c, { total_count: repos.length, repository_selection: "selected", repositories: items.map((r) => repositoryJson(u(c), r)) }, 200, link);
  });

  api.get("/user", (c) => {
    const t = c.var.token;
    if (t.kind !== "user")
      return json(
        c,
        { message: "Resource not accessible by integration", documentation_url: `${DOCS}/users/users#get-the-authenticated-user`, status: "403" },
        403,
      );
    return json(c, {
      ...userJson(u(c), t.login!, userId(t.login!)),
      name: t.login,
      company: null,
      created_at: "2020-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    });
  });

  api.get("/user/installations", (c) => {
    const t = c.var.token;
    if (t.kind !== "user") return json(c, { message: "Resource not accessible by integration", documentation_url: DOCS, status: "403" }, 403);
    // Only a GitHub App user-to-server token lists the App's installations the user can reach.
    if (!t.token.startsWith("ghu_"))
      return json(
        c,
        {
          message: "You must authenticate with an access token authorized to a GitHub App in order to list installations",
          documentation_url: DOCS,
          status: "403",
        },
        403,
      );
    const list = [...core.installations.values()]
      .filter((i) => !i.removed)
      .map((i) => installationJson(u(c), { ...i, appId: core.opts.appId, appSlug: core.opts.appSlug }));
    return json(c, { total_count: list.length, installations: list });
  });

  api.get("/user/repos", (c) => {
    if (c.var.token.kind !== "user") return json(c, { message: "Resource not accessible by integration", documentation_url: DOCS, status: "403" }, 403);
    const repos = [...core.state.repos.values()].filter((r) => core.canSee(c.var.token, r)).sort((a, b) => a.fullName.localeCompare(b.fullName));
    const { items, link } = paginate(c, repos);
    return json(
      c,
      items.map((r) => repositoryJson(u(c), r)),
      200,
      link,
    );
  });

  // ---- App (JWT) and OAuth app (basic auth) endpoints ----
  const jwtCheck = async (c: Context<Env>) => {
    const token = bearer(c);
    await core.appKeyReady;
    if (!token || !core.appPublicKey) return { ok: false as const, message: "A JSON web token could not be decoded" };
    return verifyAppJwt(token, core.appPublicKey, [String(core.opts.appId), core.opts.clientId], core.now());
  };

  api.get("/app/installations", async (c) => {
    const v = await jwtCheck(c);
    if (!v.ok) return json(c, { message: v.message, documentation_url: DOCS, status: "401" }, 401);
    return json(
      c,
      [...core.installations.values()]
        .filter((i) => !i.removed)
        .map((i) => installationJson(u(c), { ...i, appId: core.opts.appId, appSlug: core.opts.appSlug })),
    );
  });

  api.post("/app/installations/:id/access_tokens", async (c) => {
    const v = await jwtCheck(c);
    if (!v.ok) return json(c, { message: v.message, documentation_url: DOCS, status: "401" }, 401);
    const inst = core.installations.get(Number(c.req.param("id")));
    if (!inst || inst.removed) return notFound(c, `${DOCS}/apps/apps#create-an-installation-access-token-for-an-app`);
    const expiresAt = core.now() + 3600_000;
    const t = core.issueToken(
      { kind: "installation", installationId: inst.id, login: null, clientId: null, scopes: [], expiresAt, permissions: { ...inst.permissions } },
      "ghs_",
    );
    return json(
      c,
      {
        token: t.token,
        expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions: { ...inst.permissions },
        repository_selection: "selected",
      },
      201,
    );
  });

  api.delete("/applications/:client_id/grant", async (c) => {
    const basic = /^basic\s+(.+)$/i.exec(c.req.header("authorization") ?? "");
    const [id, secret] = basic ? atob(basic[1]!).split(":") : [];
    if (id !== core.opts.clientId || secret !== core.opts.clientSecret || c.req.param("client_id") !== id) {
      return json(c, { message: "Not Found", documentation_url: DOCS, status: "404" }, 404);
    }
    const b = await body(c);
    const rec = typeof b.access_token === "string" ? core.tokens.get(b.access_token) : undefined;
    if (!rec || rec.revoked) return json(c, { message: "Not Found", documentation_url: DOCS, status: "404" }, 404);
    for (const t of core.tokens.values()) if (t.kind !== "installation" && t.login === rec.login && t.clientId === rec.clientId) t.revoked = true;
    return json(c, null, 204);
  });

  return api;
}
