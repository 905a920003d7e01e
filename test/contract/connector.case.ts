/**
 * The connector contract: one suite every tracker connector must pass
 * against its sandbox (Hono's `router/common.case.test.ts` style). Each
 * `test/contract/<tracker>.test.ts` calls `runConnectorContract` with a
 * harness factory (see `harness.ts`).
 *
 * @example
 * import { runConnectorContract } from "./connector.case";
 * runConnectorContract("github", makeGithubHarness);
 */
import { describe, expect, it } from "vitest";
import { isConnectorError, type ConnectorErrorCode } from "../../connectors/errors";
import type { Auth, Connector, IssuePage, LabelChange, SyncScope } from "../../connectors/types";
import { contentHash } from "../../src/core/hash";
import { keepStoredFields } from "../../domain/not-carried";
import type { Issue } from "../../domain/types";
import { injectFault, type ContractHarness } from "./harness";

/** Owned-label namespace the suite writes in; free of spaces so every tracker accepts it. */
export const OWNED_PREFIX = "auditor:";
export const COMMENT_MARKER = "backlog-auditor:contract";

export interface SyncRun {
  issues: Issue[];
  skipped: IssuePage["skipped"];
  cursor: string | null;
  pages: number;
}

/** Page through a sync until `hasMore` is false (with a guard against endless loops). */
export async function syncAll(connector: Connector, auth: Auth, scope: SyncScope, from: string | null, maxPages = 1000): Promise<SyncRun> {
  const run: SyncRun = { issues: [], skipped: [], cursor: from, pages: 0 };
  for (;;) {
    const page = await connector.listIssues(auth, scope, run.cursor);
    run.pages++;
    run.issues.push(...page.issues);
    run.skipped.push(...page.skipped);
    run.cursor = page.cursor;
    if (!page.hasMore) return run;
    if (run.pages >= maxPages) throw new Error(`sync did not finish within ${maxPages} pages`);
  }
}

