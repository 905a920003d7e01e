/**
 * The GitHub sandbox's behaviour behind the routes: who a token is, what it
 * may see, and every state change (which also queues the signed webhook
 * GitHub would send for it).
 */
import { FaultInjector } from "../common/faults";
import { Outbox, type Delivery } from "../common/outbox";
import { emptyStats, type SandboxStats } from "../common/types";
import { randomToken, type CodeRecord, type TokenRecord } from "./auth";
import { buildDelivery } from "./deliveries";
import { RateLimiter } from "./limits";
import { commentJson, installationJson, issueJson, labelJson, repositoryJson, userId, userJson, type Urls } from "./shapes";
import { GithubState, type SbIssue, type SbRepo } from "./state";

export interface SbInstallation {
  id: number;
  account: string;
  repos: Set<string>;
  createdAt: number;
  removed: boolean;
  /** What the App was granted on this installation (GitHub: "Issues: read & write" → `issues: "write"`). */
  permissions: Record<string, "read" | "write">;
}

/** A GitHub App's default grant here: what Backlog Auditor asks for. */
export const DEFAULT_INSTALLATION_PERMISSIONS: Record<string, "read" | "write"> = { issues: "write", metadata: "read" };

export interface CoreOptions {
  webhookUrl: string | null;
  webhookSecret: string;
  clientId: string;
  clientSecret: string;
  appId: number;
  appSlug: string;
  origin: string | null;
  basePath: string;
  userTokens: "expiring" | "non-expiring";
  now: () => number;
}

/** Who performs a change: a token's owner, or a named human. */
export type Actor = { login: string; bot: boolean };

export const BOT_ACTOR = (slug: string): Actor => ({ login: `${slug}[bot]`, bot: true });

export class GithubCore {
  readonly state: GithubState;
  readonly limiter: RateLimiter;
  readonly faults = new FaultInjector();
  readonly outbox = new Outbox();
  stats: SandboxStats = emptyStats();
  readonly tokens = new Map<string, TokenRecord>();
  readonly codes = new Map<string, CodeRecord>();
  readonly installations = new Map<number, SbInstallation>();
  /** Every delivery made, by id, for redelivery. */
  readonly deliveries = new Map<string, Delivery>();
  appPublicKey: CryptoKey | null = null;
  /** Pending import of a configured App key (see `app.privateKeyPem`). */
  appKeyReady: Promise<void> | null = null;
  clockOffsetMs = 0;
  /** The user who approves OAuth requests on the authorize page. */
  oauthUser = "mona";

  constructor(readonly opts: CoreOptions) {
    this.state = new GithubState(() => this.nowSec());
    this.limiter = new RateLimiter(() => this.now());
  }

  now(): number {
    return this.opts.now() + this.clockOffsetMs;
  }
  nowSec(): number {
    return Math.floor(this.now() / 1000);
  }

  urls(reqUrl?: string): Urls {
    const origin = this.opts.origin ?? (reqUrl ? new URL(reqUrl).origin : "http://127.0.0.1:8788");
    const web = `${origin}${this.opts.basePath}`;
    return { api: `${web}/api`, web };
  }

  issueToken(rec: Omit<TokenRecord, "token" | "revoked">, prefix: string): TokenRecord {
    const t: TokenRecord = { ...rec, token: randomToken(prefix), revoked: false };
    this.tokens.set(t.token, t);
    return t;
  }

  /** The live token record for a bearer token, or why not. */
  tokenFor(token: string | null): TokenRecord | "missing" | "bad" {
    if (!token) return "missing";
    const t = this.tokens.get(token);
    if (!t || t.kind === "refresh" || t.revoked || (t.expiresAt !== null && t.expiresAt <= this.now())) return "bad";
    if (t.kind === "installation" && this.installations.get(t.installationId ?? -1)?.removed !== false) return "bad";
    return t;
  }

  /** Rate-limit bucket owner of a token. */
  ownerOf(t: TokenRecord): string {
    return t.kind === "installation" ? `installation:${t.installationId}` : `user:${t.login}`;
  }

  actorOf(t: TokenRecord): Actor {
    return t.kind === "installation" ? BOT_ACTOR(this.opts.appSlug) : { login: t.login ?? "unknown", bot: false };
  }

