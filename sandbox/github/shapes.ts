/**
 * GitHub wire shapes for the sandbox, key for key as in the responses
 * recorded in `@octokit/fixtures` (scenarios `paginate-issues`,
 * `add-labels-to-issue`, `labels`) and the payloads of
 * `@octokit/webhooks-examples`; field names per `@octokit/openapi-types`.
 * Only the values come from the sandbox state.
 */
import type { SbComment, SbIssue, SbLabel, SbMilestone, SbRepo } from "./state";

export interface Urls {
  /** `{origin}{basePath}/api`, standing in for `https://api.github.com`. */
  api: string;
  /** `{origin}{basePath}`, standing in for `https://github.com`. */
  web: string;
}

const iso = (sec: number) => new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const nodeId = (kind: string, id: number) => btoa(`0${kind.length}:${kind}${id}`);

export function userJson(u: Urls, login: string, id: number, type: "User" | "Bot" | "Organization" = "User") {
  return {
    login,
    id,
    node_id: nodeId("User", id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: "",
    url: `${u.api}/users/${login}`,
    html_url: `${u.web}/${login}`,
    followers_url: `${u.api}/users/${login}/followers`,
    following_url: `${u.api}/users/${login}/following{/other_user}`,
    gists_url: `${u.api}/users/${login}/gists{/gist_id}`,
    starred_url: `${u.api}/users/${login}/starred{/owner}{/repo}`,
    subscriptions_url: `${u.api}/users/${login}/subscriptions`,
    organizations_url: `${u.api}/users/${login}/orgs`,
    repos_url: `${u.api}/users/${login}/repos`,
    events_url: `${u.api}/users/${login}/events{/privacy}`,
    received_events_url: `${u.api}/users/${login}/received_events`,
    type,
    site_admin: false,
  };
}

/** Stable small ids for logins (users are not stored, only named). */
export function userId(login: string): number {
  let h = 7;
  for (const c of login) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 10_000 + (h % 9_000_000);
}

export function labelJson(u: Urls, repo: SbRepo, l: SbLabel) {
  return {
    id: l.id,
    node_id: nodeId("Label", l.id),
    url: `${u.api}/repos/${repo.fullName}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    default: l.isDefault,
    description: l.description,
  };
}

export function milestoneJson(u: Urls, repo: SbRepo, m: SbMilestone) {
  return {
    url: `${u.api}/repos/${repo.fullName}/milestones/${m.number}`,
    html_url: `${u.web}/${repo.fullName}/milestone/${m.number}`,
    labels_url: `${u.api}/repos/${repo.fullName}/milestones/${m.number}/labels`,
    id: m.id,
    node_id: nodeId("Milestone", m.id),
    number: m.number,
    title: m.title,
    description: m.description,
    creator: userJson(u, repo.owner, userId(repo.owner)),
    open_issues: m.openIssues,
    closed_issues: m.closedIssues,
    state: m.state,
    created_at: iso(m.createdAt),
    updated_at: iso(m.createdAt),
    due_on: m.dueOn === null ? null : iso(m.dueOn),
    closed_at: m.state === "closed" ? iso(m.dueOn ?? m.createdAt) : null,
  };
}

const ISSUE_TYPES: Record<string, { id: number; color: string; description: string }> = {
  Bug: { id: 1, color: "red", description: "An unexpected problem or behavior" },
  Feature: { id: 2, color: "blue", description: "A request, idea, or new functionality" },
  Task: { id: 3, color: "yellow", description: "A specific piece of work" },
};

export function issueJson(u: Urls, repo: SbRepo, i: SbIssue, text: { title: string; body: string }) {
  const base = `${u.api}/repos/${repo.fullName}/issues/${i.number}`;
  const assignees = i.assignees.map((a) => userJson(u, a, userId(a)));
  const milestone = i.milestone === null ? null : (repo.milestones.find((m) => m.number === i.milestone) ?? null);
  const type = i.type ? ISSUE_TYPES[i.type] : undefined;
  const out: Record<string, unknown> = {
    url: base,
    repository_url: `${u.api}/repos/${repo.fullName}`,
    labels_url: `${base}/labels{/name}`,
    comments_url: `${base}/comments`,
    events_url: `${base}/events`,
    html_url: `${u.web}/${repo.fullName}/${i.isPullRequest ? "pull" : "issues"}/${i.number}`,
    id: i.id,
    node_id: nodeId("Issue", i.id),
    number: i.number,
    title: text.title,
    user: userJson(u, i.author, userId(i.author)),
    labels: i.labels
      .map((name) => repo.labels.get(name.toLowerCase()))
      .filter((l): l is SbLabel => !!l)
      .map((l) => labelJson(u, repo, l)),
    state: i.state,
    locked: false,
    assignee: assignees[0] ?? null,
    assignees,
    milestone: milestone ? milestoneJson(u, repo, milestone) : null,
    comments: i.commentCount,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    closed_at: i.closedAt === null ? null : iso(i.closedAt),
    author_association: i.author === repo.owner ? "OWNER" : "CONTRIBUTOR",
    type:
      type && i.type
        ? {
            id: type.id,
            node_id: nodeId("IssueType", type.id),
            name: i.type,
            description: type.description,
            color: type.color,
            created_at: "2024-01-01T00:00:00Z",
            updated_at: "2024-01-01T00:00:00Z",
            is_enabled: true,
          }
        : null,
    active_lock_reason: null,
    body: text.body === "" ? null : text.body,
    reactions: {
      url: `${base}/reactions`,
      total_count: i.reactions,
      "+1": i.reactions,
      "-1": 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    },
    timeline_url: `${base}/timeline`,
    performed_via_github_app: null,
    state_reason: i.stateReason,
  };
  if (i.isPullRequest) {
    out.pull_request = {
      url: `${u.api}/repos/${repo.fullName}/pulls/${i.number}`,
      html_url: `${u.web}/${repo.fullName}/pull/${i.number}`,
      diff_url: `${u.web}/${repo.fullName}/pull/${i.number}.diff`,
      patch_url: `${u.web}/${repo.fullName}/pull/${i.number}.patch`,
      merged_at: null,
    };
  }
  return out;
}

export function commentJson(u: Urls, repo: SbRepo, issueNumber: number, c: SbComment) {
  return {
    url: `${u.api}/repos/${repo.fullName}/issues/comments/${c.id}`,
    html_url: `${u.web}/${repo.fullName}/issues/${issueNumber}#issuecomment-${c.id}`,
    issue_url: `${u.api}/repos/${repo.fullName}/issues/${issueNumber}`,
    id: c.id,
    node_id: nodeId("IssueComment", c.id),
    user: userJson(u, c.author, userId(c.author), c.author.endsWith("[bot]") ? "Bot" : "User"),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    author_association: "NONE",
    body: c.body,
    reactions: {
      url: `${u.api}/repos/${repo.fullName}/issues/comments/${c.id}/reactions`,
      total_count: 0,
      "+1": 0,
      "-1": 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    },
    performed_via_github_app: null,
  };
}

const openCounts = new WeakMap<SbRepo, { version: number; count: number }>();
/** Open issues in a repo, cached per repo version (webhook payloads carry it on every delivery). */
function openCount(repo: SbRepo): number {
  const hit = openCounts.get(repo);
  if (hit && hit.version === repo.version) return hit.count;
  const count = repo.issues.filter((i) => i?.state === "open").length;
  openCounts.set(repo, { version: repo.version, count });
  return count;
}

export function repositoryJson(u: Urls, repo: SbRepo) {
  const owner = userJson(u, repo.owner, userId(repo.owner), "Organization");
  const api = `${u.api}/repos/${repo.fullName}`;
  return {
    id: repo.id,
    node_id: nodeId("Repository", repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner,
    html_url: `${u.web}/${repo.fullName}`,
    description: repo.description,
    fork: false,
    url: api,
    issues_url: `${api}/issues{/number}`,
    labels_url: `${api}/labels{/name}`,
    milestones_url: `${api}/milestones{/number}`,
    comments_url: `${api}/comments{/number}`,
    created_at: "2021-03-01T09:00:00Z",
    updated_at: "2026-01-01T09:00:00Z",
    pushed_at: "2026-01-01T09:00:00Z",
    has_issues: true,
    open_issues_count: openCount(repo),
    visibility: repo.private ? "private" : "public",
    default_branch: "main",
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
  };
}

export function installationJson(u: Urls, inst: { id: number; account: string; appId: number; appSlug: string; createdAt: number }) {
  return {
    id: inst.id,
    account: userJson(u, inst.account, userId(inst.account), "Organization"),
    repository_selection: "selected",
    access_tokens_url: `${u.api}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${u.api}/installation/repositories`,
    html_url: `${u.web}/organizations/${inst.account}/settings/installations/${inst.id}`,
    app_id: inst.appId,
    app_slug: inst.appSlug,
    target_id: userId(inst.account),
    target_type: "Organization",
    permissions: { issues: "write", metadata: "read" },
    events: ["issues", "issue_comment"],
    created_at: iso(inst.createdAt),
    updated_at: iso(inst.createdAt),
    single_file_name: null,
    suspended_at: null,
  };
}
