import { describe, expect, it } from "vitest";
import { hmacSha256Hex } from "../../../../connectors/http";
import type { Delivery } from "../../../../sandbox/common/outbox";
import type { WebhookInput } from "../../../../connectors/types";
import { SECRET, setup } from "./setup";

const input = (d: Delivery): WebhookInput => ({ headers: new Headers(d.headers), rawBody: d.body });

async function signed(body: object, headers: Record<string, string> = {}): Promise<WebhookInput> {
  const raw = JSON.stringify(body);
  return {
    rawBody: raw,
    headers: new Headers({ "linear-signature": await hmacSha256Hex(SECRET, raw), "linear-delivery": "d-1", "linear-event": "Reaction", ...headers }),
  };
}

describe("Linear webhooks", () => {
  it("an Issue update verifies and parses to issue.upserted with the webhook's own shape normalized", async () => {
    const c = setup();
    const id = c.sandbox.seedIssues(3, { labels: ["bug"] })[1]!;
    await c.sandbox.humanUpdate(id, { title: "Checkout fails on Safari", addLabels: ["customer"] });
    const [d] = c.sandbox.outbox.drain();
    const v = await c.connector.webhooks.verify(input(d!));
    expect(v).toEqual({ ok: true, deliveryId: d!.headers["linear-delivery"] });
    const [e] = c.connector.webhooks.parse(input(d!));
    expect(e).toMatchObject({
      kind: "issue.upserted",
      scopeId: c.team.id,
      issue: { externalId: id, key: "ENG-2", title: "Checkout fails on Safari", labels: ["bug", "customer"], project: "ENG" },
    });
    const fromSync = await c.connector.getIssue(c.auth, { externalId: id, key: "ENG-2", scope: c.scope });
    if (e?.kind !== "issue.upserted") throw new Error("kind");
    const { commentCount: _a, iteration: it1, ...hook } = e.issue;
    // Webhook payloads carry no customer requests or start time: the sync's evidence stays stored (src/db/issues.ts).
    const { commentCount: _b, iteration: it2, startedAt: _c, customerRequests: _d, ...synced } = fromSync!;
    expect(hook).toEqual(synced);
    expect(it1?.id).toBe(it2?.id);
  });

  it("a Comment parses to issue.touched, a removed Issue to issue.deleted, Reaction and IssueLabel are ignored", async () => {
    const c = setup();
    const id = c.sandbox.seedIssues(2)[0]!;
    await c.sandbox.humanComment(id, "Same here");
    const [comment] = c.sandbox.outbox.drain();
    expect(c.connector.webhooks.parse(input(comment!))).toEqual([
      {
        kind: "issue.touched",
        deliveryId: comment!.headers["linear-delivery"],
        scopeId: c.team.id,
        ref: { externalId: id, key: "ENG-1", scope: { kind: "team", id: c.team.id, name: "ENG" } },
      },
    ]);
    const issueBody = JSON.parse(
      (
        await (async () => {
          await c.sandbox.humanUpdate(id, { title: "x" });
          return c.sandbox.outbox.drain()[0]!;
        })()
      ).body,
    );
    const removed = await signed({ ...issueBody, action: "remove", webhookTimestamp: Date.now() });
    expect(c.connector.webhooks.parse(removed)).toEqual([{ kind: "issue.deleted", deliveryId: "d-1", scopeId: c.team.id, externalId: id }]);
    const reaction = await signed({ action: "create", type: "Reaction", data: { id: "r", emoji: "+1" }, webhookTimestamp: Date.now() });
    expect(c.connector.webhooks.parse(reaction)[0]).toMatchObject({ kind: "ignored" });
    const label = await signed({ action: "create", type: "IssueLabel", data: { id: "l", name: "x", color: "#fff" }, webhookTimestamp: Date.now() });
    expect(c.connector.webhooks.parse(label)[0]).toMatchObject({ kind: "ignored" });
  });

  it("rejects a tampered body, a missing signature and a stale timestamp", async () => {
    const c = setup();
    await c.sandbox.humanComment(c.sandbox.seedIssues(1)[0]!, "hello");
    const d = c.sandbox.outbox.drain()[0]!;
    const tampered = { headers: new Headers(d.headers), rawBody: d.body.replace("hello", "hellO") };
    expect(await c.connector.webhooks.verify(tampered)).toMatchObject({ ok: false, reason: "bad-signature" });
    const unsigned = new Headers(d.headers);
    unsigned.delete("linear-signature");
    expect(await c.connector.webhooks.verify({ headers: unsigned, rawBody: d.body })).toMatchObject({ ok: false, reason: "missing-signature" });
    const ts = JSON.parse(d.body).webhookTimestamp as number;
    expect(await c.connector.webhooks.verify(input(d), ts + 61_000)).toMatchObject({ ok: false, reason: "stale" });
    expect(await c.connector.webhooks.verify(input(d), ts - 61_000)).toMatchObject({ ok: false, reason: "stale" });
    expect(await c.connector.webhooks.verify(input(d), ts + 59_000)).toMatchObject({ ok: true });
  });

  it("a redelivery carries the same delivery id (for de-duplication)", async () => {
    const c = setup();
    await c.sandbox.humanComment(c.sandbox.seedIssues(1)[0]!, "again");
    const first = c.sandbox.outbox.drain()[0]!;
    const retry = c.sandbox.redeliver(first);
    const a = await c.connector.webhooks.verify(input(first));
    const b = await c.connector.webhooks.verify(input(retry));
    expect(a).toEqual({ ok: true, deliveryId: first.id });
    expect(b).toEqual(a);
    expect(c.connector.webhooks.parse(input(retry))[0]?.deliveryId).toBe(first.id);
  });

  it("every write through the connector leaves a signed delivery in the outbox", async () => {
    const c = setup();
    const id = c.sandbox.seedIssues(1, { labels: [] })[0]!;
    const ref = { externalId: id, key: "ENG-1", scope: c.scope };
    await c.connector.ensureLabels(c.auth, ref, {
      desired: ["constraint:activation"],
      isOwned: (l) => l.startsWith("constraint:"),
      definitions: [{ name: "constraint:activation", color: "5e6ad2", description: "Backlog Auditor" }],
    });
    await c.connector.ensureComment(c.auth, ref, "backlog-auditor:summary", "Activation work.");
    const ds = c.sandbox.outbox.drain();
    expect(ds.map((d) => `${d.event}`)).toEqual(["IssueLabel", "Issue", "Comment"]);
    for (const d of ds) expect(await c.connector.webhooks.verify(input(d))).toMatchObject({ ok: true });
  });
});

