/**
 * Learning from the team: the review queue and answers, the workspace model's status and test
 * table, the target precision, learned mappings (accept one into the pack), and the evidence export.
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../app-env";
import { ClassificationSchema, ConstraintSchema } from "../../../domain/types";
import { listExamples, markTrainingQueued, setTargetPrecision } from "../../db/learning";
import { getConfig } from "../../env";
import { learningView, mappingsFor, reviewQueueFor } from "../../services/learning";
import { acceptMapping, answerReview } from "../../services/review";
import { requireAdmin } from "./connections";
import { WorkspaceParams, errorResponses, json } from "./schemas";

const tags = ["learning"];
const AnswerLabel = z.enum(["activation", "adoption", "reliability", "operations", "throughput", "none"]);
const Rate = z.number().min(0).max(1).nullable();

export const LearningSchema = z
  .object({
    status: z.enum(["none", "queued", "live", "off"]).describe("The workspace model: never trained, training queued, live, or off (with the reason)"),
    reason: z.string().nullable().describe("Why the model is live or off, from its backtest"),
    trainedAt: z.string().nullable(),
    targetPrecision: z.number().describe("The precision written labels must reach on this workspace's backtest"),
    minLabelled: z.number().int().describe("Labelled issues needed before a workspace model or threshold is used"),
    evidence: z.object({
      labelled: z.number().int().describe("Issues with a human verdict (tracker label or review answer)"),
      bySource: z.object({
        label: z.number().int(),
        review: z.number().int(),
        override: z.number().int().describe("Negative examples: bot labels a person removed"),
      }),
      negatives: z.number().int(),
    }),
    threshold: z.object({
      value: z.number().describe("The write-back threshold in force for this workspace"),
      source: z.enum(["workspace-model", "global-pack-on-workspace", "global"]),
      met: z.boolean().describe("A threshold meeting the target was found on this workspace's labels"),
      note: z.string(),
      precision: Rate.describe("Expected precision at the threshold, measured on the backtest"),
      coverage: Rate.describe("Expected coverage at the threshold"),
      restsOn: z.number().int().nullable().describe("Written verdicts the measurement rests on"),
    }),
    globalThreshold: z.number().describe("The global pack's calibrated threshold"),
    backtest: z.object({ labelled: z.number().int(), train: z.number().int(), test: z.number().int(), splitAt: z.string().nullable() }).nullable(),
    table: z
      .array(
        z.object({
          predictor: z.enum(["global-pack", "workspace-model"]),
          threshold: z.number(),
          testIssues: z.number().int().describe("The newest labelled issues, held out"),
          accuracy: Rate,
          precision: Rate,
          coverage: Rate,
          written: z.number().int().nullable(),
        }),
      )
      .describe("The per-workspace test table: the global pack beside the workspace model on the same held-out issues"),
    model: z.object({ features: z.number().int(), bytes: z.number().int() }).nullable(),
  })
  .meta({ id: "Learning" });

export const ReviewItemSchema = z
  .object({
    id: z.string(),
    bucket: z.enum(["abstained", "low-margin", "sample", "more"]),
    why: z.string(),
    margin: z.number().nullable(),
    key: z.string(),
    title: z.string(),
    url: z.string().nullable(),
    labels: z.array(z.string()),
    classification: ClassificationSchema.nullable(),
  })
  .meta({ id: "ReviewItem" });

export const ReviewAnswerBody = z.object({
  answer: AnswerLabel.describe("The constraint, or none"),
  write: z.boolean().default(false).describe("Also write the label through write-back (admin; the connection's mode applies)"),
});

export const MappingSchema = z
  .object({
    kind: z.enum(["label", "type", "component"]),
    value: z.string(),
    constraint: ConstraintSchema,
    issues: z.number().int(),
    agree: z.number().int(),
    share: z.number(),
    ruleId: z.string(),
    accepted: z.boolean(),
  })
  .meta({ id: "Mapping" });

const ExampleSchema = z.object({
  issueId: z.string(),
  source: z.enum(["label", "override", "review"]),
  label: AnswerLabel,
  polarity: z.enum(["positive", "negative"]),
  verdict: z.string().nullable(),
  confidence: z.number().nullable(),
  detail: z.string().nullable(),
  createdAt: z.string(),
});

const who = (c: Context<AppEnv>) => c.get("session")?.user.login ?? c.get("apiToken")?.name ?? null;

/** Queues a training job for the workspace. */
export async function requestTraining(env: { DB: D1Database; SYNC_QUEUE: Queue }, workspaceId: string, now: Date): Promise<void> {
  await markTrainingQueued(env.DB, workspaceId, now);
  await env.SYNC_QUEUE.send({ type: "learn", workspaceId });
}

