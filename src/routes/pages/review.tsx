/** @jsxImportSource hono/jsx */
/**
 * `/w/:workspaceId/review`: one question at a time, in the order an answer is worth most
 * (abstained issues in the plan or with strong evidence, low-margin verdicts, a small random
 * sample). Confirm, pick another constraint, or "none"; optionally write the label through
 * write-back. Plain forms; `/assets/review.js` (same origin, no inline script) adds single-key
 * shortcuts: Enter or c confirms, 1–5 pick a constraint, 0 or n says none, s skips.
 * Also the Settings section "Learning from your team" (status, test table, target precision,
 * learned mappings with Accept) and its POST handlers.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import type { Classification } from "../../../domain/types";
import { setTargetPrecision } from "../../db/learning";
import { getConnection } from "../../db/connections";
import { getSettings } from "../../db/workspaces";
import { getConfig } from "../../env";
import { AppError } from "../../errors";
import { learningView, mappingsFor, reviewQueueFor } from "../../services/learning";
import { acceptMapping, answerReview } from "../../services/review";
import { effectiveMode } from "../../services/writeback";
import { requestTraining } from "../api/learning";
import { CsrfField, csrfToken, Flash, PostButton, readForm, redirectDone, renderPage } from "./shell";

const ANSWERS = ["activation", "adoption", "reliability", "operations", "throughput", "none"] as const;
type Answer = (typeof ANSWERS)[number];
const KEY: Record<Answer, string> = { activation: "1", adoption: "2", reliability: "3", operations: "4", throughput: "5", none: "0" };

/** The single-key shortcuts (served as a same-origin script: the CSP allows no inline script). */
export const REVIEW_JS = `// Backlog Auditor review shortcuts: Enter/c confirm, 1-5 constraints, 0/n none, s skip, w toggles "write".
document.addEventListener("keydown", function (e) {
  if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
  var t = e.target;
  if (t && (t.tagName === "TEXTAREA" || t.tagName === "SELECT" || (t.tagName === "INPUT" && t.type !== "checkbox"))) return;
  var k = e.key === "Enter" ? "enter" : e.key.toLowerCase();
  if (k === "w") { var w = document.getElementById("review-write"); if (w && !w.disabled) { w.checked = !w.checked; e.preventDefault(); } return; }
  var el = document.querySelector('[data-keys~="' + k + '"]');
  if (!el) return;
  e.preventDefault();
  el.click();
});
`;

const pct = (x: number | null | undefined) => (x == null ? "—" : `${(100 * x).toFixed(1)}%`);

function Verdict({ v }: { v: Classification | null }) {
  if (!v) return <span class="muted">not classified yet</span>;
  const by = v.decidedBy === "workspace-model" ? "this team's model" : v.decidedBy === "model" ? "the global model" : v.decidedBy;
  return (
    <span data-testid="review-verdict">
      <strong>{v.constraint ?? "abstained"}</strong> at {v.confidence.toFixed(2)}
      {v.runnerUp ? ` (runner-up ${v.runnerUp.constraint} ${v.runnerUp.confidence.toFixed(2)})` : ""} · decided by {by}
    </span>
  );
}

