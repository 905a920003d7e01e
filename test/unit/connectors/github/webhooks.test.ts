/** GitHub webhook verification edge cases and sandbox-produced deliveries. */
import { describe, expect, it } from "vitest";
import { SECRET, signed, wire } from "./setup";

const toInput = (d: { headers: Record<string, string>; body: string }) => ({ headers: new Headers(d.headers), rawBody: d.body });

describe("GitHub webhooks", () => {
  it.each([
    ["a signature of the wrong length", "sha256=abc"],
    ["a signature that is not hex", `sha256=${"z".repeat(64)}`],
    ["a sha1 signature in the sha256 header", `sha1=${"0".repeat(40)}`],
    ["garbage", "garbage"],
  ])("%s → bad-signature, never a throw", async (_name, header) => {
    const { connector } = wire();
    const input = await signed("issues", { action: "opened" });
    input.headers.set("x-hub-signature-256", header);
    const v = await connector.webhooks.verify(input);
    expect(v).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  it("an empty body with a signature → bad-signature (the library throws on it)", async () => {
    const { connector } = wire();
    const v = await connector.webhooks.verify({ headers: new Headers({ "x-hub-signature-256": "sha256=00", "x-github-delivery": "d" }), rawBody: "" });
    expect(v).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  it("a body signed with another secret → bad-signature; no delivery id → malformed", async () => {
    const { connector } = wire();
    expect(await connector.webhooks.verify(await signed("issues", { a: 1 }, "d1", "other-secret"))).toMatchObject({ ok: false, reason: "bad-signature" });
    const input = await signed("issues", { a: 1 }, "d2", SECRET);
    input.headers.delete("x-github-delivery");
    expect(await connector.webhooks.verify(input)).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("every sandbox state change is delivered signed, and a redelivery carries the same id", async () => {
    const w = wire();
    const token = w.sandbox.issueInstallationToken();
    const ref = { externalId: String(w.sandbox.issue("acme/webapp", 3).id), key: "acme/webapp#3", scope: w.scope() };
    await w.connector.ensureLabels({ accessToken: token }, ref, {
      desired: ["auditor:reliability"],
      isOwned: (l) => l.startsWith("auditor:"),
      definitions: [{ name: "auditor:reliability", color: "d73a4a", description: "Reliability" }],
    });
    await w.connector.ensureComment({ accessToken: token }, ref, "backlog-auditor:v1", "Reliability, 0.8");
    await w.connector.ensureComment({ accessToken: token }, ref, "backlog-auditor:v1", "Reliability, 0.9");
    await w.sandbox.human("acme/webapp", 3, { removeLabels: ["auditor:reliability"], title: "Renamed" });
    const deliveries = w.sandbox.outbox.drain();
    expect(deliveries.map((d) => `${d.event}.${JSON.parse(d.body).action}`)).toEqual([
      "issues.labeled",
      "issue_comment.created",
      "issue_comment.edited",
      "issues.unlabeled",
      "issues.edited",
    ]);
    for (const d of deliveries) expect(await w.connector.webhooks.verify(toInput(d))).toEqual({ ok: true, deliveryId: d.id });
    const labeled = JSON.parse(deliveries[0]!.body);
    expect(labeled.sender).toMatchObject({ login: "backlog-auditor[bot]", type: "Bot" });
    expect(labeled.installation.id).toBe(w.sandbox.installationId);
    // Our own comment's webhooks are echoes.
    expect(w.connector.webhooks.parse(toInput(deliveries[1]!))).toEqual([{ kind: "ignored", deliveryId: deliveries[1]!.id, reason: "our own comment" }]);
    // Redelivery: same id, same body, verifies again (de-duplication is the pipeline's).
    w.sandbox.redeliver(deliveries[4]!.id);
    const [again] = w.sandbox.outbox.drain();
    expect(again!.id).toBe(deliveries[4]!.id);
    expect(again!.body).toBe(deliveries[4]!.body);
    expect(await w.connector.webhooks.verify(toInput(again!))).toEqual({ ok: true, deliveryId: deliveries[4]!.id });
    const [event] = w.connector.webhooks.parse(toInput(again!));
    expect(event).toMatchObject({
      kind: "issue.upserted",
      deliveryId: deliveries[4]!.id,
      issue: { title: "Renamed", labels: expect.not.arrayContaining(["auditor:reliability"]) },
    });
  });

  it("uninstalling the App and adding a repository produce installation events", async () => {
    const w = wire();
    w.sandbox.seedRepo({ fullName: "acme/new", issues: 1 });
    await w.sandbox.addRepoToInstallation("acme/new");
    await w.sandbox.uninstall();
    const events = w.sandbox.outbox.drain().flatMap((d) => w.connector.webhooks.parse(toInput(d)));
    expect(events.map((e) => e.kind)).toEqual(["installation.changed", "installation.removed"]);
  });

  it("a body that is not JSON parses to ignored; unknown events are ignored", async () => {
    const { connector } = wire();
    expect(connector.webhooks.parse({ headers: new Headers({ "x-github-event": "issues", "x-github-delivery": "d" }), rawBody: "{" })).toEqual([
      { kind: "ignored", deliveryId: "d", reason: "body is not JSON" },
    ]);
    expect(connector.webhooks.parse(await signed("star", { action: "created" }, "d2"))).toEqual([
      { kind: "ignored", deliveryId: "d2", reason: "event star is not used" },
    ]);
  });
});
