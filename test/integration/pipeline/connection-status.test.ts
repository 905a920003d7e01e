/**
 * A connection's status changes through one guarded transition: a job that finishes after an admin
 * disconnected the connection (or after a webhook marked it revoked) never makes it active again.
 * Run: npx vitest run --project workers test/integration/pipeline/connection-status.test.ts
 */
import { describe, expect, it } from "vitest";
import { disconnectConnection } from "../../../src/db/connections";
import { baseEnv, one, syncThroughDrain, usePipelineHarness } from "./harness";

const h = usePipelineHarness();

const statusOf = async (id: string) =>
  (await one<{ status: string; status_detail: string | null }>("SELECT status, status_detail FROM connections WHERE id = ?", id))!;

/** Runs `during` once, while the Worker's first list request is at the tracker (the job read its row before). */
function duringFirstListRequest(w: { sandbox: { fetch: (r: Request) => Promise<Response> } }, during: () => Promise<void>) {
  const real = w.sandbox.fetch.bind(w.sandbox);
  let done = false;
  w.sandbox.fetch = async (req: Request) => {
    if (!done && new URL(req.url).pathname.endsWith("/issues")) {
      done = true;
      await during();
    }
    return real(req);
  };
}

describe("a sync page that finishes after the connection was stopped", () => {
  it("leaves a connection an admin disconnected mid-page disconnected", async () => {
    const w = await h.github({ issues: 5, pullRequestShare: 0 });
    // An earlier failure left the connection in `error`: a clean page would normally set it back to active.
    await baseEnv.DB.prepare("UPDATE connections SET status = 'error', status_detail = 'earlier failure' WHERE id = ?").bind(w.connection.id).run();
    duringFirstListRequest(w, () => disconnectConnection(baseEnv.DB, w.workspaceId, w.connection.id));
    await syncThroughDrain(h.drain(), w.connection.id);
    const after = await statusOf(w.connection.id);
    expect(after.status).toBe("disconnected");
    expect(after.status_detail).toMatch(/Disconnected by an admin/);
    const tokens = await one<{ access_token_enc: string | null }>("SELECT access_token_enc FROM connections WHERE id = ?", w.connection.id);
    expect(tokens?.access_token_enc, "tokens stay deleted").toBeNull();
  });

  it("leaves a connection revoked mid-page (an uninstall webhook) revoked", async () => {
    const w = await h.github({ issues: 5, pullRequestShare: 0 });
    await baseEnv.DB.prepare("UPDATE connections SET status = 'rate_limited' WHERE id = ?").bind(w.connection.id).run();
    duringFirstListRequest(w, async () => {
      await baseEnv.DB.prepare("UPDATE connections SET status = 'revoked', status_detail = 'The GitHub App was uninstalled.' WHERE id = ?")
        .bind(w.connection.id)
        .run();
    });
    await syncThroughDrain(h.drain(), w.connection.id);
    expect((await statusOf(w.connection.id)).status).toBe("revoked");
  });

  it("a clean sync still makes an errored connection active again", async () => {
    const w = await h.github({ issues: 5, pullRequestShare: 0 });
    await baseEnv.DB.prepare("UPDATE connections SET status = 'error', status_detail = 'earlier failure' WHERE id = ?").bind(w.connection.id).run();
    await syncThroughDrain(h.drain(), w.connection.id);
    expect(await statusOf(w.connection.id)).toEqual({ status: "active", status_detail: null });
  });
});