describe("Linear webhook fixture (IssueWebhookPayload shape)", () => {
  it("normalizes labels, state, cycle, estimate, priority, project and reactions", async () => {
    const { readFileSync } = await import("node:fs");
    const { fileURLToPath } = await import("node:url");
    const raw = readFileSync(fileURLToPath(new URL("../../../fixtures/linear/issue-update-webhook.json", import.meta.url).href), "utf8");
    const now = Date.parse("2026-11-20T10:15:00.000Z");
    const c = setup({ connector: { now: () => now } });
    const hook: WebhookInput = {
      rawBody: raw,
      headers: new Headers({ "linear-signature": await hmacSha256Hex(SECRET, raw), "linear-delivery": "del-7", "linear-event": "Issue" }),
    };
    expect(await c.connector.webhooks.verify(hook)).toEqual({ ok: true, deliveryId: "del-7" });
    const [e] = c.connector.webhooks.parse(hook);
    expect(e).toMatchObject({
      kind: "issue.upserted",
      scopeId: "5b9e1c1a-0d7f-4a43-9a2c-0c3b6f1d2e77",
      issue: {
        key: "ENG-412",
        labels: ["bug", "mobile"],
        state: "In Progress",
        stateCategory: "in_progress",
        priority: 2,
        priorityName: "High",
        estimate: 3,
        iteration: { kind: "cycle", name: "Cycle 42", state: "active" },
        project: "ENG",
        reactions: 3,
        customFields: { Project: "Onboarding revamp" },
        assignees: ["2e1c5a8e-6a3f-4f0e-9d55-7c1f0c0f9a11"],
      },
    });
  });
});
