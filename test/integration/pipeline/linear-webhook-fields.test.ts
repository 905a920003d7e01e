/**
 * A Linear update webhook carries no comment count (and a cycle without its flags): the stored values
 * are kept, so the update does not change the content hash by leaving them out, and a later sync
 * finds nothing to change.
 * Run: npx vitest run --project workers test/integration/pipeline/linear-webhook-fields.test.ts
 */
import { describe, expect, it } from "vitest";
import { one, postWebhook, syncThroughDrain, usePipelineHarness } from "./harness";

const h = usePipelineHarness();

describe("a Linear issue update webhook", () => {
  it("keeps the stored comment count and the re-sync after it changes nothing", async () => {
    const w = await h.linear({ issues: 8 });
    const q = h.drain();
    await syncThroughDrain(q, w.connection.id);
    const issue = [...w.sandbox.state.issues.values()].find((i) => i.teamId === w.scope.id)!;
    const row = () =>
      one<{ title: string; comment_count: number; content_hash: string }>(
        "SELECT title, comment_count, content_hash FROM issues WHERE connection_id = ? AND external_id = ?",
        w.connection.id,
        issue.id,
      );
    const before = (await row())!.comment_count;
    await w.sandbox.humanComment(issue.id, "Seeing this on 2.3 too.");
    await w.sandbox.humanComment(issue.id, "And on 2.4.");
    for (const d of w.sandbox.outbox.drain()) expect((await postWebhook("linear", d, q.env)).status).toBe(202);
    await q.run();
    expect((await row())?.comment_count).toBe(before + 2);

    await w.sandbox.humanUpdate(issue.id, { title: "App crashes on save and loses data" });
    const updates = w.sandbox.outbox.drain();
    expect(updates.length).toBe(1);
    expect((await postWebhook("linear", updates[0]!, q.env)).status).toBe(202);
    await q.run();
    const afterWebhook = await row();
    expect(afterWebhook?.title).toBe("App crashes on save and loses data");
    expect(afterWebhook?.comment_count).toBe(before + 2);

    // A sync of the same tracker state stores the same content: nothing flips back.
    await syncThroughDrain(q, w.connection.id);
    expect((await row())?.content_hash).toBe(afterWebhook?.content_hash);
  });
});
