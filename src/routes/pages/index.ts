/**
 * The server-rendered workspace pages: connections and sync status,
 * write-back (dry-run diff, runs, undo, ledger), settings (with the rule pack
 * editor) and the API reference. Reading needs workspace membership, every
 * POST needs admin; forms carry `_csrf` when there is a session. After a
 * successful POST the page redirects (303) back with `?done=…`.
 *
 * @example
 * app.use("*", authenticate());
 * app.route("/", pageRoutes);
 */
import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { requireWorkspace } from "../../auth/access";
import { apiDocsPage } from "./api-docs";
import { connectionsPage, postConnectionSync, postConnectionWriteMode, postRetryFailure } from "./connections";
import { postRulePackPreview, postRulePackReset, postRulePackSave, postSettings, settingsPage } from "./settings";
import { postRunWriteback, postUndoRun, writebackPage } from "./writeback";
import { postAcceptMapping, postLearningTarget, postLearningTrain, postReviewAnswer, REVIEW_JS, reviewPage } from "./review";

export { workspaceNav, PAGE_CSS } from "./shell";
export { apiDocument, schemaName } from "./api-docs";
export { STARTER_PACK, RULE_PACK_MAX_BYTES } from "./rule-pack-editor";

const member = requireWorkspace("member");
const admin = requireWorkspace("admin");

export const pageRoutes = new Hono<AppEnv>()
  .get("/api/docs", (c) => apiDocsPage(c))
  .get("/assets/review.js", (c) => {
    c.header("cache-control", "public, max-age=300");
    return c.body(REVIEW_JS, 200, { "content-type": "text/javascript; charset=utf-8" });
  })
  .get("/w/:workspaceId/review", member, (c) => reviewPage(c))
  .post("/w/:workspaceId/review/:issueId", member, postReviewAnswer)
  .post("/w/:workspaceId/settings/learning", admin, postLearningTarget)
  .post("/w/:workspaceId/learning/train", admin, postLearningTrain)
  .post("/w/:workspaceId/learning/mappings/accept", admin, postAcceptMapping)
  .get("/w/:workspaceId/connections", member, (c) => connectionsPage(c))
  .post("/w/:workspaceId/connections/:connectionId/write-mode", admin, postConnectionWriteMode)
  .post("/w/:workspaceId/connections/:connectionId/sync", admin, postConnectionSync)
  .post("/w/:workspaceId/connections/:connectionId/failures/:failureId/retry", admin, postRetryFailure)
  .get("/w/:workspaceId/writeback", member, (c) => writebackPage(c))
  .post("/w/:workspaceId/writeback/runs/:runId/undo", admin, postUndoRun)
  .post("/w/:workspaceId/writeback/:connectionId/run", admin, postRunWriteback)
  .get("/w/:workspaceId/settings", member, (c) => settingsPage(c))
  .post("/w/:workspaceId/settings", admin, postSettings)
  .post("/w/:workspaceId/settings/rules/preview", admin, postRulePackPreview)
  .post("/w/:workspaceId/settings/rules/reset", admin, postRulePackReset)
  .post("/w/:workspaceId/settings/rules", admin, postRulePackSave);
