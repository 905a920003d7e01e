/** The shell for account pages: the shared report `Layout`, form CSS, and a sign-out form when signed in. */
import type { Child } from "hono/jsx";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { Layout, type NavLink } from "../report/layout";
import "./types";

const FORM_CSS = `
form.inline{display:inline}
.stack{display:grid;gap:.75rem;max-width:28rem}
label{display:grid;gap:.25rem;font-weight:600}
input[type=text],select{font:inherit;padding:.4rem .5rem;border:1px solid var(--line);border-radius:.35rem}
button,.button{font:inherit;padding:.4rem .9rem;border:1px solid var(--accent);border-radius:.35rem;background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:var(--accent)}
button.danger{background:#c62828;border-color:#c62828}
.notice{border-left:4px solid var(--accent);background:#eef3fb;padding:.75rem 1rem;margin:1rem 0}
.notice.error{border-color:#c62828;background:#fbe1e1}
.secret{display:block;font-size:1rem;padding:.5rem;word-break:break-all;user-select:all}
.signin{display:grid;gap:.75rem;max-width:20rem;margin-top:1.5rem}
.danger-zone{border:1px solid #c62828;border-radius:.5rem;padding:1rem;margin-top:2rem}
`;

/** A hidden `_csrf` field for forms posted from a session. */
export const CsrfField = ({ token }: { token: string | undefined }) => (token ? <input type="hidden" name="_csrf" value={token} /> : null);

/** A one-button form that posts to `action` with the session's CSRF token (row actions: remove, revoke, undo, sync). */
export const PostButton = (p: { action: string; csrf: string | undefined; label: string; ariaLabel?: string; testId?: string; secondary?: boolean }) => (
  <form class="inline" method="post" action={p.action}>
    <CsrfField token={p.csrf} />
    <button type="submit" class={p.secondary === false ? undefined : "secondary"} aria-label={p.ariaLabel} data-testid={p.testId}>
      {p.label}
    </button>
  </form>
);

/** The header's "who is signed in" with a CSRF-protected sign-out button. */
export const SignOutForm = ({ session }: { session: { csrfToken: string; user: { name: string | null; login: string } } }) => (
  <form class="inline" method="post" action="/signout">
    <CsrfField token={session.csrfToken} />
    <span class="muted">{session.user.name ?? session.user.login} </span>
    <button type="submit" class="secondary">
      Sign out
    </button>
  </form>
);

export function accountPage(c: Context<AppEnv>, p: { title: string; nav?: NavLink[]; children: Child; status?: 200 | 400 | 404 | 410 }) {
  const session = c.get("session");
  const header = session ? <SignOutForm session={session} /> : null;
  c.header("cache-control", "no-store");
  return c.html(
    <Layout title={`${p.title} · Backlog Auditor`} nonce={c.get("secureHeadersNonce")} nav={p.nav} headerSlot={header} css={FORM_CSS}>
      {p.children}
    </Layout>,
    p.status ?? 200,
  );
}