export async function reviewPage(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  const admin = c.get("role") === "admin";
  const csrf = csrfToken(c);
  const skip = Math.max(0, Math.min(500, Number.parseInt(c.req.query("skip") ?? "0", 10) || 0));
  const q = await reviewQueueFor(c.env.DB, ws.id, skip + 1);
  const item = q.items[skip] ?? null;
  const wsPath = `/w/${encodeURIComponent(ws.id)}`;
  let mode: string | null = null;
  if (item) {
    const [settings, conn] = await Promise.all([getSettings(c.env.DB, ws.id), getConnection(c.env.DB, ws.id, item.assessment.connectionId)]);
    mode = settings && conn ? effectiveMode(conn, settings.writeMode) : null;
  }
  const v = item?.assessment.classification ?? null;
  const reasons = (v?.reasons ?? []).slice(0, 5);
  return renderPage(c, {
    title: `Review · ${ws.name}`,
    section: "review",
    children: (
      <>
        <h1>Review</h1>
        <p class="muted" data-testid="review-progress">
          {q.answered} answered · {q.total} question{q.total === 1 ? "" : "s"} left. Each answer becomes the issue's verdict and an example this workspace's
          model learns from (<a href={`${wsPath}/settings#learning-heading`}>Settings → Learning</a>).
        </p>
        <Flash c={c} />
        {item ? (
          <article class="card" data-testid="review-item" data-issue-id={item.id}>
            <p class="muted" data-testid="review-why">
              Asked because: {item.why}
            </p>
            <h2>
              {item.assessment.issue.url ? <a href={item.assessment.issue.url}>{item.assessment.issue.key}</a> : item.assessment.issue.key} ·{" "}
              {item.assessment.issue.title}
            </h2>
            {item.assessment.issue.labels.length ? <p class="muted">Labels: {item.assessment.issue.labels.join(", ")}</p> : null}
            <p>
              Verdict: <Verdict v={v} />
            </p>
            {reasons.length ? (
              <ul data-testid="review-reasons">
                {reasons.map((r) => (
                  <li>
                    {r.source === "rule" ? `rule ${r.ruleId}` : r.source === "workspace-model" ? "team model" : r.source} · {r.field}: “{r.match}” →{" "}
                    {r.constraint ?? "none"} ({r.weight})
                  </li>
                ))}
              </ul>
            ) : null}
            <form method="post" action={`${wsPath}/review/${encodeURIComponent(item.id)}`} data-testid="review-form">
              <CsrfField token={csrf} />
              <input type="hidden" name="skip" value={String(skip)} />
              <p>
                {v?.constraint ? (
                  <button type="submit" name="answer" value={v.constraint} data-keys="enter c" data-testid="review-confirm" autofocus>
                    Confirm {v.constraint} <kbd>Enter</kbd>
                  </button>
                ) : null}{" "}
                {ANSWERS.filter((a) => a !== v?.constraint).map((a) => (
                  <>
                    <button
                      type="submit"
                      name="answer"
                      value={a}
                      class="secondary"
                      data-keys={a === "none" ? "0 n" : KEY[a]}
                      data-testid={`review-${a}`}
                      accesskey={KEY[a]}
                    >
                      {a} <kbd>{KEY[a]}</kbd>
                    </button>{" "}
                  </>
                ))}
                <a href={`${wsPath}/review?skip=${skip + 1}`} data-keys="s" data-testid="review-skip">
                  Skip <kbd>s</kbd>
                </a>
              </p>
              <label>
                <input type="checkbox" name="write" value="on" id="review-write" disabled={!admin || mode === "off"} /> Also write the label to the tracker (
                {mode === "on"
                  ? "write-back is on: the label is written, recorded in the ledger and can be undone"
                  : mode === "dry-run"
                    ? "dry-run: recorded in the ledger, nothing written"
                    : "write-back is off"}
                ) <kbd>w</kbd>
              </label>
            </form>
          </article>
        ) : (
          <p class="notice ok" data-testid="review-empty">
            No questions left: every issue worth asking about has an answer.
          </p>
        )}
        <p class="hint">
          Keys: Enter or c confirms, 1–5 pick activation, adoption, reliability, operations, throughput; 0 or n says none; s skips; w toggles "write".
        </p>
        <script src="/assets/review.js" nonce={c.get("secureHeadersNonce")} defer></script>
      </>
    ),
  });
}

/** POST /w/:workspaceId/review/:issueId */
export async function postReviewAnswer(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  const f = await readForm(c);
  const answer = ANSWERS.find((a) => a === f.answer);
  if (!answer) throw new AppError("validation_failed", "Choose a constraint or none", [{ path: "answer", message: "expected one of " + ANSWERS.join(", ") }]);
  const write = f.write === "on";
  if (write && c.get("role") !== "admin") throw new AppError("forbidden", "Only workspace admins can write labels");
  const out = await answerReview(c.env.DB, getConfig(c.env), c.get("deps"), ws.id, {
    issueId: c.req.param("issueId")!,
    answer,
    write,
    by: c.get("session")?.user.login ?? null,
  });
  const skip = Math.max(0, Number.parseInt(f.skip ?? "0", 10) || 0);
  return redirectDone(
    c,
    `/w/${encodeURIComponent(ws.id)}/review`,
    out.writeback ? (out.writeback.mode === "on" ? "answered-written" : "answered-planned") : "answered",
    skip ? { skip } : {},
  );
}