export function registerLearningRoutes(api: OpenAPIHono<AppEnv>) {
  const base = "/api/v1/workspaces/{workspaceId}";
  api.openapi(
    createRoute({
      method: "get",
      path: `${base}/learning`,
      tags,
      summary: "The workspace model, its threshold and test table",
      request: { params: WorkspaceParams },
      responses: { 200: json(LearningSchema, "Learning status"), ...errorResponses },
    }),
    async (c) => c.json(await learningView(c.env.DB, c.get("workspace").id), 200),
  );

  api.openapi(
    createRoute({
      method: "patch",
      path: `${base}/learning`,
      tags,
      summary: "Set the target precision (admin); the threshold is re-chosen from the stored backtest",
      request: { params: WorkspaceParams, body: { content: { "application/json": { schema: z.object({ targetPrecision: z.number().min(0.5).max(1) }) } } } },
      responses: { 200: json(LearningSchema, "Learning status"), ...errorResponses },
    }),
    async (c) => {
      requireAdmin(c);
      const ws = c.get("workspace");
      await setTargetPrecision(c.env.DB, ws.id, c.req.valid("json").targetPrecision, new Date(c.get("deps").now()));
      return c.json(await learningView(c.env.DB, ws.id), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: `${base}/learning/train`,
      tags,
      summary: "Queue a training job (admin): collect evidence, backtest, go live only if it beats the global pack",
      request: { params: WorkspaceParams },
      responses: { 202: json(z.object({ status: z.literal("queued") }), "Queued"), ...errorResponses },
    }),
    async (c) => {
      requireAdmin(c);
      await requestTraining(c.env, c.get("workspace").id, new Date(c.get("deps").now()));
      return c.json({ status: "queued" as const }, 202);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: `${base}/learning/examples`,
      tags,
      summary: "Export the workspace's labelled evidence (tracker labels, overrides, review answers)",
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ examples: z.array(ExampleSchema) }), "Every example"), ...errorResponses },
    }),
    async (c) => c.json({ examples: await listExamples(c.env.DB, c.get("workspace").id) }, 200),
  );

  api.openapi(
    createRoute({
      method: "get",
      path: `${base}/learning/mappings`,
      tags,
      summary: "Learned label, issue type and component → constraint mappings",
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ mappings: z.array(MappingSchema) }), "Mappings"), ...errorResponses },
    }),
    async (c) => c.json({ mappings: await mappingsFor(c.env.DB, c.get("workspace").id) }, 200),
  );

  api.openapi(
    createRoute({
      method: "post",
      path: `${base}/learning/mappings/accept`,
      tags,
      summary: "Accept a learned mapping into the workspace's rule pack as an ordinary rule (admin)",
      request: {
        params: WorkspaceParams,
        body: { content: { "application/json": { schema: z.object({ kind: z.enum(["label", "type", "component"]), value: z.string().min(1).max(200) }) } } },
      },
      responses: {
        200: json(z.object({ ruleId: z.string(), rulePack: z.string() }), "The rule added and the pack"),
        409: json(z.object({ error: z.object({ code: z.literal("conflict"), message: z.string() }) }), "Already accepted"),
        ...errorResponses,
      },
    }),
    async (c) => {
      requireAdmin(c);
      return c.json(await acceptMapping(c.env, c.get("workspace").id, c.req.valid("json"), new Date(c.get("deps").now())), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: `${base}/review`,
      tags,
      summary: "The review queue: abstained issues in the plan or with strong evidence, then low-margin verdicts, then a small random sample, then the rest",
      request: { params: WorkspaceParams, query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }) },
      responses: {
        200: json(z.object({ total: z.number().int(), answered: z.number().int(), items: z.array(ReviewItemSchema) }), "Questions"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = await reviewQueueFor(c.env.DB, c.get("workspace").id, c.req.valid("query").limit);
      return c.json(
        {
          total: q.total,
          answered: q.answered,
          items: q.items.map((i) => ({
            id: i.id,
            bucket: i.bucket,
            why: i.why,
            margin: i.margin,
            key: i.assessment.issue.key,
            title: i.assessment.issue.title,
            url: i.assessment.issue.url ?? null,
            labels: i.assessment.issue.labels,
            classification: i.assessment.classification,
          })),
        },
        200,
      );
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: `${base}/review/{issueId}`,
      tags,
      summary: "Answer a review question: confirm, pick another constraint, or none; optionally write the label",
      request: {
        params: WorkspaceParams.extend({ issueId: z.string().min(1).max(100) }),
        body: { content: { "application/json": { schema: ReviewAnswerBody } } },
      },
      responses: {
        200: json(
          z.object({
            issueId: z.string(),
            answer: AnswerLabel,
            classification: ClassificationSchema.nullable().describe("The issue's verdict now: the answer"),
            writeback: z.object({ runId: z.string(), mode: z.enum(["dry-run", "on"]), planned: z.number().int(), applied: z.number().int() }).nullable(),
            writebackNote: z.string().nullable(),
          }),
          "Recorded",
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      if (body.write) requireAdmin(c);
      const out = await answerReview(c.env.DB, getConfig(c.env), c.get("deps"), c.get("workspace").id, {
        issueId: c.req.valid("param").issueId,
        answer: body.answer,
        write: body.write,
        by: who(c),
      });
      return c.json(
        { issueId: out.issueId, answer: out.answer, classification: out.assessment.classification, writeback: out.writeback, writebackNote: out.writebackNote },
        200,
      );
    },
  );
}
