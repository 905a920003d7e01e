/**
 * The sandbox's REST answers validate against jira.js 6's own runtime zod
 * schemas (jira.js 6 ships them: `apiObject` models under jira.js/cloud).
 */
import { describe, expect, it } from "vitest";
import {
  BulkIssueResultsSchema,
  ComponentSchema,
  DashboardUserSchema,
  DocumentSchema,
  IssueTypeDetailsSchema,
  PrioritySchema,
  ProjectSchema,
  ResolutionSchema,
  ServerInformationSchema,
  StatusDetailsSchema,
  VotesSchema,
  ContainerForRegisteredWebhooksSchema,
  FieldSchema,
  IssueSchema,
  PageOfCommentsSchema,
  PageProjectSchema,
  PageWebhookSchema,
  SearchAndReconcileResultsSchema,
  UserDetailsSchema,
  WebhooksExpirationDateSchema,
} from "jira.js/cloud";
import { z } from "zod";
import { createJiraSandbox } from "../../../../sandbox/jira";

const O = "http://sandbox.test";

async function setup() {
  const sb = createJiraSandbox({ clientId: "c", clientSecret: "s", origin: O, seed: { issuesPerProject: 12 } });
  const site = sb.defaultSite();
  const { accessToken } = sb.issueToken();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await sb.fetch(
      new Request(`${O}/jira/api/ex/jira/${site.id}/rest/api/3${path}`, {
        method,
        headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    return { status: res.status, data: res.status === 204 ? null : ((await res.json()) as unknown) };
  };
  await sb.humanComment(site.id, "AUD-1", "A comment with\n\n### A heading");
  return { sb, site, call };
}

const ok = (schema: z.ZodType, data: unknown) => {
  const r = schema.safeParse(data);
  expect(r.success, r.success ? "" : JSON.stringify(r.error.issues.slice(0, 3))).toBe(true);
};

describe("sandbox answers match jira.js 6 schemas", () => {
  it("search/jql, issue, bulkfetch, field, comments, myself, projects, webhooks", async () => {
    const { call } = await setup();
    const fields = [
      "summary",
      "description",
      "status",
      "priority",
      "issuetype",
      "labels",
      "components",
      "comment",
      "votes",
      "updated",
      "customfield_10016",
      "customfield_10020",
    ];
    const search = await call("POST", "/search/jql", { jql: 'project = "AUD" ORDER BY updated ASC, key ASC', maxResults: 5, fields });
    expect(search.status).toBe(200);
    ok(SearchAndReconcileResultsSchema, search.data);
    for (const issue of (search.data as { issues: Array<{ fields: Record<string, unknown> }> }).issues) {
      ok(IssueSchema, issue);
      // jira.js types `fields` as a loose record: check each field's value against its own jira.js model.
      const f = issue.fields;
      ok(StatusDetailsSchema, f.status);
      ok(IssueTypeDetailsSchema, f.issuetype);
      ok(VotesSchema, f.votes);
      ok(PageOfCommentsSchema, f.comment);
      ok(DocumentSchema.nullable(), f.description);
      ok(PrioritySchema.nullable(), f.priority);
      for (const c of f.components as unknown[]) ok(ComponentSchema, c);
    }
    const full = (await call("GET", "/issue/AUD-1?fields=project,resolution,assignee,created,updated,resolutiondate")).data as {
      fields: Record<string, unknown>;
    };
    ok(ProjectSchema, full.fields.project);
    ok(ResolutionSchema.nullable(), full.fields.resolution);
    ok(UserDetailsSchema.nullable(), full.fields.assignee);
    for (const k of ["created", "updated"]) expect(full.fields[k]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/);
    ok(IssueSchema, (await call("GET", "/issue/AUD-1?fields=summary,comment")).data);
    ok(BulkIssueResultsSchema, (await call("POST", "/issue/bulkfetch", { issueIdsOrKeys: ["AUD-1", "AUD-2"], fields })).data);
    ok(z.array(FieldSchema), (await call("GET", "/field")).data);
    const comments = await call("GET", "/issue/AUD-1/comment");
    ok(PageOfCommentsSchema, comments.data);
    expect((comments.data as { total: number }).total).toBe(1);
    ok(UserDetailsSchema, (await call("GET", "/myself")).data);
    ok(DashboardUserSchema, (await call("GET", "/myself")).data);
    ok(ServerInformationSchema, (await call("GET", "/serverInfo")).data);
    ok(PageProjectSchema, (await call("GET", "/project/search")).data);
    const reg = await call("POST", "/webhook", {
      url: "https://svc.example/hooks/jira",
      webhooks: [{ events: ["jira:issue_updated"], jqlFilter: 'project in ("AUD")' }],
    });
    ok(ContainerForRegisteredWebhooksSchema, reg.data);
    ok(PageWebhookSchema, (await call("GET", "/webhook")).data);
    ok(WebhooksExpirationDateSchema, (await call("PUT", "/webhook/refresh", { webhookIds: [1] })).data);
  });

  it("the removed /search answers 410 Gone, and search/jql refuses unbounded JQL", async () => {
    const { call } = await setup();
    expect((await call("GET", "/search?jql=project%3DAUD")).status).toBe(410);
    expect((await call("POST", "/search", { jql: "project = AUD" })).status).toBe(410);
    expect((await call("POST", "/search/jql", { jql: "ORDER BY key DESC" })).status).toBe(400);
  });
});
