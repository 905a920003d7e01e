/**
 * A GitHub simulator speaking GitHub's REST wire format: GitHub App
 * installation tokens (JWT checked against the app's public key), OAuth
 * authorize/token with PKCE and rotating refresh tokens, issue listing with
 * `since`/`sort`/`direction`/`per_page`/`page` and `Link`, labels and
 * comments, signed webhooks for every change, rate limits (primary budget and
 * an optional secondary content-creation limit), faults and revocation.
 *
 * @example
 * const gh = createGithubSandbox({ webhookSecret: "s", clientId: "Iv1.abc", clientSecret: "shh" });
 * const token = gh.issueInstallationToken();
 * const res = await gh.fetch(new Request("http://x/github/api/repos/acme/webapp/issues", { headers: { authorization: `Bearer ${token}` } }));
 */
import { Hono } from "hono";
import type { SandboxTracker } from "../common/types";
import { emptyStats } from "../common/types";
import { generateAppKeyPair, publicKeyFromPrivatePem } from "./auth";
import { apiRoutes } from "./api-routes";
import { DEFAULT_INSTALLATION_PERMISSIONS, GithubCore, type Actor } from "./core";
import type { LimitConfig } from "./limits";
import { oauthRoutes } from "./oauth-routes";
import type { SbIssue, SbRepo, SeedRepoOptions } from "./state";

export type { LimitConfig } from "./limits";
export { generateAppKeyPair, pkcs8ToPkcs1, publicKeyFromPrivatePem } from "./auth";

export interface GithubSeedOptions {
  /** Repositories and how many issues each gets. Default: acme/webapp (60) and acme/api (25). */
  repos?: SeedRepoOptions[];
  /** Seed for the deterministic generator (texts, labels, states). Default 1. */
  seed?: number;
  /** The organisation the App is installed on (all seeded repos). Default `acme`. */
  installationAccount?: string;
  installationId?: number;
}

export interface GithubSandboxOptions {
  basePath?: string;
  /** Public origin for URLs in bodies; default: the request's origin. */
  origin?: string;
  webhookUrl?: string | null;
  webhookSecret: string;
  clientId: string;
  clientSecret: string;
  /**
   * The GitHub App: its id, slug, and the key it trusts for JWTs, either the
   * public key or the private key PEM the service is configured with (PKCS#1
   * as GitHub issues it). Without either, call `generateAppKey()`.
   */
  app?: { id?: number; slug?: string; publicKey?: CryptoKey; privateKeyPem?: string };
  seed?: GithubSeedOptions;
  /** GitHub App user tokens expire (8 h) with rotating refresh tokens; OAuth App tokens do not. Default "expiring". */
  userTokens?: "expiring" | "non-expiring";
  now?: () => number;
}

export interface HumanPatch {
  title?: string;
  body?: string;
  state?: "open" | "closed";
  addLabels?: string[];
  removeLabels?: string[];
  /** Pin updatedAt (epoch seconds) instead of "now". */
  updatedAtSec?: number;
}

export interface GithubSandbox extends SandboxTracker {
  readonly core: GithubCore;
  readonly limits: LimitConfig;
  readonly installationId: number;
  readonly appId: number;
  /** Generate the App keypair (PKCS#1 PEM as GitHub hands it out) and trust its public half. */
  generateAppKey(): Promise<string>;
  /** A ready installation token (skips the JWT dance, for tests). */
  issueInstallationToken(installationId?: number, ttlMs?: number): string;
  /** A ready GitHub App user token (`ghu_`) for `login`. */
  issueUserToken(login?: string): string;
  /** A ready OAuth App token (`gho_`) with `scopes` (default `repo`). */
  issueOAuthAppToken(scopes?: string[], login?: string): string;
  /** Change what the App is granted on an installation (tokens made afterwards carry it). */
  setInstallationPermissions(permissions: Record<string, "read" | "write">, installationId?: number): void;
  revokeToken(token: string): void;
  seedRepo(opts: SeedRepoOptions): SbRepo;
  repo(fullName: string): SbRepo;
  issue(fullName: string, number: number): SbIssue;
  /** A human changes an issue (sends the webhooks GitHub would). */
  human(fullName: string, number: number, patch: HumanPatch, login?: string): Promise<void>;
  humanComment(fullName: string, number: number, body: string, login?: string): Promise<void>;
  uninstall(installationId?: number): Promise<void>;
  addRepoToInstallation(fullName: string, installationId?: number): Promise<void>;
  redeliver(deliveryId: string): void;
  advanceClock(ms: number): void;
}

