/**
 * A test app with the lead's middleware plus the accounts layer, a fake tracker
 * OAuth (with real PKCE checking), a controllable clock and a cookie-jar client.
 */
import { env } from "cloudflare:test";
import { Hono } from "hono";
import type { AppEnv } from "../../src/app-env";
import type { Env } from "../../src/env";
import { notFound, onError } from "../../src/middleware/errors";
import { limitBody, requestContext } from "../../src/middleware/request";
import { securityHeaders } from "../../src/middleware/security";
import { authenticate, ipKey, rateLimit } from "../../src/auth";
import { pkceChallenge } from "../../src/auth/oauth-state";
import { createAuthRoutes, type ConnectCallback } from "../../src/routes/auth";
import { workspaceRoutes } from "../../src/routes/workspaces";
import type { OAuthEndpoints } from "../../connectors/types";
import type { Tracker } from "../../domain/types";

export const baseEnv = env as unknown as Env;

export interface Identity {
  id: string;
  name: string;
}

/** A fake tracker: remembers the PKCE challenge per authorization code and checks the verifier on exchange. */
export class FakeTracker {
  private codes = new Map<string, { identity: Identity; challenge: string | null; redirectUri: string }>();
  private tokens = new Map<string, Identity>();
  exchanges = 0;

  oauth(tracker: Tracker): OAuthEndpoints {
    return {
      authorizeUrl: ({ state, redirectUri, codeChallenge }) => {
        const u = new URL(`https://${tracker}.tracker.test/authorize`);
        u.searchParams.set("state", state);
        u.searchParams.set("redirect_uri", redirectUri);
        if (codeChallenge) u.searchParams.set("code_challenge", codeChallenge);
        return u.toString();
      },
      exchangeCode: async ({ code, redirectUri, codeVerifier }) => {
        this.exchanges++;
        const grant = this.codes.get(code);
        this.codes.delete(code);
        if (!grant) throw new Error("bad code");
        if (grant.redirectUri !== redirectUri) throw new Error("redirect_uri mismatch");
        if (grant.challenge && (!codeVerifier || (await pkceChallenge(codeVerifier)) !== grant.challenge)) throw new Error("PKCE verifier mismatch");
        const accessToken = `tok-${crypto.randomUUID()}`;
        this.tokens.set(accessToken, grant.identity);
        return { accessToken, refreshToken: null, expiresAt: null, scopes: [] };
      },
      refresh: async (t) => t,
      discover: async ({ accessToken }) => {
        const who = this.tokens.get(accessToken);
        if (!who) throw new Error("bad token");
        return { account: { id: who.id, name: who.name }, sites: [], scopes: [] };
      },
    };
  }

  /** The user approves on the tracker: returns the callback URL the tracker would redirect to. */
  approve(authorizeUrl: string, identity: Identity): string {
    const u = new URL(authorizeUrl);
    const code = `code-${crypto.randomUUID()}`;
    const redirectUri = u.searchParams.get("redirect_uri")!;
    this.codes.set(code, { identity, challenge: u.searchParams.get("code_challenge"), redirectUri });
    const cb = new URL(redirectUri);
    cb.searchParams.set("code", code);
    cb.searchParams.set("state", u.searchParams.get("state")!);
    return cb.pathname + cb.search;
  }
}

export interface Harness {
  app: Hono<AppEnv>;
  env: Env;
  tracker: FakeTracker;
  clock: { now: number };
  client(): Client;
}

export function createHarness(opts: { https?: boolean; demo?: boolean; rateLimit?: number; onConnect?: ConnectCallback } = {}): Harness {
  const tracker = new FakeTracker();
  const clock = { now: Date.now() };
  const testEnv: Env = {
    ...baseEnv,
    PUBLIC_BASE_URL: opts.https ? "https://auditor.example" : "http://localhost",
    DEMO_MODE: opts.demo ? "1" : "0",
  };
  const app = new Hono<AppEnv>();
  app.use("*", requestContext());
  app.use("*", async (c, next) => {
    c.set("deps", { fetch: () => Promise.reject(new Error("no network in tests")), now: () => clock.now });
    await next();
  });
  app.use("*", securityHeaders());
  app.use("*", async (c, next) => (c.req.path.startsWith("/webhooks/") ? next() : limitBody()(c, next)));
  app.use("*", authenticate());
  const limit = opts.rateLimit ?? 1000;
  // No `binding`: these tests drive the in-isolate fallback, whatever wrangler.toml declares.
  app.use("/api/*", rateLimit({ name: "api", limit, periodSeconds: 60 }));
  app.use("/webhooks/*", rateLimit({ name: "webhooks", limit, periodSeconds: 60, key: ipKey }));
  app.route(
    "/",
    createAuthRoutes({
      getConnector: (t) => ({ oauth: tracker.oauth(t) }),
      signinRateLimit: { binding: undefined, limit, periodSeconds: 60 },
      onConnect: opts.onConnect,
    }),
  );
  app.route("/", workspaceRoutes);
  // Stand-ins for routes other helpers own, to prove the exemptions.
  app.post("/webhooks/test", (c) => c.json({ ok: true }));
  app.notFound(notFound);
  app.onError(onError);
  const origin = testEnv.PUBLIC_BASE_URL!;
  return { app, env: testEnv, tracker, clock, client: () => new Client(app, testEnv, origin) };
}

type Init = { method?: string; headers?: Record<string, string>; form?: Record<string, string>; json?: unknown; csrf?: boolean; bearer?: string };

export class Client {
  cookies = new Map<string, string>();
  csrfToken: string | null = null;
  constructor(
    private app: Hono<AppEnv>,
    private env: Env,
    private origin: string,
  ) {}

  async request(path: string, init: Init = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    if (init.bearer) headers.set("authorization", `Bearer ${init.bearer}`);
    let body: BodyInit | undefined;
    if (init.form) {
      const form = new URLSearchParams(init.form);
      if (init.csrf !== false && this.csrfToken && !form.has("_csrf")) form.set("_csrf", this.csrfToken);
      body = form;
      headers.set("content-type", "application/x-www-form-urlencoded");
    } else if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers.set("content-type", "application/json");
    }
    const res = await this.app.fetch(
      new Request(new URL(path, this.origin), { method: init.method ?? (body ? "POST" : "GET"), headers, body, redirect: "manual" }),
      this.env,
    );
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired =
        attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split("=")[1]!) < Date.now());
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Runs the whole sign-in dance as `identity`; returns the final redirect location. */
  async signIn(tracker: FakeTracker, identity: Identity, next?: string): Promise<string> {
    const start = await this.request(`/signin/github${next ? `?next=${encodeURIComponent(next)}` : ""}`);
    if (start.status !== 302) throw new Error(`signin start answered ${start.status}: ${await start.text()}`);
    const cb = await this.request(tracker.approve(start.headers.get("location")!, identity));
    if (cb.status !== 302) throw new Error(`callback answered ${cb.status}: ${await cb.text()}`);
    await this.refreshCsrf();
    return cb.headers.get("location")!;
  }

  async refreshCsrf(): Promise<void> {
    const me = await this.request("/api/v1/me");
    this.csrfToken = me.status === 200 ? ((await me.json()) as { csrfToken: string }).csrfToken : null;
  }
}

export async function errorCode(res: Response): Promise<string | undefined> {
  return ((await res.clone().json()) as { error?: { code?: string } }).error?.code;
}
