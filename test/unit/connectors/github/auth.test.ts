/** GitHub App JWT (PKCS#1 → PKCS#8, RS256 round trip) and the OAuth user-token path, against the sandbox. */
import { describe, expect, it } from "vitest";
import { base64ToBytes, createAppJwt, importAppPrivateKey, pkcs1ToPkcs8, privateKeyPemToPkcs8 } from "../../../../connectors/github/app-jwt";
import { ConnectorError } from "../../../../connectors/errors";
import { createGithubConnector } from "../../../../connectors/github";
import { pkcs8ToPkcs1, verifyAppJwt } from "../../../../sandbox/github/auth";
import { generateAppKeyPair } from "../../../../sandbox/github";
import { wire } from "./setup";

const pemBody = (pem: string) => base64ToBytes(pem.replace(/-----[A-Z ]+-----/g, ""));

describe("GitHub App key and JWT", () => {
  it("wraps GitHub's PKCS#1 key into the exact PKCS#8 that WebCrypto exports", async () => {
    const pair = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
    const pkcs1 = pkcs8ToPkcs1(pkcs8);
    expect(pkcs1.length).toBeLessThan(pkcs8.length);
    expect(pkcs1[0]).toBe(0x30);
    expect([...pkcs1ToPkcs8(pkcs1)]).toEqual([...pkcs8]);
  });

  it("signs an RS256 JWT from a pasted PKCS#1 PEM that the sandbox verifies with the public key", async () => {
    const { privateKeyPem, publicKey } = await generateAppKeyPair();
    expect(privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    const now = Date.UTC(2026, 0, 1, 12);
    const jwt = await createAppJwt({ appId: "123456", privateKeyPem, now });
    const [, payload] = jwt.split(".");
    expect(JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")))).toEqual({ iat: now / 1000 - 60, exp: now / 1000 + 540, iss: "123456" });
    expect(await verifyAppJwt(jwt, publicKey, ["123456"], now)).toEqual({ ok: true, iss: "123456" });
    // Expired after 9 minutes, wrong issuer, tampered payload, another key.
    expect((await verifyAppJwt(jwt, publicKey, ["123456"], now + 10 * 60_000)).ok).toBe(false);
    expect((await verifyAppJwt(jwt, publicKey, ["999"], now)).ok).toBe(false);
    const [h, , s] = jwt.split(".");
    const forged = `${h}.${btoa(JSON.stringify({ iat: now / 1000, exp: now / 1000 + 500, iss: "123456" })).replace(/=+$/, "")}.${s}`;
    expect((await verifyAppJwt(forged, publicKey, ["123456"], now)).ok).toBe(false);
    const other = await generateAppKeyPair();
    expect((await verifyAppJwt(jwt, other.publicKey, ["123456"], now)).ok).toBe(false);
  });

  it.each([
    ["PKCS#1 with \\n escapes (env var)", (pem: string) => pem.replace(/\n/g, "\\n")],
    ["PKCS#8 as is", null],
  ])("accepts a key given as %s", async (_name, transform) => {
    const { privateKeyPem } = await generateAppKeyPair();
    const input = transform
      ? transform(privateKeyPem)
      : `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...pkcs1ToPkcs8(pemBody(privateKeyPem))))}\n-----END PRIVATE KEY-----`;
    expect([...privateKeyPemToPkcs8(input)]).toEqual([...pkcs1ToPkcs8(pemBody(privateKeyPem))]);
    await expect(importAppPrivateKey(input)).resolves.toBeDefined();
  });

  it("a sandbox given the service's private key PEM trusts JWTs signed with it", async () => {
    const { privateKeyPem } = await generateAppKeyPair();
    const w = wire({ app: { id: 777, privateKeyPem } });
    const gh = createGithubConnector({
      fetch: w.fetch,
      apiBase: "http://sandbox.test/github/api",
      oauthBase: "http://sandbox.test/github",
      clientId: "Iv1.unit",
      clientSecret: "x",
      options: { appId: "777", privateKey: privateKeyPem },
    });
    await expect(gh.app.installationToken(String(w.sandbox.installationId))).resolves.toMatchObject({ accessToken: expect.stringMatching(/^ghs_/) });
    await expect(gh.app.installationToken("999")).rejects.toMatchObject({ code: "not-found" });
  });

  it("rejects a key that is not a PEM", () => {
    expect(() => privateKeyPemToPkcs8("not a key")).toThrow(/PEM/);
    expect(() => privateKeyPemToPkcs8("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----")).toThrow(/unsupported/);
  });

  it("mints an installation token through the App JWT and discovers the installation's repositories", async () => {
    const w = wire();
    const privateKey = await w.sandbox.generateAppKey();
    const app = createGithubConnector({
      fetch: w.fetch,
      apiBase: "http://sandbox.test/github/api",
      oauthBase: "http://sandbox.test/github",
      clientId: "Iv1.unit",
      clientSecret: "x",
      options: { appId: String(w.sandbox.appId), privateKey },
    });
    const token = await app.app.installationToken(String(w.sandbox.installationId));
    expect(token.accessToken).toMatch(/^ghs_/);
    expect(token.installationId).toBe(String(w.sandbox.installationId));
    expect(Date.parse(token.expiresAt!) - Date.now()).toBeGreaterThan(59 * 60_000);
    const found = await app.oauth.discover({ accessToken: token.accessToken });
    expect(found.account.name).toBe("acme");
    expect(found.scopes.map((s) => s.id).sort()).toEqual(["acme/api", "acme/webapp"]);
    // "Refreshing" an installation token mints a new one.
    const again = await app.oauth.refresh(token);
    expect(again.accessToken).not.toBe(token.accessToken);
    // An App whose key GitHub does not know gets 401 → auth.
    const stranger = createGithubConnector({
      fetch: w.fetch,
      apiBase: "http://sandbox.test/github/api",
      oauthBase: "http://sandbox.test/github",
      clientId: "Iv1.unit",
      clientSecret: "x",
      options: { appId: String(w.sandbox.appId), privateKey: (await generateAppKeyPair()).privateKeyPem },
    });
    await expect(stranger.app.installationToken(String(w.sandbox.installationId))).rejects.toMatchObject({ code: "auth" });
  });
});

describe("OAuth user tokens", () => {
  async function authorize(w: ReturnType<typeof wire>, opts: { verifier?: string; approve?: boolean } = {}) {
    const verifier = opts.verifier ?? "verifier-0123456789-0123456789-0123456789-abc";
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    const challenge = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    const url = w.connector.oauth.authorizeUrl({ state: "st4te", redirectUri: "http://app.test/callback", codeChallenge: challenge });
    const page = await w.fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Authorize");
    const form = new URLSearchParams();
    for (const m of html.matchAll(/name="([^"]+)" value="([^"]*)"/g)) form.set(m[1]!, m[2]!.replace(/&amp;/g, "&"));
    form.set("authorize", opts.approve === false ? "0" : "1");
    const res = await w.fetch("http://sandbox.test/github/login/oauth/authorize", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    return new URL(res.headers.get("location")!);
  }

  it("authorize → approve → code exchange with PKCE → rotating refresh → discovery → revoke", async () => {
    const w = wire();
    const cb = await authorize(w);
    expect(cb.searchParams.get("state")).toBe("st4te");
    const code = cb.searchParams.get("code")!;
    const tokens = await w.connector.oauth.exchangeCode({
      code,
      redirectUri: "http://app.test/callback",
      codeVerifier: "verifier-0123456789-0123456789-0123456789-abc",
    });
    expect(tokens.accessToken).toMatch(/^ghu_/);
    expect(tokens.refreshToken).toMatch(/^ghr_/);
    expect(tokens.scopes).toEqual(["repo"]);
    expect(Date.parse(tokens.expiresAt!)).toBeGreaterThan(Date.now() + 7 * 3600_000);
    // A code works once.
    await expect(
      w.connector.oauth.exchangeCode({ code, redirectUri: "http://app.test/callback", codeVerifier: "verifier-0123456789-0123456789-0123456789-abc" }),
    ).rejects.toMatchObject({ code: "auth", details: { reason: "bad_verification_code" } });

    const rotated = await w.connector.oauth.refresh(tokens);
    expect(rotated.refreshToken).not.toBe(tokens.refreshToken);
    await expect(w.connector.oauth.refresh(tokens)).rejects.toMatchObject({ code: "auth", details: { reason: "bad_refresh_token" } });

    const found = await w.connector.oauth.discover({ accessToken: rotated.accessToken });
    expect(found.account.name).toBe("mona");
    expect(found.sites).toEqual([expect.objectContaining({ id: String(w.sandbox.installationId), name: "acme" })]);
    expect(found.scopes.map((s) => s.id)).toEqual(["acme/api", "acme/webapp"]);

    await w.connector.oauth.revoke!(rotated);
    const err = await w.connector.oauth.discover({ accessToken: rotated.accessToken }).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.code).toBe("auth");
  });

  it("a wrong PKCE verifier is refused", async () => {
    const w = wire();
    const cb = await authorize(w);
    await expect(
      w.connector.oauth.exchangeCode({ code: cb.searchParams.get("code")!, redirectUri: "http://app.test/callback", codeVerifier: "another-verifier" }),
    ).rejects.toMatchObject({ code: "auth" });
  });

  it("cancel on the authorize page returns access_denied with the state", async () => {
    const w = wire();
    const cb = await authorize(w, { approve: false });
    expect(cb.searchParams.get("error")).toBe("access_denied");
    expect(cb.searchParams.get("state")).toBe("st4te");
  });

  it("an OAuth App (non-expiring token) has no refresh token and cannot refresh", async () => {
    const w = wire({ userTokens: "non-expiring" });
    const cb = await authorize(w);
    const tokens = await w.connector.oauth.exchangeCode({
      code: cb.searchParams.get("code")!,
      redirectUri: "http://app.test/callback",
      codeVerifier: "verifier-0123456789-0123456789-0123456789-abc",
    });
    expect(tokens).toMatchObject({ refreshToken: null, expiresAt: null });
    expect(tokens.accessToken).toMatch(/^gho_/);
    await expect(w.connector.oauth.refresh(tokens)).rejects.toMatchObject({ code: "auth" });
  });
});
