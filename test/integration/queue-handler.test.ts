/**
 * `createQueueHandler(deps)` wires the consumer to the handlers it is given (no module-level
 * registry): a test builds its own and drives it with a real message batch and the real D1.
 * Run: npx vitest run --project workers test/integration/queue-handler.test.ts
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../connectors/errors";
import { createWorkspace } from "../../src/db/workspaces";
import type { Env, QueueJob } from "../../src/env";
import { createQueueHandler } from "../../src/sync/consumer";
import type { Job } from "../../src/sync/jobs";

const testEnv = env as unknown as Env;

async function deliver(queue: ReturnType<typeof createQueueHandler>, bodies: Job[]) {
  const batch = createMessageBatch<QueueJob>(
    "backlog-sync",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body: body as unknown as QueueJob })),
  );
  const ctx = createExecutionContext();
  await queue(batch, testEnv, ctx);
  return getQueueResult(batch, ctx);
}

describe("createQueueHandler", () => {
  it("dispatches to the handlers it was built with, and settles failures through the one policy", async () => {
    const ws = await createWorkspace(testEnv.DB, { name: "queue handler" });
    const seen: string[] = [];
    const now = Date.UTC(2026, 0, 1);
    const queue = createQueueHandler({
      deps: { fetch: () => Promise.reject(new Error("no network")), now: () => now },
      handlers: {
        audit: async (job) => {
          seen.push(`audit ${job.workspaceId}`);
          if (job.trigger === "api") throw new ConnectorError("rate-limited", "slow down", { retryAt: now + 30_000 });
          if (job.trigger === "cron") throw new ConnectorError("auth", "revoked");
        },
      },
    });
    const r = await deliver(queue, [
      { type: "audit", workspaceId: ws.id, trigger: "manual" },
      { type: "audit", workspaceId: ws.id, trigger: "api" },
      { type: "audit", workspaceId: ws.id, trigger: "cron" },
      { type: "learn", workspaceId: ws.id },
    ]);
    expect(seen).toEqual([`audit ${ws.id}`, `audit ${ws.id}`, `audit ${ws.id}`]);
    // Done → ack; rate-limited → retried; auth → stopped (acked, recorded); no handler → acked, recorded.
    expect(r.explicitAcks.sort()).toEqual(["m0", "m2", "m3"]);
    expect(r.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
    const failures = (
      await testEnv.DB.prepare("SELECT reason FROM sync_failures WHERE workspace_id = ? OR message LIKE ? ORDER BY reason")
        .bind(ws.id, `%${ws.id}%`)
        .all<{ reason: string }>()
    ).results;
    expect(failures.map((f) => f.reason)).toEqual(["auth: revoked", "no handler for job type learn"]);
  });
});
