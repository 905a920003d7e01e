/**
 * GitHub App as the primary path: a connection tied to an installation works
 * with 1-hour installation tokens, minted with the app JWT (PKCS#1 key as GitHub
 * issues it, signed with WebCrypto) when the stored one is about to expire.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createGithubSandbox } from "../../sandbox/github";
import { createConnection, getConnectionForJob, setSyncScopes, updateTokens } from "../../src/db/connections";
import { createWorkspace } from "../../src/db/workspaces";
import { getConfig, type Env } from "../../src/env";
import { decryptSecret } from "../../src/security/crypto";
import { authFor, connectorFor, encryptTokens, usesGithubApp } from "../../src/services/connectors";

const testEnv = env as unknown as Env;

describe("GitHub App installation tokens", () => {
  it("mint a fresh installation token before expiry, store it encrypted, and sync with it", async () => {
    const base = getConfig(testEnv);
    const sandbox = createGithubSandbox({
      basePath: "/github",
      webhookSecret: base.GITHUB_WEBHOOK_SECRET,
      clientId: base.GITHUB_CLIENT_ID,
      clientSecret: base.GITHUB_CLIENT_SECRET,
    });
    const pem = await sandbox.generateAppKey();
    expect(pem).toContain("BEGIN RSA PRIVATE KEY"); // PKCS#1, as GitHub hands it out
    const config = { ...base, GITHUB_APP_ID: String(sandbox.appId), GITHUB_APP_PRIVATE_KEY: pem };
    let now = Date.now();
    const deps = { fetch: (input: Request | string | URL, init?: RequestInit) => sandbox.fetch(new Request(input, init)), now: () => now };
    const connector = connectorFor("github", config, deps);

    const ws = await createWorkspace(testEnv.DB, { name: "app" });
    const conn = await createConnection(testEnv.DB, {
      workspaceId: ws.id,
      tracker: "github",
      accountId: "acme",
      accountName: "acme",
      siteId: String(sandbox.installationId),
      grantedScopes: [],
      accessTokenEnc: null,
      refreshTokenEnc: null,
      tokenExpiresAt: null,
    });
    expect(usesGithubApp(config, conn)).toBe(true);
    const first = sandbox.issueInstallationToken(sandbox.installationId, 60 * 60_000);
    await updateTokens(
      testEnv.DB,
      conn.id,
      await encryptTokens(config, conn, { accessToken: first, refreshToken: null, expiresAt: new Date(now + 2 * 60_000).toISOString(), scopes: [] }),
    );
    await setSyncScopes(testEnv.DB, ws.id, conn.id, [{ kind: "repo", id: "acme/webapp", name: "acme/webapp" }]);

    // Two minutes from expiry: inside the refresh window, so a new token is minted with the app JWT.
    const auth = await authFor(testEnv.DB, config, deps, (await getConnectionForJob(testEnv.DB, conn.id))!, connector);
    expect(auth.accessToken).not.toBe(first);
    const stored = (await getConnectionForJob(testEnv.DB, conn.id))!;
    expect(await decryptSecret(config.TOKEN_ENCRYPTION_KEYS, stored.accessTokenEnc!, `${ws.id}/${conn.id}/access`)).toBe(auth.accessToken);
    expect(stored.refreshTokenEnc).toBeNull();
    expect(Date.parse(stored.tokenExpiresAt!)).toBeGreaterThan(now + 30 * 60_000);

    const page = await connector.listIssues(auth, { kind: "repo", id: "acme/webapp", name: "acme/webapp" }, null);
    expect(page.issues.length).toBeGreaterThan(0);

    // A fresh token is used as is (no needless minting).
    now += 60_000;
    const again = await authFor(testEnv.DB, config, deps, (await getConnectionForJob(testEnv.DB, conn.id))!, connector);
    expect(again.accessToken).toBe(auth.accessToken);
  });
});