export function createGithubSandbox(opts: GithubSandboxOptions): GithubSandbox {
  const basePath = opts.basePath ?? "/github";
  const appId = opts.app?.id ?? 123456;
  const core = new GithubCore({
    webhookUrl: opts.webhookUrl ?? null,
    webhookSecret: opts.webhookSecret,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    appId,
    appSlug: opts.app?.slug ?? "backlog-auditor",
    origin: opts.origin ?? null,
    basePath,
    userTokens: opts.userTokens ?? "expiring",
    now: opts.now ?? Date.now,
  });
  core.appPublicKey = opts.app?.publicKey ?? null;
  if (!core.appPublicKey && opts.app?.privateKeyPem) {
    core.appKeyReady = publicKeyFromPrivatePem(opts.app.privateKeyPem).then((k) => {
      core.appPublicKey = k;
    });
  }

  const seed = opts.seed ?? {};
  const repos = seed.repos ?? [
    { fullName: "acme/webapp", issues: 60 },
    { fullName: "acme/api", issues: 25 },
  ];
  const installationId = seed.installationId ?? 4242;
  const installed = new Set<string>();
  for (const r of repos) installed.add(core.state.seedRepo(r, seed.seed ?? 1).fullName.toLowerCase());
  core.installations.set(installationId, {
    id: installationId,
    account: seed.installationAccount ?? "acme",
    repos: installed,
    createdAt: core.nowSec() - 86400 * 10,
    removed: false,
    permissions: { ...DEFAULT_INSTALLATION_PERMISSIONS },
  });

  const app = new Hono().basePath(basePath);
  app.route("/api", apiRoutes(core));
  app.route("/", oauthRoutes(core));
  app.get("/:owner/:repo/issues/:n", (c) => {
    const repo = core.state.repo(`${c.req.param("owner")}/${c.req.param("repo")}`);
    const issue = repo ? core.state.issue(repo, Number(c.req.param("n"))) : null;
    if (!repo || !issue) return c.text("Not Found", 404);
    const t = core.state.textOf(issue);
    const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
    return c.html(
      `<!doctype html><title>${esc(t.title)} · ${esc(repo.fullName)}#${issue.number}</title><h1>${esc(t.title)} #${issue.number}</h1><p>${issue.labels.map(esc).join(", ")}</p><pre>${esc(t.body)}</pre>`,
    );
  });

  const mustRepo = (fullName: string) => {
    const r = core.state.repo(fullName);
    if (!r) throw new Error(`sandbox has no repo ${fullName}`);
    return r;
  };
  const mustIssue = (fullName: string, number: number) => {
    const r = mustRepo(fullName);
    const i = core.state.issue(r, number);
    if (!i) throw new Error(`sandbox has no issue ${fullName}#${number}`);
    return { repo: r, issue: i };
  };
  const human = (login: string): Actor => ({ login, bot: false });

  return {
    tracker: "github",
    basePath,
    core,
    appId,
    installationId,
    faults: core.faults,
    outbox: core.outbox,
    get stats() {
      return core.stats;
    },
    get limits() {
      return core.limiter.config;
    },
    resetStats() {
      core.stats = emptyStats();
    },
    async fetch(req: Request) {
      const res = await app.fetch(req);
      // A client that gave up (timeout fault) sees its own abort, as with a real fetch.
      if (req.signal?.aborted) throw req.signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
      return res;
    },
    async generateAppKey() {
      const { privateKeyPem, publicKey } = await generateAppKeyPair();
      core.appPublicKey = publicKey;
      return privateKeyPem;
    },
    issueInstallationToken(id = installationId, ttlMs = 3600_000) {
      const permissions = { ...(core.installations.get(id)?.permissions ?? DEFAULT_INSTALLATION_PERMISSIONS) };
      return core.issueToken(
        { kind: "installation", installationId: id, login: null, clientId: null, scopes: [], expiresAt: core.now() + ttlMs, permissions },
        "ghs_",
      ).token;
    },
    issueUserToken(login = core.oauthUser) {
      return core.issueToken(
        { kind: "user", installationId: null, login, clientId: opts.clientId, scopes: ["repo"], expiresAt: core.now() + 8 * 3600_000 },
        "ghu_",
      ).token;
    },
    issueOAuthAppToken(scopes = ["repo"], login = core.oauthUser) {
      return core.issueToken({ kind: "user", installationId: null, login, clientId: opts.clientId, scopes, expiresAt: null }, "gho_").token;
    },
    setInstallationPermissions(permissions, id = installationId) {
      const inst = core.installations.get(id);
      if (inst) inst.permissions = { ...permissions };
    },
    revokeToken(token) {
      const t = core.tokens.get(token);
      if (t) t.revoked = true;
    },
    seedRepo(r) {
      const repo = core.state.seedRepo(r, seed.seed ?? 1);
      core.installations.get(installationId)?.repos.add(repo.fullName.toLowerCase());
      return repo;
    },
    repo: mustRepo,
    issue: (fullName, number) => mustIssue(fullName, number).issue,
    async human(fullName, number, patch, login = "mona") {
      const { repo, issue } = mustIssue(fullName, number);
      const actor = human(login);
      if (patch.addLabels?.length) await core.addLabels(repo, issue, patch.addLabels, actor, patch.updatedAtSec);
      for (const l of patch.removeLabels ?? []) await core.removeLabel(repo, issue, l, actor);
      await core.editIssue(repo, issue, { title: patch.title, body: patch.body, state: patch.state, updatedAt: patch.updatedAtSec }, actor);
    },
    async humanComment(fullName, number, body, login = "mona") {
      const { repo, issue } = mustIssue(fullName, number);
      await core.addComment(repo, issue, body, human(login));
    },
    uninstall: (id = installationId) => core.uninstall(id),
    addRepoToInstallation: (fullName, id = installationId) => core.addRepoToInstallation(id, mustRepo(fullName)),
    redeliver(id) {
      core.redeliver(id);
    },
    advanceClock(ms) {
      core.clockOffsetMs += ms;
    },
  };
}
