/** @jsxImportSource hono/jsx */
/**
 * What every workspace page shares: the nav, the page shell (the report
 * `Layout` with a sign-out form), the `?done=` flash, form reading and small
 * formatting components. No inline scripts anywhere: forms and `<details>`
 * carry the interaction, and the only inline `<style>` gets the CSP nonce.
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../../app-env";
import { CsrfField, PostButton, SignOutForm } from "../../auth/page";
import type { Workspace } from "../../db/workspaces";
import { AppError } from "../../errors";
import { Layout, type NavLink } from "../../report/layout";
import "../../auth/types";

export { CsrfField, PostButton };

export type Section = "report" | "connections" | "review" | "writeback" | "settings" | "members" | "tokens";

/**
 * The workspace nav: Report · Connections · Review · Write-back · Settings · Members · API tokens.
 *
 * @example
 * workspaceNav("ws_1", "settings")[3]; // { href: "/w/ws_1/settings", label: "Settings", current: true }
 */
export function workspaceNav(workspaceId: string, current?: Section): NavLink[] {
  const id = encodeURIComponent(workspaceId);
  const items: Array<[Section, string]> = [
    ["report", "Report"],
    ["connections", "Connections"],
    ["review", "Review"],
    ["writeback", "Write-back"],
    ["settings", "Settings"],
    ["members", "Members"],
    ["tokens", "API tokens"],
  ];
  return items.map(([s, label]) => ({ href: `/w/${id}/${s}`, label, current: s === current }));
}

/** Static page CSS (never user text): forms, notices, the editor, visible focus. */
export const PAGE_CSS = `
:focus-visible{outline:3px solid #1f5fbf;outline-offset:2px}
form.inline{display:inline}
.stack{display:grid;gap:.75rem;max-width:36rem}
label{font-weight:600}
.stack label,.field{display:grid;gap:.25rem}
fieldset{border:1px solid var(--line);border-radius:.5rem;padding:.5rem 1rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.stack fieldset label,fieldset label{display:block;font-weight:400;margin:.25rem 0}
.hint{color:var(--muted);font-size:.875rem;font-weight:400}
input[type=text],input[type=number],select,textarea{font:inherit;padding:.4rem .5rem;border:1px solid #8a8a93;border-radius:.35rem}
textarea{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875rem;width:100%;min-height:24rem;line-height:1.4;tab-size:2}
button,.button{font:inherit;padding:.4rem .9rem;border:1px solid var(--accent);border-radius:.35rem;background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:var(--accent)}
button.danger{background:#c62828;border-color:#c62828}
button[disabled]{opacity:.55;cursor:not-allowed}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0}
.notice{border-left:4px solid var(--accent);background:#eef3fb;padding:.75rem 1rem;margin:1rem 0}
.notice.error{border-color:#c62828;background:#fbe1e1}
.notice.ok{border-color:#2e7d32;background:#e3f1e4}
.card{border:1px solid var(--line);border-radius:.5rem;padding:1rem 1.25rem;margin:1rem 0}
.card h2,.card h3{margin-top:.25rem}
.editor td:first-child{white-space:normal;overflow-wrap:anywhere}
.editor{display:grid;grid-template-columns:minmax(0,3fr) minmax(16rem,2fr);gap:1.5rem;align-items:start}
@media (max-width:60rem){.editor{grid-template-columns:1fr}}
.errors{margin:0;padding-left:1.25rem}
.errors li{margin:.25rem 0}
.loc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
pre.source{max-height:30rem;overflow:auto;background:#f6f6f8;padding:.75rem;border-radius:.35rem;font-size:.8rem}
.method{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase;font-family:ui-monospace,monospace}
.op{border-top:1px solid var(--line);padding:.75rem 0}
.status-running{color:#1f5fbf;font-weight:600}.status-error{color:#c62828;font-weight:600}.status-waiting{color:#b26a00;font-weight:600}
.change-add{color:#2e7d32}.change-remove{color:#c62828}
`;

export interface PageOptions {
  title: string;
  section?: Section;
  status?: 200 | 400 | 404 | 409 | 422 | 502;
  children: Child;
}

/** Renders a workspace page (or, without a workspace, a plain page) with no-store caching. */
export function renderPage(c: Context<AppEnv>, p: PageOptions) {
  const session = c.get("session");
  // Unset on pages outside a workspace (the API reference).
  const ws = c.get("workspace") as Workspace | undefined;
  const header = session ? <SignOutForm session={session} /> : null;
  c.header("cache-control", "no-store");
  return c.html(
    <Layout
      title={`${p.title} · Backlog Auditor`}
      nonce={c.get("secureHeadersNonce")}
      nav={ws ? workspaceNav(ws.id, p.section) : []}
      headerSlot={header}
      css={PAGE_CSS}
    >
      {p.children}
    </Layout>,
    p.status ?? 200,
  );
}

