/**
 * One function per GitHub REST endpoint we use, over the shared `HttpClient`
 * (injected fetch, timeout, status → ConnectorError mapping, rate-limit
 * headers). Responses are returned as `unknown` JSON or parsed with the
 * schemas in `schema.ts`; the connector decides what to do with them.
 *
 * We do not use Octokit here: its request pipeline throws its own
 * `RequestError`, and its retry/throttling plugins would retry behind the
 * pipeline's back; the thin client keeps one error mapping for all trackers
 * and adds nothing to the Worker bundle.
 *
 * @example
 * const gh = new GithubClient(http, "https://api.github.com");
 * const { items, next } = await gh.listIssues(token, "octo/repo", { since, page: 1 });
 */
import type { z } from "zod";
import { ConnectorError } from "../errors";
import { parseOrThrow, type HttpClient } from "../http";
import {
  CommentListSchema,
  CommentSchema,
  InstallationRepositoriesSchema,
  InstallationTokenSchema,
  LabelListSchema,
  LabelSchema,
  RepositoryListSchema,
  UserInstallationsSchema,
  UserResponseSchema,
} from "./schema";

export const GITHUB_PAGE_SIZE = 100;
const API_VERSION = "2022-11-28";

/** Parse an RFC 8288 `Link` header into rel → URL. */
export function parseLinkHeader(value: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  for (const part of value.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (m) for (const rel of m[2]!.split(/\s+/)) out[rel] = m[1]!;
  }
  return out;
}

const enc = encodeURIComponent;
const repoPath = (fullName: string) => fullName.split("/").map(enc).join("/");

export class GithubClient {
  constructor(
    readonly http: HttpClient,
    private readonly apiBase: string,
  ) {}

