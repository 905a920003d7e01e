/**
 * The one interface every tracker connector implements (Renovate's platform
 * modules are the model). Each tracker folder (`github/`, `linear/`, `jira/`)
 * exports a factory returning a `Connector`; `connectors/index.ts` maps a
 * tracker id to its factory.
 *
 * Connectors are I/O adapters with no storage: the sync pipeline owns tokens,
 * cursors and the ledger, and passes what a call needs. `fetch` and the base
 * URLs are injected, so the same code talks to the real tracker or to the
 * sandbox simulators in `sandbox/`.
 *
 * @example
 * const gh = createGithubConnector({ fetch, apiBase: "https://api.github.com", ... });
 * let cursor: string | null = connection.cursor;
 * do {
 *   const page = await gh.listIssues(auth, scope, cursor);
 *   await store(page.issues);
 *   cursor = page.cursor;
 *   if (!page.hasMore) break;
 * } while (true);
 */
import type { NotCarriedField } from "../domain/not-carried";
import type { Issue, Tracker } from "../domain/types";

export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** What every connector factory receives. */
export interface ConnectorConfig {
  fetch: FetchLike;
  /** REST/GraphQL API base, e.g. `https://api.github.com` or the sandbox's `http://127.0.0.1:8788/github/api`. */
  apiBase: string;
  /** OAuth authorize/token base, e.g. `https://github.com` or the sandbox's `http://127.0.0.1:8788/github`. */
  oauthBase: string;
  clientId: string;
  clientSecret: string;
  /** Webhook signing secret (GitHub, Linear). Jira OAuth apps sign with the client secret. */
  webhookSecret?: string;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** Tracker-specific extras (GitHub App id and private key, Linear actor, label scope...). */
  options?: Record<string, string | undefined>;
}

/** OAuth tokens as stored (encrypted) by the service. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** ISO time the access token expires, or null when it does not. */
  expiresAt: string | null;
  scopes: string[];
  /** GitHub App installation id, when the token is an installation token. */
  installationId?: string;
}

/** What an API call needs to authenticate. */
export interface Auth {
  accessToken: string;
  /** Jira cloudId, required for Jira calls. */
  siteId?: string;
}

/**
 * A sync scope: a GitHub repository, a Linear team, or a Jira project on a site.
 * `id` is what the connector needs to list issues (`owner/repo`, team id, project key).
 */
export interface SyncScope {
  kind: "repo" | "team" | "project";
  id: string;
  name: string;
  /** Jira cloudId; GitHub installation id. */
  siteId?: string;
}

/** What a grant reaches, for the scope picker. */
export interface Discovery {
  account: { id: string; name: string; url?: string };
  sites: Array<{ id: string; name: string; url?: string }>;
  scopes: SyncScope[];
}

/** Points at one issue in a tracker. */
export interface IssueRef {
  externalId: string;
  key: string;
  scope: SyncScope;
}

export interface SkippedItem {
  /** Whatever identifies the bad item (id, key, index). */
  ref: string;
  reason: string;
  /** When the raw item still shows them: enough for `getIssue` to re-fetch it later. */
  externalId?: string;
  key?: string;
}

/**
 * One page of a sync. `cursor` is opaque (the connector serializes its own
 * state into it): pass it back to get the next page. When `hasMore` is false
 * the sync is caught up and `cursor` is the checkpoint for the next incremental
 * sync. Across pages there are no gaps and no duplicates, including for equal
 * updated-at timestamps.
 */
export interface IssuePage {
  issues: Issue[];
  /** Items that failed boundary validation: reported and skipped, the page is kept. */
  skipped: SkippedItem[];
  cursor: string | null;
  hasMore: boolean;
}

/** A raw webhook delivery as received: the exact body bytes and the headers. */
export interface WebhookInput {
  headers: Headers;
  rawBody: string;
}

export type WebhookVerification =
  | { ok: true; deliveryId: string }
  | { ok: false; reason: "missing-signature" | "bad-signature" | "stale" | "malformed"; message: string };

/** A webhook normalized into what the pipeline acts on. */
export type WebhookEvent =
  /** `notCarried`: fields the payload lacks; the pipeline keeps their stored values (domain/not-carried.ts). */
  | { kind: "issue.upserted"; deliveryId: string; scopeId: string; issue: Issue; notCarried?: NotCarriedField[] }
  | { kind: "issue.deleted"; deliveryId: string; scopeId: string; externalId: string }
  /** Something changed that needs a re-fetch of the issue (comment, label event without full issue). */
  | { kind: "issue.touched"; deliveryId: string; scopeId: string; ref: IssueRef }
  | { kind: "installation.removed"; deliveryId: string; installationId: string }
  | { kind: "installation.changed"; deliveryId: string; installationId: string }
  | { kind: "ignored"; deliveryId: string; reason: string };

