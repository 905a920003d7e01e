/** @jsxImportSource hono/jsx */
/**
 * The rule pack editor: a textarea, "Validate & preview" and "Save" in one
 * form, the validation problems listed inline ("line N · path · message") and,
 * when the pack is valid, what it would do on this workspace's issues.
 * Rule ids, descriptions and error messages are user text: rendered as text
 * nodes only, which hono/jsx escapes.
 */
import type { RulePackIssue } from "../../../rules";
import { CONSTRAINTS } from "../../../domain/types";
import type { PackPreview } from "../../services/rule-preview";
import { CsrfField } from "./shell";

/** Same as the API's limit (the loader refuses more); the 1 MB body limit leaves room for the form encoding. */
export const RULE_PACK_MAX_BYTES = 256 * 1024;

/** Offered when the workspace still uses the default pack: extends it, adds one rule, shows how to disable one. */
export const STARTER_PACK = `version: 1
extends: default
# Add your own rules, override a default rule by reusing its id, or disable some.
# Facts: title, body, labels, type, components, priority, state, project, custom:<Field>...
rules:
  - id: team-flaky-tests
    description: Flaky tests slow every release down.
    when: { fact: title, keywords: [flaky, flake] }
    then: { vote: { constraint: reliability, weight: 3 } }
# disable: [meta-label-adoption]
`;

export interface EditorState {
  source: string;
  /** Validation problems of the submitted text (empty when valid or not yet validated). */
  issues: RulePackIssue[];
  preview: PackPreview | null;
  /** Whether the text shown is the saved pack, an unsaved edit, or the starter example. */
  origin: "saved" | "submitted" | "starter";
}

export function RulePackEditor({
  wsId,
  state,
  admin,
  csrf,
  usesDefault,
}: {
  wsId: string;
  state: EditorState;
  admin: boolean;
  csrf: string | undefined;
  usesDefault: boolean;
}) {
  const base = `/w/${encodeURIComponent(wsId)}/settings/rules`;
  const hasErrors = state.issues.length > 0;
  return (
    <section aria-labelledby="rulepack-heading">
      <h2 id="rulepack-heading">Rule pack</h2>
      <p>
        {usesDefault ? "This workspace uses the default pack." : "This workspace uses its own pack."} A pack is YAML (or JSON): start with{" "}
        <code>extends: default</code> to keep the built-in rules and add, override or disable some. Packs are limited to 256 KiB (every form body is limited to
        1 MB). Saving a pack reclassifies the workspace in the background.
      </p>
      {state.origin === "starter" && <p class="hint">The editor holds a starter example; nothing is saved until you press Save.</p>}
      <div class="editor">
        <form method="post" action={`${base}/preview`} enctype="multipart/form-data" data-testid="rulepack-form">
          <CsrfField token={csrf} />
          <div class="field">
            <label for="rulepack-source">Rule pack (YAML)</label>
            <textarea
              id="rulepack-source"
              name="source"
              rows={24}
              spellcheck={false}
              autocomplete="off"
              data-testid="rulepack-editor"
              aria-invalid={hasErrors ? "true" : undefined}
              aria-describedby={hasErrors ? "rulepack-errors" : undefined}
              readonly={!admin}
            >
              {/* The parser drops one newline right after <textarea>: this one, so a leading newline in the pack survives. */}
              {`\n${state.source}`}
            </textarea>
          </div>
          {admin ? (
            <div class="actions">
              <button type="submit" data-testid="rulepack-preview-button">
                Validate &amp; preview
              </button>
              <button type="submit" class="secondary" formaction={base} data-testid="rulepack-save-button">
                Save
              </button>
            </div>
          ) : (
            <p class="hint">Only workspace admins can change the rule pack.</p>
          )}
        </form>
        <div>
          {hasErrors && <RulePackErrors issues={state.issues} />}
          {state.preview && <RulePackPreview preview={state.preview} />}
          {!hasErrors && !state.preview && (
            <p class="muted">Press “Validate &amp; preview” to check the pack and see what it would change, without saving it.</p>
          )}
        </div>
      </div>
      {admin && !usesDefault && (
        <form method="post" action={`${base}/reset`} class="actions">
          <CsrfField token={csrf} />
          <button type="submit" class="danger" data-testid="rulepack-reset">
            Reset to default
          </button>
          <span class="hint">Drops this workspace's pack and goes back to the built-in one.</span>
        </form>
      )}
    </section>
  );
}

export function RulePackErrors({ issues }: { issues: RulePackIssue[] }) {
  return (
    <div id="rulepack-errors" class="notice error" role="alert" data-testid="rulepack-errors">
      <p>
        <strong>
          The pack is invalid ({issues.length} problem{issues.length === 1 ? "" : "s"}):
        </strong>
      </p>
      <ul class="errors">
        {issues.map((i) => (
          <li>
            <span class="loc">{i.line !== null ? `line ${i.line}` : "pack"}</span>
            {i.path ? (
              <>
                {" · "}
                <code>{i.path}</code>
              </>
            ) : null}
            {" · "}
            {/* YAML parser messages end in ":" before a code excerpt we don't show. */}
            {i.message.replace(/:\s*$/, "")}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function RulePackPreview({ preview }: { preview: PackPreview }) {
  const rules = [...preview.rules].sort((a, b) => b.matches - a.matches);
  const silent = rules.filter((r) => r.matches === 0).length;
  return (
    <div data-testid="rulepack-preview">
      <p class="notice ok" role="status">
        The pack is valid. On this workspace's {preview.issues} issues, <strong data-testid="preview-changed">{preview.changed}</strong> would change verdict.
      </p>
      <table>
        <caption>Verdicts with this pack</caption>
        <thead>
          <tr>
            <th scope="col">Constraint</th>
            <th scope="col" class="num">
              Issues
            </th>
          </tr>
        </thead>
        <tbody>
          {[...CONSTRAINTS, "none" as const].map((k) => (
            <tr>
              <td>{k === "none" ? "none (abstain)" : k}</td>
              <td class="num">{preview.verdicts[k]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="table-wrap">
        <table data-testid="preview-rules">
          <caption>
            Matches per rule ({rules.length} rules{silent ? `, ${silent} match nothing` : ""})
          </caption>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Votes for</th>
              <th scope="col" class="num">
                Matches
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr data-rule-id={r.id}>
                <td>
                  <code>{r.id}</code>
                  {r.description ? <div class="hint">{r.description}</div> : null}
                </td>
                <td>{r.votesFor ?? "—"}</td>
                <td class="num">{r.matches}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
