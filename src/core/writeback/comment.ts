/**
 * Our one bot comment per issue: the verdict, what decided it, the four
 * scores, and whether the issue is on the dominant constraint.
 *
 * Safety: the comment never quotes raw issue text. Matched text from reasons
 * (and rule ids, fields and score signals, which come from a workspace's rule
 * pack or the issue's headings) goes through `neutralize`: one line, capped,
 * inside a code span, with mentions, `#123` references, HTML and link syntax
 * defused. The body is deterministic (no times, no run ids), so an unchanged
 * audit renders byte-identical text and the same hash: zero writes.
 */
import type { Issue } from "../../../domain/types";
import { SCORE_DIMENSIONS, type Constraint, type Reason, type ScoreDimension, type ScoreReason } from "../../../domain/types";
import { CONSTRAINT_GUIDE } from "../audit/constraints";
import type { IssueFacts } from "./schema";

export const COMMENT_MARKER_PREFIX = "backlog-auditor";

/** Max characters of any one quoted fragment. */
export const QUOTE_MAX = 60;
/** Max reasons listed under "What decided it". */
export const REASONS_MAX = 3;
/** Hard cap on the whole body (GitHub allows 65536; Jira and Linear less in practice). */
export const BODY_MAX = 4000;

/**
 * The hidden marker our comment carries on this issue, for `ensureComment`.
 * Starts with `backlog-auditor:` (the GitHub connector recognizes its own
 * echoes by that prefix); the id part keeps only `[A-Za-z0-9._-]`.
 *
 * @example
 * commentMarker(issue); // "backlog-auditor:verdict:1347"
 */
export function commentMarker(issue: Pick<Issue, "externalId">): string {
  const id = issue.externalId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 80);
  return `${COMMENT_MARKER_PREFIX}:verdict:${id}`;
}

const ZWJ = "\u200D";
const ZWSP = "\u200B";

/**
 * Make untrusted text safe to quote in a comment on any tracker: one line,
 * at most `max` characters, wrapped in a code span (backticks stripped), with
 * `@` and `#<digit>` broken by a zero-width joiner, `<`/`>` replaced by
 * `‹`/`›`, `](`, `![` and `javascript:`-like schemes broken by a zero-width space, and control and
 * bidirectional-override characters dropped.
 *
 * @example
 * neutralize("@everyone <img onerror=x>"); // "`@\u200Deveryone ‹img onerror=x›`"
 */
export function neutralize(text: string, max = QUOTE_MAX): string {
  let t = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, " ")
    .replace(/`/g, "'")
    .replace(/\s+/g, " ")
    .trim();
  if ([...t].length > max)
    t = `${[...t]
      .slice(0, max - 1)
      .join("")
      .trimEnd()}…`;
  t = t
    .replace(/</g, "‹")
    .replace(/>/g, "›")
    .replace(/@/g, `@${ZWJ}`)
    .replace(/#(?=\d)/g, `#${ZWJ}`)
    .replace(/\]\(/g, `]${ZWSP}(`)
    .replace(/!\[/g, `!${ZWSP}[`)
    .replace(/\b(javascript|data|vbscript):/gi, `$1${ZWSP}:`)
    .replace(/\|/g, "¦");
  return t.length ? `\`${t}\`` : "`…`";
}

/** An http(s) URL safe to put in a Markdown link, or null. */
export function safeUrl(url: string | undefined | null): string | null {
  if (!url) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return null;
  // Characters that could end the link target early or open markup.
  return u.href.replace(/[()<>\s"'`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

export interface CommentContext {
  /** The audit's dominant constraint, or null when there is none. */
  dominant: Constraint | null;
  /** Link to the full report, when there is one. */
  reportUrl?: string | null;
}

const DIMENSION_LABEL: Record<ScoreDimension, string> = {
  impact: "Business impact",
  evidence: "Evidence strength",
  confidence: "Execution confidence",
  timing: "Strategic timing",
};

const pct = (x: number) => x.toFixed(2);

/** The reasons that support the verdict, strongest first (stable for equal weights). */
export function topReasons(reasons: Reason[], constraint: Constraint): Reason[] {
  return reasons
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.constraint === constraint)
    .sort((a, b) => b.r.weight - a.r.weight || a.i - b.i)
    .map(({ r }) => r);
}

function scoreLine(dim: ScoreDimension, value: number, reasons: ScoreReason[]): string {
  const top = reasons
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.dimension === dim)
    .sort((a, b) => Math.abs(b.r.delta) - Math.abs(a.r.delta) || a.i - b.i)[0]?.r;
  const why = top
    ? ` (${neutralize(top.signal, 40)}${top.delta ? ` ${top.delta > 0 ? "+" : "−"}${Math.abs(top.delta)}` : ""}${top.match ? ` on ${neutralize(top.match, 40)}` : ""})`
    : "";
  return `- ${DIMENSION_LABEL[dim]}: **${value}/5**${why}`;
}

/**
 * The comment body (Markdown) for an issue with a verdict. Returns null when
 * the classification has no constraint (we do not comment without a verdict).
 *
 * @example
 * const body = renderComment(facts, { dominant: "reliability", reportUrl: "https://app.example/r/1" });
 * connector.ensureComment(auth, ref, commentMarker(facts.issue), body);
 */
export function renderComment(facts: Pick<IssueFacts, "classification" | "scores">, ctx: CommentContext): string | null {
  const c = facts.classification;
  if (c.constraint === null) return null;
  const guide = CONSTRAINT_GUIDE[c.constraint];
  const lines: string[] = [];
  lines.push(`### Backlog Auditor: **${c.constraint}** (confidence ${pct(c.confidence)})`);
  lines.push("");
  lines.push(`${guide.label} work: ${guide.looksLike}. Improve first: ${guide.improveFirst}.`);
  lines.push("");

  const top = topReasons(c.reasons, c.constraint).slice(0, REASONS_MAX);
  const by =
    c.decidedBy === "label"
      ? "a label a person applied"
      : c.decidedBy === "model"
        ? "the learned model"
        : c.decidedBy === "workspace-model"
          ? "this team's own model"
          : c.decidedBy === "rules"
            ? "rules"
            : "no single signal";
  lines.push(`**What decided it** (${by}):`);
  if (top.length === 0) lines.push("- no individual signal to show");
  for (const r of top) {
    const match = r.match.trim() ? ` matched ${neutralize(r.match)}` : "";
    lines.push(`- ${neutralize(r.ruleId, 40)} on ${neutralize(r.field, 30)}${match}`);
  }
  if (c.runnerUp) lines.push(`- runner-up: ${c.runnerUp.constraint} (${pct(c.runnerUp.confidence)})`);
  lines.push("");

  lines.push("**Scores**:");
  for (const dim of SCORE_DIMENSIONS) lines.push(scoreLine(dim, facts.scores[dim], facts.scores.reasons));
  lines.push("");

  if (ctx.dominant === null) lines.push("The audit found no dominant constraint for this backlog.");
  else if (ctx.dominant === c.constraint) lines.push(`**On the dominant constraint** (${ctx.dominant}): this is the team's current bottleneck.`);
  else lines.push(`**Not on the dominant constraint** (${ctx.dominant}).`);

  const url = safeUrl(ctx.reportUrl);
  if (url) lines.push("", `[Full audit report](${url})`);
  if (c.decidedBy !== "label") lines.push("", "_Remove the label to overrule this verdict: Backlog Auditor will not add it again._");

  const body = lines.join("\n");
  return body.length > BODY_MAX ? `${body.slice(0, BODY_MAX - 1)}…` : body;
}
