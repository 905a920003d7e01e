/**
 * The connector contract against the GitHub connector and its sandbox,
 * talking through the sandbox's fetch (no network), with an installation
 * token as the GitHub App path uses.
 */
import { createGithubConnector } from "../../connectors/github";
import { createGithubSandbox } from "../../sandbox/github";
import type { FetchLike, SyncScope } from "../../connectors/types";
import { runConnectorContract } from "./connector.case";
import { withHeaders, type ContractHarness } from "./harness";

const SECRET = "contract-webhook-secret";
const REPO = "acme/contract";

export async function makeGithubHarness(): Promise<ContractHarness> {
  const sandbox = createGithubSandbox({
    webhookSecret: SECRET,
    clientId: "Iv1.contract",
    clientSecret: "contract-secret",
    seed: { repos: [{ fullName: REPO, issues: 0 }] },
  });
  const fetch: FetchLike = (input, init) => sandbox.fetch(new Request(input, init));
  const connector = createGithubConnector({
    fetch,
    apiBase: "http://sandbox.test/github/api",
    oauthBase: "http://sandbox.test/github",
    clientId: "Iv1.contract",
    clientSecret: "contract-secret",
    webhookSecret: SECRET,
  });
  const token = sandbox.issueInstallationToken();
  const scope: SyncScope = { kind: "repo", id: REPO, name: REPO, siteId: String(sandbox.installationId) };
  let numbers = new Map<string, number>();
  const numberOf = (externalId: string) => {
    const n = numbers.get(externalId);
    if (n === undefined) throw new Error(`harness: unknown issue ${externalId}`);
    return n;
  };

  return {
    connector,
    auth: { accessToken: token },
    scope,
    sandbox,
    caps: { labelEntities: true },
    async seedIssues(n, opts = {}) {
      const repo = sandbox.seedRepo({ fullName: REPO, issues: n, pullRequestShare: 0, sameUpdatedAt: opts.sameUpdatedAt, labels: opts.labels });
      numbers = new Map(repo.issues.map((i) => [String(i!.id), i!.number]));
      sandbox.outbox.drain();
      return [...numbers.keys()];
    },
    refOf: (externalId) => ({ externalId, key: `${REPO}#${numberOf(externalId)}`, scope }),
    async updateIssue(externalId, patch) {
      await sandbox.human(REPO, numberOf(externalId), {
        title: patch.title,
        body: patch.body,
        addLabels: patch.addLabels,
        updatedAtSec: patch.updatedAt ? Math.floor(Date.parse(patch.updatedAt) / 1000) : undefined,
      });
    },
    async humanRemoveLabel(externalId, label) {
      await sandbox.human(REPO, numberOf(externalId), { removeLabels: [label] });
    },
    labelsOf: async (externalId) => [...sandbox.issue(REPO, numberOf(externalId)).labels],
    commentsOf: async (externalId) => (sandbox.issue(REPO, numberOf(externalId)).comments ?? []).map((c) => ({ id: String(c.id), text: c.body })),
    async makeWebhook(kind) {
      sandbox.outbox.drain();
      const number = 1;
      if (kind === "issue-updated") await sandbox.human(REPO, number, { title: "Edited by a human" });
      else await sandbox.humanComment(REPO, number, "Seeing this on 2.3 too.");
      const d = sandbox.outbox.drain().at(-1);
      if (!d) throw new Error("harness: the sandbox produced no delivery");
      const issue = sandbox.issue(REPO, number);
      return {
        input: { headers: new Headers(d.headers), rawBody: d.body },
        deliveryId: d.id,
        externalId: String(issue.id),
        expectKinds: kind === "issue-updated" ? ["issue.upserted"] : ["issue.touched"],
      };
    },
    tamper: (input) => ({ headers: new Headers(input.headers), rawBody: input.rawBody.replace('"title":"', '"title":"tampered ') }),
    unsign: (input) =>
      withHeaders(input, (h) => {
        h.delete("x-hub-signature-256");
        h.delete("x-hub-signature");
      }),
    async revokeToken() {
      sandbox.revokeToken(token);
    },
  };
}

runConnectorContract("github", makeGithubHarness);
