/**
 * A Linear connector wired to a fresh sandbox, for the Linear unit tests and
 * the contract harness.
 */
import { createLinearConnector } from "../../../../connectors/linear";
import { createLinearSandbox, type LinearSandboxOptions } from "../../../../sandbox/linear";
import type { Auth, ConnectorConfig, SyncScope } from "../../../../connectors/types";

export const SECRET = "whsec_linear_test";
export const CLIENT = { clientId: "lin_client", clientSecret: "lin_secret" };
export const ORIGIN = "http://sandbox.test";

export function setup(o: { sandbox?: Partial<LinearSandboxOptions>; connector?: Partial<ConnectorConfig> } = {}) {
  const sandbox = createLinearSandbox({ basePath: "/linear", webhookSecret: SECRET, ...CLIENT, ...o.sandbox });
  const fetch = (input: Request | string | URL, init?: RequestInit) => sandbox.fetch(new Request(input, init));
  const connector = createLinearConnector({
    fetch,
    apiBase: `${ORIGIN}/linear/api`,
    oauthBase: `${ORIGIN}/linear`,
    webhookSecret: SECRET,
    timeoutMs: 2_000,
    ...CLIENT,
    ...o.connector,
  });
  const tokenSet = sandbox.issueToken();
  const auth: Auth = { accessToken: tokenSet.accessToken };
  const team = sandbox.state.team("ENG");
  const scope: SyncScope = { kind: "team", id: team.id, name: "Engineering (ENG)" };
  return { sandbox, connector, fetch, auth, tokenSet, scope, team };
}

export async function syncAll(c: ReturnType<typeof setup>, cursor: string | null = null) {
  const issues = [];
  const skipped = [];
  let pages = 0;
  for (;;) {
    const page = await c.connector.listIssues(c.auth, c.scope, cursor);
    pages++;
    issues.push(...page.issues);
    skipped.push(...page.skipped);
    cursor = page.cursor;
    if (!page.hasMore) break;
  }
  return { issues, skipped, cursor, pages };
}
