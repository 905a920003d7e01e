/** Shared wiring for the GitHub connector tests: a sandbox and a connector talking to it through its fetch. */
import { createGithubConnector, type GithubConnector } from "../../../../connectors/github";
import { createGithubSandbox, type GithubSandbox, type GithubSandboxOptions } from "../../../../sandbox/github";
import type { FetchLike, SyncScope } from "../../../../connectors/types";

export const SECRET = "unit-webhook-secret";
export const CLIENT_ID = "Iv1.unit";
export const CLIENT_SECRET = "unit-client-secret";

export interface Wired {
  sandbox: GithubSandbox;
  connector: GithubConnector;
  fetch: FetchLike;
  scope(fullName?: string): SyncScope;
}

export function wire(opts: Partial<GithubSandboxOptions> = {}, connectorOptions: Record<string, string | undefined> = {}, now?: () => number): Wired {
  const sandbox = createGithubSandbox({ webhookSecret: SECRET, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, now, ...opts });
  const fetch: FetchLike = (input, init) => sandbox.fetch(new Request(input, init));
  const connector = createGithubConnector({
    fetch,
    apiBase: "http://sandbox.test/github/api",
    oauthBase: "http://sandbox.test/github",
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    webhookSecret: SECRET,
    options: connectorOptions,
    now,
  });
  return { sandbox, connector, fetch, scope: (fullName = "acme/webapp") => ({ kind: "repo", id: fullName, name: fullName }) };
}

/** Sign a body as GitHub does, for feeding recorded payloads to `webhooks.verify`. */
export async function signed(event: string, payload: unknown, deliveryId = crypto.randomUUID(), secret = SECRET) {
  const rawBody = JSON.stringify(payload);
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(rawBody)));
  const hex = [...sig].map((b) => b.toString(16).padStart(2, "0")).join("");
  return {
    headers: new Headers({
      "x-github-event": event,
      "x-github-delivery": deliveryId,
      "x-hub-signature-256": `sha256=${hex}`,
      "content-type": "application/json",
    }),
    rawBody,
  };
}
