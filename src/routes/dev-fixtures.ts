/**
 * DEMO_MODE-only test fixtures. `POST /dev/fixtures/issue` stores one issue in
 * the demo workspace as if it had been synced from its first connection
 * (browser tests use it to put hostile text into a report). `POST
 * /dev/fixtures/scenario` creates a separate open demo workspace holding one
 * scenario backlog (issues, declared focus and its date), so a browser can
 * audit and read it. Mounted by `createApp` only when DEMO_MODE=1, which production never sets.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { ConstraintSchema, IssueSchema, TrackerSchema } from "../../domain/types";
import { createConnection, listConnections, setSyncScopes } from "../db/connections";
import { upsertIssues } from "../db/issues";
import { createWorkspace, findDemoWorkspace, updateSettings } from "../db/workspaces";
import { AppError } from "../errors";
import { readJson } from "../middleware/request";

export const devFixtureRoutes = new Hono<AppEnv>()
  .post("/dev/fixtures/issue", async (c) => {
    const issue = await readJson(c, IssueSchema);
    const ws = await findDemoWorkspace(c.env.DB);
    const conn = ws ? (await listConnections(c.env.DB, ws.id)).find((x) => x.tracker === issue.tracker) : null;
    if (!ws || !conn) throw new AppError("not_found", `The demo workspace has no ${issue.tracker} connection`);
    const scopeId = conn.syncScopes[0]?.id ?? "fixture";
    const r = await upsertIssues(c.env.DB, { workspaceId: ws.id, connectionId: conn.id, scopeId, issues: [issue], now: new Date(c.get("deps").now()) });
    return c.json({ workspaceId: ws.id, changed: r.changed }, 201);
  })
  .post("/dev/fixtures/scenario", async (c) => {
    const body = await readJson(
      c,
      z.object({
        name: z.string().min(1).max(200),
        tracker: TrackerSchema,
        issues: z.array(IssueSchema).min(1).max(1000),
        focus: ConstraintSchema.nullable().default(null),
        focusSince: z.string().nullable().default(null),
      }),
    );
    const now = new Date(c.get("deps").now());
    // Demo-flagged so it is open to the browser in DEMO_MODE; created after the demo, so findDemoWorkspace still finds the demo.
    const ws = await createWorkspace(c.env.DB, { name: `Scenario: ${body.name}`, isDemo: true, now });
    const conn = await createConnection(c.env.DB, {
      workspaceId: ws.id,
      tracker: body.tracker,
      accountId: `scenario-${ws.id}`,
      accountName: body.name,
      grantedScopes: ["read"],
      accessTokenEnc: null,
      refreshTokenEnc: null,
      tokenExpiresAt: null,
    });
    await setSyncScopes(c.env.DB, ws.id, conn.id, [
      { kind: body.tracker === "github" ? "repo" : body.tracker === "jira" ? "project" : "team", id: "scenario", name: body.name },
    ]);
    await upsertIssues(c.env.DB, { workspaceId: ws.id, connectionId: conn.id, scopeId: "scenario", issues: body.issues, now });
    await updateSettings(c.env.DB, ws.id, { focusConstraint: body.focus, auditSettings: body.focusSince ? { focusSince: body.focusSince } : {} }, now);
    return c.json({ workspaceId: ws.id, issues: body.issues.length }, 201);
  });
