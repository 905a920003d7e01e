/**
 * Jira REST v3 shapes for the sandbox's state: issues with an explicit field
 * list, comments with ADF bodies, the site's field list, webhook bodies.
 */
import { jiraTime } from "./time";
import { textToAdf, BOT, CATEGORIES, ISSUE_TYPES, PRIORITIES, STATUSES, USER, type SandboxComment, type SandboxIssue, type SandboxSite } from "./state";

export interface RenderCtx {
  site: SandboxSite;
  /** `{origin}/jira/api/ex/jira/{cloudId}/rest/api/3` */
  apiRoot: string;
  tz: string;
}

const user = (ctx: RenderCtx, accountId: string) => {
  const u = accountId === BOT.accountId ? BOT : USER;
  return {
    self: `${ctx.apiRoot}/user?accountId=${u.accountId}`,
    accountId: u.accountId,
    displayName: u.displayName,
    active: true,
    accountType: accountId === BOT.accountId ? "app" : "atlassian",
    timeZone: ctx.tz,
  };
};

export function renderComment(ctx: RenderCtx, issue: SandboxIssue, c: SandboxComment) {
  return {
    self: `${ctx.apiRoot}/issue/${issue.id}/comment/${c.id}`,
    id: String(c.id),
    author: user(ctx, c.authorId),
    body: c.body,
    updateAuthor: user(ctx, c.authorId),
    created: jiraTime(c.created, ctx.tz),
    updated: jiraTime(c.updated, ctx.tz),
    jsdPublic: true,
  };
}

/** Every field the sandbox knows, by id, for one issue. */
function allFields(ctx: RenderCtx, i: SandboxIssue): Record<string, unknown> {
  const status = STATUSES[i.status]!;
  const cat = CATEGORIES[status.cat];
  const project = ctx.site.projects.get(i.project)!;
  const sprints = i.sprintIds.flatMap((id) => {
    const s = ctx.site.sprints.find((x) => x.id === id);
    if (!s) return [];
    return [
      {
        id: s.id,
        name: s.name,
        state: s.state,
        boardId: s.boardId,
        goal: s.goal,
        ...(s.startDate !== undefined ? { startDate: new Date(s.startDate).toISOString() } : {}),
        ...(s.endDate !== undefined ? { endDate: new Date(s.endDate).toISOString() } : {}),
        ...(s.completeDate !== undefined ? { completeDate: new Date(s.completeDate).toISOString() } : {}),
      },
    ];
  });
  return {
    summary: i.summary,
    description: i.body ? textToAdf(i.body) : null,
    status: {
      self: `${ctx.apiRoot}/status/${status.id}`,
      description: "",
      iconUrl: `${ctx.site.url}/images/icons/statuses/generic.png`,
      name: status.name,
      id: status.id,
      statusCategory: { self: `${ctx.apiRoot}/statuscategory/${cat.id}`, ...cat },
    },
    priority:
      i.priority === null
        ? null
        : {
            self: `${ctx.apiRoot}/priority/${i.priority + 1}`,
            iconUrl: `${ctx.site.url}/images/icons/priorities/p${i.priority + 1}.svg`,
            name: PRIORITIES[i.priority],
            id: String(i.priority + 1),
          },
    issuetype: {
      self: `${ctx.apiRoot}/issuetype/${10001 + i.type}`,
      id: String(10001 + i.type),
      description: "",
      iconUrl: `${ctx.site.url}/images/icons/issuetypes/${ISSUE_TYPES[i.type]!.toLowerCase()}.svg`,
      name: ISSUE_TYPES[i.type],
      subtask: false,
      hierarchyLevel: 0,
    },
    labels: [...i.labels],
    components: i.components.map((name, k) => ({ self: `${ctx.apiRoot}/component/${10100 + k}`, id: String(10100 + k), name })),
    votes: { self: `${ctx.apiRoot}/issue/${i.key}/votes`, votes: i.votes, hasVoted: false },
    // Jira's `watches` field: the reporter and everyone who commented watch by default (the sandbox has no explicit watch list).
    watches: { self: `${ctx.apiRoot}/issue/${i.key}/watchers`, watchCount: 1 + new Set(i.comments.map((c) => c.authorId)).size, isWatching: false },
    comment: {
      comments: i.comments.map((c) => renderComment(ctx, i, c)),
      self: `${ctx.apiRoot}/issue/${i.id}/comment`,
      maxResults: i.comments.length,
      total: i.comments.length,
      startAt: 0,
    },
    project: {
      self: `${ctx.apiRoot}/project/${project.id}`,
      id: project.id,
      key: project.key,
      name: project.name,
      projectTypeKey: "software",
      simplified: false,
    },
    assignee: i.assignee ? user(ctx, i.assignee) : null,
    created: jiraTime(i.created, ctx.tz),
    updated: jiraTime(i.updated, ctx.tz),
    resolutiondate: i.resolved === null ? null : jiraTime(i.resolved, ctx.tz),
    resolution:
      i.resolved === null
        ? null
        : {
            self: `${ctx.apiRoot}/resolution/1`,
            id: "1",
            description: "Work has been completed.",
            name: STATUSES[i.status]!.name === "Won't Do" ? "Won't Do" : "Done",
          },
    [ctx.site.storyPoints.id]: i.points,
    [ctx.site.sprint.id]: sprints.length ? sprints : null,
    customfield_10019: `0|i000${i.num.toString(36)}:`,
  };
}

