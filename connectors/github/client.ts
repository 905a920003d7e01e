/**
 * One function per GitHub REST endpoint we use, through `@octokit/rest`. The
 * Octokit instance carries no retry or throttling plugin (`@octokit/rest` ships
 * none), and its transport is the shared `HttpClient.fetch` (`request.fetch`):
 * injected fetch, timeout, rate-limit headers and the status → `ConnectorError`
 * mapping stay the same for every tracker; `sdkError` unwraps what Octokit
 * wraps. Every answer is validated with the zod schemas in `schema.ts` (the
 * issue list item by item, in the connector). Pagination: the issue walk keeps
 * its own `page` cursor (it restarts at the last `updated_at`); the small lists
 * (labels, comments, repositories) follow `Link: rel=next` with
 * `octokit.paginate.iterator`.
 *
 * @example
 * const gh = new GithubClient(http, "https://api.github.com");
 * const { items, next } = await gh.listIssues(token, "octo/repo", { since, page: 1 });
 */
import { Octokit } from "@octokit/rest";
import type { z } from "zod";
import { ConnectorError } from "../errors";
import { parseOrThrow, sdkError, type HttpClient } from "../http";
import {
  CommentListSchema,
  CommentSchema,
  InstallationTokenSchema,
  LabelListSchema,
  LabelSchema,
  RepositoryListSchema,
  UserInstallationsSchema,
  UserResponseSchema,
} from "./schema";

export const GITHUB_PAGE_SIZE = 100;
const API_VERSION = "2022-11-28";
/** At most this many pages of a small list (labels, comments, repositories). */
const MAX_PAGES = 50;

/** Parse an RFC 8288 `Link` header into rel → URL. */
export function parseLinkHeader(value: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  for (const part of value.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (m) for (const rel of m[2]!.split(/\s+/)) out[rel] = m[1]!;
  }
  return out;
}

/** `owner/name` → Octokit's route parameters. */
function ownerRepo(fullName: string): { owner: string; repo: string } {
  const i = fullName.indexOf("/");
  return { owner: fullName.slice(0, i), repo: fullName.slice(i + 1) };
}

const notFound = (e: ConnectorError) => e.code === "not-found";

export class GithubClient {
  readonly octokit: Octokit;

  constructor(
    readonly http: HttpClient,
    apiBase: string,
  ) {
    this.octokit = new Octokit({
      baseUrl: apiBase.replace(/\/$/, ""),
      userAgent: "backlog-auditor",
      request: { fetch: http.fetch },
      // Failures surface as ConnectorError to the caller; the request log would only repeat them on the console.
      log: { debug: () => {}, info: () => {}, warn: console.warn, error: () => {} },
    });
  }

  private headers(token: string): Record<string, string> {
    return { authorization: `Bearer ${token}`, accept: "application/vnd.github+json", "x-github-api-version": API_VERSION };
  }

  /** Runs one Octokit call; every failure leaves as a `ConnectorError`. */
  private async call<T>(fn: (o: Octokit) => Promise<T>): Promise<T> {
    try {
      return await fn(this.octokit);
    } catch (e) {
      throw sdkError(e, "github");
    }
  }

  /** Same, but `null` when the tracker says the thing is not there. */
  private async callOrNull<T>(fn: (o: Octokit) => Promise<T>, absent: (e: ConnectorError) => boolean = notFound): Promise<T | null> {
    try {
      return await this.call(fn);
    } catch (e) {
      if (e instanceof ConnectorError && absent(e)) return null;
      throw e;
    }
  }

  /** Follows `Link: rel=next` with Octokit's paginator, validating each page (small lists: labels, comments, repos). */
  private async allPages<T>(schema: z.ZodType<T[]>, what: string, start: (o: Octokit) => AsyncIterable<{ data: unknown }>): Promise<T[]> {
    return this.call(async (o) => {
      const out: T[] = [];
      let pages = 0;
      for await (const page of start(o)) {
        out.push(...parseOrThrow(schema, page.data, "github", what));
        if (++pages >= MAX_PAGES) break;
      }
      return out;
    });
  }

