/**
 * What a tracker gives the shared connector contract suite
 * (`connector.case.ts`): a connector wired to a fresh sandbox simulator, plus
 * "human" levers on that sandbox (seed, edit, remove a label, revoke a token)
 * and webhook material. Each `test/contract/<tracker>.test.ts` builds one.
 *
 * Every test of the suite calls `makeHarness()` again, so a harness may assume
 * a fresh sandbox and never needs to clean up.
 *
 * @example
 * runConnectorContract("github", async (): Promise<ContractHarness> => {
 *   const sandbox = createGithubSandbox({ ... });
 *   const connector = createGithubConnector({ fetch: (i, init) => sandbox.fetch(new Request(i, init)), ... });
 *   return { connector, auth, scope, sandbox, seedIssues: ..., ... };
 * });
 */
import type { FaultKind } from "../../sandbox/common/faults";
import type { SandboxTracker } from "../../sandbox/common/types";
import type { Auth, Connector, IssueRef, SyncScope, WebhookEvent, WebhookInput } from "../../connectors/types";

export interface SeedIssuesOptions {
  /**
   * Give every seeded issue the same updatedAt (equal timestamps across page
   * boundaries). Default: strictly increasing updatedAt, one second apart, all
   * in the past.
   */
  sameUpdatedAt?: boolean;
  /** Human (non-owned) labels every seeded issue starts with. Default: whatever the seed texts carry. */
  labels?: string[];
}

/** A change a human makes in the tracker. */
export interface IssuePatch {
  title?: string;
  body?: string;
  /** Labels a human adds (created in the tracker when missing). */
  addLabels?: string[];
  /**
   * Force the issue's updatedAt to this ISO time (whole seconds), for equal
   * timestamps on demand. Default: the sandbox clock advances and the issue
   * gets a new, later updatedAt.
   */
  updatedAt?: string;
}

/** Which webhook the harness should produce. */
export type ContractWebhookKind =
  /** A human edits an issue (title/labels): expect `issue.upserted` (or `issue.touched`) for that issue. */
  | "issue-updated"
  /** A human comments on an issue: expect `issue.touched` (or `issue.upserted`) for that issue. */
  | "comment-created";

export interface ContractWebhook {
  input: WebhookInput;
  /** The delivery id the tracker put on it. */
  deliveryId: string;
  /** The issue the event is about. */
  externalId: string;
  /** Event kinds the suite accepts for this delivery. */
  expectKinds: Array<WebhookEvent["kind"]>;
}

/** Optional differences between trackers that the suite must know about. */
export interface ContractCapabilities {
  /**
   * Labels are entities that must exist before use (GitHub repo labels,
   * Linear team labels). False for Jira, whose labels are free-form strings:
   * then `LabelResult.created` is expected to be empty.
   */
  labelEntities: boolean;
  /** Extra list requests a full sync may make beyond ⌈N/pageSize⌉ (metadata, a final empty page). Default 2. */
  listOverhead?: number;
}

export interface ContractHarness {
  connector: Connector;
  /** Auth for the connector (a valid access token, siteId for Jira). */
  auth: Auth;
  /** The one scope the seeded issues live in. */
  scope: SyncScope;
  sandbox: SandboxTracker;
  caps: ContractCapabilities;
  /**
   * Replace the scope's issues with `n` fresh issues built from real texts.
   * Returns their external ids (in creation order).
   */
  seedIssues(n: number, opts?: SeedIssuesOptions): Promise<string[]>;
  /** An IssueRef for a seeded issue (key and scope filled in). */
  refOf(externalId: string): IssueRef;
  /** Edit an issue as a human would (advances updatedAt unless `patch.updatedAt` pins it). */
  updateIssue(externalId: string, patch: IssuePatch): Promise<void>;
  /** A human removes a label from an issue. */
  humanRemoveLabel(externalId: string, label: string): Promise<void>;
  /** The issue's labels as the tracker holds them now (read from sandbox state, not through the connector). */
  labelsOf(externalId: string): Promise<string[]>;
  /** The issue's comments now, with their plain text (markers and markup may remain). */
  commentsOf(externalId: string): Promise<Array<{ id: string; text: string }>>;
  /** A real, signed webhook delivery produced by a sandbox state change. */
  makeWebhook(kind: ContractWebhookKind): Promise<ContractWebhook>;
  /** The same delivery with its body changed after signing (signature headers kept). */
  tamper(input: WebhookInput): WebhookInput;
  /** The same delivery without its signature header(s). */
  unsign(input: WebhookInput): WebhookInput;
  /** Revoke the harness's access token in the sandbox: API calls then answer 401. */
  revokeToken(): Promise<void>;
  /**
   * Make the next API request fail with `kind`. Default when omitted:
   * `sandbox.faults.queue(kind)`; override if the connector's first request
   * for an operation is not the one that should fail.
   */
  fault?(kind: FaultKind, opts?: { retryAfterSec?: number }): void;
}

/** Queue a fault on the harness (or on its sandbox when the harness has no override). */
export function injectFault(h: ContractHarness, kind: FaultKind, opts: { retryAfterSec?: number } = {}): void {
  if (h.fault) return h.fault(kind, opts);
  if (opts.retryAfterSec !== undefined) h.sandbox.faults.configure({ retryAfterSec: opts.retryAfterSec });
  h.sandbox.faults.queue(kind);
}

/** Tiny helpers the suite and tracker tests share. */
export function withHeaders(input: WebhookInput, edit: (h: Headers) => void): WebhookInput {
  const headers = new Headers(input.headers);
  edit(headers);
  return { headers, rawBody: input.rawBody };
}
