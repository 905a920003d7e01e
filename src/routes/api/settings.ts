/** Workspace settings: write mode, focus (and since when), diagnosis, comments, label prefix, cap, rule pack (validated, previewable). */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "../../app-env";
import { getSettings, updateSettings, type SettingsPatch } from "../../db/workspaces";
import { AuditSettingsSchema, DiagnosisSettingsSchema } from "../../core/audit";
import { AppError } from "../../errors";
import { packHashForSource, defaultPackHash } from "../../services/rule-packs";
import { previewPack, validatePack } from "../../services/rule-preview";
import { requireAdmin } from "./connections";
import { SettingsPatchSchema, SettingsSchema, WorkspaceParams, errorResponses, json } from "./schemas";

const tags = ["settings"];
// The pack loader enforces the 256 KiB limit (422 with its message); the 1 MB body limit applies first.
const RulePackBody = z.object({ source: z.string().describe("Rule pack YAML or JSON (256 KiB at most)") });
const RuleIssueSchema = z.object({ file: z.string(), line: z.number().int().nullable(), path: z.string(), message: z.string() });

export async function settingsView(db: D1Database, workspaceId: string) {
  const s = (await getSettings(db, workspaceId))!;
  const audit = AuditSettingsSchema.safeParse(s.auditSettings);
  return {
    writeMode: s.writeMode,
    commentsEnabled: s.commentsEnabled,
    focusConstraint: s.focusConstraint,
    focusSince: audit.success ? audit.data.focusSince : null,
    diagnosis: audit.success ? audit.data.diagnosis : DiagnosisSettingsSchema.parse({}),
    labelPrefix: s.labelPrefix,
    maxWritesPerRun: s.maxWritesPerRun,
    rulePack: s.rulePack,
    rulePackHash: s.rulePackHash,
  };
}

/** Applies a settings patch; a new rule pack is validated first and then reclassifies the workspace in the background. */
export async function applySettingsPatch(
  env: { DB: D1Database; SYNC_QUEUE: Queue },
  workspaceId: string,
  body: z.infer<typeof SettingsPatchSchema>,
  now: Date,
) {
  const { focusSince, diagnosis, ...rest } = body;
  const patch: SettingsPatch = { ...rest, rulePack: undefined };
  if (focusSince !== undefined || diagnosis !== undefined) {
    // Both live in the audit settings JSON, merged so other audit settings keep their values.
    const current = (await getSettings(env.DB, workspaceId))!.auditSettings;
    const prevDiagnosis = (current.diagnosis as Record<string, unknown> | undefined) ?? {};
    const next: Record<string, unknown> = { ...current };
    if (focusSince !== undefined) next.focusSince = focusSince === null ? null : new Date(Date.parse(focusSince)).toISOString();
    if (diagnosis !== undefined) {
      next.diagnosis = { ...prevDiagnosis, ...diagnosis, weights: { ...((prevDiagnosis.weights as object | undefined) ?? {}), ...(diagnosis.weights ?? {}) } };
    }
    if (!AuditSettingsSchema.safeParse(next).success) throw new AppError("validation_failed", "The audit settings would be invalid after this change");
    patch.auditSettings = next;
  }
  if (body.rulePack !== undefined) {
    if (body.rulePack !== null) {
      const v = validatePack(body.rulePack);
      if (!v.ok) throw new AppError("invalid_rule_pack", `The rule pack is invalid: ${v.issues[0]?.message ?? "see details"}`, v.issues);
    }
    patch.rulePack = { source: body.rulePack, hash: body.rulePack === null ? defaultPackHash() : packHashForSource(body.rulePack) };
  }
  await updateSettings(env.DB, workspaceId, patch, now);
  if (patch.rulePack) await env.SYNC_QUEUE.send({ type: "classify", workspaceId, all: true, then: "audit" });
}

export function registerSettingsRoutes(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/workspaces/{workspaceId}/settings",
      tags,
      summary: "Workspace settings",
      request: { params: WorkspaceParams },
      responses: { 200: json(SettingsSchema, "Settings"), ...errorResponses },
    }),
    async (c) => c.json(await settingsView(c.env.DB, c.get("workspace").id), 200),
  );

  api.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/workspaces/{workspaceId}/settings",
      tags,
      summary: "Change settings (admin). A new rule pack is validated, then the workspace is reclassified in the background.",
      request: { params: WorkspaceParams, body: { content: { "application/json": { schema: SettingsPatchSchema } } } },
      responses: {
        200: json(SettingsSchema, "Settings"),
        422: json(
          z.object({ error: z.object({ code: z.literal("invalid_rule_pack"), message: z.string(), details: z.array(RuleIssueSchema) }) }),
          "Invalid rule pack",
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      requireAdmin(c);
      const ws = c.get("workspace");
      await applySettingsPatch(c.env, ws.id, c.req.valid("json"), new Date(c.get("deps").now()));
      return c.json(await settingsView(c.env.DB, ws.id), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/workspaces/{workspaceId}/rules/preview",
      tags,
      summary: "Validate a rule pack and preview it on this workspace's issues (nothing is saved)",
      request: { params: WorkspaceParams, body: { content: { "application/json": { schema: RulePackBody } } } },
      responses: {
        200: json(
          z.object({
            valid: z.boolean(),
            issues: z.array(RuleIssueSchema),
            preview: z
              .object({
                issues: z.number().int(),
                changed: z.number().int(),
                verdicts: z.record(z.string(), z.number().int()),
                rules: z.array(z.object({ id: z.string(), description: z.string().nullable(), matches: z.number().int(), votesFor: z.string().nullable() })),
              })
              .nullable(),
          }),
          "Validation result and preview",
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { source } = c.req.valid("json");
      const v = validatePack(source);
      if (!v.ok) return c.json({ valid: false, issues: v.issues, preview: null }, 200);
      return c.json({ valid: true, issues: [], preview: await previewPack(c.env.DB, c.get("workspace").id, source) }, 200);
    },
  );
}
