/** @jsxImportSource hono/jsx */
/**
 * `/w/:workspaceId/settings`: write mode, comments, focus, label prefix and
 * write cap in one form; the rule pack editor with inline validation and a
 * preview; "Reset to default"; and the default pack, read-only.
 */
import type { Context } from "hono";
import { DEFAULT_PACK_SOURCE } from "../../../rules/default-pack.generated";
import type { RulePack } from "../../../rules";
import { compiledPackFor } from "../../services/rule-packs";
import type { AppEnv } from "../../app-env";
import { CONSTRAINTS } from "../../../domain/types";
import { getSettings, WRITE_MODES, type WorkspaceSettings } from "../../db/workspaces";
import { AppError } from "../../errors";
import { previewPack, validatePack } from "../../services/rule-preview";
import { applySettingsPatch } from "../api/settings";
import { SettingsPatchSchema } from "../api/schemas";
import { LearningSection } from "./review";
import { RULE_PACK_MAX_BYTES, RulePackEditor, STARTER_PACK, type EditorState } from "./rule-pack-editor";
import { CsrfField, csrfToken, Flash, readForm, redirectDone, renderPage } from "./shell";

const MODE_HELP: Record<(typeof WRITE_MODES)[number], string> = {
  off: "Nothing is written to your tracker; audits and the report still work.",
  "dry-run": "Runs record exactly what they would write in the ledger, and write nothing. Review the diff on the Write-back page.",
  on: "Runs add one label in your namespace and (if enabled) one comment per confident issue, up to the cap; every write is in the ledger and can be undone.",
};

/** The settings form's values as strings, so a rejected submission is shown back as typed. */
interface FormValues {
  writeMode: string;
  commentsEnabled: boolean;
  focusConstraint: string;
  focusSince: string;
  labelPrefix: string;
  maxWritesPerRun: string;
}

const valuesOf = (s: WorkspaceSettings): FormValues => ({
  writeMode: s.writeMode,
  commentsEnabled: s.commentsEnabled,
  focusConstraint: s.focusConstraint ?? "",
  focusSince: typeof s.auditSettings.focusSince === "string" ? s.auditSettings.focusSince.slice(0, 10) : "",
  labelPrefix: s.labelPrefix,
  maxWritesPerRun: String(s.maxWritesPerRun),
});