  /** `GET /repos/{o}/{r}/issues?state=all&sort=updated&direction=asc&since&per_page=100&page`. */
  async listIssues(token: string, repo: string, p: { since: string | null; page: number }): Promise<{ items: unknown[]; next: string | null }> {
    const res = await this.call((o) =>
      o.rest.issues.listForRepo({
        ...ownerRepo(repo),
        state: "all",
        sort: "updated",
        direction: "asc",
        per_page: GITHUB_PAGE_SIZE,
        ...(p.since ? { since: p.since } : {}),
        ...(p.page > 1 ? { page: p.page } : {}),
        headers: this.headers(token),
        // A page of 100 issues is the one large body: Octokit's bigint-safe JSON parser takes ~4x the CPU of
        // JSON.parse on it (measured in bench/github-sync.mjs), so this call reads the body itself.
        request: { parseSuccessResponseBody: false },
      }),
    );
    let data: unknown;
    try {
      data = JSON.parse(await new Response(res.data as unknown as ReadableStream | null).text());
    } catch {
      throw new ConnectorError("invalid-response", "github sent a body that is not JSON", { tracker: "github" });
    }
    if (!Array.isArray(data)) throw new ConnectorError("invalid-response", "github issue list is not an array", { tracker: "github" });
    return { items: data, next: parseLinkHeader(res.headers.link).next ?? null };
  }

  /** `GET /repos/{o}/{r}/issues/{n}`; null when missing or deleted (404/410). */
  async getIssue(token: string, repo: string, number: number): Promise<unknown | null> {
    const res = await this.callOrNull((o) => o.rest.issues.get({ ...ownerRepo(repo), issue_number: number, headers: this.headers(token) }));
    return res === null ? null : (res.data as unknown);
  }

  /** `GET /repos/{o}/{r}/issues/{n}/labels` (all pages). */
  issueLabels(token: string, repo: string, number: number) {
    return this.allPages(LabelListSchema, "issue labels", (o) =>
      o.paginate.iterator(o.rest.issues.listLabelsOnIssue, { ...ownerRepo(repo), issue_number: number, per_page: 100, headers: this.headers(token) }),
    );
  }

  /** `GET /repos/{o}/{r}/labels` (all pages). */
  repoLabels(token: string, repo: string) {
    return this.allPages(LabelListSchema, "repository labels", (o) =>
      o.paginate.iterator(o.rest.issues.listLabelsForRepo, { ...ownerRepo(repo), per_page: 100, headers: this.headers(token) }),
    );
  }

  /** `POST /repos/{o}/{r}/labels`; returns false when it already exists (422 already_exists). */
  async createLabel(token: string, repo: string, label: { name: string; color: string; description: string }): Promise<boolean> {
    const res = await this.callOrNull(
      (o) => o.rest.issues.createLabel({ ...ownerRepo(repo), ...label, headers: this.headers(token) }),
      (e) => e.details.status === 422 && /already_exists/.test(e.message),
    );
    if (res === null) return false;
    parseOrThrow(LabelSchema, res.data, "github", "created label");
    return true;
  }

  /** `POST /repos/{o}/{r}/issues/{n}/labels`: adds, returns the issue's labels after. */
  async addLabels(token: string, repo: string, number: number, labels: string[]) {
    const res = await this.call((o) => o.rest.issues.addLabels({ ...ownerRepo(repo), issue_number: number, labels, headers: this.headers(token) }));
    return parseOrThrow(LabelListSchema, res.data, "github", "issue labels");
  }