/** The CSRF token of the signed-in session; undefined in the no-session demo (then only Origin is checked). */
export const csrfToken = (c: Context<AppEnv>): string | undefined => c.get("session")?.csrfToken;

/** Reads a urlencoded or multipart form body (already parsed and cached by the CSRF check when it ran). */
export async function readForm(c: Context<AppEnv>): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
    throw new AppError("unsupported_media_type", "Send the form as application/x-www-form-urlencoded or multipart/form-data");
  }
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}

/** Redirect after a successful POST (303), with a short flash code for the status message. */
export function redirectDone(c: Context<AppEnv>, path: string, done: string, extra: Record<string, string | number> = {}) {
  const q = new URLSearchParams({ done, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])) });
  return c.redirect(`${path}?${q}`, 303);
}

const count = (q: URLSearchParams, k: string) => {
  const n = Number.parseInt(q.get(k) ?? "", 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
};
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Flash messages are fixed sentences chosen by code (only counts come from the
 * URL), so a crafted link can't put words in the app's mouth.
 */
const FLASH: Record<string, (q: URLSearchParams) => string> = {
  "sync-queued": () => "Sync queued: progress shows below.",
  "failure-retried": () => "Retry queued: the failure was removed from the list; if it fails again it comes back.",
  syncing: () => "Connected: the first sync has started and its progress shows below.",
  disconnected: () => "Disconnected: the tracker's tokens were deleted. The ledger keeps its history.",
  "write-mode-saved": () => "Write mode saved.",
  "settings-saved": () => "Settings saved.",
  "rules-saved": () => "Rule pack saved: the workspace is being reclassified in the background.",
  "rules-reset": () => "Rule pack reset to the default: the workspace is being reclassified in the background.",
  "run-dry-run": (q) => `Dry run recorded: ${plural(count(q, "planned"), "change")} planned and written to the ledger, nothing sent to the tracker.`,
  "run-on": (q) =>
    `Write-back ran: ${plural(count(q, "applied"), "change")} applied, ${count(q, "failed")} failed${count(q, "capped") ? `, ${plural(count(q, "capped"), "action")} left for the next run by the cap` : ""}.`,
  "run-waiting": (q) => `Write-back paused by the tracker's rate limit after ${plural(count(q, "applied"), "change")}; it resumes automatically.`,
  answered: () => "Answer recorded: it is the issue's verdict now. Next question:",
  "answered-planned": () => "Answer recorded; the label was planned in dry-run (see the Write-back page). Next question:",
  "answered-written": () => "Answer recorded and its label written (the run can be undone on the Write-back page). Next question:",
  "target-saved": () => "Target precision saved: the threshold was chosen again from the stored backtest.",
  "training-queued": () => "Training queued: reload in a moment to see whether the workspace model went live, or why not.",
  "mapping-accepted": () => "Mapping accepted into the workspace's rule pack: the workspace is being reclassified in the background.",
  undone: (q) => `Run undone: ${plural(count(q, "reverted"), "change")} reverted, ${count(q, "skipped")} skipped because a person changed them since.`,
};

/** The `?done=` status message, or nothing. */
export function Flash({ c }: { c: Context<AppEnv> }) {
  const q = new URL(c.req.url).searchParams;
  const make = FLASH[q.get("done") ?? ""];
  if (!make) return null;
  return (
    <p class="notice ok" role="status" data-testid="flash">
      {make(q)}
    </p>
  );
}

/** An error notice (role=alert) for a failed POST rendered in place. */
export const ErrorNotice = ({ message }: { message?: string | null }) =>
  message ? (
    <p class="notice error" role="alert" data-testid="page-error">
      {message}
    </p>
  ) : null;

/** `2026-11-21 21:42 UTC` inside `<time>`, or a dash. */
export function When({ at, empty = "—" }: { at: string | null | undefined; empty?: string }) {
  if (!at) return <span class="muted">{empty}</span>;
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return <span>{at}</span>;
  return <time datetime={d.toISOString()}>{`${d.toISOString().slice(0, 16).replace("T", " ")} UTC`}</time>;
}

/** Shortens long stored values for table cells; the full value stays in the export. */
export function clip(s: string | null | undefined, max = 80): string {
  if (s == null) return "";
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
