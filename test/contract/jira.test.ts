/**
 * The shared connector contract against the Jira connector and its sandbox.
 *
 * Jira-specific adaptations (in this harness, not in the suite):
 * - `tamper`: Jira's webhook JWT (HS256, client secret) signs claims, not the
 *   body, so a body-only change cannot be detected by any verifier. The
 *   harness tampers with the signed material instead: the JWT's claims segment
 *   is altered while the signature is kept. (The connector therefore treats
 *   Jira webhook bodies as "re-fetch" signals: `issue.touched`.)
 * - `fault("malformed")` targets the `search/jql` route: the first requests of
 *   a first sync are `/myself`, `/serverInfo` and `/field` (time zone, site
 *   URL, custom-field ids; once per cursor), hence `listOverhead: 3`.
 */
import { createJiraConnector } from "../../connectors/jira";
import { adfToText } from "../../connectors/jira/adf";
import { createJiraSandbox } from "../../sandbox/jira";
import type { WebhookInput } from "../../connectors/types";
import { runConnectorContract } from "./connector.case";
import type { ContractHarness } from "./harness";

export const JIRA_CLIENT = { clientId: "jira-client-id", clientSecret: "jira-client-secret-0123456789" };
const ORIGIN = "http://sandbox.test";

export async function makeJiraHarness(): Promise<ContractHarness> {
  const sandbox = createJiraSandbox({ ...JIRA_CLIENT, origin: ORIGIN, seed: { issuesPerProject: 0 } });
  const site = sandbox.defaultSite();
  const connector = createJiraConnector({
    fetch: (input, init) => sandbox.fetch(new Request(input, init)),
    apiBase: `${ORIGIN}/jira/api`,
    oauthBase: `${ORIGIN}/jira/auth`,
    ...JIRA_CLIENT,
  });
  const token = sandbox.issueToken();
  const auth = { accessToken: token.accessToken, siteId: site.id };
  const scope = { kind: "project" as const, id: "AUD", name: "Auditor", siteId: site.id };
  const issueById = (id: string) => {
    const i = site.issues.get(Number(id));
    if (!i) throw new Error(`no sandbox issue ${id}`);
    return i;
  };
  const toInput = (d: { headers: Record<string, string>; body: string }): WebhookInput => ({ headers: new Headers(d.headers), rawBody: d.body });

  return {
    connector,
    auth,
    scope,
    sandbox,
    caps: { labelEntities: false, listOverhead: 3 },
    async seedIssues(n, opts = {}) {
      return sandbox.seed(site.id, "AUD", n, { sameUpdatedAt: opts.sameUpdatedAt, labels: opts.labels }).map((i) => String(i.id));
    },
    refOf: (externalId) => ({ externalId, key: issueById(externalId).key, scope }),
    async updateIssue(externalId, patch) {
      await sandbox.humanUpdate(site.id, issueById(externalId).key, {
        title: patch.title,
        body: patch.body,
        addLabels: patch.addLabels,
        updatedAt: patch.updatedAt,
      });
    },
    async humanRemoveLabel(externalId, label) {
      await sandbox.humanUpdate(site.id, issueById(externalId).key, { removeLabels: [label] });
    },
    labelsOf: async (externalId) => [...issueById(externalId).labels],
    commentsOf: async (externalId) => issueById(externalId).comments.map((c) => ({ id: String(c.id), text: adfToText(c.body) })),
    async makeWebhook(kind) {
      sandbox.outbox.drain();
      const target = [...site.issues.values()].find((i) => i.project === "AUD");
      if (!target) throw new Error("seed issues first");
      if (kind === "issue-updated") await sandbox.humanUpdate(site.id, target.key, { title: "Edited in Jira" });
      else await sandbox.humanComment(site.id, target.key, "Seen on two customer accounts this week.");
      const d = sandbox.outbox.drain().at(-1)!;
      return {
        input: toInput(d),
        deliveryId: d.headers["x-atlassian-webhook-identifier"]!,
        externalId: String(target.id),
        expectKinds: kind === "issue-updated" ? ["issue.touched", "issue.upserted"] : ["issue.touched", "issue.upserted"],
      };
    },
    tamper(input) {
      const headers = new Headers(input.headers);
      const [h, p, s] = (headers.get("authorization") ?? "").replace(/^Bearer\s+/i, "").split(".");
      const claims = JSON.parse(atob(p!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
      claims.exp = Number(claims.exp) + 86_400;
      const forged = btoa(JSON.stringify(claims)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      headers.set("authorization", `Bearer ${h}.${forged}.${s}`);
      return { headers, rawBody: input.rawBody.replace("Edited in Jira", "Edited by an attacker") };
    },
    unsign(input) {
      const headers = new Headers(input.headers);
      headers.delete("authorization");
      return { headers, rawBody: input.rawBody };
    },
    async revokeToken() {
      sandbox.revokeToken(token.accessToken);
    },
    fault(kind, opts = {}) {
      if (opts.retryAfterSec !== undefined) sandbox.faults.configure({ retryAfterSec: opts.retryAfterSec });
      if (kind === "malformed") sandbox.queueFault("malformed", "search/jql");
      else sandbox.faults.queue(kind);
    },
  };
}

runConnectorContract("jira", makeJiraHarness);