function SettingsForm({
  wsId,
  v,
  errors,
  admin,
  csrf,
}: {
  wsId: string;
  v: FormValues;
  errors: Array<{ field: string; message: string }>;
  admin: boolean;
  csrf: string | undefined;
}) {
  const errorFor = (f: string) => errors.find((e) => e.field === f)?.message;
  const FieldError = ({ f }: { f: string }) => {
    const m = errorFor(f);
    return m ? (
      <span id={`err-${f}`} class="notice error" role="alert">
        {m}
      </span>
    ) : null;
  };
  return (
    <form method="post" action={`/w/${encodeURIComponent(wsId)}/settings`} class="stack" data-testid="write-mode-form">
      <CsrfField token={csrf} />
      {errors.length > 0 && (
        <p class="notice error" role="alert" data-testid="settings-errors">
          The settings were not saved: fix the fields marked below.
        </p>
      )}
      <fieldset disabled={!admin}>
        <legend>Write mode</legend>
        {WRITE_MODES.map((m) => (
          <label>
            <input type="radio" name="writeMode" value={m} checked={v.writeMode === m} data-testid={`write-mode-${m}`} /> <strong>{m}</strong>
            <span class="hint"> — {MODE_HELP[m]}</span>
          </label>
        ))}
        <FieldError f="writeMode" />
      </fieldset>
      <fieldset disabled={!admin}>
        <legend>Comments</legend>
        <label>
          <input type="checkbox" name="commentsEnabled" value="on" checked={v.commentsEnabled} /> Keep one explanatory comment on each labelled issue
        </label>
      </fieldset>
      <div class="field">
        <label for="focusConstraint">Focus constraint</label>
        <span class="hint" id="focus-help">
          The constraint you believe you are working on; the report says when the backlog disagrees.
        </span>
        <select id="focusConstraint" name="focusConstraint" aria-describedby="focus-help" disabled={!admin}>
          <option value="" selected={v.focusConstraint === ""}>
            None
          </option>
          {CONSTRAINTS.map((k) => (
            <option value={k} selected={v.focusConstraint === k}>
              {k}
            </option>
          ))}
        </select>
        <FieldError f="focusConstraint" />
      </div>
      <div class="field">
        <label for="focusSince">Focus since</label>
        <span class="hint" id="focus-since-help">
          When work on the focus began. The report then follows it up at 30, 60 and 90 days: what shipped, and whether customer-reported work on it fell.
        </span>
        <input type="date" id="focusSince" name="focusSince" value={v.focusSince} aria-describedby="focus-since-help" disabled={!admin} />
        <FieldError f="focusSince" />
      </div>
      <div class="field">
        <label for="labelPrefix">Label prefix</label>
        <span class="hint" id="prefix-help">
          Our label namespace: only labels starting with it are ever touched. Letters, digits and : _ . / - only.
        </span>
        <input
          type="text"
          id="labelPrefix"
          name="labelPrefix"
          value={v.labelPrefix}
          maxlength={40}
          required
          disabled={!admin}
          aria-describedby={errorFor("labelPrefix") ? "prefix-help err-labelPrefix" : "prefix-help"}
          aria-invalid={errorFor("labelPrefix") ? "true" : undefined}
        />
        <FieldError f="labelPrefix" />
      </div>
      <div class="field">
        <label for="maxWritesPerRun">Max writes per run</label>
        <span class="hint" id="cap-help">
          A label add or removal counts 1, a comment counts 1. The rest waits for the next run.
        </span>
        <input
          type="number"
          id="maxWritesPerRun"
          name="maxWritesPerRun"
          value={v.maxWritesPerRun}
          min={0}
          max={10000}
          required
          disabled={!admin}
          aria-describedby={errorFor("maxWritesPerRun") ? "cap-help err-maxWritesPerRun" : "cap-help"}
          aria-invalid={errorFor("maxWritesPerRun") ? "true" : undefined}
        />
        <FieldError f="maxWritesPerRun" />
      </div>
      {admin ? (
        <div>
          <button type="submit" data-testid="settings-save">
            Save settings
          </button>
        </div>
      ) : (
        <p class="hint">Only workspace admins can change settings.</p>
      )}
    </form>
  );
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** How precise the labels the active pack writes are, and where its write-back threshold comes from. */
function LabelQuality({ pack }: { pack: RulePack }) {
  const wb = pack.writeBack;
  const m = wb.measured;
  const evaluation = pack.model?.evaluation;
  return (
    <section aria-labelledby="quality-heading" data-testid="label-quality">
      <h2 id="quality-heading">Label quality</h2>
      <table>
        <tbody>
          <tr>
            <th scope="row">Write-back threshold</th>
            <td data-testid="writeback-threshold">
              {pack.writeBackThreshold.toFixed(2)}{" "}
              <span class="muted">
                {wb.source === "measured"
                  ? `the lowest that meets the target precision of ${pct(wb.targetPrecision)}`
                  : wb.source === "pack"
                    ? "set in the rule pack"
                    : "the default"}
              </span>
            </td>
          </tr>
          <tr>
            <th scope="row">Expected precision of written labels</th>
            <td data-testid="writeback-precision">{m ? pct(m.precision) : "not measured"}</td>
          </tr>
          <tr>
            <th scope="row">Expected coverage (issues labelled)</th>
            <td data-testid="writeback-coverage">{m ? pct(m.coverage) : "not measured"}</td>
          </tr>
        </tbody>
      </table>
      {wb.unmet ? (
        <p class="notice error" role="alert">
          No threshold meets the target precision on the measured data, so no label is written. Lower the target or label more issues.
        </p>
      ) : null}
      <p class="hint">
        {evaluation && m
          ? `Measured on ${evaluation.rows} labelled real issues from ${evaluation.groups} teams, each judged by a model that never trained on its team (${evaluation.method}); ${m.rows} of them would get a label. Confidence is calibrated: of verdicts at 0.9, about 9 in 10 are right (expected calibration error ${evaluation.ece.toFixed(3)}).`
          : "This pack's model records no measurement: run backlog-audit rules test on labelled issues to see its precision."}
      </p>
    </section>
  );
}

interface SettingsPageState {
  status?: 200 | 400 | 422;
  form?: { values: FormValues; errors: Array<{ field: string; message: string }> };
  editor?: EditorState;
}

export async function settingsPage(c: Context<AppEnv>, state: SettingsPageState = {}) {
  const ws = c.get("workspace");
  const settings = await getSettings(c.env.DB, ws.id);
  if (!settings) throw new AppError("not_found", "No such workspace, or you don't have access to it");
  const admin = c.get("role") === "admin";
  const csrf = csrfToken(c);
  const editor: EditorState = state.editor ?? {
    source: settings.rulePack ?? STARTER_PACK,
    issues: [],
    preview: null,
    origin: settings.rulePack === null ? "starter" : "saved",
  };
  return renderPage(c, {
    title: `Settings · ${ws.name}`,
    section: "settings",
    status: state.status,
    children: (
      <>
        <h1>Settings</h1>
        <p class="muted">Workspace {ws.name}</p>
        <Flash c={c} />
        <section aria-labelledby="writeback-heading">
          <h2 id="writeback-heading">Write-back and audit</h2>
          <SettingsForm wsId={ws.id} v={state.form?.values ?? valuesOf(settings)} errors={state.form?.errors ?? []} admin={admin} csrf={csrf} />
        </section>
        <LabelQuality pack={compiledPackFor(settings).compiled.pack} />
        <LearningSection c={c} />
        <RulePackEditor wsId={ws.id} state={editor} admin={admin} csrf={csrf} usesDefault={settings.rulePack === null} />
        <details data-testid="default-pack">
          <summary>The default pack (read-only)</summary>
          <p class="hint">
            <code>extends: default</code> starts from these rules. Override one by reusing its id, or list ids under <code>disable</code>.
          </p>
          <section aria-label="Default rule pack source">
            <pre class="source" tabindex={0}>
              {DEFAULT_PACK_SOURCE}
            </pre>
          </section>
        </details>
      </>
    ),
  });
}

/** POST /w/:workspaceId/settings */
export async function postSettings(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  const f = await readForm(c);
  const values: FormValues = {
    writeMode: f.writeMode ?? "",
    commentsEnabled: f.commentsEnabled === "on" || f.commentsEnabled === "true",
    focusConstraint: f.focusConstraint ?? "",
    focusSince: (f.focusSince ?? "").trim(),
    labelPrefix: (f.labelPrefix ?? "").trim(),
    maxWritesPerRun: (f.maxWritesPerRun ?? "").trim(),
  };
  const cap = /^\d{1,6}$/.test(values.maxWritesPerRun) ? Number(values.maxWritesPerRun) : Number.NaN;
  const parsed = SettingsPatchSchema.safeParse({
    writeMode: values.writeMode,
    commentsEnabled: values.commentsEnabled,
    focusConstraint: values.focusConstraint === "" ? null : values.focusConstraint,
    focusSince: values.focusSince === "" ? null : values.focusSince,
    labelPrefix: values.labelPrefix,
    maxWritesPerRun: cap,
  });
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({
      field: String(i.path[0] ?? ""),
      message:
        i.path[0] === "maxWritesPerRun"
          ? "Enter a whole number from 0 to 10000."
          : i.path[0] === "writeMode"
            ? "Choose off, dry-run or on."
            : i.path[0] === "focusSince"
              ? "Enter a date (YYYY-MM-DD)."
              : i.message,
    }));
    return settingsPage(c, { status: 400, form: { values, errors } });
  }
  await applySettingsPatch(c.env, ws.id, parsed.data, new Date(c.get("deps").now()));
  return redirectDone(c, `/w/${encodeURIComponent(ws.id)}/settings`, "settings-saved");
}