/** Settings: the workspace model, its threshold and the test table; target precision; mappings. */
export async function LearningSection({ c }: { c: Context<AppEnv> }) {
  const ws = c.get("workspace");
  const admin = c.get("role") === "admin";
  const csrf = csrfToken(c);
  const [l, mappings] = await Promise.all([learningView(c.env.DB, ws.id), mappingsFor(c.env.DB, ws.id)]);
  const wsPath = `/w/${encodeURIComponent(ws.id)}`;
  const statusText = { none: "never trained", queued: "training is queued", live: "live", off: "off" }[l.status];
  return (
    <section aria-labelledby="learning-heading" data-testid="learning">
      <h2 id="learning-heading">Learning from your team</h2>
      <p>
        Workspace model: <strong data-testid="learning-status">{statusText}</strong>
        {l.reason ? <span data-testid="learning-reason"> — {l.reason}</span> : null}
      </p>
      <p class="muted" data-testid="learning-evidence">
        {l.evidence.labelled} labelled issues ({l.evidence.bySource.label} tracker labels, {l.evidence.bySource.review} review answers), {l.evidence.negatives}{" "}
        removed bot labels as negative examples. A workspace model and a workspace threshold need at least {l.minLabelled}.{" "}
        <a href={`${wsPath}/review`}>Answer review questions</a>.
      </p>
      <table data-testid="learning-table">
        <caption>Tested on this workspace's newest labelled issues (older ones train the workspace model)</caption>
        <thead>
          <tr>
            <th scope="col">predictor</th>
            <th scope="col">threshold</th>
            <th scope="col">test issues</th>
            <th scope="col">accuracy</th>
            <th scope="col">precision</th>
            <th scope="col">coverage</th>
            <th scope="col">labels written</th>
          </tr>
        </thead>
        <tbody>
          {l.table.length === 0 ? (
            <tr>
              <td colspan={7} class="muted">
                Not measured yet: train the workspace model once it has labelled issues.
              </td>
            </tr>
          ) : (
            l.table.map((r) => (
              <tr>
                <th scope="row">{r.predictor === "global-pack" ? "global pack" : "workspace model"}</th>
                <td>{r.threshold.toFixed(2)}</td>
                <td>{r.testIssues}</td>
                <td>{pct(r.accuracy)}</td>
                <td>{pct(r.precision)}</td>
                <td>{pct(r.coverage)}</td>
                <td>{r.written ?? "—"}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <p data-testid="learning-threshold">
        Write threshold in force: <strong>{l.threshold.value.toFixed(2)}</strong> (
        {l.threshold.source === "global"
          ? "the global calibrated threshold"
          : l.threshold.source === "workspace-model"
            ? "chosen on the workspace model's backtest"
            : "the global pack measured on this workspace"}
        ): {l.threshold.note}.
        {l.threshold.met
          ? ` Expected precision ${pct(l.threshold.precision)}, coverage ${pct(l.threshold.coverage)}, resting on ${l.threshold.restsOn} written verdicts.`
          : ""}
      </p>
      {admin ? (
        <form method="post" action={`${wsPath}/settings/learning`} class="inline" data-testid="learning-target-form">
          <CsrfField token={csrf} />
          <label for="targetPrecision">Target precision (%)</label>{" "}
          <input
            type="number"
            id="targetPrecision"
            name="targetPrecision"
            min={50}
            max={100}
            step={0.5}
            value={String(Math.round(l.targetPrecision * 1000) / 10)}
          />{" "}
          <button type="submit">Save target</button>
        </form>
      ) : (
        <p class="muted">Target precision: {pct(l.targetPrecision)} (an admin can change it).</p>
      )}{" "}
      {admin ? <PostButton action={`${wsPath}/learning/train`} csrf={csrf} label="Train the workspace model now" testId="learning-train" /> : null}
      <h3>Learned vocabulary</h3>
      {mappings.length === 0 ? (
        <p class="muted" data-testid="mappings-empty">
          No label, issue type or component maps to one constraint in at least 80% of at least 3 labelled issues yet.
        </p>
      ) : (
        <table data-testid="mappings">
          <thead>
            <tr>
              <th scope="col">kind</th>
              <th scope="col">value</th>
              <th scope="col">constraint</th>
              <th scope="col">evidence</th>
              <th scope="col">rule</th>
            </tr>
          </thead>
          <tbody>
            {mappings.map((m) => (
              <tr>
                <td>{m.kind}</td>
                <td>
                  <code>{m.value}</code>
                </td>
                <td>{m.constraint}</td>
                <td>
                  {m.agree} of {m.issues}
                </td>
                <td>
                  {m.accepted ? (
                    <span class="muted">in the pack ({m.ruleId})</span>
                  ) : admin ? (
                    <form method="post" action={`${wsPath}/learning/mappings/accept`} class="inline">
                      <CsrfField token={csrf} />
                      <input type="hidden" name="kind" value={m.kind} />
                      <input type="hidden" name="value" value={m.value} />
                      <button type="submit" class="secondary" data-testid={`accept-${m.ruleId}`}>
                        Accept as rule {m.ruleId}
                      </button>
                    </form>
                  ) : (
                    <span class="muted">an admin can accept it</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** POST /w/:workspaceId/settings/learning — the target precision (percent). */
export async function postLearningTarget(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  const f = await readForm(c);
  const v = Number(f.targetPrecision);
  if (!Number.isFinite(v) || v < 50 || v > 100)
    throw new AppError("validation_failed", "Enter a target precision from 50 to 100 (%)", [{ path: "targetPrecision", message: "expected 50–100" }]);
  await setTargetPrecision(c.env.DB, ws.id, v / 100, new Date(c.get("deps").now()));
  return redirectDone(c, `/w/${encodeURIComponent(ws.id)}/settings`, "target-saved");
}

/** POST /w/:workspaceId/learning/train */
export async function postLearningTrain(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  await requestTraining(c.env, ws.id, new Date(c.get("deps").now()));
  return redirectDone(c, `/w/${encodeURIComponent(ws.id)}/settings`, "training-queued");
}

/** POST /w/:workspaceId/learning/mappings/accept */
export async function postAcceptMapping(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  const f = await readForm(c);
  const kind = (["label", "type", "component"] as const).find((k) => k === f.kind);
  if (!kind || !f.value)
    throw new AppError("validation_failed", "Choose a mapping to accept", [{ path: "kind", message: "expected label, type or component with a value" }]);
  await acceptMapping(c.env, ws.id, { kind, value: f.value }, new Date(c.get("deps").now()));
  return redirectDone(c, `/w/${encodeURIComponent(ws.id)}/settings`, "mapping-accepted");
}
