/**
 * Workspace administration pages: members and invites, API tokens, erasure,
 * and the JSON export. Every route goes through `requireWorkspace`, so another
 * tenant's workspace answers 404. Forms carry `_csrf` (checked by csrfProtection).
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { insertInvite, listApiTokens, listMembers, listOpenInvites, removeMember, revokeApiToken, type ApiTokenRow } from "../db/accounts";
import { exportWorkspace } from "../db/export";
import { deleteWorkspace } from "../db/workspaces";
import { AppError } from "../errors";
import { randomSecret, sha256Hex } from "../security/ids";
import { requireWorkspace } from "../auth/access";
import { createApiToken } from "../auth/api-token";
import { accountPage, CsrfField, PostButton } from "../auth/page";
import { nowMs, publicOrigin } from "../auth/util";
import { TRACKER_LABELS } from "./auth";

export const INVITE_TTL_MS = 7 * 24 * 3600_000;

const nav = (id: string, current: "members" | "tokens") => [
  { href: `/w/${id}`, label: "Workspace" },
  { href: `/w/${id}/members`, label: "Members", current: current === "members" },
  { href: `/w/${id}/tokens`, label: "API tokens", current: current === "tokens" },
];

async function form<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.infer<T>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type))
    throw new AppError("unsupported_media_type", "Send the form as application/x-www-form-urlencoded");
  return schema.parse(await c.req.parseBody());
}

const csrf = (c: Context<AppEnv>) => c.get("session")?.csrfToken;

async function membersPage(c: Context<AppEnv>, created?: { link: string; role: string }, error?: string) {
  const ws = c.get("workspace");
  const admin = c.get("role") === "admin";
  const [members, invites] = await Promise.all([listMembers(c.env.DB, ws.id), admin ? listOpenInvites(c.env.DB, ws.id, nowMs(c)) : Promise.resolve([])]);
  const me = c.get("session")?.userId;
  return accountPage(c, {
    title: `Members of ${ws.name}`,
    status: error ? 400 : 200,
    nav: nav(ws.id, "members"),
    children: (
      <>
        <h1>Members of {ws.name}</h1>
        {error && (
          <p class="notice error" role="alert">
            {error}
          </p>
        )}
        {created && (
          <div class="notice" role="status">
            <p>Invite link for a new {created.role} (valid 7 days, single use). Copy it now: it is shown only once.</p>
            <code class="secret" data-testid="invite-link">
              {created.link}
            </code>
          </div>
        )}
        <div class="table-wrap">
          <table>
            <caption>
              {members.length} member{members.length === 1 ? "" : "s"}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Signed in with</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                {admin && (
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr>
                  <td>
                    {m.name ?? m.login}
                    {m.userId === me ? " (you)" : ""}
                  </td>
                  <td>
                    {TRACKER_LABELS[m.tracker]} ({m.login})
                  </td>
                  <td>{m.role}</td>
                  <td>{m.joinedAt.slice(0, 10)}</td>
                  {admin && (
                    <td>
                      <PostButton
                        action={`/w/${ws.id}/members/${encodeURIComponent(m.userId)}/remove`}
                        csrf={csrf(c)}
                        label="Remove"
                        ariaLabel={`Remove ${m.name ?? m.login}`}
                      />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {admin && (
          <>
            <h2>Invite someone</h2>
            <form class="stack" method="post" action={`/w/${ws.id}/invites`}>
              <CsrfField token={csrf(c)} />
              <label>
                Role
                <select name="role">
                  <option value="member">Member: can read audits</option>
                  <option value="admin">Admin: can also connect trackers, change settings, manage members</option>
                </select>
              </label>
              <div>
                <button type="submit">Create invite link</button>
              </div>
            </form>
            {invites.length > 0 && (
              <p class="muted">
                {invites.length} unused invite link{invites.length === 1 ? "" : "s"} still open.
              </p>
            )}
            <section class="danger-zone" aria-labelledby="danger">
              <h2 id="danger">Delete this workspace</h2>
              <p>
                This erases its connections, issues, classifications, audits and write-back ledger.{" "}
                <a href={`/api/v1/workspaces/${ws.id}/export`}>Download an export</a> first.
              </p>
              <form class="stack" method="post" action={`/w/${ws.id}/delete`}>
                <CsrfField token={csrf(c)} />
                <label>
                  Type the workspace name to confirm
                  <input type="text" name="confirm" autocomplete="off" required />
                </label>
                <div>
                  <button type="submit" class="danger">
                    Delete workspace
                  </button>
                </div>
              </form>
            </section>
          </>
        )}
      </>
    ),
  });
}

async function tokensPage(c: Context<AppEnv>, created?: { token: string; row: ApiTokenRow }) {
  const ws = c.get("workspace");
  const tokens = await listApiTokens(c.env.DB, ws.id);
  return accountPage(c, {
    title: `API tokens for ${ws.name}`,
    nav: nav(ws.id, "tokens"),
    children: (
      <>
        <h1>API tokens for {ws.name}</h1>
        {created && (
          <div class="notice" role="status">
            <p>
              New token “{created.row.name}” ({created.row.scope}). Copy it now: it is shown only once and we store only its hash.
            </p>
            <code class="secret" data-testid="new-token">
              {created.token}
            </code>
          </div>
        )}
        <p>
          Send a token as <code>Authorization: Bearer ba_…</code> to the API. A read token can only make GET requests.
        </p>
        <div class="table-wrap">
          <table>
            <caption>Tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr>
                  <td>{t.name}</td>
                  <td>{t.scope}</td>
                  <td>{t.createdAt.slice(0, 10)}</td>
                  <td>{t.lastUsedAt ? t.lastUsedAt.slice(0, 16).replace("T", " ") : "never"}</td>
                  <td>
                    {t.revokedAt ? (
                      `revoked ${t.revokedAt.slice(0, 10)}`
                    ) : (
                      <PostButton
                        action={`/w/${ws.id}/tokens/${encodeURIComponent(t.id)}/revoke`}
                        csrf={csrf(c)}
                        label="Revoke"
                        ariaLabel={`Revoke ${t.name}`}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h2>Create a token</h2>
        <form class="stack" method="post" action={`/w/${ws.id}/tokens`}>
          <CsrfField token={csrf(c)} />
          <label>
            Name
            <input type="text" name="name" required maxlength={80} />
          </label>
          <label>
            Scope
            <select name="scope">
              <option value="read">read: GET only</option>
              <option value="write">write: read and change</option>
            </select>
          </label>
          <div>
            <button type="submit">Create token</button>
          </div>
        </form>
      </>
    ),
  });
}

const member = requireWorkspace("member");
const admin = requireWorkspace("admin");

/**
 * @example
 * app.route("/", workspaceRoutes);
 */
