/**
 * A webhook whose enqueue fails is not lost: the intake answers 503 `queue_unavailable`, the
 * delivery is not counted as seen, and the tracker's retry of the same delivery id is enqueued on
 * the real local queue and applied.
 * Run: npx vitest run --project workers test/integration/pipeline/webhook-enqueue.test.ts
 */
import { describe, expect, it } from "vitest";
import type { Env, QueueJob } from "../../../src/env";
import { baseEnv, one, postWebhook, syncThroughDrain, usePipelineHarness, waitFor } from "./harness";

const h = usePipelineHarness();

/** The real local queue, except that the next `failures` sends throw (a Queues outage). */
function flakyQueueEnv(failures: number): { env: Env; sends: () => number } {
  let left = failures;
  let sends = 0;
  const real = baseEnv.SYNC_QUEUE;
  const queue = {
    send: async (body: QueueJob, o?: QueueSendOptions) => {
      sends++;
      if (left-- > 0) throw new Error("injected: Queue send failed (503)");
      return real.send(body, o);
    },
    sendBatch: async (msgs: Iterable<MessageSendRequest<QueueJob>>, o?: QueueSendBatchOptions) => {
      sends++;
      if (left-- > 0) throw new Error("injected: Queue sendBatch failed (503)");
      return real.sendBatch(msgs, o);
    },
  };
  return { env: { ...baseEnv, SYNC_QUEUE: queue as unknown as Queue<QueueJob> }, sends: () => sends };
}

describe("a webhook whose enqueue fails", () => {
  it("answers 503, is enqueued when redelivered, and the change is applied", async () => {
    const w = await h.github({ issues: 6, pullRequestShare: 0 });
    await syncThroughDrain(h.drain(), w.connection.id);
    await w.sandbox.human(w.repo, 4, { title: "Renamed while the queue was down" });
    const [delivery] = w.sandbox.outbox.drain();
    expect(delivery).toBeDefined();

    const flaky = flakyQueueEnv(1);
    const first = await postWebhook("github", delivery!, flaky.env);
    expect(first.status).toBe(503);
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe("queue_unavailable");
    const row = await one<{ status: string }>("SELECT status FROM webhook_deliveries WHERE tracker = 'github' AND delivery_id = ?", delivery!.id);
    expect(row?.status, "not counted as enqueued").toBe("received");

    // The tracker retries the same delivery id: it is enqueued this time, not answered "duplicate".
    w.sandbox.redeliver(delivery!.id);
    const [again] = w.sandbox.outbox.drain();
    expect(again!.id).toBe(delivery!.id);
    const retry = await postWebhook("github", again!, flaky.env);
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ accepted: true, deliveryId: delivery!.id });
    expect(flaky.sends()).toBe(2);

    await waitFor("the redelivered webhook to be processed by the queue consumer", async () => {
      const r = await one<{ status: string }>("SELECT status FROM webhook_deliveries WHERE tracker = 'github' AND delivery_id = ?", delivery!.id);
      return r?.status === "processed";
    });
    expect((await one<{ title: string }>("SELECT title FROM issues WHERE connection_id = ? AND key = ?", w.connection.id, `${w.repo}#4`))?.title).toBe(
      "Renamed while the queue was down",
    );

    // Once enqueued, a further redelivery is a duplicate again.
    const third = await postWebhook("github", again!, baseEnv);
    expect(third.status).toBe(200);
    expect(await third.json()).toMatchObject({ duplicate: true });
  });
});
