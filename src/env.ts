/**
 * Worker bindings and configuration. Bindings are typed by hand and kept in
 * sync with wrangler.toml (`npm run cf-typegen` prints wrangler's view to
 * compare). Secrets are validated with zod at first use: a missing or malformed
 * secret fails with a message naming it, never its value.
 */
import { z } from "zod";

/** A sync job on the queue (see src/sync/jobs.ts). */
export type QueueJob = { type: string; [k: string]: unknown };

export interface Env {
  DB: D1Database;
  SYNC_QUEUE: Queue<QueueJob>;
  APP_VERSION: string;
  // Secrets and settings (.dev.vars locally, `wrangler secret put` in production).
  PUBLIC_BASE_URL?: string;
  TOKEN_ENCRYPTION_KEYS?: string;
  SESSION_SECRET?: string;
  GITHUB_APP_ID?: string;
  GITHUB_APP_SLUG?: string;
  GITHUB_APP_PRIVATE_KEY?: string;
  GITHUB_CLIENT_ID?: string;
  GITHUB_CLIENT_SECRET?: string;
  GITHUB_WEBHOOK_SECRET?: string;
  GITHUB_API_BASE?: string;
  GITHUB_OAUTH_BASE?: string;
  LINEAR_CLIENT_ID?: string;
  LINEAR_CLIENT_SECRET?: string;
  LINEAR_WEBHOOK_SECRET?: string;
  LINEAR_API_BASE?: string;
  LINEAR_OAUTH_BASE?: string;
  JIRA_CLIENT_ID?: string;
  JIRA_CLIENT_SECRET?: string;
  JIRA_API_BASE?: string;
  JIRA_OAUTH_BASE?: string;
  /** "1" when the tracker bases point at the local sandbox (npm start). */
  SANDBOX_MODE?: string;
  /** Demo-only: sign-in is not required and the demo workspace is readable. */
  DEMO_MODE?: string;
  LOG_LEVEL?: string;
  /** Full audit reports kept per workspace: the latest N runs (default 30; summaries are always kept). */
  AUDIT_REPORTS_KEEP?: string;
  /** …and none older than this many days, except the latest run's (default 90). */
  AUDIT_REPORTS_KEEP_DAYS?: string;
  /** Database size (bytes) from which the cron logs a capacity alert (default 7e9: 70% of D1's 10 GB). */
  DB_ALERT_BYTES?: string;
  /** Database size (bytes) from which new workspaces are refused with 507 capacity_exceeded (default 8e9). */
  DB_REFUSE_TENANTS_BYTES?: string;
}

const nonEmpty = (name: string) => z.string({ error: `${name} is not set` }).min(1, `${name} is empty`);
const url = (name: string) => nonEmpty(name).pipe(z.url({ error: `${name} must be an absolute URL` }));

/**
 * `TOKEN_ENCRYPTION_KEYS`: comma-separated `keyId:base64(32 bytes)`. The first
 * key encrypts; all of them decrypt (rotation: prepend a new key, re-encrypt,
 * then drop the old one).
 */
const encryptionKeys = nonEmpty("TOKEN_ENCRYPTION_KEYS").transform((v, ctx) => {
  const keys: Array<{ id: string; raw: Uint8Array }> = [];
  for (const part of v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(part);
    let raw: Uint8Array | null = null;
    if (m) {
      try {
        raw = Uint8Array.from(atob(m[2]!.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
      } catch {
        raw = null;
      }
    }
    if (!m || !raw || raw.length !== 32) {
      ctx.addIssue({ code: "custom", message: "TOKEN_ENCRYPTION_KEYS must be comma-separated keyId:base64 entries of 32-byte keys" });
      return z.NEVER;
    }
    keys.push({ id: m[1]!, raw });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: "custom", message: "TOKEN_ENCRYPTION_KEYS has no key" });
    return z.NEVER;
  }
  return keys;
});

const ConfigSchema = z.object({
  PUBLIC_BASE_URL: url("PUBLIC_BASE_URL"),
  TOKEN_ENCRYPTION_KEYS: encryptionKeys,
  SESSION_SECRET: nonEmpty("SESSION_SECRET").min(32, "SESSION_SECRET must be at least 32 characters"),
  GITHUB_APP_ID: z.string().optional(),
  GITHUB_APP_SLUG: z.string().optional(),
  GITHUB_APP_PRIVATE_KEY: z.string().optional(),
  GITHUB_CLIENT_ID: nonEmpty("GITHUB_CLIENT_ID"),
  GITHUB_CLIENT_SECRET: nonEmpty("GITHUB_CLIENT_SECRET"),
  GITHUB_WEBHOOK_SECRET: nonEmpty("GITHUB_WEBHOOK_SECRET"),
  GITHUB_API_BASE: url("GITHUB_API_BASE").default("https://api.github.com"),
  GITHUB_OAUTH_BASE: url("GITHUB_OAUTH_BASE").default("https://github.com"),
  LINEAR_CLIENT_ID: nonEmpty("LINEAR_CLIENT_ID"),
  LINEAR_CLIENT_SECRET: nonEmpty("LINEAR_CLIENT_SECRET"),
  LINEAR_WEBHOOK_SECRET: nonEmpty("LINEAR_WEBHOOK_SECRET"),
  LINEAR_API_BASE: url("LINEAR_API_BASE").default("https://api.linear.app"),
  LINEAR_OAUTH_BASE: url("LINEAR_OAUTH_BASE").default("https://linear.app"),
  JIRA_CLIENT_ID: nonEmpty("JIRA_CLIENT_ID"),
  JIRA_CLIENT_SECRET: nonEmpty("JIRA_CLIENT_SECRET"),
  JIRA_API_BASE: url("JIRA_API_BASE").default("https://api.atlassian.com"),
  JIRA_OAUTH_BASE: url("JIRA_OAUTH_BASE").default("https://auth.atlassian.com"),
  SANDBOX_MODE: z.enum(["0", "1"]).default("0"),
  DEMO_MODE: z.enum(["0", "1"]).default("0"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: Array<{ name: string; message: string }>) {
    super(
      `Invalid configuration: ${problems.map((p) => `${p.name}: ${p.message}`).join("; ")}. Set them in .dev.vars locally or with \`wrangler secret put\`.`,
    );
  }
}

const cache = new WeakMap<object, Config>();

/** Validated configuration, parsed once per env object. Throws ConfigError naming every bad setting. */
export function getConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string" && v !== ""));
  const r = ConfigSchema.safeParse(raw);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => ({ name: String(i.path[0] ?? "config"), message: i.message.replace(/^Invalid input: /, "") })));
  }
  cache.set(env, r.data);
  return r.data;
}