  private headers(token: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      authorization: `Bearer ${token}`,
      accept: "application/vnd.github+json",
      "x-github-api-version": API_VERSION,
      ...extra,
    };
  }

  private url(path: string, query: Record<string, string | number | undefined> = {}): string {
    const u = new URL(this.apiBase.replace(/\/$/, "") + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  private async getJson(token: string, url: string) {
    return this.http.json({ url, headers: this.headers(token) });
  }

  /** Follow `Link: rel=next` and concatenate array pages (small lists: labels, comments, repos). */
  private async getAllPages<T>(token: string, firstUrl: string, schema: z.ZodType<T[]>, what: string, maxPages = 50): Promise<T[]> {
    const out: T[] = [];
    let url: string | undefined = firstUrl;
    for (let i = 0; url && i < maxPages; i++) {
      const res: { headers: Headers; data: unknown } = await this.getJson(token, url);
      out.push(...parseOrThrow(schema, res.data, "github", what));
      url = parseLinkHeader(res.headers.get("link")).next;
    }
    return out;
  }

  /** `GET /repos/{o}/{r}/issues?state=all&sort=updated&direction=asc&since&per_page=100&page`. */
  async listIssues(token: string, repo: string, p: { since: string | null; page: number }): Promise<{ items: unknown[]; next: string | null }> {
    const url = this.url(`/repos/${repoPath(repo)}/issues`, {
      state: "all",
      sort: "updated",
      direction: "asc",
      per_page: GITHUB_PAGE_SIZE,
      since: p.since ?? undefined,
      page: p.page > 1 ? p.page : undefined,
    });
    const res = await this.getJson(token, url);
    if (!Array.isArray(res.data)) throw new ConnectorError("invalid-response", "github issue list is not an array", { tracker: "github" });
    return { items: res.data, next: parseLinkHeader(res.headers.get("link")).next ?? null };
  }

  /** `GET /repos/{o}/{r}/issues/{n}`; null when missing or deleted (404/410). */
  async getIssue(token: string, repo: string, number: number): Promise<unknown | null> {
    try {
      return (await this.getJson(token, this.url(`/repos/${repoPath(repo)}/issues/${number}`))).data;
    } catch (e) {
      if (e instanceof ConnectorError && e.code === "not-found") return null;
      throw e;
    }
  }

  /** `GET /repos/{o}/{r}/issues/{n}/labels`. */
  issueLabels(token: string, repo: string, number: number) {
    return this.getAllPages(token, this.url(`/repos/${repoPath(repo)}/issues/${number}/labels`, { per_page: 100 }), LabelListSchema, "issue labels");
  }

  /** `GET /repos/{o}/{r}/labels` (all pages). */
  repoLabels(token: string, repo: string) {
    return this.getAllPages(token, this.url(`/repos/${repoPath(repo)}/labels`, { per_page: 100 }), LabelListSchema, "repository labels");
  }

  /** `POST /repos/{o}/{r}/labels`; returns false when it already exists (422 already_exists). */
  async createLabel(token: string, repo: string, label: { name: string; color: string; description: string }): Promise<boolean> {
    try {
      const res = await this.http.json({ method: "POST", url: this.url(`/repos/${repoPath(repo)}/labels`), headers: this.headers(token), body: label });
      parseOrThrow(LabelSchema, res.data, "github", "created label");
      return true;
    } catch (e) {
      if (e instanceof ConnectorError && e.details.status === 422 && /already_exists/.test(e.message)) return false;
      throw e;
    }
  }

  /** `POST /repos/{o}/{r}/issues/{n}/labels`: adds, returns the issue's labels after. */
  async addLabels(token: string, repo: string, number: number, labels: string[]) {
    const res = await this.http.json({
      method: "POST",
      url: this.url(`/repos/${repoPath(repo)}/issues/${number}/labels`),
      headers: this.headers(token),
      body: { labels },
    });
    return parseOrThrow(LabelListSchema, res.data, "github", "issue labels");
  }

  /** `DELETE /repos/{o}/{r}/issues/{n}/labels/{name}`: returns the labels after, or null if it was not there. */
  async removeLabel(token: string, repo: string, number: number, name: string) {
    try {
      const res = await this.http.json({ method: "DELETE", url: this.url(`/repos/${repoPath(repo)}/issues/${number}/labels/${enc(name)}`), headers: this.headers(token) });
      return parseOrThrow(LabelListSchema, res.data, "github", "issue labels");
    } catch (e) {
      if (e instanceof ConnectorError && e.code === "not-found") return null;
      throw e;
    }
  }

  /** `GET /repos/{o}/{r}/issues/{n}/comments` (all pages). */
  listComments(token: string, repo: string, number: number) {
    return this.getAllPages(token, this.url(`/repos/${repoPath(repo)}/issues/${number}/comments`, { per_page: 100 }), CommentListSchema, "issue comments");
  }

  /** `POST /repos/{o}/{r}/issues/{n}/comments`. */
  async createComment(token: string, repo: string, number: number, body: string) {
    const res = await this.http.json({ method: "POST", url: this.url(`/repos/${repoPath(repo)}/issues/${number}/comments`), headers: this.headers(token), body: { body } });
    return parseOrThrow(CommentSchema, res.data, "github", "created comment");
  }

  /** `PATCH /repos/{o}/{r}/issues/comments/{id}`. */
  async updateComment(token: string, repo: string, id: number, body: string) {
    const res = await this.http.json({ method: "PATCH", url: this.url(`/repos/${repoPath(repo)}/issues/comments/${id}`), headers: this.headers(token), body: { body } });
    return parseOrThrow(CommentSchema, res.data, "github", "updated comment");
  }

  /** `DELETE /repos/{o}/{r}/issues/comments/{id}`; a comment already gone counts as deleted. */
  async deleteComment(token: string, repo: string, id: number): Promise<void> {
    try {
      await this.http.request({ method: "DELETE", url: this.url(`/repos/${repoPath(repo)}/issues/comments/${id}`), headers: this.headers(token) });
    } catch (e) {
      if (!(e instanceof ConnectorError && e.code === "not-found")) throw e;
    }
  }

  /** `POST /app/installations/{id}/access_tokens` with the app JWT. */
  async createInstallationToken(appJwt: string, installationId: string) {
    const res = await this.http.json({ method: "POST", url: this.url(`/app/installations/${enc(installationId)}/access_tokens`), headers: this.headers(appJwt) });
    return parseOrThrow(InstallationTokenSchema, res.data, "github", "installation token");
  }

  /** `GET /installation/repositories` (all pages). */
  async installationRepositories(token: string) {
    const repos: z.infer<typeof InstallationRepositoriesSchema>["repositories"] = [];
    let url: string | undefined = this.url("/installation/repositories", { per_page: 100 });
    for (let i = 0; url && i < 50; i++) {
      const res: { headers: Headers; data: unknown } = await this.getJson(token, url);
      repos.push(...parseOrThrow(InstallationRepositoriesSchema, res.data, "github", "installation repositories").repositories);
      url = parseLinkHeader(res.headers.get("link")).next;
    }
    return repos;
  }

  /** `GET /user`. */
  async user(token: string) {
    return parseOrThrow(UserResponseSchema, (await this.getJson(token, this.url("/user"))).data, "github", "user");
  }

  /** `GET /user/installations`. */
  async userInstallations(token: string) {
    const res = await this.getJson(token, this.url("/user/installations", { per_page: 100 }));
    return parseOrThrow(UserInstallationsSchema, res.data, "github", "user installations").installations;
  }

  /** `GET /user/repos` (all pages). */
  userRepos(token: string) {
    return this.getAllPages(token, this.url("/user/repos", { per_page: 100, sort: "full_name" }), RepositoryListSchema, "user repositories");
  }

  /** `DELETE /applications/{client_id}/grant` (basic auth with the OAuth app's credentials). */
  async revokeGrant(clientId: string, clientSecret: string, accessToken: string): Promise<void> {
    await this.http.request({
      method: "DELETE",
      url: this.url(`/applications/${enc(clientId)}/grant`),
      headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}`, accept: "application/vnd.github+json" },
      body: { access_token: accessToken },
    });
  }
}