async function submittedPack(c: Context<AppEnv>): Promise<string> {
  const f = await readForm(c);
  // Browsers send textarea line breaks as CRLF; store what the user typed, with LF.
  return (f.source ?? "").replace(/\r\n?/g, "\n");
}

function tooLarge(source: string) {
  return new TextEncoder().encode(source).length > RULE_PACK_MAX_BYTES;
}

const sizeIssue = { file: "workspace-pack.yaml", line: null, path: "", message: `the pack is larger than ${RULE_PACK_MAX_BYTES / 1024} KiB` };

/** POST /w/:workspaceId/settings/rules/preview — validates and previews; saves nothing. */
export async function postRulePackPreview(c: Context<AppEnv>) {
  const source = await submittedPack(c);
  if (tooLarge(source)) return settingsPage(c, { status: 422, editor: { source, issues: [sizeIssue], preview: null, origin: "submitted" } });
  const v = validatePack(source);
  if (!v.ok) return settingsPage(c, { status: 422, editor: { source, issues: v.issues, preview: null, origin: "submitted" } });
  const preview = await previewPack(c.env.DB, c.get("workspace").id, source);
  return settingsPage(c, { editor: { source, issues: [], preview, origin: "submitted" } });
}

/** POST /w/:workspaceId/settings/rules — saves a valid pack; an invalid one is shown back with its errors (422). */
export async function postRulePackSave(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  const source = await submittedPack(c);
  if (tooLarge(source)) return settingsPage(c, { status: 422, editor: { source, issues: [sizeIssue], preview: null, origin: "submitted" } });
  const v = validatePack(source);
  if (!v.ok) return settingsPage(c, { status: 422, editor: { source, issues: v.issues, preview: null, origin: "submitted" } });
  await applySettingsPatch(c.env, ws.id, { rulePack: source }, new Date(c.get("deps").now()));
  return redirectDone(c, `/w/${encodeURIComponent(ws.id)}/settings`, "rules-saved");
}

/** POST /w/:workspaceId/settings/rules/reset — back to the default pack. */
export async function postRulePackReset(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  await applySettingsPatch(c.env, ws.id, { rulePack: null }, new Date(c.get("deps").now()));
  return redirectDone(c, `/w/${encodeURIComponent(ws.id)}/settings`, "rules-reset");
}
