/** Webhook intake in the runtime: verify → de-duplicate → enqueue → fast answer; bad input stores nothing. */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hmacSha256Hex } from "../../connectors/http";
import type { Env } from "../../src/env";
import worker from "../../src/index";

const testEnv = env as unknown as Env;

async function post(tracker: string, body: string, headers: Record<string, string>) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://localhost/webhooks/${tracker}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } }),
    testEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

const deliveries = async (id: string) =>
  (await testEnv.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = ?").bind(id).first<{ n: number }>())!.n;

const githubBody = JSON.stringify({
  action: "edited",
  issue: { id: 1, number: 1, title: "t", labels: [], state: "open", updated_at: "2026-11-01T00:00:00Z", created_at: "2026-11-01T00:00:00Z" },
  repository: { full_name: "acme/webapp" },
});

describe("GitHub webhooks", () => {
  it("accepts a correctly signed delivery once and answers a redelivery as a duplicate", async () => {
    const sig = `sha256=${await hmacSha256Hex(testEnv.GITHUB_WEBHOOK_SECRET!, githubBody)}`;
    const headers = { "x-hub-signature-256": sig, "x-github-delivery": "gh-dup-1", "x-github-event": "issues" };
    const first = await post("github", githubBody, headers);
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ accepted: true, deliveryId: "gh-dup-1" });
    const again = await post("github", githubBody, headers);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(await deliveries("gh-dup-1")).toBe(1);
  });

  it.each([
    ["a signature over another body", async () => `sha256=${await hmacSha256Hex(testEnv.GITHUB_WEBHOOK_SECRET!, githubBody + " ")}`],
    ["a signature with the wrong secret", async () => `sha256=${await hmacSha256Hex("not-the-secret", githubBody)}`],
    ["a malformed signature", async () => "sha256=zz-not-hex"],
  ])("refuses %s with 401 and stores nothing", async (_name, sign) => {
    const id = `gh-bad-${Math.random()}`;
    const res = await post("github", githubBody, { "x-hub-signature-256": await sign(), "x-github-delivery": id, "x-github-event": "issues" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("webhook_signature_invalid");
    expect(await deliveries(id)).toBe(0);
  });

  it("refuses a delivery without a signature", async () => {
    const res = await post("github", githubBody, { "x-github-delivery": "gh-nosig", "x-github-event": "issues" });
    expect(res.status).toBe(401);
    expect(await deliveries("gh-nosig")).toBe(0);
  });

  it("answers 413 for an oversized body before verifying it", async () => {
    const res = await post("github", "x".repeat(5 * 1024 * 1024 + 1), { "x-github-delivery": "gh-big" });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  it("answers 404 in the error shape for an unknown tracker", async () => {
    const res = await post("gitlab", "{}", {});
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("Linear webhooks", () => {
  const body = (ts: number) =>
    JSON.stringify({ action: "update", type: "Issue", webhookTimestamp: ts, data: { id: "lin-1", teamId: "team-1" }, organizationId: "org-1" });
  it("refuses a stale webhookTimestamp (> 60 s) with 401 webhook_stale and stores nothing", async () => {
    const raw = body(Date.now() - 5 * 60_000);
    const res = await post("linear", raw, {
      "linear-signature": await hmacSha256Hex(testEnv.LINEAR_WEBHOOK_SECRET!, raw),
      "linear-delivery": "lin-stale",
      "linear-event": "Issue",
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("webhook_stale");
    expect(await deliveries("lin-stale")).toBe(0);
  });
  it("accepts a fresh, correctly signed delivery", async () => {
    const raw = body(Date.now());
    const res = await post("linear", raw, {
      "linear-signature": await hmacSha256Hex(testEnv.LINEAR_WEBHOOK_SECRET!, raw),
      "linear-delivery": "lin-fresh",
      "linear-event": "Issue",
    });
    expect(res.status).toBe(202);
    expect(await deliveries("lin-fresh")).toBe(1);
  });
});