/** A label we own, as it should exist in the tracker. */
export interface LabelDefinition {
  name: string;
  /** Hex colour without `#`. */
  color: string;
  description: string;
}

export interface LabelChange {
  /** Labels that must be present after the call (all in our namespace). */
  desired: string[];
  /** Whether a label is ours: only these may be removed. */
  isOwned: (label: string) => boolean;
  /** Definitions for labels the connector may need to create. */
  definitions: LabelDefinition[];
}

export interface LabelResult {
  added: string[];
  removed: string[];
  /** Labels created in the tracker (repo, team or site) on the way. */
  created: string[];
  /** The issue's labels after the call. */
  labels: string[];
}

export interface CommentResult {
  action: "created" | "updated" | "deleted" | "unchanged" | "absent";
  commentId: string | null;
}

/** Rate-limit state read from the last response's headers, for status and pacing. */
export interface RateLimitState {
  remaining: number | null;
  limit: number | null;
  resetAt: number | null;
  resource?: string;
}

export interface OAuthEndpoints {
  /** The URL to send the user to. `codeChallenge` is S256 PKCE, used where the tracker supports it. */
  authorizeUrl(p: { state: string; redirectUri: string; codeChallenge?: string; scopes?: string[] }): string;
  exchangeCode(p: { code: string; redirectUri: string; codeVerifier?: string }): Promise<TokenSet>;
  /** Refresh an expiring token; the returned set carries the rotated refresh token. */
  refresh(token: TokenSet): Promise<TokenSet>;
  /** Revoke the grant, where the tracker allows it. */
  revoke?(token: TokenSet): Promise<void>;
  discover(auth: Auth): Promise<Discovery>;
}

export interface WebhookHandler {
  /** Verify the signature over the raw body in constant time; reject stale timestamps where the tracker provides them. */
  verify(input: WebhookInput, now?: number): Promise<WebhookVerification>;
  /** Parse a verified delivery into normalized events. */
  parse(input: WebhookInput): WebhookEvent[];
}

/** Webhooks registered through the tracker's API, with an expiry to extend. */
export interface WebhookRegistration {
  /** Register one webhook (issue and comment events) for the scopes; the ids are needed to refresh them. */
  register(auth: Auth, siteId: string, url: string, scopeIds: string[]): Promise<{ ids: number[]; errors: string[] }>;
  /** Extend the webhooks' expiry (call well before it, e.g. weekly from the cron). */
  refresh(auth: Auth, siteId: string, ids: number[]): Promise<{ expiresAt: string }>;
}

/**
 * A tracker behind one interface.
 *
 * Errors: every method throws `ConnectorError` (connectors/errors.ts) for
 * known failures; a malformed item is skipped and reported, not thrown.
 */
export interface Connector {
  readonly tracker: Tracker;
  /** Page size used for listing (the tracker's maximum). */
  readonly pageSize: number;
  /**
   * How many writes of one write-back run may be in flight at once: at most 4 (Workers allow six
   * simultaneous connections per invocation; two stay free for token refresh and reads), and 1
   * where the tracker asks for serial writes.
   */
  readonly writeConcurrency: number;
  readonly oauth: OAuthEndpoints;
  readonly webhooks: WebhookHandler;
  /**
   * Optional capability: webhooks the connector registers through the tracker's API (Jira's dynamic
   * webhooks, which expire). Trackers whose webhooks are configured with the app (GitHub, Linear)
   * leave it out; callers check `if (connector.webhookRegistration)`.
   */
  readonly webhookRegistration?: WebhookRegistration;
  listIssues(auth: Auth, scope: SyncScope, cursor: string | null): Promise<IssuePage>;
  getIssue(auth: Auth, ref: IssueRef): Promise<Issue | null>;
  /** Converge the issue's labels in our namespace to `change.desired`, touching only owned labels. */
  ensureLabels(auth: Auth, ref: IssueRef, change: LabelChange): Promise<LabelResult>;
  /** One bot comment per issue, found by `marker`: created, updated only if the text changed, or deleted (body null). */
  ensureComment(auth: Auth, ref: IssueRef, marker: string, body: string | null): Promise<CommentResult>;
  /** The rate-limit state seen on the last response. */
  rateLimit(): RateLimitState;
}

export type ConnectorFactory = (config: ConnectorConfig) => Connector;