  /**
   * What a token reaches, as GitHub documents it: an installation token, its installation's
   * repositories; a GitHub App user token (`ghu_`), the repositories an installation of the App
   * covers (user-to-server access is the intersection of the user's and the App's); an OAuth App
   * token (`gho_`), public repositories, and private ones only with the `repo` scope.
   */
  canSee(t: TokenRecord, repo: SbRepo): boolean {
    if (t.kind === "user") {
      if (t.token.startsWith("ghu_")) return !!this.installationOf(repo);
      return !repo.private || t.scopes.includes("repo");
    }
    return this.installations.get(t.installationId ?? -1)?.repos.has(repo.fullName.toLowerCase()) ?? false;
  }

  /**
   * Whether a token may write issues, labels and comments of `repo`: an installation token (or a
   * GitHub App user token) needs `issues: write` on the installation; an OAuth App token needs
   * `repo` (or `public_repo` for a public repository).
   */
  canWriteIssues(t: TokenRecord, repo: SbRepo): boolean {
    if (t.kind === "installation") return (t.permissions ?? this.installations.get(t.installationId ?? -1)?.permissions)?.issues === "write";
    if (t.token.startsWith("ghu_")) return this.installationOf(repo)?.permissions.issues === "write";
    return t.scopes.includes("repo") || (!repo.private && t.scopes.includes("public_repo"));
  }

  installationOf(repo: SbRepo): SbInstallation | undefined {
    for (const i of this.installations.values()) if (!i.removed && i.repos.has(repo.fullName.toLowerCase())) return i;
    return undefined;
  }

  /** Queue a signed delivery for `event` (GitHub sends one per state change). */
  async emit(event: string, payload: Record<string, unknown>, installationId?: number): Promise<Delivery> {
    if (installationId !== undefined) payload.installation = { id: installationId, node_id: btoa(`Installation${installationId}`) };
    const d = await buildDelivery(
      { url: this.opts.webhookUrl, secret: this.opts.webhookSecret, hookId: 424242, appId: this.opts.appId },
      event,
      payload,
      this.now(),
    );
    this.deliveries.set(d.id, d);
    if (this.deliveries.size > 5000) this.deliveries.delete(this.deliveries.keys().next().value!);
    this.outbox.push(d);
    return d;
  }

  /** Queue the same delivery again, same id and body (GitHub's "Redeliver"). */
  redeliver(id: string): Delivery {
    const d = this.deliveries.get(id);
    if (!d) throw new Error(`no delivery ${id}`);
    this.outbox.push({ ...d, headers: { ...d.headers } });
    return d;
  }

  private async issueEvent(repo: SbRepo, issue: SbIssue, action: string, actor: Actor, extra: Record<string, unknown> = {}): Promise<void> {
    if (issue.isPullRequest) return;
    const u = this.urls();
    await this.emit(
      "issues",
      {
        action,
        // Webhook issues carry `draft` (recorded in @octokit/webhooks-examples), REST ones do not.
        issue: { ...issueJson(u, repo, issue, this.state.textOf(issue)), draft: false },
        ...extra,
        repository: repositoryJson(u, repo),
        sender: userJson(u, actor.login, userId(actor.login), actor.bot ? "Bot" : "User"),
      },
      this.installationOf(repo)?.id,
    );
  }

  // ---- state changes (API writes and the humans in tests share these) ----

  async editIssue(
    repo: SbRepo,
    issue: SbIssue,
    patch: { title?: string; body?: string; state?: "open" | "closed"; updatedAt?: number },
    actor: Actor,
  ): Promise<void> {
    const changes: Record<string, { from: string }> = {};
    const text = this.state.textOf(issue);
    if (patch.title !== undefined && patch.title !== text.title) {
      changes.title = { from: text.title };
      issue.title = patch.title;
    }
    if (patch.body !== undefined && patch.body !== text.body) {
      changes.body = { from: text.body };
      issue.body = patch.body;
    }
    let action: string | null = Object.keys(changes).length ? "edited" : null;
    if (patch.state && patch.state !== issue.state) {
      issue.state = patch.state;
      issue.stateReason = patch.state === "closed" ? "completed" : "reopened";
      issue.closedAt = patch.state === "closed" ? this.nowSec() : null;
      action = patch.state === "closed" ? "closed" : "reopened";
    }
    this.state.touch(repo, issue, patch.updatedAt);
    if (action) await this.issueEvent(repo, issue, action, actor, action === "edited" ? { changes } : {});
  }

  async addLabels(repo: SbRepo, issue: SbIssue, names: string[], actor: Actor, at?: number): Promise<void> {
    const added: string[] = [];
    for (const name of names) {
      const { label } = this.state.ensureLabel(repo, name);
      if (issue.labels.some((l) => l.toLowerCase() === label.name.toLowerCase())) continue;
      issue.labels.push(label.name);
      added.push(label.name);
    }
    if (!added.length) return;
    this.state.touch(repo, issue, at);
    for (const name of added) {
      await this.issueEvent(repo, issue, "labeled", actor, { label: labelJson(this.urls(), repo, repo.labels.get(name.toLowerCase())!) });
    }
  }