  /** `DELETE /repos/{o}/{r}/issues/{n}/labels/{name}`: returns the labels after, or null if it was not there. */
  async removeLabel(token: string, repo: string, number: number, name: string) {
    const res = await this.callOrNull((o) => o.rest.issues.removeLabel({ ...ownerRepo(repo), issue_number: number, name, headers: this.headers(token) }));
    return res === null ? null : parseOrThrow(LabelListSchema, res.data, "github", "issue labels");
  }

  /** `GET /repos/{o}/{r}/issues/{n}/comments` (all pages). */
  listComments(token: string, repo: string, number: number) {
    return this.allPages(CommentListSchema, "issue comments", (o) =>
      o.paginate.iterator(o.rest.issues.listComments, { ...ownerRepo(repo), issue_number: number, per_page: 100, headers: this.headers(token) }),
    );
  }

  /** `POST /repos/{o}/{r}/issues/{n}/comments`. */
  async createComment(token: string, repo: string, number: number, body: string) {
    const res = await this.call((o) => o.rest.issues.createComment({ ...ownerRepo(repo), issue_number: number, body, headers: this.headers(token) }));
    return parseOrThrow(CommentSchema, res.data, "github", "created comment");
  }

  /** `PATCH /repos/{o}/{r}/issues/comments/{id}`. */
  async updateComment(token: string, repo: string, id: number, body: string) {
    const res = await this.call((o) => o.rest.issues.updateComment({ ...ownerRepo(repo), comment_id: id, body, headers: this.headers(token) }));
    return parseOrThrow(CommentSchema, res.data, "github", "updated comment");
  }

  /** `DELETE /repos/{o}/{r}/issues/comments/{id}`; a comment already gone counts as deleted. */
  async deleteComment(token: string, repo: string, id: number): Promise<void> {
    await this.callOrNull((o) => o.rest.issues.deleteComment({ ...ownerRepo(repo), comment_id: id, headers: this.headers(token) }));
  }

  /** `POST /app/installations/{id}/access_tokens` with the app JWT. */
  async createInstallationToken(appJwt: string, installationId: string) {
    const res = await this.call((o) =>
      o.request("POST /app/installations/{installation_id}/access_tokens", {
        installation_id: installationId as unknown as number,
        headers: this.headers(appJwt),
      }),
    );
    return parseOrThrow(InstallationTokenSchema, res.data, "github", "installation token");
  }

  /** `GET /installation/repositories` (all pages; the paginator unwraps `repositories`). */
  installationRepositories(token: string) {
    return this.allPages(RepositoryListSchema, "installation repositories", (o) =>
      o.paginate.iterator(o.rest.apps.listReposAccessibleToInstallation, { per_page: 100, headers: this.headers(token) }),
    );
  }

  /** `GET /user`. */
  async user(token: string) {
    const res = await this.call((o) => o.rest.users.getAuthenticated({ headers: this.headers(token) }));
    return parseOrThrow(UserResponseSchema, res.data, "github", "user");
  }

  /** `GET /user/installations` (first page). */
  async userInstallations(token: string) {
    const res = await this.call((o) => o.rest.apps.listInstallationsForAuthenticatedUser({ per_page: 100, headers: this.headers(token) }));
    return parseOrThrow(UserInstallationsSchema, res.data, "github", "user installations").installations;
  }

  /** `GET /user/repos` (all pages). */
  userRepos(token: string) {
    return this.allPages(RepositoryListSchema, "user repositories", (o) =>
      o.paginate.iterator(o.rest.repos.listForAuthenticatedUser, { per_page: 100, sort: "full_name", headers: this.headers(token) }),
    );
  }

  /** `DELETE /applications/{client_id}/grant` (basic auth with the OAuth app's credentials). */
  async revokeGrant(clientId: string, clientSecret: string, accessToken: string): Promise<void> {
    await this.call((o) =>
      o.rest.apps.deleteAuthorization({
        client_id: clientId,
        access_token: accessToken,
        headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}`, accept: "application/vnd.github+json" },
      }),
    );
  }
}