/** An issue as search/jql, bulkfetch and GET issue return it. `fields` null = `*all`. */
export function renderIssue(ctx: RenderCtx, i: SandboxIssue, fields: string[] | null) {
  const all = allFields(ctx, i);
  let picked: Record<string, unknown> = all;
  if (fields) {
    const want = new Set(fields.flatMap((f) => f.split(",")).map((f) => f.trim()));
    if (!want.has("*all") && !want.has("*navigable")) {
      picked = {};
      for (const f of want) if (f in all) picked[f] = all[f];
    }
  }
  const out: Record<string, unknown> = {
    expand: "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
    id: String(i.id),
    self: `${ctx.apiRoot}/issue/${i.id}`,
    key: i.key,
  };
  if (!fields || fields.some((f) => f !== "id" && f !== "key")) out.fields = picked;
  return out;
}

/** `GET /rest/api/3/field`: system fields plus the site's custom fields (ids differ per site), with decoys. */
export function renderFields(site: SandboxSite) {
  const sys = (id: string, name: string, type: string, extra: Record<string, unknown> = {}) => ({
    id,
    key: id,
    name,
    custom: false,
    orderable: true,
    navigable: true,
    searchable: true,
    clauseNames: [id],
    schema: { type, system: id, ...extra },
  });
  const custom = (id: string, name: string, type: string, customType: string, items?: string) => ({
    id,
    key: id,
    name,
    untranslatedName: name,
    custom: true,
    orderable: true,
    navigable: true,
    searchable: true,
    clauseNames: [`cf[${id.replace("customfield_", "")}]`, name],
    schema: { type, ...(items ? { items } : {}), custom: customType, customId: Number(id.replace("customfield_", "")) },
  });
  return [
    sys("summary", "Summary", "string"),
    sys("description", "Description", "string"),
    sys("status", "Status", "status"),
    sys("priority", "Priority", "priority"),
    sys("issuetype", "Issue Type", "issuetype"),
    sys("labels", "Labels", "array", { items: "string" }),
    sys("components", "Components", "array", { items: "component" }),
    sys("votes", "Votes", "votes"),
    sys("watches", "Watchers", "watches"),
    sys("comment", "Comment", "comments-page"),
    sys("project", "Project", "project"),
    sys("assignee", "Assignee", "user"),
    sys("created", "Created", "datetime"),
    sys("updated", "Updated", "datetime"),
    sys("resolutiondate", "Resolved", "datetime"),
    sys("resolution", "Resolution", "resolution"),
    custom("customfield_10019", "Rank", "any", "com.pyxis.greenhopper.jira:gh-lexo-rank"),
    // A decoy: a float field whose name is not a story-point name.
    custom(
      site.sprint.id === "customfield_10020" ? "customfield_10015" : "customfield_10031",
      "Business Value",
      "number",
      "com.atlassian.jira.plugin.system.customfieldtypes:float",
    ),
    custom(site.storyPoints.id, site.storyPoints.name, "number", "com.atlassian.jira.plugin.system.customfieldtypes:float"),
    custom(site.sprint.id, "Sprint", "array", "com.pyxis.greenhopper.jira:gh-sprint", "json"),
  ];
}

/** A webhook body for an issue or comment event. */
export function webhookBody(
  ctx: RenderCtx,
  event: string,
  i: SandboxIssue,
  matchedWebhookIds: number[],
  extra: { comment?: SandboxComment; changelog?: Array<{ field: string; fromString: string | null; toString: string | null }> } = {},
) {
  const base = { timestamp: Date.now(), webhookEvent: event, matchedWebhookIds };
  if (event.startsWith("comment_")) {
    const slim = renderIssue(ctx, i, ["summary", "status", "priority", "issuetype", "project", "assignee"]);
    return { ...base, comment: extra.comment ? renderComment(ctx, i, extra.comment) : undefined, issue: slim };
  }
  return {
    ...base,
    issue_event_type_name: event === "jira:issue_created" ? "issue_created" : event === "jira:issue_deleted" ? "issue_deleted" : "issue_generic",
    user: { accountId: USER.accountId, displayName: USER.displayName, active: true, accountType: "atlassian", timeZone: ctx.tz },
    issue: renderIssue(ctx, i, null),
    ...(extra.changelog
      ? { changelog: { id: String(Date.now() % 1_000_000), items: extra.changelog.map((c) => ({ ...c, fieldtype: "jira", from: null, to: null })) } }
      : {}),
  };
}