  /** Returns false when the label was not on the issue. */
  async removeLabel(repo: SbRepo, issue: SbIssue, name: string, actor: Actor): Promise<boolean> {
    const idx = issue.labels.findIndex((l) => l.toLowerCase() === name.toLowerCase());
    if (idx < 0) return false;
    const [removed] = issue.labels.splice(idx, 1);
    this.state.touch(repo, issue);
    const label = repo.labels.get(removed!.toLowerCase());
    await this.issueEvent(repo, issue, "unlabeled", actor, label ? { label: labelJson(this.urls(), repo, label) } : {});
    return true;
  }

  private async commentEvent(
    repo: SbRepo,
    issue: SbIssue,
    action: string,
    commentIdx: number | null,
    comment: NonNullable<SbIssue["comments"]>[number],
    actor: Actor,
    extra: Record<string, unknown> = {},
  ) {
    void commentIdx;
    const u = this.urls();
    await this.emit(
      "issue_comment",
      {
        action,
        issue: issueJson(u, repo, issue, this.state.textOf(issue)),
        comment: commentJson(u, repo, issue.number, comment),
        ...extra,
        repository: repositoryJson(u, repo),
        sender: userJson(u, actor.login, userId(actor.login), actor.bot ? "Bot" : "User"),
      },
      this.installationOf(repo)?.id,
    );
  }

  async addComment(repo: SbRepo, issue: SbIssue, body: string, actor: Actor) {
    const now = this.nowSec();
    const c = { id: this.state.newId(), author: actor.login, body, createdAt: now, updatedAt: now };
    (issue.comments ??= []).push(c);
    issue.commentCount++;
    this.state.touch(repo, issue);
    await this.commentEvent(repo, issue, "created", null, c, actor);
    return c;
  }

  findComment(repo: SbRepo, id: number): { issue: SbIssue; index: number } | null {
    for (const issue of repo.issues) {
      const index = issue?.comments?.findIndex((c) => c.id === id) ?? -1;
      if (issue && index >= 0) return { issue, index };
    }
    return null;
  }

  async editComment(repo: SbRepo, issue: SbIssue, index: number, body: string, actor: Actor) {
    const c = issue.comments![index]!;
    const from = c.body;
    c.body = body;
    c.updatedAt = this.nowSec();
    repo.version++;
    await this.commentEvent(repo, issue, "edited", index, c, actor, { changes: { body: { from } } });
    return c;
  }

  async deleteComment(repo: SbRepo, issue: SbIssue, index: number, actor: Actor) {
    const [c] = issue.comments!.splice(index, 1);
    issue.commentCount = Math.max(0, issue.commentCount - 1);
    repo.version++;
    await this.commentEvent(repo, issue, "deleted", index, c!, actor);
  }

  async uninstall(installationId: number): Promise<void> {
    const inst = this.installations.get(installationId);
    if (!inst || inst.removed) return;
    inst.removed = true;
    const u = this.urls();
    await this.emit("installation", {
      action: "deleted",
      installation: installationJson(u, { ...inst, appId: this.opts.appId, appSlug: this.opts.appSlug }),
      repositories: [...inst.repos].map((r) => {
        const repo = this.state.repo(r)!;
        return { id: repo.id, node_id: btoa(`Repository${repo.id}`), name: repo.name, full_name: repo.fullName, private: repo.private };
      }),
      sender: userJson(u, this.oauthUser, userId(this.oauthUser)),
    });
  }

  async addRepoToInstallation(installationId: number, repo: SbRepo): Promise<void> {
    const inst = this.installations.get(installationId);
    if (!inst) throw new Error(`no installation ${installationId}`);
    inst.repos.add(repo.fullName.toLowerCase());
    const u = this.urls();
    await this.emit("installation_repositories", {
      action: "added",
      installation: installationJson(u, { ...inst, appId: this.opts.appId, appSlug: this.opts.appSlug }),
      repository_selection: "selected",
      repositories_added: [{ id: repo.id, node_id: btoa(`Repository${repo.id}`), name: repo.name, full_name: repo.fullName, private: repo.private }],
      repositories_removed: [],
      requester: null,
      sender: userJson(u, this.oauthUser, userId(this.oauthUser)),
    });
  }
}
