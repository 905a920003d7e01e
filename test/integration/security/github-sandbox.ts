/**
 * The GitHub sandbox behind msw, for the security suite: the Worker's outbound
 * fetch to the sandbox origin is answered in-process (the main worker shares
 * the tests' isolate), and `approve()` plays the user pressing "Authorize" on
 * the sandbox's consent page.
 *
 * @example
 * const gh = useGithubSandbox();
 * const start = await browser.request("/signin/github");
 * const callback = await gh.approve(start.headers.get("location")!, "alice");
 */
import { http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll } from "vitest";
import { createGithubSandbox, type GithubSandbox } from "../../../sandbox/github";
import { getConfig } from "../../../src/env";
import { ORIGIN, testEnv } from "./harness";

export const SANDBOX_ORIGIN = "http://127.0.0.1:8788";

export interface GithubSandboxHandle {
  readonly sandbox: GithubSandbox;
  /** Approves an authorize URL as `login`; returns the callback path + query the browser is sent to. */
  approve(authorizeUrl: string, login: string): Promise<{ path: string; code: string; state: string }>;
  /** Every token and authorization code the sandbox ever issued, and every PKCE verifier it was sent. */
  secretsIssued(): string[];
  /** The Worker's outbound requests to the sandbox (url, authorization header, body). */
  readonly outbound: Array<{ url: string; authorization: string | null; body: string }>;
}

export function useGithubSandbox(): GithubSandboxHandle {
  const config = getConfig(testEnv);
  const sandbox = createGithubSandbox({
    webhookSecret: config.GITHUB_WEBHOOK_SECRET,
    clientId: config.GITHUB_CLIENT_ID,
    clientSecret: config.GITHUB_CLIENT_SECRET,
    webhookUrl: `${ORIGIN}/webhooks/github`,
    origin: SANDBOX_ORIGIN,
    seed: { repos: [{ fullName: "acme/webapp", issues: 5 }], seed: 3 },
  });
  const outbound: GithubSandboxHandle["outbound"] = [];
  const server = setupServer(
    http.all(`${SANDBOX_ORIGIN}/github/*`, async ({ request }) => {
      const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.clone().text();
      outbound.push({ url: request.url, authorization: request.headers.get("authorization"), body });
      return sandbox.fetch(request as unknown as Request);
    }),
  );
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterAll(() => server.close());
  return {
    sandbox,
    async approve(authorizeUrl, login) {
      const u = new URL(authorizeUrl);
      if (u.origin !== SANDBOX_ORIGIN) throw new Error(`not a sandbox authorize URL: ${authorizeUrl}`);
      sandbox.core.oauthUser = login;
      const form = new URLSearchParams(u.searchParams);
      form.set("authorize", "1");
      const res = await sandbox.fetch(
        new Request(`${SANDBOX_ORIGIN}/github/login/oauth/authorize`, {
          method: "POST",
          body: form,
          headers: { "content-type": "application/x-www-form-urlencoded" },
        }),
      );
      const loc = res.headers.get("location");
      if (res.status !== 302 || !loc) throw new Error(`sandbox authorize answered ${res.status}`);
      const cb = new URL(loc);
      return { path: cb.pathname + cb.search, code: cb.searchParams.get("code")!, state: cb.searchParams.get("state")! };
    },
    outbound,
    secretsIssued: () => {
      const verifiers = outbound.flatMap((o) => {
        const v = new URLSearchParams(o.body).get("code_verifier") ?? /"code_verifier"\s*:\s*"([^"]+)"/.exec(o.body)?.[1] ?? null;
        return v ? [v] : [];
      });
      return [...sandbox.core.tokens.keys(), ...sandbox.core.codes.keys(), ...verifiers];
    },
  };
}