/** Expect a promise to reject with a ConnectorError of `code`; returns the error. */
export async function expectConnectorError(p: Promise<unknown>, code: ConnectorErrorCode) {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a ConnectorError ${code}`).toBeDefined();
  expect(isConnectorError(caught), `expected a ConnectorError, got ${String(caught)}`).toBe(true);
  const err = caught as import("../../connectors/errors").ConnectorError;
  expect(err.code, err.message).toBe(code);
  return err;
}

function countIds(issues: Issue[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of issues) m.set(i.externalId, (m.get(i.externalId) ?? 0) + 1);
  return m;
}

function expectEachOnce(issues: Issue[], ids: string[]) {
  const counts = countIds(issues);
  const dupes = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  expect(dupes, "issues delivered more than once").toEqual([]);
  expect([...counts.keys()].sort()).toEqual([...ids].sort());
}

const isoPlus = (iso: string, secs: number) => new Date(Date.parse(iso) + secs * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const maxUpdatedAt = (issues: Issue[]) => issues.map((i) => i.updatedAt).reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));

function labelChange(desired: string[]): LabelChange {
  const names = [`${OWNED_PREFIX}reliability`, `${OWNED_PREFIX}adoption`, `${OWNED_PREFIX}throughput`];
  return {
    desired,
    isOwned: (l) => l.startsWith(OWNED_PREFIX),
    definitions: names.map((name) => ({ name, color: "d73a4a", description: `Backlog Auditor: ${name.slice(OWNED_PREFIX.length)}` })),
  };
}

/** Run the shared contract against one tracker's connector and sandbox. */
export function runConnectorContract(name: string, makeHarness: () => Promise<ContractHarness>): void {
  describe(`connector contract: ${name}`, () => {
    describe("sync", () => {
      it("a full sync pages through all N issues exactly once with ⌈N/pageSize⌉ list requests (+O(1))", async () => {
        const h = await makeHarness();
        const n = h.connector.pageSize * 2 + 37;
        const ids = await h.seedIssues(n);
        h.sandbox.resetStats();
        const run = await syncAll(h.connector, h.auth, h.scope, null);
        expectEachOnce(run.issues, ids);
        expect(run.skipped).toEqual([]);
        const minimum = Math.ceil(n / h.connector.pageSize);
        expect(h.sandbox.stats.requests).toBeGreaterThanOrEqual(minimum);
        expect(h.sandbox.stats.requests).toBeLessThanOrEqual(minimum + (h.caps.listOverhead ?? 2));
        for (const issue of run.issues.slice(0, 5)) {
          expect(issue.tracker).toBe(name);
          expect(issue.title.length).toBeGreaterThan(0);
          expect(Date.parse(issue.updatedAt)).not.toBeNaN();
        }
      });

      it("a re-sync from the final cursor with nothing changed costs 1 request and returns 0 issues", async () => {
        const h = await makeHarness();
        await h.seedIssues(h.connector.pageSize + 3);
        const first = await syncAll(h.connector, h.auth, h.scope, null);
        h.sandbox.resetStats();
        const again = await syncAll(h.connector, h.auth, h.scope, first.cursor);
        expect(again.issues).toEqual([]);
        expect(again.pages).toBe(1);
        expect(h.sandbox.stats.requests).toBe(1);
        expect(h.sandbox.stats.writes).toBe(0);
      });

      it("an incremental sync returns exactly the issues changed since the cursor", async () => {
        const h = await makeHarness();
        const ids = await h.seedIssues(40);
        const first = await syncAll(h.connector, h.auth, h.scope, null);
        const changed = [ids[3]!, ids[17]!, ids[39]!];
        for (const id of changed) await h.updateIssue(id, { title: `Edited ${id}` });
        const next = await syncAll(h.connector, h.auth, h.scope, first.cursor);
        expectEachOnce(next.issues, changed);
        expect(next.issues.find((i) => i.externalId === ids[17])?.title).toBe(`Edited ${ids[17]}`);
      });

      it("equal timestamps across a page boundary are neither missed nor duplicated (full sync)", async () => {
        const h = await makeHarness();
        const ids = await h.seedIssues(h.connector.pageSize + 11, { sameUpdatedAt: true });
        const run = await syncAll(h.connector, h.auth, h.scope, null);
        expectEachOnce(run.issues, ids);
      });

      it("equal timestamps across a page boundary are neither missed nor duplicated (incremental)", async () => {
        const h = await makeHarness();
        const p = h.connector.pageSize;
        const ids = await h.seedIssues(p * 2 + 10);
        const first = await syncAll(h.connector, h.auth, h.scope, null);
        const base = isoPlus(maxUpdatedAt(first.issues), 60);
        // p-2 updates one second apart, then 5 sharing one timestamp: the page boundary falls inside the tie.
        const distinct = ids.slice(0, p - 2);
        const tied = ids.slice(p, p + 5);
        for (const [k, id] of distinct.entries()) await h.updateIssue(id, { title: `d${k}`, updatedAt: isoPlus(base, k) });
        const tie = isoPlus(base, p + 10);
        for (const id of tied) await h.updateIssue(id, { title: `tie ${id}`, updatedAt: tie });
        const next = await syncAll(h.connector, h.auth, h.scope, first.cursor);
        expectEachOnce(next.issues, [...distinct, ...tied]);
        // More than a page of issues sharing one timestamp.
        const bigTie = isoPlus(tie, 30);
        const many = ids.slice(0, p + 4);
        for (const id of many) await h.updateIssue(id, { title: `big ${id}`, updatedAt: bigTie });
        const third = await syncAll(h.connector, h.auth, h.scope, next.cursor);
        expectEachOnce(third.issues, many);
      });

      it("an update landing on the cursor's own timestamp after the sync is still picked up", async () => {
        const h = await makeHarness();
        const ids = await h.seedIssues(20);
        const first = await syncAll(h.connector, h.auth, h.scope, null);
        const last = maxUpdatedAt(first.issues);
        const target = ids[2]!;
        await h.updateIssue(target, { title: "late, same second", updatedAt: last });
        const next = await syncAll(h.connector, h.auth, h.scope, first.cursor);
        expectEachOnce(next.issues, [target]);
      });

      it("a malformed item is skipped and reported while the rest of its page arrives", async () => {
        const h = await makeHarness();
        const n = h.connector.pageSize + 5;
        const ids = await h.seedIssues(n);
        injectFault(h, "malformed");
        const page = await h.connector.listIssues(h.auth, h.scope, null);
        expect(page.skipped).toHaveLength(1);
        expect(page.skipped[0]!.reason.length).toBeGreaterThan(0);
        expect(page.issues).toHaveLength(h.connector.pageSize - 1);
        expect(page.hasMore).toBe(true);
        const rest = await syncAll(h.connector, h.auth, h.scope, page.cursor);
        expect(rest.skipped).toEqual([]);
        expect(countIds([...page.issues, ...rest.issues]).size).toBe(ids.length - 1);
      });

      it("getIssue returns the normalized issue, and null for an unknown one", async () => {
        const h = await makeHarness();
        const ids = await h.seedIssues(3);
        await h.updateIssue(ids[1]!, { title: "Fetched by id" });
        const got = await h.connector.getIssue(h.auth, h.refOf(ids[1]!));
        expect(got?.externalId).toBe(ids[1]);
        expect(got?.title).toBe("Fetched by id");
        const missing = h.refOf(ids[1]!);
        const unknown = await h.connector.getIssue(h.auth, { ...missing, externalId: "999999999", key: missing.key.replace(/\d+$/, "999999") });
        expect(unknown).toBeNull();
      });
    });

    describe("write-back", () => {
      it("ensureLabels adds and removes only owned labels, creates a missing one, and converges", async () => {
        const h = await makeHarness();
        const [id] = await h.seedIssues(1, { labels: ["bug", "customer"] });
        const ref = h.refOf(id!);
        await h.updateIssue(id!, { addLabels: [`${OWNED_PREFIX}throughput`] });
        const result = await h.connector.ensureLabels(h.auth, ref, labelChange([`${OWNED_PREFIX}reliability`]));
        expect(result.added).toEqual([`${OWNED_PREFIX}reliability`]);
        expect(result.removed).toEqual([`${OWNED_PREFIX}throughput`]);
        expect(result.created).toEqual(h.caps.labelEntities ? [`${OWNED_PREFIX}reliability`] : []);
        const now = await h.labelsOf(id!);
        expect([...now].sort()).toEqual(["auditor:reliability", "bug", "customer"]);
        expect([...result.labels].sort()).toEqual([...now].sort());

        h.sandbox.resetStats();
        const again = await h.connector.ensureLabels(h.auth, ref, labelChange([`${OWNED_PREFIX}reliability`]));
        expect(again.added).toEqual([]);
        expect(again.removed).toEqual([]);
        expect(again.created).toEqual([]);
        expect(h.sandbox.stats.writes).toBe(0);
      });

      it("ensureLabels reads the current state: a label a human removed is put back, human labels stay", async () => {
        const h = await makeHarness();
        const [id] = await h.seedIssues(1, { labels: ["bug"] });
        const ref = h.refOf(id!);
        await h.connector.ensureLabels(h.auth, ref, labelChange([`${OWNED_PREFIX}adoption`]));
        await h.humanRemoveLabel(id!, `${OWNED_PREFIX}adoption`);
        await h.humanRemoveLabel(id!, "bug");
        const result = await h.connector.ensureLabels(h.auth, ref, labelChange([`${OWNED_PREFIX}adoption`]));
        expect(result.added).toEqual([`${OWNED_PREFIX}adoption`]);
        expect(result.created).toEqual([]);
        expect(await h.labelsOf(id!)).toEqual([`${OWNED_PREFIX}adoption`]);
        const cleared = await h.connector.ensureLabels(h.auth, ref, labelChange([]));
        expect(cleared.removed).toEqual([`${OWNED_PREFIX}adoption`]);
        expect(await h.labelsOf(id!)).toEqual([]);
      });

      it("ensureComment creates, leaves unchanged text alone, updates in place, deletes with null", async () => {
        const h = await makeHarness();
        const [id] = await h.seedIssues(1);
        const ref = h.refOf(id!);
        const before = (await h.commentsOf(id!)).length;

        const created = await h.connector.ensureComment(h.auth, ref, COMMENT_MARKER, "Backlog Auditor: reliability, confidence 0.82");
        expect(created.action).toBe("created");
        expect(created.commentId).not.toBeNull();
        let comments = await h.commentsOf(id!);
        expect(comments).toHaveLength(before + 1);
        expect(comments.find((c) => c.id === created.commentId)?.text).toContain("Backlog Auditor: reliability, confidence 0.82");

        h.sandbox.resetStats();
        const same = await h.connector.ensureComment(h.auth, ref, COMMENT_MARKER, "Backlog Auditor: reliability, confidence 0.82");
        expect(same).toEqual({ action: "unchanged", commentId: created.commentId });
        expect(h.sandbox.stats.writes).toBe(0);

        const updated = await h.connector.ensureComment(h.auth, ref, COMMENT_MARKER, "Backlog Auditor: adoption, confidence 0.64");
        expect(updated).toEqual({ action: "updated", commentId: created.commentId });
        comments = await h.commentsOf(id!);
        expect(comments).toHaveLength(before + 1);
        const text = comments.find((c) => c.id === created.commentId)?.text ?? "";
        expect(text).toContain("adoption, confidence 0.64");
        expect(text).not.toContain("reliability");

        const deleted = await h.connector.ensureComment(h.auth, ref, COMMENT_MARKER, null);
        expect(deleted.action).toBe("deleted");
        expect((await h.commentsOf(id!)).map((c) => c.id)).not.toContain(created.commentId);
        const absent = await h.connector.ensureComment(h.auth, ref, COMMENT_MARKER, null);
        expect(absent.action).toBe("absent");
      });
    });

    describe("webhooks", () => {
      for (const kind of ["issue-updated", "comment-created"] as const) {
        it(`a valid ${kind} delivery verifies and parses to the right event`, async () => {
          const h = await makeHarness();
          await h.seedIssues(3);
          const hook = await h.makeWebhook(kind);
          const v = await h.connector.webhooks.verify(hook.input);
          expect(v).toEqual({ ok: true, deliveryId: hook.deliveryId });
          const events = h.connector.webhooks.parse(hook.input);
          const match = events.find((e) => hook.expectKinds.includes(e.kind));
          expect(match, `events: ${JSON.stringify(events.map((e) => e.kind))}`).toBeDefined();
          expect(match!.deliveryId).toBe(hook.deliveryId);
          if (match!.kind === "issue.upserted") expect(match!.issue.externalId).toBe(hook.externalId);
          if (match!.kind === "issue.touched") expect(match!.ref.externalId).toBe(hook.externalId);
        });
      }

      it("the issue an update webhook upserts has the same content hash as getIssue for the same tracker state", async () => {
        const h = await makeHarness();
        const [id] = await h.seedIssues(3);
        // The issue has a comment, so a webhook that leaves the comment count out would be caught.
        await h.makeWebhook("comment-created");
        const stored = await h.connector.getIssue(h.auth, h.refOf(id!));
        expect(stored?.commentCount, "the seeded issue has a comment").toBeGreaterThan(0);
        const hook = await h.makeWebhook("issue-updated");
        const events = h.connector.webhooks.parse(hook.input);
        const ev = events.find((e) => (e.kind === "issue.upserted" && e.issue.externalId === id) || (e.kind === "issue.touched" && e.ref.externalId === id));
        expect(ev, `events: ${JSON.stringify(events.map((e) => e.kind))}`).toBeDefined();
        // What the pipeline stores: an upserted issue with the fields it lacks kept from the stored copy, or a re-fetch.
        const upserted =
          ev!.kind === "issue.upserted"
            ? keepStoredFields(ev!.issue, stored, ev!.notCarried ?? [])
            : ev!.kind === "issue.touched"
              ? await h.connector.getIssue(h.auth, ev!.ref)
              : null;
        const current = await h.connector.getIssue(h.auth, h.refOf(id!));
        expect(upserted).not.toBeNull();
        expect(current!.title).toBe(upserted!.title);
        expect({ ...upserted!, url: null }, "same fields").toEqual({ ...current!, url: null });
        expect(contentHash(upserted!)).toBe(contentHash(current!));
      });

      it("a tampered body fails with bad-signature", async () => {
        const h = await makeHarness();
        await h.seedIssues(2);
        const hook = await h.makeWebhook("issue-updated");
        const v = await h.connector.webhooks.verify(h.tamper(hook.input));
        expect(v.ok).toBe(false);
        if (!v.ok) expect(v.reason).toBe("bad-signature");
      });

      it("a missing signature header fails with missing-signature", async () => {
        const h = await makeHarness();
        await h.seedIssues(2);
        const hook = await h.makeWebhook("issue-updated");
        const v = await h.connector.webhooks.verify(h.unsign(hook.input));
        expect(v.ok).toBe(false);
        if (!v.ok) expect(v.reason).toBe("missing-signature");
      });
    });

    describe("errors", () => {
      it("429 → rate-limited with retryAt from the response headers", async () => {
        const h = await makeHarness();
        await h.seedIssues(3);
        injectFault(h, "429", { retryAfterSec: 42 });
        const before = Date.now();
        const err = await expectConnectorError(h.connector.listIssues(h.auth, h.scope, null), "rate-limited");
        expect(err.retryable).toBe(true);
        expect(err.details.retryAt).toBeGreaterThanOrEqual(before + 40_000);
        expect(err.details.retryAt).toBeLessThanOrEqual(Date.now() + 44_000);
      });

      it("5xx → upstream", async () => {
        const h = await makeHarness();
        await h.seedIssues(3);
        injectFault(h, "5xx");
        const err = await expectConnectorError(h.connector.listIssues(h.auth, h.scope, null), "upstream");
        expect(err.retryable).toBe(true);
      });

      it("a revoked token → auth", async () => {
        const h = await makeHarness();
        const [id] = await h.seedIssues(3);
        await h.revokeToken();
        const err = await expectConnectorError(h.connector.listIssues(h.auth, h.scope, null), "auth");
        expect(err.retryable).toBe(false);
        await expectConnectorError(h.connector.getIssue(h.auth, h.refOf(id!)), "auth");
      });
    });
  });
}
