/**
 * The connector contract against the Linear connector and its sandbox,
 * through the sandbox's fetch (no network), with an OAuth access token.
 * Issues live in the sandbox's ENG team; the harness keys them by uuid.
 */
import { createLinearConnector } from "../../connectors/linear";
import { createLinearSandbox } from "../../sandbox/linear";
import type { FetchLike, SyncScope } from "../../connectors/types";
import { runConnectorContract } from "./connector.case";
import { withHeaders, type ContractHarness } from "./harness";

const SECRET = "contract-webhook-secret";
const CLIENT = { clientId: "lin_contract", clientSecret: "lin_contract_secret" };

export async function makeLinearHarness(): Promise<ContractHarness> {
  const sandbox = createLinearSandbox({ basePath: "/linear", webhookSecret: SECRET, ...CLIENT, seed: { issues: 0 } });
  const fetch: FetchLike = (input, init) => sandbox.fetch(new Request(input, init));
  const connector = createLinearConnector({
    fetch,
    apiBase: "http://sandbox.test/linear/api",
    oauthBase: "http://sandbox.test/linear",
    webhookSecret: SECRET,
    ...CLIENT,
  });
  const token = sandbox.issueToken().accessToken;
  const team = sandbox.state.team("ENG");
  const scope: SyncScope = { kind: "team", id: team.id, name: "Engineering (ENG)" };
  const keyOf = (externalId: string) => {
    const i = sandbox.state.issues.get(externalId);
    if (!i) throw new Error(`harness: unknown issue ${externalId}`);
    return sandbox.state.identifier(i);
  };
  let first: string | null = null;

  return {
    connector,
    auth: { accessToken: token },
    scope,
    sandbox,
    caps: { labelEntities: true },
    async seedIssues(n, opts = {}) {
      const ids = sandbox.seedIssues(n, { sameUpdatedAt: opts.sameUpdatedAt, labels: opts.labels });
      first = ids[0] ?? null;
      sandbox.outbox.drain();
      return ids;
    },
    refOf: (externalId) => ({ externalId, key: keyOf(externalId), scope }),
    async updateIssue(externalId, patch) {
      await sandbox.humanUpdate(externalId, { title: patch.title, body: patch.body, addLabels: patch.addLabels, updatedAt: patch.updatedAt });
    },
    async humanRemoveLabel(externalId, label) {
      await sandbox.humanUpdate(externalId, { removeLabels: [label] });
    },
    labelsOf: async (externalId) => sandbox.labelsOf(externalId),
    commentsOf: async (externalId) => sandbox.commentsOf(externalId),
    async makeWebhook(kind) {
      if (!first) throw new Error("harness: seed issues first");
      sandbox.outbox.drain();
      if (kind === "issue-updated") await sandbox.humanUpdate(first, { title: "Edited by a human" });
      else await sandbox.humanComment(first, "Seeing this on 2.3 too.");
      const d = sandbox.outbox.drain().at(-1);
      if (!d) throw new Error("harness: the sandbox produced no delivery");
      return {
        input: { headers: new Headers(d.headers), rawBody: d.body },
        deliveryId: d.headers["linear-delivery"]!,
        externalId: first,
        expectKinds: kind === "issue-updated" ? ["issue.upserted"] : ["issue.touched"],
      };
    },
    tamper: (input) => ({ headers: new Headers(input.headers), rawBody: input.rawBody.replace('"title":"', '"title":"tampered ') }),
    unsign: (input) => withHeaders(input, (h) => h.delete("linear-signature")),
    async revokeToken() {
      sandbox.revokeToken(token);
    },
  };
}

runConnectorContract("linear", makeLinearHarness);