export const workspaceRoutes = new Hono<AppEnv>()
  .get("/w/:workspaceId/members", member, (c) => membersPage(c))
  .post("/w/:workspaceId/invites", admin, async (c) => {
    const { role } = await form(c, z.object({ role: z.enum(["admin", "member"]) }));
    const secret = `bai_${randomSecret(32)}`;
    const now = nowMs(c);
    await insertInvite(c.env.DB, {
      id: await sha256Hex(secret),
      workspaceId: c.get("workspace").id,
      role,
      createdBy: c.get("session")?.userId ?? null,
      now,
      expiresAt: now + INVITE_TTL_MS,
    });
    return membersPage(c, { link: `${publicOrigin(c)}/invite/${secret}`, role });
  })
  .post("/w/:workspaceId/members/:userId/remove", admin, async (c) => {
    const ws = c.get("workspace");
    const r = await removeMember(c.env.DB, ws.id, c.req.param("userId"));
    if (r === "not_member") throw new AppError("not_found", "No such member");
    if (r === "last_admin") return membersPage(c, undefined, "A workspace needs at least one admin: make someone else admin first.");
    return c.redirect(`/w/${ws.id}/members`, 303);
  })
  .get("/w/:workspaceId/tokens", admin, (c) => tokensPage(c))
  .post("/w/:workspaceId/tokens", admin, async (c) => {
    const { name, scope } = await form(c, z.object({ name: z.string().trim().min(1).max(80), scope: z.enum(["read", "write"]) }));
    const created = await createApiToken(c.env.DB, {
      workspaceId: c.get("workspace").id,
      name,
      scope,
      createdBy: c.get("session")?.userId ?? null,
      now: nowMs(c),
    });
    return tokensPage(c, created);
  })
  .post("/w/:workspaceId/tokens/:tokenId/revoke", admin, async (c) => {
    const ws = c.get("workspace");
    if (!(await revokeApiToken(c.env.DB, ws.id, c.req.param("tokenId"), nowMs(c)))) throw new AppError("not_found", "No such active token in this workspace");
    return c.redirect(`/w/${ws.id}/tokens`, 303);
  })
  .post("/w/:workspaceId/delete", admin, async (c) => {
    const ws = c.get("workspace");
    const { confirm } = await form(c, z.object({ confirm: z.string().max(500).default("") }));
    if (confirm.trim() !== ws.name.trim()) return membersPage(c, undefined, "The name you typed does not match the workspace name: nothing was deleted.");
    await deleteWorkspace(c.env.DB, ws.id);
    c.get("log")?.info("workspace deleted", { workspaceId: ws.id });
    return c.redirect("/", 303);
  })
  .get("/api/v1/workspaces/:workspaceId/export", admin, async (c) => {
    const ws = c.get("workspace");
    const doc = await exportWorkspace(c.env.DB, ws.id, nowMs(c));
    if (!doc) throw new AppError("not_found", "No such workspace, or you don't have access to it");
    c.header("content-disposition", `attachment; filename="backlog-auditor-${ws.id}.json"`);
    c.header("cache-control", "no-store");
    return c.json(doc);
  });
